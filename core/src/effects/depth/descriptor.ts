/**
 * `depth`: a depth pass from one camera (grey, near = white by default; 16-bit PNG/TIFF, EXR, ProRes), with
 * near/far limits, gamma and a depth range isolated as alpha. Sources: motion parallax on moving-camera clips over the offline layered depth (default,
 * chosen by measurement against stereo ground truth, docs/depth.md) or a learned net once installed
 * (MiDaS v2.1 small, Depth Anything V2 small). On video, each frame's relative depth is aligned to a running
 * reference and deflickered (temporal.ts), resetting at cuts.
 */
import type { EffectContext, FilterEffect, ParamSchema, ParamsOf, Processor } from '../types.ts';
import {
  ClipDepth,
  DEPTH_EFFECT_PRE_ROLL,
  DEPTH_SOURCE_OPTIONS,
  SALIENT_MODEL,
  SEMANTIC_MODEL,
  type DepthSource,
} from './source.ts';
import { LEARNED_SOURCES } from './learned.ts';
import { FLOW_MODEL } from '../shared/optical-flow.ts';
import { assertLimits, renderDepth, type DepthOutput } from './render.ts';

const unit = (label: string, help: string, def: number) =>
  ({
    type: 'number',
    label,
    help,
    default: def,
    min: 0,
    max: 1,
    displayMin: 0,
    displayMax: 1,
    step: 0.01,
  }) as const;

export const depthSourceParam = {
  type: 'choice',
  label: 'Depth source',
  help:
    'motion (default): on clips from a camera that moves sideways or forwards, depth measured from the ' +
    'parallax in the optical flow (RIFE), filled in by the layered depth; wrong for things that move by ' +
    'themselves while the camera moves; on stills, first frames, tripods, pans and zooms it is exactly the ' +
    'layered depth. layered: works offline everywhere; an ordering of people/objects standing on a ground ' +
    'plane, not a measured depth (docs/depth.md). midas-small / depth-anything-v2-small: learned monocular ' +
    'depth, finer and better on any scene, once fetched with `mlxv models fetch <model>`.',
  default: 'motion',
  options: DEPTH_SOURCE_OPTIONS,
} as const;

/** Temporal stabilisation of computed depth (temporal.ts); shared by every effect that computes depth per frame. */
export const depthStabilizeParam = {
  ...unit(
    'Temporal stabilisation',
    '0 = off. Aligns each frame to the shot so far (scale and shift) and holds still areas steady; resets at cuts',
    0.8,
  ),
  // Above ~0.9 the frame leaving the window (preRoll) still carries a large weight: its exit shows as a step.
  max: 0.9,
  displayMax: 0.9,
} as const;

export const depthParams = {
  source: depthSourceParam,
  output: {
    type: 'choice',
    label: 'Output',
    default: 'depth',
    options: [
      { value: 'depth', label: 'Depth pass (grey)' },
      { value: 'matte', label: 'Isolated range as a grey matte' },
      { value: 'isolate', label: 'Picture with the isolated range as alpha' },
    ],
  },
  nearIs: {
    type: 'choice',
    label: 'Near is',
    default: 'white',
    options: [
      { value: 'white', label: 'White' },
      { value: 'black', label: 'Black' },
    ],
  },
  near: unit(
    'Near limit',
    'Relative nearness shown as the nearest grey (1 = the nearest thing in the shot)',
    1,
  ),
  far: unit('Far limit', 'Relative nearness shown as the farthest grey; must be below the near limit', 0),
  gamma: {
    type: 'number',
    label: 'Gamma',
    help: 'Above 1 spreads the far distances over more grey levels; below 1 the near ones',
    default: 1,
    min: 0.1,
    max: 10,
    displayMin: 0.25,
    displayMax: 4,
    step: 0.05,
  },
  target: unit(
    'Isolate: target depth',
    'Depth kept by matte/isolate, on the pass scale: 1 = near limit, 0 = far limit',
    0.5,
  ),
  tolerance: unit('Isolate: tolerance', 'Depths within this of the target are fully kept', 0.1),
  softness: unit('Isolate: softness', 'Width of the falloff beyond the tolerance', 0.1),
  invert: {
    type: 'boolean',
    label: 'Isolate: invert',
    help: 'Keep everything except the range',
    default: false,
  },
  stabilize: depthStabilizeParam,
} as const satisfies ParamSchema;
export type DepthParams = ParamsOf<typeof depthParams>;

export const depthEffect: FilterEffect<DepthParams> = {
  kind: 'filter',
  id: 'depth',
  label: 'Depth pass',
  category: 'depth',
  description:
    'A depth pass from one camera (near = white, 16-bit). Default source "motion" runs offline: parallax ' +
    'measured from the optical flow where the camera translates, else "layered": people and objects ' +
    '(DeepLabv3, ISNet) stood on a ground plane, an ordering rather than a measurement. Pick ' +
    'source=midas-small or depth-anything-v2-small for learned depth once fetched. Isolate a depth range as alpha.',
  params: depthParams,
  models: [SEMANTIC_MODEL, SALIENT_MODEL, FLOW_MODEL, ...Object.values(LEARNED_SOURCES)],
  temporal: 'sequential',
  preRoll: DEPTH_EFFECT_PRE_ROLL,
  outputs: ['depth', 'alpha', 'rgba'],
  alphaState: { param: 'output', byValue: { depth: 'opaque', matte: 'opaque', isolate: 'straight' } },
  outputKind: { param: 'output', byValue: { depth: 'depth', matte: 'alpha', isolate: 'rgba' } },
  createProcessor: createDepthProcessor,
};

async function createDepthProcessor(ctx: EffectContext): Promise<Processor<DepthParams>> {
  const clip = new ClipDepth(ctx);
  return {
    async process(frame, p) {
      assertLimits(p); // before minutes of inference
      const nearness = await clip.next(frame, p.source as DepthSource, p.stabilize);
      return renderDepth(
        frame,
        nearness,
        p.output as DepthOutput,
        { near: p.near, far: p.far, gamma: p.gamma, nearIs: p.nearIs as 'white' | 'black' },
        { target: p.target, tolerance: p.tolerance, softness: p.softness, invert: p.invert },
      );
    },
    reset() {
      clip.reset();
    },
  };
}
