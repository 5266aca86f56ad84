/**
 * colorize through the surfaces scripts use (issue 13 "Names"): `mlxv run colorize in.mp4 -o out.mov --param
 * reference=ref.png --param referenceFrame=0`, a still in → a still out with `--param hints=`, several
 * references as comma lists, a daemon job, and a bad hints file reported by the CLI with its name. Outputs are
 * read back with ffmpeg, not with our decoder.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runJobViaDaemon } from '../../core/src/daemon/connect.ts';
import { startDaemonProcess, type DaemonProcess } from '../support/daemon-process.ts';
import { mlxv } from '../cli/helpers.ts';
import { ROOT } from './support.ts';

const sh = promisify(execFile);
const W = 192;
const H = 144;
let dir: string;
let greyClip: string;
let colourClip: string;
let ref0: string;
let ref5: string;

/** RGB24 frames of a file, decoded by ffmpeg. */
async function rgbFrames(file: string): Promise<Uint8Array[]> {
  const { stdout } = await sh(
    'ffmpeg',
    ['-v', 'error', '-i', file, '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1'],
    { encoding: 'buffer', maxBuffer: 1 << 26 },
  );
  const size = W * H * 3;
  return Array.from({ length: stdout.length / size }, (_, k) => stdout.subarray(k * size, (k + 1) * size));
}

/** Mean |Cb| + |Cr| distance (BT.709, 0..255 scale) between two RGB24 frames. */
function chromaDistance(a: Uint8Array, b: Uint8Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i += 3) {
    const ch = (p: Uint8Array): [number, number] => {
      const y = 0.2126 * p[i]! + 0.7152 * p[i + 1]! + 0.0722 * p[i + 2]!;
      return [(p[i + 2]! - y) / 1.8556, (p[i]! - y) / 1.5748];
    };
    const [ab, ar] = ch(a);
    const [bb, br] = ch(b);
    s += Math.abs(ab - bb) + Math.abs(ar - br);
  }
  return s / (a.length / 3);
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'mlxv-colorize-cli-'));
  const src = path.join(ROOT, 'test/fixtures/wide-street.mp4');
  colourClip = path.join(dir, 'colour.mp4');
  greyClip = path.join(dir, 'grey.mp4');
  const common = ['-v', 'error', '-y', '-i', src, '-frames:v', '6'];
  await sh('ffmpeg', [
    ...common,
    '-vf',
    `scale=${W}:${H}`,
    '-c:v',
    'libx264',
    '-crf',
    '12',
    '-pix_fmt',
    'yuv444p',
    colourClip,
  ]);
  await sh('ffmpeg', [
    ...common,
    '-vf',
    `scale=${W}:${H},format=gray`,
    '-c:v',
    'libx264',
    '-crf',
    '12',
    '-pix_fmt',
    'yuv420p',
    greyClip,
  ]);
  ref0 = path.join(dir, 'ref0.png');
  ref5 = path.join(dir, 'ref5.png');
  await sh('ffmpeg', [
    '-v',
    'error',
    '-y',
    '-i',
    colourClip,
    '-vf',
    'select=eq(n\\,0)',
    '-frames:v',
    '1',
    ref0,
  ]);
  await sh('ffmpeg', [
    '-v',
    'error',
    '-y',
    '-i',
    colourClip,
    '-vf',
    'select=eq(n\\,5)',
    '-frames:v',
    '1',
    ref5,
  ]);
});

