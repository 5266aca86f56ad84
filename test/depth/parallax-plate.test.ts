/**
 * parallax's background plate (core/src/effects/parallax/plate.ts) on real footage: within a still shot it
 * keeps what was behind nearer content and takes the current frame elsewhere; across a real cut (the street
 * shot to the close-up, both real clips) it restarts from the new shot. The cut frame is given nearer depth
 * everywhere than the plate holds, so without the restart the per-pixel rule would keep the old shot in every
 * pixel: only the cut guard can make the plate equal the new frame.
 */
import { expect, it } from 'vitest';
import { BackgroundPlate } from '../../core/src/effects/parallax/plate.ts';
import { cropFrame } from '../../core/src/runtime/tensor.ts';
import type { F32Frame } from '../../core/src/effects/frame.ts';
import { decodeAll, fixture } from '../matte/helpers.ts';

const SIDE = 288; // the close-up's size; the street shot (384x288) is cropped to it

function nearnessOf(
  width: number,
  height: number,
  value: number,
  box?: { x: number; y: number; w: number; h: number },
) {
  const data = new Float32Array(width * height).fill(value);
  if (box) {
    for (let y = box.y; y < box.y + box.h; y++) data.fill(0.9, y * width + box.x, y * width + box.x + box.w);
  }
  return { width, height, data };
}

/** Samples that differ (a count, so a failure prints a number rather than a 330 000-sample diff). */
function differing(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let n = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) n++;
  return n;
}

const pixel = (f: F32Frame, x: number, y: number) =>
  Array.from(f.data.subarray(y * f.stride + x * 4, y * f.stride + x * 4 + 4));

it('keeps the background behind nearer content within a shot, and restarts at a real cut', async () => {
  const street = (await decodeAll(fixture('wide-street.mp4'), { start: 0, end: 6 })).map((f) =>
    cropFrame(f, { x: 48, y: 0, width: SIDE, height: SIDE }),
  );
  const [closeup] = await decodeAll(fixture('closeup-2398.mp4'), { start: 0, end: 0 });
  expect([closeup!.width, closeup!.height]).toEqual([SIDE, SIDE]);

  const plate = new BackgroundPlate();
  const first = plate.update(street[0]!, nearnessOf(SIDE, SIDE, 0.2));
  expect(differing(first.image.data, street[0]!.data)).toBe(0);

  // Six frames later in the same still shot, with a near object over a box: the box keeps frame 0's pixels
  // (what was behind it), the rest takes frame 6's.
  const box = { x: 100, y: 120, w: 60, h: 80 };
  const later = plate.update(street[6]!, nearnessOf(SIDE, SIDE, 0.2, box));
  expect(pixel(later.image, box.x + 10, box.y + 10)).toEqual(pixel(street[0]!, box.x + 10, box.y + 10));
  expect(pixel(later.image, 10, 10)).toEqual(pixel(street[6]!, 10, 10));
  // The two frames differ somewhere in the box, or the first check above proves nothing.
  let differs = false;
  for (let y = box.y; y < box.y + box.h && !differs; y++)
    for (let x = box.x; x < box.x + box.w && !differs; x++)
      differs = pixel(street[0]!, x, y).join() !== pixel(street[6]!, x, y).join();
  expect(differs).toBe(true);

  // The cut: everything nearer than the plate, so only a restart lets the new shot in.
  const cut = plate.update(closeup!, nearnessOf(SIDE, SIDE, 0.9));
  expect(differing(cut.image.data, closeup!.data)).toBe(0);
  expect(Array.from(cut.nearness.data.subarray(0, 5))).toEqual([0.9, 0.9, 0.9, 0.9, 0.9].map(Math.fround));
});
