/**
 * `face-puppet`: `mlxv run face-puppet --param portrait=face.jpg driver.mp4 -o puppet.mp4`. The portrait's face
 * follows the driving clip's head pose, blinks and mouth (puppet.ts), and every frame says it is synthetic:
 * a visible mark (removable only with `removeMark`, which the file's metadata then records) and container
 * metadata naming what made it.
 *
 * Why a filter over the driving clip and not a generator: the driving clip is the only clip, and every
 * output frame corresponds to one driving frame. As a filter the job takes the clip as its input (the
 * command line above works as the issue names it), and frame count, exact rate, timecode and audio (the
 * driver's speech, in sync with the mouth) come from it through the ordinary job path; OFX can apply it on
 * the driving clip. A generator would have to probe and decode a clip named in a param itself and keep
 * driver state across random-access renders. The cost: the output has the driving clip's frame size (the
 * portrait is cover-fitted to it around the face).
 */
import type { EffectContext, FilterEffect, ParamSchema, ParamsOf, Processor } from '../types.ts';
import { getManifest } from '../../models/manifests.ts';
import { firstNonFinite, type Frame } from '../frame.ts';
import { ParamError } from '../params.ts';
import { FACE_MODEL_ID, FaceDetector } from '../faces/face-detector.ts';
import { FACEMESH_MODEL_ID, FaceMesher } from '../faces/face-mesh.ts';
import { IRIS_MODEL_ID, IrisLocator } from '../faces/iris.ts';
import { preparePortrait, Puppet, type Portrait, type PuppetOptions } from './puppet.ts';
import { MARK_POSITIONS, type MarkPosition } from './synthetic-mark.ts';

export const facePuppetParams = {
  portrait: {
    type: 'string',
    label: 'Portrait',
    help: 'The photo whose face is animated (one face, or choose with Face)',
    default: '',
    kind: 'path',
  },
  face: {
    type: 'number',
    label: 'Face',
    help: '0: the portrait must show one face; N: the Nth face from the left',
    default: 0,
    min: 0,
    max: 64,
    displayMin: 0,
    displayMax: 8,
    integer: true,
  },
  motion: {
    type: 'choice',
    label: 'Head motion',
    default: 'full',
    options: [
      { value: 'full', label: 'Turn, tilt, move and scale with the driver' },
      { value: 'rotation', label: 'Turn and tilt only (the face stays in place)' },
    ],
  },
  expression: {
    type: 'number',
    label: 'Expression',
    help: 'How strongly the driver’s expression (mouth, eyes, brows) is applied',
    default: 1,
    min: 0,
    max: 2,
    displayMin: 0,
    displayMax: 1.5,
    step: 0.05,
  },
  gaze: {
    type: 'number',
    label: 'Gaze',
    help: 'How strongly the driver’s eye movements move the portrait’s irises (0: keep the portrait’s gaze)',
    default: 1,
    min: 0,
    max: 2,
    displayMin: 0,
    displayMax: 1.5,
    step: 0.05,
  },
  hold: {
    type: 'number',
    label: 'Hold (frames)',
    help: 'When the driving face is lost, keep its last pose this long, then ease back to rest',
    default: 24,
    min: 0,
    max: 600,
    displayMin: 0,
    displayMax: 120,
    integer: true,
  },
  markPosition: {
    type: 'choice',
    label: 'Synthetic mark',
    help: 'Corner of the visible "SYNTHETIC" mark every frame carries',
    default: 'bottom-right',
    options: MARK_POSITIONS.map((p) => ({ value: p, label: p.replace('-', ' ') })),
  },
  removeMark: {
    type: 'boolean',
    label: 'Remove the visible mark',
    help: 'Only for outputs labelled synthetic by other means; the file’s metadata records that it was removed',
    default: false,
  },
} as const satisfies ParamSchema;
export type FacePuppetParams = ParamsOf<typeof facePuppetParams>;

export const SYNTHETIC_BY = 'mlxvideo face-puppet (FaceMesh landmark transfer + piecewise-affine warp)';

/** What every output file says about itself (mov/mp4/webm global metadata). */
export function puppetMetadata(p: FacePuppetParams): Record<string, string> {
  const mark = p.removeMark
    ? 'visible mark removed at the user’s request (removeMark=true)'
    : `visible "SYNTHETIC" mark, ${p.markPosition}`;
  return {
    comment: `SYNTHETIC: face reenactment made by ${SYNTHETIC_BY}; ${mark}`,
    synthetic: 'true',
    synthetic_by: SYNTHETIC_BY,
    synthetic_mark: p.removeMark ? 'removed' : p.markPosition,
  };
}

function options(p: FacePuppetParams): PuppetOptions {
  if (!p.portrait) {
    throw new ParamError('face-puppet needs a portrait: --param portrait=face.jpg', 'portrait');
  }
  return {
    portrait: p.portrait,
    face: p.face,
    motion: p.motion as PuppetOptions['motion'],
    expression: p.expression,
    gaze: p.gaze,
    hold: p.hold,
    mark: p.removeMark ? 'none' : (p.markPosition as MarkPosition),
  };
}

export const facePuppetEffect: FilterEffect<FacePuppetParams> = {
  kind: 'filter',
  id: 'face-puppet',
  label: 'Face puppet (synthetic)',
  category: 'generate',
  description:
    'Animates the face in a portrait with the head pose, gaze, blinks and mouth of the face in this (driving) clip. ' +
    'Every frame is marked SYNTHETIC and the file’s metadata says what made it.',
  params: facePuppetParams,
  models: [FACE_MODEL_ID, FACEMESH_MODEL_ID, IRIS_MODEL_ID],
  temporal: 'sequential',
  outputs: ['rgba'],
  containerMetadata: puppetMetadata,
  async createProcessor(ctx: EffectContext): Promise<Processor<FacePuppetParams>> {
    const detector = new FaceDetector(
      await ctx.sessions.get(FACE_MODEL_ID),
      getManifest(FACE_MODEL_ID).input,
    );
    const mesher = new FaceMesher(
      await ctx.sessions.get(FACEMESH_MODEL_ID),
      getManifest(FACEMESH_MODEL_ID).input,
    );
    const iris = new IrisLocator(await ctx.sessions.get(IRIS_MODEL_ID), getManifest(IRIS_MODEL_ID).input);
    // The portrait is read and meshed once per (params, frame size); the puppet keeps the driver's state.
    let current: { key: string; portrait: Portrait; puppet: Puppet } | undefined;
    return {
      async process(frame: Frame, p: FacePuppetParams): Promise<Frame> {
        if (firstNonFinite(frame) >= 0)
          throw new RangeError('face-puppet: the input frame holds NaN or Inf samples');
        const o = options(p);
        const key = JSON.stringify([o, frame.width, frame.height]);
        if (current?.key !== key) {
          const portrait = await preparePortrait(o, frame.width, frame.height, detector, mesher, iris);
          current = { key, portrait, puppet: new Puppet(portrait, detector, mesher, o, iris) };
        }
        return (await current.puppet.render(frame)).frame;
      },
      reset() {
        current?.puppet.reset();
      },
    };
  },
};
