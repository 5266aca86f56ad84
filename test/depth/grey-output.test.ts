/**
 * One-channel grey output (descriptor `outputKind` → plan `grey` → encoder): a depth pass is written as
 * gray16 PNG/TIFF (stills and PNG sequences) and a single-channel EXR, checked with ffprobe's pix_fmt and by
 * reading the samples back; video containers stay RGB with a note. The values must survive exactly: ffmpeg's
 * RGB → grey conversion is checked against the frame that went in (R = G = B ramps, 16-bit).
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFrame } from '../../core/src/effects/frame.ts';
import { createEncoder } from '../../core/src/media/encode.ts';
import { outputKindOf, writesGrey } from '../../core/src/effects/descriptor-data.ts';
import { depthEffect } from '../../core/src/effects/depth/descriptor.ts';
import { lensBlurEffect } from '../../core/src/effects/lens-blur/descriptor.ts';
import type { OutputFormat } from '../../core/src/pipeline/types.ts';

const exec = promisify(execFile);
const W = 64;
const H = 8;
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'mlxv-grey-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** A grey ramp: every 16-bit step distinct across the row, R = G = B, opaque. */
function ramp() {
  const f = createFrame(W, H);
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      const v = (x * 1021 + y * 7) / 65535;
      f.data.set([v, v, v, 1], y * f.stride + x * 4);
    }
  return f;
}

async function write(format: OutputFormat, name: string, grey: boolean, frames = 1) {
  const output = path.join(dir, name);
  const enc = await createEncoder({
    output,
    format,
    width: W,
    height: H,
    frameRate: { num: 25, den: 1 },
    grey,
  });
  for (let i = 0; i < frames; i++) await enc.write(ramp());
  await enc.finish();
  return { output, notes: enc.notes };
}

async function pixFmt(file: string): Promise<string> {
  const { stdout } = await exec('ffprobe', [
    ...['-v', 'error', '-show_entries', 'stream=pix_fmt', '-of', 'csv=p=0', file],
  ]);
  return stdout.trim();
}

/** The file's samples as 16-bit grey (ffmpeg decodes; for gray16 files no conversion happens). */
async function grey16(file: string): Promise<Uint16Array> {
  const raw = `${file}.raw`;
  await exec('ffmpeg', ['-v', 'error', '-y', '-i', file, '-f', 'rawvideo', '-pix_fmt', 'gray16le', raw]);
  const b = await readFile(raw);
  return new Uint16Array(b.buffer, b.byteOffset, b.length / 2);
}

describe('grey output', () => {
  it('the depth effect declares its passes grey and its isolate output a picture', () => {
    expect(writesGrey(depthEffect, { output: 'depth' })).toBe(true);
    expect(writesGrey(depthEffect, { output: 'matte' })).toBe(true);
    expect(outputKindOf(depthEffect, { output: 'isolate' })).toBe('rgba');
    expect(writesGrey(depthEffect, { output: 'isolate' })).toBe(false);
    expect(writesGrey(lensBlurEffect, {})).toBe(false); // a picture effect that says nothing
  });

  it('PNG, PNG sequence and TIFF are one 16-bit grey channel with the exact values', async () => {
    const expected = ramp();
    for (const [format, name, fmt] of [
      ['png', 'pass.png', 'gray16be'],
      ['tiff', 'pass.tif', 'gray16le'],
    ] as const) {
      const { output } = await write(format, name, true);
      expect(await pixFmt(output)).toBe(fmt);
      const px = await grey16(output);
      for (let i = 0; i < W * H; i++) expect(px[i]).toBe(Math.round(expected.data[i * 4]! * 65535));
    }
    const seq = path.join(dir, 'seq');
    await mkdir(seq);
    await write('png-sequence', 'seq', true, 3);
    const files = (await readdir(seq)).filter((f) => f.endsWith('.png'));
    expect(files).toHaveLength(3);
    for (const f of files) expect(await pixFmt(path.join(seq, f))).toBe('gray16be');
  });

  it('EXR is a single channel; video stays RGB with a note; pictures stay RGBA', async () => {
    const exr = await write('exr', 'pass.exr', true);
    expect(await pixFmt(exr.output)).toMatch(/^gray/);
    const mov = await write('prores4444', 'pass.mov', true);
    expect(mov.notes.join('\n')).toMatch(/grey written as RGB: prores4444/);
    const rgba = await write('png', 'picture.png', false);
    expect(await pixFmt(rgba.output)).toBe('rgba64be');
  });
});
