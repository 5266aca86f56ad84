/**
 * `face-anonymize`: blur, pixelate or box every face, for news and documentary editors. Faces are detected
 * on every frame (whole frame + tiles, so small faces in wide shots are found) and tracked; a face the
 * detector misses for a few frames stays covered at its predicted place (`hold`), so no frame leaks a face
 * that was covered before and after. Chosen faces (the interviewee) can be kept visible, by track id (the ids
 * `face-track` reports) or by a reference photo of the person (landmark geometry, face-identity.ts).
 *
 * Render order (OFX, farm chunks): what is covered on frame N depends on frames N-ANONYMIZE_PRE_ROLL..N only.
 * The processor keeps the last frames' detections (the costly part, a pure function of each frame) and
 * re-runs the cheap tracker over that window for every frame, in a continuous run as after a reset, so a host
 * that pre-rolls the declared frames gets exactly the continuous result. `hold` is capped at the window.
 * Track ids (for `keep` and the audit) need the whole history: they come from a second tracker that runs
 * from the first frame processed, so keep-by-id is exact only in a run from the clip start (jobs); hosts
 * rendering out of order should keep faces by reference photo.
 */
import { open, stat } from 'node:fs/promises';
import path from 'node:path';
import type { EffectContext, FilterEffect, Processor } from '../types.ts';
import { firstNonFinite, toFloat32, type F32Frame, type Frame } from '../frame.ts';
import { ParamError } from '../params.ts';
import { FACE_MODEL_ID, FaceDetector } from './face-detector.ts';
import { FACEMESH_MODEL_ID, FaceMesher } from './face-mesh.ts';
import { identityDistance } from './face-identity.ts';
import { getManifest } from '../../models/manifests.ts';
import { ANONYMIZE_PRE_ROLL, AnonymizeState } from './anonymize-state.ts';
import { obscure, paddedRect, type ObscureMethod } from './obscure.ts';
import { faceParams, parseKeepIds, type FaceParams } from './face-params.ts';
import { readPhotoParam } from './photo-param.ts';

export type AnonymizeParams = FaceParams & {
  method: string;
  margin: number;
  strength: number;
  keep: string;
  keepPhoto: string;
  audit: string;
  color: readonly [number, number, number, number];
};

/** The audit file must be new (nothing we did not make is overwritten) in a folder that exists. */
async function checkAuditPath(file: string): Promise<void> {
  const exists = await stat(file).then(
    () => true,
    () => false,
  );
  if (exists) {
    throw new ParamError(`face-anonymize: audit file ${file} already exists; name a new file`, 'audit');
  }
  const dir = await stat(path.dirname(path.resolve(file))).catch(() => undefined);
  if (!dir?.isDirectory()) {
    throw new ParamError(`face-anonymize: the folder of audit file ${file} does not exist`, 'audit');
  }
}

