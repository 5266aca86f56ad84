import { describe, expect, it } from 'vitest';
import { createFrame } from '../../core/src/effects/frame.ts';
import { composeOutput } from '../../core/src/effects/matte/compose.ts';
import { srgbToLinear } from '../../core/src/runtime/srgb.ts';

/** Two pixels: colour (0.8, 0.4, 0.2) with alpha 0.25 and 1. */
function setup(colorSpace: 'display' | 'linear' = 'display') {
  const frame = createFrame(2, 1, 'f32', colorSpace);
  frame.data.set([0.8, 0.4, 0.2, 1, 0.8, 0.4, 0.2, 1]);
  const alpha = { width: 2, height: 1, data: Float32Array.from([0.25, 1]) };
  return { frame, alpha };
}

describe('matte output modes', () => {
  it('straight, premultiplied, alpha and composite over a colour', () => {
    const { frame, alpha } = setup();
    const bg = { color: [0, 0.5, 1, 1] as const };
    expect(Array.from(composeOutput(frame, alpha, 'rgba-straight', bg).data.slice(0, 4))).toEqual(
      [0.8, 0.4, 0.2, 0.25].map(Math.fround),
    );
    const pm = composeOutput(frame, alpha, 'rgba-premultiplied', bg).data;
    expect(pm[0]).toBeCloseTo(0.2, 6);
    expect(pm[1]).toBeCloseTo(0.1, 6);
    expect(pm[3]).toBeCloseTo(0.25, 6);
    const a = composeOutput(frame, alpha, 'alpha', bg).data;
    expect(Array.from(a.slice(0, 8))).toEqual([0.25, 0.25, 0.25, 1, 1, 1, 1, 1]);
    const c = composeOutput(frame, alpha, 'composite', bg).data;
    expect(c[0]).toBeCloseTo(0.8 * 0.25 + 0 * 0.75, 6);
    expect(c[1]).toBeCloseTo(0.4 * 0.25 + 0.5 * 0.75, 6);
    expect(c[2]).toBeCloseTo(0.2 * 0.25 + 1 * 0.75, 6);
    expect(c[3]).toBeCloseTo(1, 6);
    expect(c[4]).toBeCloseTo(0.8, 6); // alpha 1: the foreground
  });

  it('composite over a translucent colour is "over" with the combined coverage', () => {
    const { frame, alpha } = setup();
    const c = composeOutput(frame, alpha, 'composite', { color: [0, 0, 1, 0.5] }).data;
    const outA = 0.25 + 0.5 * 0.75;
    expect(c[3]).toBeCloseTo(outA, 6);
    expect(c[2]).toBeCloseTo((0.2 * 0.25 + 1 * 0.5 * 0.75) / outA, 6);
  });

  it('composite over a plate uses the plate pixel, and decodes display colours on a linear frame', () => {
    const { frame, alpha } = setup('linear');
    const plate = createFrame(2, 1, 'f32', 'display');
    plate.data.set([0.5, 0.5, 0.5, 1, 0.1, 0.1, 0.1, 1]);
    const c = composeOutput(frame, alpha, 'composite', { color: [1, 0, 0, 1], plate }).data;
    expect(c[0]).toBeCloseTo(0.8 * 0.25 + srgbToLinear(0.5) * 0.75, 6);
    const k = composeOutput(frame, alpha, 'composite', { color: [0.5, 0, 0, 1] }).data;
    expect(k[0]).toBeCloseTo(0.8 * 0.25 + srgbToLinear(0.5) * 0.75, 6);
  });
});
