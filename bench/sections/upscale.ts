/**
 * Upscale per-frame times at the common sizes: 480p → 1440p (3x) and 1080p → 4K (2x, tiled), for the fast
 * (animevideov3) and quality (x4plus) models.
 *
 *   inference     session.run time inside the frame (LoadedSession stats), i.e. pure model time
 *   end to end    upscale processor wall time for the frame: tiling, packing, model, area downscale, feathered
 *                 blending into the output frame, alpha resampling
 *   overhead      end to end - inference
 *
 * Frames are a real street frame (OpenCV vtest.avi, test/interpolate/fixtures) enlarged with lanczos to the
 * input size. One untimed warm-up tile-sized frame first. x4plus costs ~80 ms per 1000 input pixels on an
 * idle 2-core CPU (minutes per 1080p frame), so its cases are timed on a 320x240 / 480x270 region with the
 * same tile size and scaled by the pixel ratio (the cost is per pixel), unless MLXV_BENCH_FULL=1.
 */
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { createEffectContext } from '../../core/src/runtime/context.ts';
import {
  upscaleEffect,
  UPSCALE_MODELS,
  type UpscaleParams,
} from '../../core/src/effects/upscale/descriptor.ts';
import { planAxis } from '../../core/src/runtime/tiling.ts';
import { round1, streetFrames } from '../support.ts';
import type { BenchCell, BenchSection } from '../types.ts';
import { outputSizeOf } from '../../core/src/effects/descriptor-data.ts';

interface Case {
  model: 'fast' | 'quality';
  label: string;
  width: number;
  height: number;
  scale: UpscaleParams['scale'];
  frames: number;
  /** Time a centred crop of this size instead and scale by the pixel ratio. */
  sample?: { width: number; height: number };
}

const full = process.env.MLXV_BENCH_FULL === '1';
const cases: Case[] = [
  { model: 'fast', label: '480p → 1440p', width: 640, height: 480, scale: '480p-1440p', frames: 2 },
  { model: 'fast', label: '1080p → 4K', width: 1920, height: 1080, scale: '2', frames: 1 },
  {
    model: 'quality',
    label: '480p → 1440p',
    width: 640,
    height: 480,
    scale: '480p-1440p',
    frames: 1,
    ...(full ? {} : { sample: { width: 320, height: 240 } }),
  },
  {
    model: 'quality',
    label: '1080p → 4K',
    width: 1920,
    height: 1080,
    scale: '2',
    frames: 1,
    ...(full ? {} : { sample: { width: 480, height: 270 } }),
  },
];

const TILE = 256;
const OVERLAP = 16;

export async function run(): Promise<BenchSection> {
  const ctx = createEffectContext();
  const processor = await upscaleEffect.createProcessor(ctx);
  const rows: BenchCell[][] = [];
  const providers = new Set<string>();
  try {
    for (const c of cases) {
      const params: UpscaleParams = { scale: c.scale, model: c.model, tileSize: TILE, overlap: OVERLAP };
      const session = await ctx.sessions.get(UPSCALE_MODELS[c.model]);
      providers.add(session.provider);
      await processor.process((await streetFrames(64, 48, 1))[0]!, params); // warm-up
      const w = c.sample?.width ?? c.width;
      const h = c.sample?.height ?? c.height;
      const frame = (await streetFrames(w, h, 1))[0]!;
      const factor = (c.width * c.height) / (w * h);
      let e2e = 0;
      let inference = 0;
      let peakRss = 0;
      for (let i = 0; i < c.frames; i++) {
        const before = session.stats.inferenceMs;
        const t0 = performance.now();
        const out = await processor.process(frame, params);
        e2e += performance.now() - t0;
        inference += session.stats.inferenceMs - before;
        peakRss = Math.max(peakRss, process.memoryUsage().rss);
        if (out.width !== w * Number(c.scale === '480p-1440p' ? 3 : c.scale))
          throw new Error('unexpected output size');
      }
      const tiles = planAxis(c.width, TILE, OVERLAP).length * planAxis(c.height, TILE, OVERLAP).length;
      const outSize = outputSizeOf(upscaleEffect, c.width, c.height, params);
      process.stderr.write(`upscale bench: ${c.model} ${c.label} done\n`);
      rows.push([
        `${c.model} (${UPSCALE_MODELS[c.model]})`,
        `${c.label}: ${c.width}x${c.height} → ${outSize.width}x${outSize.height}`,
        tiles,
        c.frames,
        round1((inference / c.frames) * factor),
        round1((e2e / c.frames) * factor),
        round1(((e2e - inference) / c.frames) * factor),
        c.sample ? `extrapolated x${factor} from ${w}x${h}` : 'measured',
        Math.round(peakRss / 2 ** 20),
      ]);
    }
  } finally {
    await ctx.sessions.dispose();
  }
  return {
    title: 'Upscale (Real-ESRGAN) per frame',
    columns: [
      'model',
      'case',
      `tiles (${TILE}px, overlap ${OVERLAP})`,
      'frames',
      'inference ms/frame',
      'end-to-end ms/frame',
      'overhead ms/frame',
      'how',
      'peak RSS MB',
    ],
    rows,
    notes: [
      `Load average while measuring: ${os.loadavg()[0]!.toFixed(1)} on ${os.cpus().length} CPUs; CPU-bound times scale with contention.`,
      'inference = session.run time (LoadedSession stats); end to end = the upscale processor for one frame ' +
        '(tiling, planar packing, model, area downscale for 2x/3x, feathered blending, alpha resampling).',
      'Input: a real street frame (OpenCV vtest.avi) enlarged to the input size with lanczos; one warm-up frame first.',
      'Both models are x4 networks; 2x/3x run at 4x per tile and are area-averaged down, so 2x costs as much model time as 4x.',
      'Peak RSS is the whole process (both sessions loaded); memory per model run is bounded by the tile, not the frame.',
      full
        ? 'MLXV_BENCH_FULL=1: every case measured on full frames.'
        : 'x4plus is timed on a 320x240 (480p case) / 480x270 (1080p case) region and scaled by the pixel ratio ' +
          '(set MLXV_BENCH_FULL=1 to time full frames: minutes per frame on 2 cores).',
    ],
    providers: [...providers],
  };
}