export const faceAnonymizeEffect: FilterEffect<AnonymizeParams> = {
  kind: 'filter',
  id: 'face-anonymize',
  label: 'Anonymise faces',
  category: 'utility',
  description:
    'Blurs, pixelates or boxes every face (BlazeFace detection with tiles for small faces, tracked; faces the ' +
    'detector misses stay covered for `hold` frames). Keep chosen faces visible by track id or reference photo.',
  params: {
    method: {
      type: 'choice',
      label: 'Method',
      default: 'blur',
      options: [
        { value: 'blur', label: 'Blur' },
        { value: 'pixelate', label: 'Pixelate' },
        { value: 'box', label: 'Solid box' },
      ],
    },
    margin: {
      type: 'number',
      label: 'Margin',
      help: 'Extra cover around each face box, as a fraction of its size on every side (hair, ears, chin)',
      default: 0.3,
      min: 0,
      max: 2,
      displayMin: 0,
      displayMax: 1,
      step: 0.05,
    },
    strength: {
      type: 'number',
      label: 'Strength',
      help: 'Blur radius (or twice the pixel block) as a fraction of the face size',
      default: 0.2,
      min: 0.05,
      max: 1,
      displayMin: 0.05,
      displayMax: 0.5,
      step: 0.01,
    },
    color: {
      type: 'color',
      label: 'Box colour',
      help: 'Used by method=box',
      default: [0, 0, 0, 1],
    },
    keep: {
      type: 'string',
      label: 'Keep faces (track ids)',
      help: 'Comma-separated track ids to leave visible, e.g. "1" for the interviewee (ids from face-track)',
      default: '',
    },
    keepPhoto: {
      type: 'string',
      label: 'Keep face in photo',
      help: 'A photo of the person to leave visible (matched by face proportions; unsure faces stay covered)',
      default: '',
      kind: 'path',
    },
    audit: {
      type: 'string',
      label: 'Audit report',
      help: 'Write a JSON report here at the end: per track, frames detected, held, covered and kept',
      default: '',
      kind: 'path',
      fileTypes: ['json'],
      writes: true,
    },
    ...faceParams,
    // Holds reach back at most the pre-roll window (what makes frame N independent of render order).
    hold: { ...faceParams.hold, max: ANONYMIZE_PRE_ROLL, displayMax: ANONYMIZE_PRE_ROLL },
  },
  models: [FACE_MODEL_ID, FACEMESH_MODEL_ID],
  temporal: 'sequential',
  preRoll: ANONYMIZE_PRE_ROLL,
  outputs: ['rgba'],
  async createProcessor(ctx: EffectContext): Promise<Processor<AnonymizeParams>> {
    const session = await ctx.sessions.get(FACE_MODEL_ID);
    const detector = new FaceDetector(session, getManifest(FACE_MODEL_ID).input);
    let mesher: FaceMesher | undefined;
    let reference: { file: string; mesh: Float32Array } | undefined;
    let state: AnonymizeState | undefined;
    let auditFile = '';

    /** The reference photo's face mesh (the biggest face in it), loaded once per path. */
    const referenceMesh = async (file: string): Promise<Float32Array> => {
      if (reference?.file === file) return reference.mesh;
      mesher ??= new FaceMesher(
        await ctx.sessions.get(FACEMESH_MODEL_ID),
        getManifest(FACEMESH_MODEL_ID).input,
      );
      const photo = await readPhotoParam('face-anonymize', 'keepPhoto', file);
      const faces = await detector.detect(photo, { minScore: 0.5 });
      if (faces.length === 0) {
        throw new ParamError(
          `face-anonymize: no face found in keepPhoto ${file}; use a clear, roughly frontal photo of the person`,
          'keepPhoto',
        );
      }
      const biggest = faces.reduce((a, b) => (b.w * b.h > a.w * a.h ? b : a));
      reference = { file, mesh: (await mesher.forFace(photo, biggest)).points };
      return reference.mesh;
    };

    return {
      async process(frame: Frame, p: AnonymizeParams): Promise<Frame> {
        if (firstNonFinite(frame) >= 0)
          throw new RangeError('face-anonymize: the input frame holds NaN or Inf samples');
        if (!state) {
          if (p.audit) await checkAuditPath(p.audit);
          auditFile = p.audit;
          state = new AnonymizeState(p.hold);
        }
        const keep = parseKeepIds(p.keep);
        const detections = await detector.detect(frame, {
          minScore: p.minScore,
          tileSide: p.smallFaces ? undefined : 0,
        });
        const distances: (number | undefined)[] = [];
        if (p.keepPhoto) {
          const ref = await referenceMesh(p.keepPhoto);
          for (const m of await mesher!.forFaces(frame, detections))
            distances.push(m.score >= 0.5 ? identityDistance(m.points, ref) : undefined);
        }
        const faces = state.next({ detections, distances }, keep);
        const f32 = toFloat32(frame);
        // Never write into the caller's frame: toFloat32 returns the input itself when it already is f32.
        const out: F32Frame = f32 === frame ? { ...f32, data: f32.data.slice() } : f32;
        for (const { face, kept } of faces) {
          if (kept) continue;
          const rect = paddedRect(face.box, p.margin, frame.width, frame.height);
          if (rect) obscure(out, rect, p.method as ObscureMethod, p.strength, p.color);
        }
        return out;
      },
      reset() {
        state?.reset();
      },
      async dispose() {
        if (!auditFile || !state) return;
        // Written once, at the end of the run, under a name checked to be new at the first frame.
        const handle = await open(auditFile, 'wx', 0o644);
        try {
          const report = { effect: 'face-anonymize', ...state.auditReport() };
          await handle.writeFile(`${JSON.stringify(report, null, 2)}\n`);
        } finally {
          await handle.close();
        }
      },
    };
  },
};