describe('colorize from the CLI and the daemon', () => {
  let daemon: DaemonProcess | undefined;
  afterAll(async () => daemon?.stop());

  it('mlxv run colorize in.mp4 -o out.mov --param reference=ref.png --param referenceFrame=0', async () => {
    const out = path.join(dir, 'out.mov');
    const r = await mlxv([
      'run',
      'colorize',
      greyClip,
      '-o',
      out,
      '--param',
      `reference=${ref0}`,
      '--param',
      'referenceFrame=0',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const [outs, truth, grey] = await Promise.all([
      rgbFrames(out),
      rgbFrames(colourClip),
      rgbFrames(greyClip),
    ]);
    expect(outs).toHaveLength(6);
    for (const t of [0, 3, 5]) {
      const ours = chromaDistance(outs[t]!, truth[t]!);
      const none = chromaDistance(grey[t]!, truth[t]!);
      expect(ours, `frame ${t}`).toBeLessThan(none / 2);
    }
  }, 300_000);

  it('several references as comma lists (frames 0 and 5): frame 5 takes its own reference', async () => {
    const out = path.join(dir, 'two-refs.mov');
    const r = await mlxv([
      'run',
      'colorize',
      greyClip,
      '-o',
      out,
      '--param',
      `reference=${ref0},${ref5}`,
      '--param',
      'referenceFrame=0,5',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const [outs, truth] = await Promise.all([rgbFrames(out), rgbFrames(colourClip)]);
    expect(outs).toHaveLength(6);
    expect(chromaDistance(outs[5]!, truth[5]!)).toBeLessThan(1.5);
  }, 300_000);

  it('--frames 3-5: referenceFrame and hintsFrame number frames of the input clip, not of the range', async () => {
    // Hints drawn on clip frame 4 (an orange stroke over a grey street), the colour of clip frame 5.
    const strokes = path.join(dir, 'strokes-frame4.png');
    const px = Buffer.alloc(W * H * 4);
    for (let y = 60; y < 66; y++) for (let x = 80; x < 110; x++) px.set([255, 140, 0, 255], (y * W + x) * 4);
    await sharp(px, { raw: { width: W, height: H, channels: 4 } })
      .png()
      .toFile(strokes);
    const out = path.join(dir, 'range.mov');
    const r = await mlxv([
      'run',
      'colorize',
      greyClip,
      '-o',
      out,
      '--frames',
      '3-5',
      '--param',
      `reference=${ref5}`,
      '--param',
      'referenceFrame=5',
      '--param',
      `hints=${strokes}`,
      '--param',
      'hintsFrame=4',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const [outs, truth] = await Promise.all([rgbFrames(out), rgbFrames(colourClip)]);
    expect(outs).toHaveLength(3);
    // Clip frame 5 (the third rendered frame) is anchored to its reference, as frame 5 of a full run is.
    expect(chromaDistance(outs[2]!, truth[5]!)).toBeLessThan(1.5);
    // Clip frame 4 (the second rendered frame) carries the stroke: orange (Cr > 0 > Cb) where the street is not.
    const strokeChroma = (rgb: Uint8Array): { cb: number; cr: number } => {
      let cb = 0;
      let cr = 0;
      let k = 0;
      for (let y = 61; y < 65; y++)
        for (let x = 82; x < 108; x++) {
          const i = (y * W + x) * 3;
          const yy = 0.2126 * rgb[i]! + 0.7152 * rgb[i + 1]! + 0.0722 * rgb[i + 2]!;
          cb += (rgb[i + 2]! - yy) / 1.8556;
          cr += (rgb[i]! - yy) / 1.5748;
          k++;
        }
      return { cb: cb / k, cr: cr / k };
    };
    const hinted = strokeChroma(outs[1]!);
    const street = strokeChroma(truth[4]!);
    expect(hinted.cr - street.cr).toBeGreaterThan(15);
    expect(street.cb - hinted.cb).toBeGreaterThan(15);
  }, 300_000);

  it('a still in gives a still out (hints), and the daemon runs the same job', async () => {
    const still = path.join(dir, 'grey.png');
    await sh('ffmpeg', ['-v', 'error', '-y', '-i', greyClip, '-frames:v', '1', still]);
    // One orange stroke in the middle, transparent elsewhere.
    const strokes = path.join(dir, 'strokes.png');
    const px = Buffer.alloc(W * H * 4);
    for (let y = 60; y < 66; y++) for (let x = 80; x < 110; x++) px.set([255, 140, 0, 255], (y * W + x) * 4);
    await sharp(px, { raw: { width: W, height: H, channels: 4 } })
      .png()
      .toFile(strokes);
    const out = path.join(dir, 'hinted.png');
    const r = await mlxv(['run', 'colorize', still, '-o', out, '--param', `hints=${strokes}`]);
    expect(r.code, r.stderr).toBe(0);
    const { stdout } = await sh('ffprobe', [
      '-v',
      'error',
      '-count_frames',
      '-show_entries',
      'stream=codec_name,nb_read_frames',
      '-of',
      'csv=p=0',
      out,
    ]);
    expect(stdout.trim()).toBe('png,1');

    daemon = await startDaemonProcess({ startTimeoutMs: 60_000, killAfterMs: 10_000 });
    const viaDaemon = path.join(dir, 'daemon.png');
    const result = await runJobViaDaemon(
      {
        effect: 'colorize',
        input: still,
        output: viaDaemon,
        params: { reference: ref0, referenceFrame: '0' },
      },
      { connect: { configDir: daemon.dir, port: daemon.port } },
    );
    expect(result).toMatchObject({ output: viaDaemon, frames: 1 });
    const [daemonOut] = await rgbFrames(viaDaemon);
    const [truth] = await rgbFrames(ref0);
    expect(chromaDistance(daemonOut!, truth!)).toBeLessThan(1.5);
  }, 300_000);

  it('no reference, no hints, mode not auto: the CLI names the params to set and writes nothing', async () => {
    const out = path.join(dir, 'nothing.mov');
    const r = await mlxv(['run', 'colorize', greyClip, '-o', out]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('BAD_PARAM');
    expect(r.stderr).toMatch(
      /nothing to take colours from.*--param reference=.*--param hints=.*--param mode=auto/,
    );
    await expect(sh('ls', [out])).rejects.toThrow();
  }, 120_000);

  it('a hints file that is not an image: the CLI names it and writes nothing', async () => {
    const bogus = path.join(dir, 'strokes.txt');
    await writeFile(bogus, 'not an image');
    const out = path.join(dir, 'never.png');
    const r = await mlxv([
      'run',
      'colorize',
      path.join(dir, 'grey.png'),
      '-o',
      out,
      '--param',
      `hints=${bogus}`,
    ]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`cannot read the hints file ${bogus} as an image`);
    expect(r.stderr).toContain('BAD_PARAM');
    await expect(sh('ls', [out])).rejects.toThrow();
  }, 120_000);
});
