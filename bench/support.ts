/** Small helpers the bench sections share: medians, rounding for tables, real frames to time effects on. */
import path from 'node:path';
import type { Frame } from '../core/src/effects/frame.ts';
import { repoRoot } from '../core/src/models/paths.ts';
import { imageFrame } from '../test/support/images.ts';

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
    out.push(await imageFrame(file, { width, height }));
  }
  return out;
}
