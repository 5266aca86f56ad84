/** Small helpers the bench sections share: medians, rounding for tables, real frames to time effects on. */
import path from 'node:path';
import sharp from 'sharp';
import { createFrame, type Frame } from '../core/src/effects/frame.ts';
import { repoRoot } from '../core/src/models/paths.ts';

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** One decimal, for table cells. */
export function round1(v: number): number {
  return Math.round(v * 10) / 10;
}

/**
 * The first `count` frames of the vtest.avi street scene (test/interpolate/fixtures/vtest-<i>.png), resized
 * (lanczos3) to width x height, as opaque display-referred frames.
 */
export async function streetFrames(width: number, height: number, count: number): Promise<Frame[]> {
  const out: Frame[] = [];
  for (let i = 1; i <= count; i++) {
    const file = path.join(repoRoot, 'test', 'interpolate', 'fixtures', `vtest-${i}.png`);
    const data = await sharp(file)
      .removeAlpha()
      .resize(width, height, { kernel: 'lanczos3', fit: 'fill' })
      .raw()
      .toBuffer();
    const f = createFrame(width, height);
    for (let p = 0; p < width * height; p++) {
      f.data[p * 4] = data[p * 3]! / 255;
      f.data[p * 4 + 1] = data[p * 3 + 1]! / 255;
      f.data[p * 4 + 2] = data[p * 3 + 2]! / 255;
      f.data[p * 4 + 3] = 1;
    }
    out.push(f);
  }
  return out;
}
