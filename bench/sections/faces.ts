/**
 * Faces: BlazeFace detection per 1080p frame (whole frame only, and with the tiles that find small faces),
 * and face-anonymize (detect + track + blur) per frame through its processor, in frames per second.
 *
 * Input: 5 real street frames (OpenCV vtest.avi) enlarged to 1920x1080 with lanczos; one untimed warm-up.
 * Decode/encode are not included (see the pipeline section for those).
 */
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { createEffectContext } from '../../core/src/runtime/context.ts';
import { getManifest } from '../../core/src/models/manifests.ts';
import { FACE_MODEL_ID, FaceDetector } from '../../core/src/effects/faces/face-detector.ts';
import {
  faceAnonymizeEffect,
  type AnonymizeParams,
} from '../../core/src/effects/faces/anonymize-descriptor.ts';
import { resolveParams } from '../../core/src/effects/params.ts';
import { round1, streetFrames } from '../support.ts';
import type { BenchCell, BenchSection } from '../types.ts';

export async function run(): Promise<BenchSection> {
  const ctx = createEffectContext();
  const rows: BenchCell[][] = [];
  const providers = new Set<string>();
  try {
    const session = await ctx.sessions.get(FACE_MODEL_ID);
    providers.add(session.provider);
    const detector = new FaceDetector(session, getManifest(FACE_MODEL_ID).input);
    const frames = await streetFrames(1920, 1080, 5);
    await detector.detect(frames[0]!, { minScore: 0.5 });
    for (const [label, tileSide] of [
      ['detect, whole frame only', 0],
      ['detect, whole frame + tiles', undefined],
    ] as const) {
      const runsBefore = session.stats.runs;
      const t0 = performance.now();
      for (const f of frames) await detector.detect(f, { minScore: 0.5, tileSide });
      const ms = (performance.now() - t0) / frames.length;
      rows.push([label, (session.stats.runs - runsBefore) / frames.length, round1(ms), round1(1000 / ms)]);
    }
    const p = resolveParams(faceAnonymizeEffect.params, {}) as AnonymizeParams;
    const proc = await faceAnonymizeEffect.createProcessor(ctx);
    await proc.process(frames[0]!, p);
    proc.reset?.();
    const t0 = performance.now();
    for (const f of frames) await proc.process(f, p);
    const ms = (performance.now() - t0) / frames.length;
    rows.push(['face-anonymize (blur), processor', null, round1(ms), round1(1000 / ms)]);
  } finally {
    await ctx.sessions.dispose();
  }
  return {
    title: 'Faces (BlazeFace 256) per 1080p frame',
    columns: ['stage', 'model runs/frame', 'ms/frame', 'fps'],
    rows,
    notes: [
      `Load average while measuring: ${os.loadavg()[0]!.toFixed(1)} on ${os.cpus().length} CPUs; CPU-bound times scale with contention.`,
      'Input: 5 real street frames (OpenCV vtest.avi) enlarged to 1920x1080; one warm-up run first. ' +
        'Tiles are 640 px squares overlapping by a third (the pass that finds 24-40 px faces).',
      'face-anonymize = detection with tiles + tracking + blur of each face; decode/encode excluded.',
    ],
    providers: [...providers],
  };
}
