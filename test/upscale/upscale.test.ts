/**
 * `upscale` on real photos with the real converted models (CPU).
 *
 * PSNR: a 120x120 crop is shrunk by the scale with an antialiased Catmull-Rom filter (sharp 'cubic'), then
 * enlarged back by our effect and by the same bicubic filter; both are compared with the original crop.
 * Stated margins (measured on this machine in brackets): fast x4 fish +0.5 dB [+0.94], fast x4 chessboard
 * photo +1.5 dB [+2.34], fast x3 fish +1.0 dB [+2.2], fast x2 fish +3 dB [+5.3], quality x4 fish +0.8 dB
 * [+1.42]. Honest caveat: these GAN-trained models trade PSNR for sharpness; on fine stochastic texture
 * (fruit skin, fur) x4plus scores 0.3-3 dB *below* bicubic while looking sharper, so PSNR is checked on
 * edge-dominated real photos where the comparison is meaningful.
 *
 * Tiling: 32-px tiles with 16 px overlap vs a single tile differ by at most 0.005 (measured 0.0012) and a
 * seam detector finds no step at any tile border; the same detector does flag hard-cut tiles (overlap 0),
 * so it can fail.
 */
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createEffectContext } from '../../core/src/runtime/context.ts';
import { upscaleEffect, type UpscaleParams } from '../../core/src/effects/upscale/descriptor.ts';
import { resolveParams } from '../../core/src/effects/params.ts';
import { getEffect } from '../../core/src/effects/registry.ts';
import type { Frame } from '../../core/src/effects/frame.ts';
import {
  frameToPlanar,
  loadPlanar,
  planarToFrame,
  psnr,
  resizePlanar,
} from '../../models/converters/ncnn/testing/images.ts';
import { maxAbsDiff } from '../../models/converters/test-math.ts';
import { outputSizeOf } from '../../core/src/effects/descriptor-data.ts';

const fixture = (name: string) => path.join(import.meta.dirname, 'fixtures', name);
const ctx = createEffectContext({ providers: ['cpu'] });
const processorP = upscaleEffect.createProcessor(ctx);
afterAll(() => ctx.sessions.dispose());

const params = (p: Partial<UpscaleParams>) => resolveParams(upscaleEffect.params, p) as UpscaleParams;

async function upscale(frame: Frame, p: Partial<UpscaleParams>): Promise<Frame> {
  return (await processorP).process(frame, params(p));
}

