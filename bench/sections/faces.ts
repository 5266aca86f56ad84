/**
 * Faces: BlazeFace detection per 1080p frame (whole frame only, and with the tiles that find small faces, the
 * tiles batched in one run and one run each),
 * FaceMesh landmarks for the faces found (batched in one run vs one run per face), detection + landmarks per
 * 1080p frame, the iris model (gaze) per face, face-anonymize (detect + track + blur) and face-puppet (now
 * with gaze) per frame through their processors.
 *
 * Input: 5 real street frames (OpenCV vtest.avi) enlarged to 1920x1080 with lanczos, and the composed 1080p
 * wide shot with three small real faces (test/faces/helpers.ts); one untimed warm-up each.
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
import { FACEMESH_MODEL_ID, FaceMesher, squareRoi } from '../../core/src/effects/faces/face-mesh.ts';
import { facePuppetEffect, type FacePuppetParams } from '../../core/src/effects/face-puppet/descriptor.ts';
import { IRIS_MODEL_ID, IrisLocator } from '../../core/src/effects/faces/iris.ts';
import { composedWideShot } from '../../test/faces/helpers.ts';
import { imageFrame } from '../../test/support/images.ts';
import { round1, streetFrames } from '../support.ts';
import type { BenchCell, BenchSection } from '../types.ts';

export async function run(): Promise<BenchSection> {
  const ctx = createEffectContext();
  const rows: BenchCell[][] = [];
  const providers = new Set<string>();
  let batchNote = '';
  try {
    const session = await ctx.sessions.get(FACE_MODEL_ID);
    providers.add(session.provider);
    const detector = new FaceDetector(session, getManifest(FACE_MODEL_ID).input, { batchTiles: true });
    // The same detector with the tiles one run each, as before BlazeFace took a batch (tiles batched vs not).
    const oneByOne = new FaceDetector(session, getManifest(FACE_MODEL_ID).input, { batchTiles: false });
    const frames = await streetFrames(1920, 1080, 5);
    await detector.detect(frames[0]!, { minScore: 0.5 });
    await oneByOne.detect(frames[0]!, { minScore: 0.5 });
    const tileMs: Record<string, number> = {};
    for (const [label, d, tileSide] of [
      ['detect, whole frame only', detector, 0],
      ['detect, whole frame + tiles, batched', detector, undefined],
      ['detect, whole frame + tiles, one run per tile', oneByOne, undefined],
    ] as const) {
      const runsBefore = session.stats.runs;
      const t0 = performance.now();
      for (const f of frames) await d.detect(f, { minScore: 0.5, tileSide });
      const ms = (performance.now() - t0) / frames.length;
      tileMs[label] = ms;
      rows.push([label, (session.stats.runs - runsBefore) / frames.length, round1(ms), round1(1000 / ms)]);
    }
    const batchedMs = tileMs['detect, whole frame + tiles, batched']!;
    const singleMs = tileMs['detect, whole frame + tiles, one run per tile']!;
    batchNote = `Tiles batched: ${round1(batchedMs)} ms per 1080p frame vs ${round1(singleMs)} ms one run per tile (${(singleMs / batchedMs).toFixed(2)}x).`;
    // Landmarks on the wide shot's three small faces: one batched pair of runs, or a pair per face.
    const meshSession = await ctx.sessions.get(FACEMESH_MODEL_ID);
    const mesher = new FaceMesher(meshSession, getManifest(FACEMESH_MODEL_ID).input);
    const { frame: wide } = await composedWideShot();
    const faces = await detector.detect(wide, { minScore: 0.5 });
    await mesher.forFaces(wide, faces);
    const timeIt = async (label: string, reps: number, fn: () => Promise<unknown>) => {
      const runsBefore = meshSession.stats.runs + session.stats.runs;
      const t0 = performance.now();
      for (let i = 0; i < reps; i++) await fn();
      const ms = (performance.now() - t0) / reps;
      rows.push([
        label,
        (meshSession.stats.runs + session.stats.runs - runsBefore) / reps,
        round1(ms),
        round1(1000 / ms),
      ]);
    };
    await timeIt(`landmarks, ${faces.length} faces, batched`, 5, () => mesher.forFaces(wide, faces));
    await timeIt(`landmarks, ${faces.length} faces, one run per face`, 5, async () => {
      for (const f of faces) await mesher.inRoi(wide, squareRoi(f, 1.5));
      for (const f of faces) await mesher.inRoi(wide, squareRoi(f, 1.5));
    });
    await timeIt('detect (tiles) + landmarks, 1080p wide shot', 3, async () =>
      mesher.forFaces(wide, await detector.detect(wide, { minScore: 0.5 })),
    );
    // Gaze (face-puppet): both eyes of a face in one iris-model run (64 px eye crops), per face.
    const irisSession = await ctx.sessions.get(IRIS_MODEL_ID);
    const iris = new IrisLocator(irisSession, getManifest(IRIS_MODEL_ID).input);
    const meshes = await mesher.forFaces(wide, faces);
    await iris.irises(wide, meshes[0]!.points);
    const irisRuns = irisSession.stats.runs;
    const ti = performance.now();
    for (let i = 0; i < 5; i++) for (const m of meshes) await iris.irises(wide, m.points);
    const ims = (performance.now() - ti) / 5;
    rows.push([
      `iris (gaze), ${faces.length} faces`,
      (irisSession.stats.runs - irisRuns) / 5,
      round1(ims),
      round1(1000 / ims),
    ]);

    const p = resolveParams(faceAnonymizeEffect.params, {}) as AnonymizeParams;
    const proc = await faceAnonymizeEffect.createProcessor(ctx);
    await proc.process(frames[0]!, p);
    proc.reset?.();
    const t0 = performance.now();
    for (const f of frames) await proc.process(f, p);
    const ms = (performance.now() - t0) / frames.length;
    rows.push(['face-anonymize (blur), processor', null, round1(ms), round1(1000 / ms)]);

    // face-puppet at 1080p: the astronaut portrait driven by Grace Hopper's photo (the driver face is found
    // and followed each frame; warp + mouth + mark at full size).
    const driver = await imageFrame('/usr/share/matplotlib/mpl-data/sample_data/grace_hopper.jpg', {
      width: 1920,
      height: 1080,
    });
    const pp = resolveParams(facePuppetEffect.params, {
      portrait: '/usr/lib/python3/dist-packages/skimage/data/astronaut.png',
    }) as FacePuppetParams;
    const puppet = await facePuppetEffect.createProcessor(ctx);
    await puppet.process(driver, pp);
    const tp = performance.now();
    for (let i = 0; i < 3; i++) await puppet.process(driver, pp);
    const pms = (performance.now() - tp) / 3;
    rows.push(['face-puppet 1080p, processor', null, round1(pms), round1(1000 / pms)]);
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
      'Landmarks = FaceMesh (192 px crops), two runs per face (detection crop, then a crop from the first mesh); ' +
        'batched = all faces of the frame in each run (FaceMesh takes a batch).',
      'BlazeFace (converted with a dynamic batch) runs the whole frame and its tiles in one run (groups of 16); ' +
        '"one run per tile" is the same detector with batchTiles: false, the default on the CPU provider ' +
        '(batched is the default on accelerators). ' +
        batchNote,
    ],
    providers: [...providers],
  };
}
