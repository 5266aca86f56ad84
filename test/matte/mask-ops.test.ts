import { describe, expect, it } from 'vitest';
import { boxBlur, choke, createMask, dilate, erode, levels } from '../../core/src/runtime/mask-ops.ts';

/** A 9x9 mask with a 3x3 square of ones in the middle. */
function square() {
  const m = createMask(9, 9);
  for (let y = 3; y < 6; y++) for (let x = 3; x < 6; x++) m.data[y * 9 + x] = 1;
  return m;
}
const sum = (d: Float32Array) => d.reduce((a, b) => a + b, 0);

describe('mask-ops', () => {
  it('box blur keeps the mass away from the edges and spreads it by the radius', () => {
    const b = boxBlur(square(), 1);
    expect(sum(b.data)).toBeCloseTo(9, 4);
    expect(b.data[4 * 9 + 4]).toBeCloseTo(1, 5); // centre of a 3x3 block under a 3x3 box
    expect(b.data[2 * 9 + 2]).toBeCloseTo(1 / 9, 5); // corner touches one pixel of the block
    expect(b.data[0]).toBe(0);
  });

  it('dilate grows and erode shrinks by the radius; choke sign picks which', () => {
    expect(sum(dilate(square(), 1).data)).toBe(25);
    expect(sum(erode(square(), 1).data)).toBe(1);
    expect(sum(choke(square(), 1).data)).toBe(1);
    expect(sum(choke(square(), -1).data)).toBe(25);
    expect(choke(square(), 0).data).toEqual(square().data);
  });

  it('van Herk morphology equals the plain window min/max on random data, at every radius', () => {
    const w = 23;
    const h = 17;
    let seed = 7;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const m = createMask(w, h);
    for (let i = 0; i < m.data.length; i++) m.data[i] = rand();
    for (const r of [1, 2, 3, 5, 12, 30]) {
      const dil = dilate(m, r).data;
      const ero = erode(m, r).data;
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          let hi = -Infinity;
          let lo = Infinity;
          for (let j = Math.max(0, y - r); j <= Math.min(h - 1, y + r); j++) {
            for (let i = Math.max(0, x - r); i <= Math.min(w - 1, x + r); i++) {
              hi = Math.max(hi, m.data[j * w + i]!);
              lo = Math.min(lo, m.data[j * w + i]!);
            }
          }
          expect(dil[y * w + x]).toBe(hi);
          expect(ero[y * w + x]).toBe(lo);
        }
      }
    }
  });

  it('levels is the identity at threshold 0.5 / softness 0.5 and a step at softness 0', () => {
    const m = createMask(5, 1);
    m.data.set([0, 0.2, 0.5, 0.7, 1]);
    expect(Array.from(levels(m, 0.5, 0.5).data)).toEqual(Array.from(m.data));
    expect(Array.from(levels(m, 0.6, 0).data)).toEqual([0, 0, 0, 1, 1]);
    const l = levels(m, 0.5, 0.25).data;
    expect(l[1]).toBe(0);
    expect(l[2]).toBeCloseTo(0.5, 6);
    expect(l[4]).toBe(1);
  });
});
