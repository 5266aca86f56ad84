/**
 * Issue 10, "Stills": images in and out. `-o x.png` writes one image (no %d, no folder); a 16-bit PNG in gives
 * 16-bit out; JPEG, TIFF, WebP and EXR in and out; a still into every filter effect; the same through the
 * daemon. Inputs are real photos (the astronaut fixture, OpenCV's messi5.jpg); outputs are read back with
 * ffmpeg, not with our decoder, and compared with the source or an independent reference.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runJobViaDaemon } from '../../core/src/daemon/connect.ts';
import { listEffects } from '../../core/src/effects/registry.ts';
import { runJob } from '../../core/src/pipeline/run-job.ts';
import { createEffectContext } from '../../core/src/runtime/context.ts';
import { startDaemonProcess } from '../support/daemon-process.ts';
import { fixture, repoRoot } from '../support/paths.ts';
import { makeClip, mlxv } from './helpers.ts';
import { writesGrey } from '../../core/src/effects/descriptor-data.ts';
import { resolveParams } from '../../core/src/effects/params.ts';

const sh = promisify(execFile);
const ASTRONAUT = '/usr/lib/python3/dist-packages/skimage/data/astronaut.png';
let dir: string;
let photo: string; // 8-bit JPEG crop of a real photo
let deep: string; // 16-bit PNG with real 16-bit samples (not 8-bit values padded)
/** In-process runs share one context (models load once); the CLI runs are the README commands. */
const ctx = createEffectContext({});

async function streamOf(file: string): Promise<Record<string, string | number>> {
  const { stdout } = await sh('ffprobe', [
    ...['-v', 'error', '-count_frames', '-show_entries'],
    ...['stream=codec_name,width,height,pix_fmt,nb_read_frames', '-of', 'json', file],
  ]);
  return (JSON.parse(stdout) as { streams: Record<string, string | number>[] }).streams[0]!;
}

/** Samples decoded by ffmpeg: 16-bit RGB (or float RGB for `float`), as plain numbers in 0..1. */
async function pixels(file: string, float = false): Promise<Float64Array> {
  const { stdout } = await sh(
    'ffmpeg',
    ['-v', 'error', '-i', file, '-f', 'rawvideo', '-pix_fmt', float ? 'gbrpf32le' : 'rgb48le', 'pipe:1'],
    { encoding: 'buffer', maxBuffer: 1 << 26 },
  );
  if (float) return Float64Array.from(new Float32Array(stdout.buffer, stdout.byteOffset, stdout.length / 4));
  const u16 = new Uint16Array(stdout.buffer, stdout.byteOffset, stdout.length / 2);
  return Float64Array.from(u16, (v) => v / 65535);
}

function meanAbs(a: Float64Array, b: Float64Array): number {
  expect(a.length).toBe(b.length);
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i]! - b[i]!);
  return sum / a.length;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'mlxv-cli-stills-'));
  photo = path.join(dir, 'photo.jpg');
  const messi = path.join(repoRoot, 'models', 'converters', 'tfjs', 'testdata', 'messi5.jpg');
  await sh('ffmpeg', ['-v', 'error', '-i', messi, '-vf', 'crop=96:64:200:100', '-q:v', '2', photo]);
  deep = path.join(dir, 'deep.png');
  // Resampled in 48-bit RGB, so most samples are not multiples of 257 (real 16-bit precision).
  await sh('ffmpeg', [
    ...['-v', 'error', '-i', fixture('astronaut-256.png')],
    ...['-vf', 'format=rgb48le,scale=48:48:flags=bicubic', '-pix_fmt', 'rgb48be', deep],
  ]);
}, 180_000);
afterAll(async () => {
  await ctx.sessions.dispose();
  await rm(dir, { recursive: true, force: true });
});

