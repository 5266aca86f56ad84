/**
 * The command names, end to end through the real CLI (worker pool, encoder, ffprobe):
 *   mlxv run depth photo.jpg -o depth.png             → one 16-bit grey PNG (gray16be), near = white
 *   mlxv run parallax photo.jpg -o move.mp4 ...       → exactly seconds × fps frames
 *   mlxv run parallax in.mp4 -o out.mp4 ...           → the clip's frame count and rate
 *   mlxv run lens-blur in.mp4 -o out.mov --param focus=0.5
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mlxv } from '../cli/helpers.ts';
import { repoRoot } from '../../core/src/models/paths.ts';
import { runJobViaDaemon } from '../../core/src/daemon/connect.ts';
import { startDaemonProcess } from '../support/daemon-process.ts';
import { ALOE_LEFT, aloeNearness } from './helpers.ts';

const run = promisify(execFile);
let dir: string;
let photo: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'mlxv-depth-cli-'));
  photo = path.join(dir, 'photo.jpg');
  await sharp(ALOE_LEFT).resize({ width: 160 }).jpeg().toFile(photo);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function stream(file: string): Promise<Record<string, string | number>> {
  const { stdout } = await run('ffprobe', [
    ...['-v', 'error', '-count_frames', '-show_entries'],
    ...['stream=codec_name,width,height,pix_fmt,r_frame_rate,nb_read_frames', '-of', 'json', file],
  ]);
  return (JSON.parse(stdout) as { streams: Record<string, string | number>[] }).streams[0]!;
}

describe('depth effects from the CLI', () => {
  it('mlxv run depth photo.jpg -o depth.png writes a 16-bit grey pass, near = white', async () => {
    const out = path.join(dir, 'depth.png');
    const r = await mlxv(['run', 'depth', photo, '-o', out]);
    expect(r.code, r.stderr).toBe(0);
    // One 16-bit grey channel (descriptor outputKind 'depth' → encoder grey), not RGBA.
    expect(await stream(out)).toMatchObject({ codec_name: 'png', pix_fmt: 'gray16be', width: 160 });
    const raw = path.join(dir, 'depth.gray16');
    await run('ffmpeg', ['-v', 'error', '-i', out, '-f', 'rawvideo', '-pix_fmt', 'gray16le', raw]);
    const bytes = await readFile(raw);
    const px = new Uint16Array(bytes.buffer, bytes.byteOffset, bytes.length / 2);
    const info = { width: 160, height: px.length / 160 };
    const levels = new Set<number>();
    let bottom = 0;
    let top = 0;
    for (let y = 0; y < info.height; y++)
      for (let x = 0; x < info.width; x++) {
        const v = px[y * info.width + x]!;
        levels.add(v);
        if (y > info.height * 0.9) bottom += v;
        if (y < info.height * 0.1) top += v;
      }
    expect(levels.size).toBeGreaterThan(256); // more than 8 bits of depth
    expect(bottom).toBeGreaterThan(top); // the table in front (bottom) is nearer than the backdrop (top)
  }, 300_000);

  it('mlxv run parallax photo.jpg -o move.mp4 --param motion=dolly-in --param seconds=1 gives 24 frames', async () => {
    const out = path.join(dir, 'move.mp4');
    const r = await mlxv([
      ...['run', 'parallax', photo, '-o', out],
      ...['--param', 'motion=dolly-in', '--param', 'seconds=1', '--param', 'source=layered-fast'],
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(await stream(out)).toMatchObject({ nb_read_frames: '24', width: 160 });
  }, 300_000);

  it('mlxv run parallax in.mp4 -o out.mp4 --param motion=dolly-in keeps the clip’s frames and rate', async () => {
    const out = path.join(dir, 'clip-move.mp4');
    const clip = path.join(repoRoot, 'test/fixtures/wide-street.mp4');
    const r = await mlxv([
      ...['run', 'parallax', clip, '-o', out, '--frames', '0-4'],
      ...['--param', 'motion=dolly-in', '--param', 'source=layered-fast'],
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(await stream(out)).toMatchObject({ nb_read_frames: '5', width: 384, r_frame_rate: '10/1' });
  }, 300_000);

  it('mlxv run lens-blur in.mp4 -o out.mov --param focus=0.5 renders the clip', async () => {
    const out = path.join(dir, 'out.mov');
    const clip = path.join(repoRoot, 'test/fixtures/wide-street.mp4');
    const r = await mlxv([
      ...['run', 'lens-blur', clip, '-o', out, '--frames', '0-2'],
      ...['--param', 'focus=0.5', '--param', 'source=layered-fast'],
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(await stream(out)).toMatchObject({ codec_name: 'prores', nb_read_frames: '3', width: 384 });
  }, 300_000);

  it("the daemon's job.submit runs parallax from a photo and a depth file, and over a clip", async () => {
    const depth = path.join(dir, 'depth-160.png');
    await aloeNearness(160, depth);
    const daemon = await startDaemonProcess({ startTimeoutMs: 60_000, killAfterMs: 10_000 });
    try {
      const out = path.join(dir, 'daemon-orbit.mp4');
      const result = await runJobViaDaemon(
        {
          effect: 'parallax',
          input: photo,
          output: out,
          params: { depth, motion: 'orbit', seconds: 0.5, fps: '25' },
        },
        { connect: { configDir: daemon.dir, port: daemon.port } },
      );
      expect(result).toMatchObject({ output: out, frames: 13 });
      expect(await stream(out)).toMatchObject({ nb_read_frames: '13', width: 160 });
      const clipOut = path.join(dir, 'daemon-clip.mp4');
      const clipResult = await runJobViaDaemon(
        {
          effect: 'parallax',
          input: path.join(repoRoot, 'test/fixtures/wide-street.mp4'),
          output: clipOut,
          frames: { start: 0, end: 3 },
          params: { motion: 'pan-left', source: 'layered-fast' },
        },
        { connect: { configDir: daemon.dir, port: daemon.port } },
      );
      expect(clipResult).toMatchObject({ output: clipOut, frames: 4 });
      expect(await stream(clipOut)).toMatchObject({ nb_read_frames: '4', r_frame_rate: '10/1' });
    } finally {
      await daemon.stop();
    }
  }, 300_000);
});
