/**
 * One session.run for several crops where the model takes a batch: FaceMesh (symbolic batch) gives the same
 * meshes batched as one by one; the pinned BlazeFace conversion has a fixed batch of 1 and is run per tile.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createEffectContext } from '../../core/src/runtime/context.ts';
import { getManifest } from '../../core/src/models/manifests.ts';
import { FACE_MODEL_ID, FaceDetector } from '../../core/src/effects/faces/face-detector.ts';
import { FACEMESH_MODEL_ID, FaceMesher } from '../../core/src/effects/faces/face-mesh.ts';
import { acceptsBatch } from '../../core/src/effects/shared/detection-tiles.ts';
import { composedWideShot } from './helpers.ts';

const ctx = createEffectContext({ providers: ['cpu'] });
afterAll(() => ctx.sessions.dispose());

describe('batched model runs', () => {
  it('FaceMesh meshes of three faces in one run equal three single runs; BlazeFace is batch 1', async () => {
    const face = await ctx.sessions.get(FACE_MODEL_ID);
    const mesh = await ctx.sessions.get(FACEMESH_MODEL_ID);
    expect(acceptsBatch(face.session, getManifest(FACE_MODEL_ID).input.name)).toBe(false);
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
});
