/**
 * Shared by the media tests: fixture paths, temporary folders, and independent read-back through ffmpeg /
 * ffprobe directly (not through our decoder), so a bug in decode.ts cannot hide a bug in encode.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { ffmpegPath, ffprobePath } from '../../core/src/media/ffmpeg.ts';
import { createFrame, type Frame } from '../../core/src/effects/frame.ts';

export { fixture, fixturesDir } from '../support/paths.ts';

export function makeTempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mlxv-media-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Runs the product's ffmpeg (quiet but for errors) to make a test input; throws with its stderr on failure. */
export async function ffmpeg(args: readonly string[]): Promise<void> {
  await execa(ffmpegPath(), ['-v', 'error', ...args]);
}

/**
 * MD5 of a file's video, read back by ffmpeg itself: the coded bitstream as stored, or the decoded frames as
 * YUVA 4:4:4 10-bit (ProRes 4444's own sampling, so nothing is converted on the way).
 */
export async function videoMd5(file: string, what: 'bitstream' | 'decoded'): Promise<string> {
  const args =
    what === 'bitstream'
      ? ['-map', '0:v', '-c', 'copy']
      : ['-map', '0:v', '-f', 'rawvideo', '-pix_fmt', 'yuva444p10le'];
  const { stdout } = await execa(ffmpegPath(), ['-v', 'error', '-i', file, ...args, '-f', 'md5', '-']);
  return stdout.trim();
}

export interface ProbedStream {
  codec_type: string;
  codec_name: string;
  pix_fmt?: string;
  r_frame_rate?: string;
  avg_frame_rate?: string;
  nb_frames?: string;
  nb_read_frames?: string;
  duration?: string;
  color_space?: string;
  color_range?: string;
  color_primaries?: string;
  tags?: Record<string, string>;
}

/** Raw ffprobe streams, with decoded frames counted (-count_frames) so the number is measured, not declared. */
export async function ffprobeStreams(file: string): Promise<ProbedStream[]> {
  const { stdout } = await execa(ffprobePath()!, [
    '-v',
    'error',
    '-count_frames',
    '-print_format',
    'json',
    '-show_streams',
    file,
  ]);
  return (JSON.parse(stdout) as { streams: ProbedStream[] }).streams;
}

/** The alpha plane of every frame as 16-bit values, decoded by ffmpeg itself (alphaextract). */
export async function ffmpegAlphaPlanes(
  file: string,
  width: number,
  height: number,
  decoder?: string,
): Promise<Uint16Array[]> {
  const args = ['-v', 'error', ...(decoder ? ['-c:v', decoder] : []), '-i', file];
  args.push('-vf', 'alphaextract,format=gray16le', '-f', 'rawvideo', 'pipe:1');
  const { stdout } = await execa(ffmpegPath(), args, { encoding: 'buffer', maxBuffer: 1 << 28 });
  const bytes = Buffer.from(stdout);
  const planeBytes = width * height * 2;
  const planes: Uint16Array[] = [];
  for (let off = 0; off + planeBytes <= bytes.length; off += planeBytes) {
    planes.push(
      new Uint16Array(bytes.buffer.slice(bytes.byteOffset + off, bytes.byteOffset + off + planeBytes)),
    );
  }
  return planes;
}

/** A known, frame-varying alpha: a horizontal ramp shifted 3 px per frame. Values in 0..1. */
export function testAlpha(x: number, width: number, frameIndex: number): number {
  return ((x + 3 * frameIndex) % width) / (width - 1);
}

export function withTestAlpha(frame: Frame, frameIndex: number): Frame {
  for (let y = 0; y < frame.height; y++) {
    for (let x = 0; x < frame.width; x++)
      frame.data[y * frame.stride + x * 4 + 3] = testAlpha(x, frame.width, frameIndex);
  }
  return frame;
}

export function solidFrame(width: number, height: number, rgba: [number, number, number, number]): Frame {
  const frame = createFrame(width, height);
  for (let i = 0; i < width * height; i++) frame.data.set(rgba, i * 4);
  return frame;
}
