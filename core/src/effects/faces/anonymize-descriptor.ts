/**
 * `face-anonymize`: blur, pixelate or box every face, for news and documentary editors. Faces are detected
 * on every frame (whole frame + tiles, so small faces in wide shots are found) and tracked; a face the
 * detector misses for a few frames stays covered at its predicted place (`hold`), so no frame leaks a face
 * that was covered before and after. Chosen track ids (the interviewee) can be kept visible; the ids are those
 * `face-track` reports for the same clip and settings.
 *
 * No `preRoll` is declared, on purpose: a track's id (used by `keep`) and its held box (its velocity is an
 * average over its whole life) depend on every frame since the track began, so no fixed window reproduces
 * frame N exactly. Hosts that render out of order (OFX, farm chunks) get a fresh tracker per run; the
 * covering of faces the detector sees on the frame itself does not depend on history, only holds and ids do.
 */
import type { EffectContext, FilterEffect, Processor } from '../types.ts';
import { firstNonFinite, toFloat32, type F32Frame, type Frame } from '../frame.ts';
import { FACE_MODEL_ID, FaceDetector } from './face-detector.ts';
import { getManifest } from '../../models/manifests.ts';
import { FaceTracker } from './face-tracker.ts';
import { obscure, paddedRect, type ObscureMethod } from './obscure.ts';
import { faceParams, parseKeepIds, type FaceParams } from './face-params.ts';

export type AnonymizeParams = FaceParams & {
  method: string;
  margin: number;
  strength: number;
  keep: string;
  color: readonly [number, number, number, number];
};

export const faceAnonymizeEffect: FilterEffect<AnonymizeParams> = {
  kind: 'filter',
  id: 'face-anonymize',
  label: 'Anonymise faces',
  category: 'utility',
  description:
    'Blurs, pixelates or boxes every face (BlazeFace detection with tiles for small faces, tracked; faces the ' +
    'detector misses stay covered for `hold` frames). Keep chosen faces visible by track id.',
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
    ...faceParams,
  },
  models: [FACE_MODEL_ID],
  temporal: 'sequential',
  outputs: ['rgba'],
  async createProcessor(ctx: EffectContext): Promise<Processor<AnonymizeParams>> {
    const session = await ctx.sessions.get(FACE_MODEL_ID);
    const detector = new FaceDetector(session, getManifest(FACE_MODEL_ID).input);
    let tracker: FaceTracker | undefined;
    return {
      async process(frame: Frame, p: AnonymizeParams): Promise<Frame> {
        if (firstNonFinite(frame) >= 0)
          throw new RangeError('face-anonymize: the input frame holds NaN or Inf samples');
        tracker ??= new FaceTracker({ holdFrames: p.hold });
        const keep = parseKeepIds(p.keep);
        const faces = tracker.update(
          await detector.detect(frame, { minScore: p.minScore, tileSide: p.smallFaces ? undefined : 0 }),
        );
        const f32 = toFloat32(frame);
        // Never write into the caller's frame: toFloat32 returns the input itself when it already is f32.
        const out: F32Frame = f32 === frame ? { ...f32, data: f32.data.slice() } : f32;
        for (const face of faces) {
          if (keep.has(face.id)) continue;
          const rect = paddedRect(face.box, p.margin, frame.width, frame.height);
          if (rect) obscure(out, rect, p.method as ObscureMethod, p.strength, p.color);
        }
        return out;
      },
      reset() {
        tracker?.reset();
      },
    };
  },
};
