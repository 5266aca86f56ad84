/**
 * One session.run for several crops where the model takes a batch: FaceMesh (symbolic batch) gives the same
 * meshes batched as one by one; BlazeFace (converted with the TFJS converter's dynamicBatch) runs the whole
 * frame and every tile of a 1080p wide shot in one run and finds the same faces as one run per region.
 * Measured: identical boxes (max coordinate/score difference 0; onnxruntime CPU gives bit-identical outputs
 * per item); the bound asserted is 0.01 px / 1e-5 in score.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createEffectContext } from '../../core/src/runtime/context.ts';
import { getManifest } from '../../core/src/models/manifests.ts';
import { FACE_MODEL_ID, FaceDetector, faceTiles } from '../../core/src/effects/faces/face-detector.ts';
import { FACEMESH_MODEL_ID, FaceMesher } from '../../core/src/effects/faces/face-mesh.ts';
import { acceptsBatch } from '../../core/src/effects/shared/detection-tiles.ts';
import { composedWideShot } from './helpers.ts';

const ctx = createEffectContext({ providers: ['cpu'] });
afterAll(() => ctx.sessions.dispose());

describe('batched model runs', () => {
  it('FaceMesh meshes of three faces in one run equal three single runs', async () => {
    const face = await ctx.sessions.get(FACE_MODEL_ID);
    const mesh = await ctx.sessions.get(FACEMESH_MODEL_ID);
    expect(acceptsBatch(mesh.session, getManifest(FACEMESH_MODEL_ID).input.name)).toBe(true);
    const detector = new FaceDetector(face, getManifest(FACE_MODEL_ID).input);
    const mesher = new FaceMesher(mesh, getManifest(FACEMESH_MODEL_ID).input);
    const { frame } = await composedWideShot();
    const faces = await detector.detect(frame, { minScore: 0.5 });
    expect(faces.length).toBe(3);
    const runs = mesh.stats.runs;
    const batched = await mesher.forFaces(frame, faces);
    expect(mesh.stats.runs - runs).toBe(2);
    for (const [k, f] of faces.entries()) {
      const single = await mesher.forFace(frame, f);
      let diff = 0;
      single.points.forEach((v, i) => (diff = Math.max(diff, Math.abs(v - batched[k]!.points[i]!))));
      expect(diff, `face ${k}`).toBeLessThan(1e-3);
      expect(batched[k]!.score).toBeCloseTo(single.score, 4);
    }
  });

  it("BlazeFace: the 1080p wide shot's whole-frame pass and tiles in one run find the same faces as one run each", async () => {
    const face = await ctx.sessions.get(FACE_MODEL_ID);
    const spec = getManifest(FACE_MODEL_ID).input;
    expect(acceptsBatch(face.session, spec.name)).toBe(true);
    const { frame, faces: labelled } = await composedWideShot();
    const regions = 1 + faceTiles(frame.width, frame.height, 640).length;
    expect(regions).toBeGreaterThan(8);

    // The product's default on the CPU provider is one run per region (measured faster there; see
    // FaceDetector.batched): the default detector here takes as many runs as regions.
    let runs = face.stats.runs;
    await new FaceDetector(face, spec).detect(frame, { minScore: 0.5 });
    expect(face.stats.runs - runs, 'CPU default: one run per region').toBe(
      face.provider === 'cpu' ? regions : 1,
    );
    runs = face.stats.runs;
    const batched = await new FaceDetector(face, spec, { batchTiles: true }).detect(frame, { minScore: 0.5 });
    expect(face.stats.runs - runs, 'one run for the whole frame and every tile').toBe(1);
    runs = face.stats.runs;
    const single = await new FaceDetector(face, spec, { batchTiles: false }).detect(frame, { minScore: 0.5 });
    expect(face.stats.runs - runs, 'one run per region').toBe(regions);

    expect(batched.length).toBe(labelled.length);
    expect(single.length).toBe(batched.length);
    let dBox = 0;
    let dScore = 0;
    for (const [k, b] of batched.entries()) {
      const s = single[k]!;
      for (const key of ['x', 'y', 'w', 'h'] as const) dBox = Math.max(dBox, Math.abs(b[key] - s[key]));
      b.keypoints.forEach(([x, y], i) => {
        dBox = Math.max(dBox, Math.abs(x - s.keypoints[i]![0]), Math.abs(y - s.keypoints[i]![1]));
      });
      dScore = Math.max(dScore, Math.abs(b.score - s.score));
    }
    console.log(
      `blazeface ${regions} regions: batched vs one by one max|box| ${dBox} px, max|score| ${dScore}`,
    );
    expect(dBox).toBeLessThanOrEqual(0.01);
    expect(dScore).toBeLessThanOrEqual(1e-5);

    // More regions than one run takes (300 px tiles: 4K's count at 1080p) go in groups of 16.
    const many = 1 + faceTiles(frame.width, frame.height, 300).length;
    expect(many).toBeGreaterThan(32);
    runs = face.stats.runs;
    const grouped = await new FaceDetector(face, spec, { batchTiles: true }).detect(frame, {
      minScore: 0.5,
      tileSide: 300,
    });
    expect(face.stats.runs - runs).toBe(Math.ceil(many / 16));
    const apart = await new FaceDetector(face, spec, { batchTiles: false }).detect(frame, {
      minScore: 0.5,
      tileSide: 300,
    });
    expect(grouped).toEqual(apart);
  });
});
