/**
 * Interpolate (RIFE v4.6) per-frame times at 720p and 1080p.
 *
 *   inference     session.run time per synthesised frame (LoadedSession stats), pure model time
 *   synthesised   wall time per synthesised frame through the retimer (edge padding to a multiple of 32,
 *                 tensors, model, crop, alpha blend, scene-cut signature)
 *   per output    retimer wall time divided by all output frames for 25 → 50 (half are copies of inputs)
 *
 * Frames: a real street clip (OpenCV vtest.avi, 5 consecutive frames in test/interpolate/fixtures) enlarged
 * with lanczos to each size; 25 → 50 over 5 input frames = 10 output frames, 4 of them synthesised (the
 * last output holds the final frame). One untimed warm-up run first.
 */
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { createEffectContext } from '../../core/src/runtime/context.ts';
import {
  RifeRetimer,
  retimeClock,
  RIFE_MODEL_ID,
  type InterpolateParams,
} from '../../core/src/effects/interpolate/descriptor.ts';
import { paddedSize, rifePair } from '../../core/src/effects/interpolate/rife.ts';
import { round1, streetFrames } from '../support.ts';
import type { BenchCell, BenchSection } from '../types.ts';

const sizes = [
  { label: '720p', width: 1280, height: 720 },
  { label: '1080p', width: 1920, height: 1080 },
];

export async function run(): Promise<BenchSection> {
  const ctx = createEffectContext();
  const rows: BenchCell[][] = [];
  const providers = new Set<string>();
  try {
    const session = await ctx.sessions.get(RIFE_MODEL_ID);
    providers.add(session.provider);
    const warm = await streetFrames(64, 64, 2);
    await rifePair(session, warm[0]!, warm[1]!).at(0.5);
    for (const s of sizes) {
      const frames = await streetFrames(s.width, s.height, 5);
      const params: InterpolateParams = { mode: 'fps', fps: '50', factor: '2', sceneThreshold: 0.3 };
      const retimer = new RifeRetimer(
        retimeClock({ num: 25, den: 1 }, params),
        params.sceneThreshold,
        (a, b) => rifePair(session, a, b),
      );
      const runsBefore = session.stats.runs;
      const msBefore = session.stats.inferenceMs;
      const t0 = performance.now();
      let outputs = 0;
      for (const f of frames) outputs += (await retimer.push(f)).length;
      outputs += (await retimer.flush()).length;
      const wall = performance.now() - t0;
      const synthesised = session.stats.runs - runsBefore;
      const inference = session.stats.inferenceMs - msBefore;
      rows.push([
        `${s.label} (${s.width}x${s.height}, model ${paddedSize(s.width)}x${paddedSize(s.height)})`,
        synthesised,
        outputs,
        round1(inference / synthesised),
        round1(wall / synthesised),
        round1(wall / outputs),
        Math.round(process.memoryUsage().rss / 2 ** 20),
      ]);
    }
  } finally {
    await ctx.sessions.dispose();
  }
  return {
    title: 'Interpolate (RIFE v4.6) per frame, 25 → 50',
    columns: [
      'size',
      'synthesised frames',
      'output frames',
      'inference ms/synthesised frame',
      'end-to-end ms/synthesised frame',
      'end-to-end ms/output frame',
      'RSS MB',
    ],
    rows,
    notes: [
      `Load average while measuring: ${os.loadavg()[0]!.toFixed(1)} on ${os.cpus().length} CPUs; CPU-bound times scale with contention.`,
      'inference = session.run time; end to end = the retimer (padding to multiples of 32, tensors, model, crop, ' +
        'alpha blend, scene-cut signatures), excluding decode/encode (see the pipeline section for those).',
      'Input: 5 consecutive real street frames (OpenCV vtest.avi) enlarged with lanczos; one warm-up run first.',
      'Frame-rate conversions with non-integer ratios (23.976 → 59.94) synthesise 4 of every 5 output frames, so ' +
        'their per-output cost approaches the per-synthesised-frame column.',
    ],
    providers: [...providers],
  };
}