describe('upscale effect', () => {
  it('is registered and grows the output size (OFX region of definition)', () => {
    expect(getEffect('upscale')).toBe(upscaleEffect);
    expect(outputSizeOf(upscaleEffect, 640, 480, params({ scale: '480p-1440p' }))).toEqual({
      width: 1920,
      height: 1440,
    });
    expect(outputSizeOf(upscaleEffect, 1920, 1080, params({ scale: '2' }))).toEqual({
      width: 3840,
      height: 2160,
    });
  });

  it.each<[string, UpscaleParams['model'], UpscaleParams['scale'], number]>([
    ['happyfish-128.png', 'fast', '4', 0.5],
    ['chessboard-photo-128.png', 'fast', '4', 1.5],
    ['happyfish-128.png', 'fast', '3', 1.0],
    ['happyfish-128.png', 'fast', '2', 3.0],
    ['happyfish-128.png', 'quality', '4', 0.8],
  ])('%s %s x%s beats bicubic PSNR by >= %f dB', async (file, model, scale, margin) => {
    const s = Number(scale);
    const hr = await loadPlanar(fixture(file), { left: 0, top: 0, width: 120, height: 120 });
    const lr = await resizePlanar(hr, 120 / s, 120 / s, 'cubic');
    const bicubic = await resizePlanar(lr, 120, 120, 'cubic');
    const out = await upscale(planarToFrame(lr), { model, scale, tileSize: 256 });
    expect([out.width, out.height]).toEqual([120, 120]);
    const ours = psnr(frameToPlanar(out).data, hr.data);
    const base = psnr(bicubic.data, hr.data);
    expect(ours - base).toBeGreaterThanOrEqual(margin);
  });

  describe('tiling on a real photo (fast model, x4)', () => {
    const load = async () =>
      planarToFrame(
        await loadPlanar(fixture('happyfish-128.png'), { left: 0, top: 0, width: 96, height: 80 }),
      );

    it('tiled vs untiled max difference <= 0.005 and no seams at tile borders', async () => {
      const frame = await load();
      const whole = await upscale(frame, { scale: '4', tileSize: 2048 });
      const tiled = await upscale(frame, { scale: '4', tileSize: 32, overlap: 16 });
      expect(maxAbsDiff(frameToPlanar(tiled).data, frameToPlanar(whole).data)).toBeLessThanOrEqual(0.005);
      // Tile cores are 32 input px = 128 output px: borders at x = 128, 256 and y = 128.
      expect(seamScore(tiled, whole, [128, 256], [128])).toBeLessThan(1.5);
    });

    it('the seam detector flags hard-cut tiles (overlap 0)', async () => {
      const frame = await load();
      const whole = await upscale(frame, { scale: '4', tileSize: 2048 });
      const cut = await upscale(frame, { scale: '4', tileSize: 32, overlap: 0 });
      expect(seamScore(cut, whole, [128, 256], [128])).toBeGreaterThan(3);
    });
  });

  it('carries alpha through (bilinear), independent of the colour', async () => {
    const img = await loadPlanar(fixture('fruits-128.png'), { left: 0, top: 0, width: 72, height: 16 });
    const frame = planarToFrame(img, (x) => x / 71);
    const out = await upscale(frame, { scale: '2', tileSize: 32, overlap: 4 });
    expect([out.width, out.height]).toEqual([144, 32]);
    // Half-pixel bilinear of a linear ramp is the ramp itself away from the clamped edges.
    for (let x = 2; x < 142; x++) {
      const expected = ((x + 0.5) / 2 - 0.5) / 71;
      expect(out.data[10 * out.stride + x * 4 + 3]).toBeCloseTo(expected, 5);
    }
  });

  it('rejects non-finite input and unknown params clearly', async () => {
    const frame = planarToFrame(
      await loadPlanar(fixture('fruits-128.png'), { left: 0, top: 0, width: 8, height: 8 }),
    );
    frame.data[5] = NaN;
    await expect(upscale(frame, {})).rejects.toThrow(/non-finite sample/);
    expect(() => resolveParams(upscaleEffect.params, { scale: '5' })).toThrow(/scale/);
  });
});

/**
 * Seam detector: at each tile border (output px), the step across the border in (tiled - untiled) compared
 * with the typical step between neighbouring columns/rows nearby. A seam is a jump at the border that the
 * untiled result does not have; a score near 1 means the border looks like any other column.
 */
function seamScore(tiled: Frame, ref: Frame, xBorders: number[], yBorders: number[]): number {
  const diff = (x: number, y: number) => {
    let s = 0;
    for (let c = 0; c < 3; c++)
      s += tiled.data[y * tiled.stride + x * 4 + c]! - ref.data[y * ref.stride + x * 4 + c]!;
    return s / 3;
  };
  const colStep = (x: number) => {
    let s = 0;
    for (let y = 0; y < tiled.height; y++) s += Math.abs(diff(x, y) - diff(x - 1, y));
    return s / tiled.height;
  };
  const rowStep = (y: number) => {
    let s = 0;
    for (let x = 0; x < tiled.width; x++) s += Math.abs(diff(x, y) - diff(x, y - 1));
    return s / tiled.width;
  };
  let worst = 0;
  const score = (step: (i: number) => number, border: number, length: number) => {
    const around: number[] = [];
    for (let i = border - 24; i <= border + 24; i++)
      if (i > 0 && i < length && Math.abs(i - border) > 2) around.push(step(i));
    const typical = around.reduce((a, b) => a + b, 0) / around.length;
    // 1e-4 floor: both images agree to float precision away from the blend bands.
    worst = Math.max(worst, step(border) / Math.max(typical, 1e-4));
  };
  for (const x of xBorders) score(colStep, x, tiled.width);
  for (const y of yBorders) score(rowStep, y, tiled.height);
  return worst;
}
