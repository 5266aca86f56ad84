/**
 * Helpers for end-to-end CLI tests: spawn the real `node core/bin/mlxv.js`, make small real clips with
 * ffmpeg, and read outputs back with ffprobe (independently of our own media code).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import path from 'node:path';
import { repoRoot } from '../support/paths.ts';

const run = promisify(execFile);
export const mlxvBin = path.join(repoRoot, 'core', 'bin', 'mlxv.js');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function spawnMlxv(
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
  cwd = repoRoot,
): ChildProcess {
  return spawn(process.execPath, [mlxvBin, ...args], {
    cwd,
    env: { ...process.env, ...env, FORCE_COLOR: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

export function collect(child: ChildProcess): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

export function mlxv(
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
  cwd = repoRoot,
): Promise<CliResult> {
  return collect(spawnMlxv(args, env, cwd));
}

/** The alpha plane of every frame of a video, decoded by ffmpeg (8-bit, one byte per pixel). */
export async function alphaPlane(file: string): Promise<Uint8Array> {
  const { stdout } = await run(
    'ffmpeg',
    ['-v', 'error', '-i', file, '-vf', 'alphaextract,format=gray', '-f', 'rawvideo', 'pipe:1'],
    { encoding: 'buffer', maxBuffer: 1 << 28 },
  );
  return new Uint8Array(stdout);
}

/** A small real H.264 clip from ffmpeg's test source (moving pattern + counter), optionally with audio. */
export async function makeClip(
  file: string,
  opts: { frames: number; size?: string; rate?: string; audio?: boolean; faststart?: boolean },
): Promise<void> {
  const size = opts.size ?? '160x120';
  const rate = opts.rate ?? '30000/1001';
  const args = ['-v', 'error', '-y', '-f', 'lavfi', '-i', `testsrc2=size=${size}:rate=${rate}`];
  if (opts.audio) args.push('-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000');
  args.push(
    '-frames:v',
    String(opts.frames),
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-pix_fmt',
    'yuv420p',
  );
  if (opts.audio) args.push('-c:a', 'aac', '-shortest');
  if (opts.faststart) args.push('-movflags', '+faststart');
  args.push(file);
  await run('ffmpeg', args);
}

export interface Probed {
  frames: number;
  rate: string;
  pixFmt: string;
  codec: string;
  hasAudio: boolean;
}

/** Frame count by decoding every frame (-count_frames), not from the header. */
export async function probe(file: string): Promise<Probed> {
  const { stdout } = await run('ffprobe', [
    '-v',
    'error',
    '-count_frames',
    '-show_entries',
    'stream=codec_type,codec_name,nb_read_frames,r_frame_rate,pix_fmt',
    '-of',
    'json',
    file,
  ]);
  const streams = (JSON.parse(stdout) as { streams: Record<string, string>[] }).streams;
  const video = streams.find((s) => s.codec_type === 'video')!;
  return {
    frames: Number(video.nb_read_frames),
    rate: video.r_frame_rate!,
    pixFmt: video.pix_fmt!,
    codec: video.codec_name!,
    hasAudio: streams.some((s) => s.codec_type === 'audio'),
  };
}
