/**
 * Tiling without a network: the blend weights are a partition of unity, tiles cover the frame, memory per
 * model run is bounded by the tile size even for a 4K output, and alpha is resampled through.
 */
import { describe, expect, it } from 'vitest';
import { createFrame } from '../effects/frame.ts';
import { axisWeights, planAxis, upscaleTiled, type TileRunner } from './tiling.ts';

/** A stand-in "model": nearest-neighbour x4, so tiled output must equal untiled output exactly. */
const nearestX4: TileRunner = async (rgb, w, h) => {
  const out = new Float32Array(3 * 16 * w * h);
  for (let c = 0; c < 3; c++)
    for (let y = 0; y < 4 * h; y++)
      for (let x = 0; x < 4 * w; x++)
        out[(c * 4 * h + y) * 4 * w + x] = rgb[(c * h + (y >> 2)) * w + (x >> 2)]!;
  return out;
};

describe('planAxis / axisWeights', () => {
  it.each([
    [100, 32, 8, 4],
    [97, 30, 12, 3],
    [64, 64, 16, 2],
    [250, 40, 0, 1],
  ])('length %i tile %i overlap %i scale %i: weights sum to 1 at every output pixel', (len, tile, ov, s) => {
    const tiles = planAxis(len, tile, ov);
    expect(tiles[0]!.coreStart).toBe(0);
    expect(tiles.at(-1)!.coreEnd).toBe(len);
    const sum = new Float64Array(len * s);
    for (const t of tiles) {
      const w = axisWeights(t, len, ov / 2, s, t.regionStart * s, t.regionEnd * s);
      w.forEach((v, i) => (sum[t.regionStart * s + i]! += v));
      // No weight on the outer half of the context: that is where border effects live.
      if (t.coreStart > 0 && ov > 0) expect(w[0]).toBe(0);
    }
    for (const v of sum) expect(v).toBeCloseTo(1, 6);
  });

  it('rejects an overlap larger than the tile', () => {
    expect(() => planAxis(100, 10, 20)).toThrow(/overlap 20 must not exceed/);
  });
});

describe('upscaleTiled', () => {
  it('tiled equals untiled for a translation-invariant stand-in model, alpha resampled', async () => {
    const f = createFrame(37, 23);
    for (let i = 0; i < f.data.length; i++) f.data[i] = ((i * 7919) % 101) / 100;
    const whole = await upscaleTiled(f, nearestX4, {
      modelScale: 4,
      outputScale: 4,
      tileSize: 64,
      overlap: 8,
    });
    const tiled = await upscaleTiled(f, nearestX4, {
      modelScale: 4,
      outputScale: 4,
      tileSize: 10,
      overlap: 6,
    });
    expect(tiled.width).toBe(148);
    expect(tiled.height).toBe(92);
    let max = 0;
    for (let i = 0; i < whole.data.length; i++)
      max = Math.max(max, Math.abs(whole.data[i]! - tiled.data[i]!));
    expect(max).toBeLessThan(1e-5);
    // Alpha: a constant stays constant, and it is never taken from the RGB model.
    const a = createFrame(20, 10);
    for (let i = 3; i < a.data.length; i += 4) a.data[i] = 0.25;
    const up = await upscaleTiled(a, nearestX4, { modelScale: 4, outputScale: 2, tileSize: 8, overlap: 4 });
    for (let i = 3; i < up.data.length; i += 4) expect(up.data[i]).toBeCloseTo(0.25, 6);
  });

  it('a 4K output from 960x540 never hands the model more than one tile plus context', async () => {
    const f = createFrame(960, 540);
    f.data.fill(0.5);
    let maxPixels = 0;
    let runs = 0;
    const runner: TileRunner = async (rgb, w, h) => {
      maxPixels = Math.max(maxPixels, w * h);
      runs++;
      return new Float32Array(3 * 16 * w * h).fill(0.5);
    };
    const out = await upscaleTiled(f, runner, { modelScale: 4, outputScale: 4, tileSize: 128, overlap: 16 });
    expect([out.width, out.height]).toEqual([3840, 2160]);
    expect(maxPixels).toBeLessThanOrEqual((128 + 32) ** 2);
    expect(runs).toBe(8 * 5);
    expect(out.data[1000 * out.stride + 2000 * 4]).toBeCloseTo(0.5, 6);
  });

  it('downscales model output with an area filter for scale < model scale', async () => {
    // A 1-px checkerboard at model scale averages to flat grey at half the model scale.
    const checker: TileRunner = async (_rgb, w, h) => {
      const out = new Float32Array(3 * 16 * w * h);
      for (let i = 0; i < out.length; i++) {
        const x = i % (4 * w);
        const y = Math.floor(i / (4 * w)) % (4 * h);
        out[i] = (x + y) % 2;
      }
      return out;
    };
    const out = await upscaleTiled(createFrame(8, 8), checker, {
      modelScale: 4,
      outputScale: 2,
      tileSize: 64,
      overlap: 0,
    });
    for (let i = 0; i < out.data.length; i += 4) expect(out.data[i]).toBeCloseTo(0.5, 5);
  });

  it('stops between tiles when aborted', async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(
      upscaleTiled(createFrame(16, 16), nearestX4, {
        modelScale: 4,
        outputScale: 4,
        tileSize: 8,
        overlap: 2,
        signal: ac.signal,
      }),
    ).rejects.toThrow();
  });
});