describe('stills in and out', () => {
  it('upscale photo.jpg -o big.png --param scale=4 writes ONE PNG of 4x the size, of that photo', async () => {
    const out = path.join(dir, 'big.png');
    const r = await mlxv(['run', 'upscale', photo, '-o', out, '--param', 'scale=4']);
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`wrote ${out} (1 frames`);
    expect((await readdir(dir)).sort()).toEqual(['big.png', 'deep.png', 'photo.jpg']);
    expect(await streamOf(out)).toMatchObject({
      codec_name: 'png',
      width: 384,
      height: 256,
      nb_read_frames: '1',
    });
    // The same photo, not just the right size: brought back to 96x64 by ffmpeg (area), it is within 16/255 on
    // average of the source (measured 9/255: ESRGAN also removes the JPEG noise; a crop 10 px off is 54/255).
    const down = path.join(dir, 'ref', 'down.png');
    await sh('mkdir', ['-p', path.dirname(down)]);
    await sh('ffmpeg', ['-v', 'error', '-i', out, '-vf', 'scale=96:64:flags=area', down]);
    expect(meanAbs(await pixels(down), await pixels(photo))).toBeLessThan(16 / 255);
    await rm(path.dirname(down), { recursive: true });
  }, 300_000);

  it('a 16-bit PNG in gives a 16-bit PNG out with the same samples (identity), and 16-bit from upscale', async () => {
    const same = path.join(dir, 'same.png');
    await runJob({ effect: 'identity', input: deep, output: same, params: {} }, { ctx });
    expect((await streamOf(same)).pix_fmt).toBe('rgba64be');
    const [a, b] = await Promise.all([pixels(deep), pixels(same)]);
    expect(Buffer.from(b.buffer).equals(Buffer.from(a.buffer))).toBe(true);
    // Not trivially 8-bit: most samples carry low-byte detail an 8-bit path would lose.
    expect(a.filter((v) => Math.round(v * 65535) % 257 !== 0).length).toBeGreaterThan(a.length / 2);

    const big = path.join(dir, 'deep-x2.png');
    await runJob({ effect: 'upscale', input: deep, output: big, params: { scale: '2' } }, { ctx });
    expect(await streamOf(big)).toMatchObject({ pix_fmt: 'rgba64be', width: 96, height: 96 });
  }, 300_000);

  it('JPEG, TIFF, WebP and EXR out (and back in), each one image close to the source', async () => {
    // In-process (same runJob as the CLI and the daemon): eight node starts would only add minutes.
    const source = await pixels(deep);
    // [extension, codec, bound on the mean difference from the source]
    const cases: Array<[string, string, number]> = [
      ['tif', 'tiff', 0],
      ['jpg', 'mjpeg', 4 / 255],
      ['webp', 'webp', 6 / 255],
      ['exr', 'exr', 0.5 / 255],
    ];
    for (const [ext, codec, bound] of cases) {
      const out = path.join(dir, `still.${ext}`);
      await runJob({ effect: 'identity', input: deep, output: out, params: {} }, { ctx });
      expect(await streamOf(out)).toMatchObject({
        codec_name: codec,
        width: 48,
        height: 48,
        nb_read_frames: '1',
      });
      // Back in through our decoder, out as 16-bit PNG: the round trip stays close to the source.
      const back = path.join(dir, `back-${ext}.png`);
      await runJob({ effect: 'identity', input: out, output: back, params: {} }, { ctx });
      expect(meanAbs(await pixels(back), source)).toBeLessThanOrEqual(bound);
    }
    // EXR holds linear light: ffmpeg's raw float read of it is the sRGB curve undone on the source.
    const linear = await pixels(path.join(dir, 'still.exr'), true);
    const gbr = await pixels(deep, true); // same planar order as the EXR read
    const toLinear = (v: number) => (v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
    expect(meanAbs(linear, gbr.map(toLinear))).toBeLessThan(0.002);
  }, 300_000);

  it('a video into -o x.png needs one frame: refused with the fix, then --frames 3-3 writes that frame', async () => {
    const clip = path.join(dir, 'clip.mp4');
    await makeClip(clip, { frames: 5, size: '64x48', rate: '25' });
    const out = path.join(dir, 'frame.png');
    const refused = await mlxv(['run', 'identity', clip, '-o', out]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(
      `[BAD_PARAM]: output ${out} is a single image, but this job makes 5 frames`,
    );
    expect(refused.stderr).toContain('frame_%04d.png');
    const one = await mlxv(['run', 'identity', clip, '-o', out, '--frames', '3-3']);
    expect(one.code).toBe(0);
    expect(await streamOf(out)).toMatchObject({ codec_name: 'png', width: 64, nb_read_frames: '1' });
    await rm(clip);
  }, 300_000);
});

describe('stills everywhere jobs run', () => {
  it('every filter effect takes a still and writes one image (in-process, the daemon path shares it)', async () => {
    const filters = listEffects().filter((e) => e.kind === 'filter');
    expect(filters.map((e) => e.id)).toEqual(expect.arrayContaining(['identity', 'matte', 'upscale']));
    for (const effect of filters) {
      const out = path.join(dir, `effect-${effect.id}.png`);
      // Effects that cannot run on defaults: face-puppet needs the portrait it animates, colorize colours to
      // carry (the still as its own reference).
      const needs: Record<string, Record<string, string>> = {
        'face-puppet': { portrait: ASTRONAUT },
        colorize: { reference: deep },
      };
      const params = needs[effect.id] ?? {};
      const result = await runJob({ effect: effect.id, input: deep, output: out, params }, { ctx });
      expect(result.frames).toBe(1);
      const s = await streamOf(out);
      // Effects declaring a one-channel output (a depth pass) write it as 16-bit grey.
      const grey = writesGrey(effect, resolveParams(effect.params, params));
      const pixFmt = grey ? 'gray16be' : 'rgba64be';
      expect(s).toMatchObject({ codec_name: 'png', pix_fmt: pixFmt, nb_read_frames: '1' });
      expect(Number(s.width) % 48).toBe(0);
    }
  }, 300_000);

  it("the daemon's job.submit writes one image too", async () => {
    const daemon = await startDaemonProcess({ startTimeoutMs: 60_000, killAfterMs: 10_000 });
    try {
      const out = path.join(dir, 'daemon.webp');
      const result = await runJobViaDaemon(
        { effect: 'identity', input: photo, output: out, params: {} },
        { connect: { configDir: daemon.dir, port: daemon.port } },
      );
      expect(result).toMatchObject({ output: out, frames: 1 });
      expect(await streamOf(out)).toMatchObject({ codec_name: 'webp', width: 96, height: 64 });
    } finally {
      await daemon.stop();
    }
  }, 300_000);
});
