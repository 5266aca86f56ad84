/**
 * Depth effects, per-frame times and the default source's flicker, on the street clip (test/fixtures,
 * 384x288, static camera) and the Middlebury Aloe photo (427x370, ground-truth depth as the depth file):
 * - depth estimate per frame for the motion (default), layered and layered-fast sources, models loaded before
 *   timing (on this tripod clip motion measures its parallax, finds none and returns the layered depth: its
 *   cost is that of the two flow passes on top); motion on the Aloe stereo pair as a sideways camera move;
 * - flicker (mean |Δ normalised depth| on static pixels, test/depth/helpers.ts) without and with stabilisation;
 * - lens-blur (aperture 12 px) and one parallax frame (dolly-in), which need no model once depth is known.
 */
import path from 'node:path';
import { createEffectContext } from '../../core/src/runtime/context.ts';
import { toFloat32, type F32Frame } from '../../core/src/effects/frame.ts';
import { decodeFrames } from '../../core/src/media/decode.ts';
import { DepthEstimator, type DepthSource } from '../../core/src/effects/depth/source.ts';
import { DepthStabilizer } from '../../core/src/effects/depth/temporal.ts';
import type { DepthMap } from '../../core/src/effects/depth/depth-map.ts';
import { lensBlur } from '../../core/src/effects/lens-blur/layered-blur.ts';
import { poseAt } from '../../core/src/effects/parallax/camera.ts';
import { renderView } from '../../core/src/effects/parallax/render-view.ts';
import { repoRoot } from '../../core/src/models/paths.ts';
import {
  aloeNearness,
  ALOE_GT,
  ALOE_LEFT,
  flicker,
  loadDisparity,
  loadFrame,
  OPENCV_DATA,
} from '../../test/depth/helpers.ts';
import { resizeMask } from '../../core/src/runtime/tensor.ts';
import { spearman } from '../../core/src/effects/depth/depth-map.ts';
import type { BenchSection } from '../types.ts';
import { round1 } from '../support.ts';

const FRAMES = 12;

/** Spearman of a map with ground-truth disparity on its known pixels. */
function spearmanVsTruth(map: DepthMap, gt: DepthMap): number {
  const r = resizeMask(map, gt.width, gt.height);
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < gt.data.length; i++)
    if (gt.data[i]! > 0) {
      a.push(r.data[i]!);
      b.push(gt.data[i]!);
    }
  return spearman(a, b);
}

export async function run(): Promise<BenchSection> {
  const ctx = createEffectContext({ providers: ['cpu'] });
  try {
    const frames: F32Frame[] = [];
    for await (const f of decodeFrames(path.join(repoRoot, 'test/fixtures/wide-street.mp4'), {
      range: { start: 0, end: FRAMES - 1 },
    }))
      frames.push(toFloat32(f));
    const rows: (string | number)[][] = [];
    for (const source of ['motion', 'layered', 'layered-fast'] as DepthSource[]) {
      const estimator = new DepthEstimator(ctx);
      // Loads the models (the flow's too: frame 1 as the "previous" one is a pair timing never sees again).
      await estimator.estimate(frames[0]!, source, frames[1]);
      const maps: DepthMap[] = [await estimator.estimate(frames[0]!, source)];
      const t0 = performance.now();
      for (let i = 1; i < FRAMES; i++) maps.push(await estimator.estimate(frames[i]!, source, frames[i - 1]));
      const ms = (performance.now() - t0) / (FRAMES - 1);
      const off = flicker(
        frames,
        maps.map((m, i) => new DepthStabilizer().apply(frames[i]!, m, 0)),
      );
      const stab = new DepthStabilizer();
      const on = flicker(
        frames,
        maps.map((m, i) => stab.apply(frames[i]!, m, 0.8)),
      );
      rows.push([`depth source=${source}`, '384x288', round1(ms), off.toFixed(4), on.toFixed(4)]);
    }
    const photo = await loadFrame(ALOE_LEFT, 427);
    const near = await aloeNearness(photo.width);
    // The motion source on the stereo pair (the right view as the previous frame), after its layered depth.
    const aloe = new DepthEstimator(ctx);
    await aloe.estimate(photo, 'layered');
    const right = await loadFrame(`${OPENCV_DATA}/aloeR.jpg`, photo.width);
    let t0 = performance.now();
    const motion = await aloe.estimate(photo, 'motion', right);
    rows.push([
      'depth source=motion, Aloe L/R as a sideways move (flow + fusion)',
      '427x370',
      round1(performance.now() - t0),
      '-',
      '-',
    ]);
    const rho = spearmanVsTruth(motion, await loadDisparity(ALOE_GT, photo.width));
    t0 = performance.now();
    for (let i = 0; i < 3; i++) lensBlur(photo, near, { focus: 0.6, aperture: 12, shape: 'disc' });
    rows.push([
      'lens-blur aperture 12 px (depth given)',
      '427x370',
      round1((performance.now() - t0) / 3),
      '-',
      '-',
    ]);
    t0 = performance.now();
    for (let i = 0; i < 3; i++) renderView(photo, near, poseAt('dolly-in', 1, 0.3, 1));
    rows.push([
      'parallax frame, dolly-in (depth given)',
      '427x370',
      round1((performance.now() - t0) / 3),
      '-',
      '-',
    ]);
    return {
      title: 'Depth, lens blur and parallax per frame',
      columns: ['what', 'size', 'ms/frame', 'flicker off', 'flicker on (stabilize 0.8)'],
      rows,
      notes: [
        `Depth: ${FRAMES} frames of test/fixtures/wide-street.mp4 (static camera, walkers); models loaded before timing; CPU.`,
        'Flicker: mean |frame-to-frame change| of the normalised depth on pixels whose luma changed < 0.01 (test/depth/helpers.ts).',
        `Motion source on Aloe: Spearman vs ground-truth disparity ${rho.toFixed(3)} (layered 0.836, test/depth/depth.test.ts).`,
        'Lens blur and parallax: Middlebury Aloe (opencv-doc) with its ground-truth disparity as the depth, so no model runs.',
      ],
      providers: ['cpu'],
    };
  } finally {
    await ctx.sessions.dispose();
  }
}
