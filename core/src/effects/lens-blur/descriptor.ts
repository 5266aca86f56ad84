/**
 * `lens-blur`: depth of field from a depth map (computed with the depth effect's sources and its temporal
 * stabiliser, or a depth file for a still). Focus distance, aperture (bokeh radius in px) and bokeh shape;
 * layered blurring so that no sharp subject bleeds into the blurred background or the reverse
 * (layered-blur.ts; figures in docs/depth.md).
 */
import type { EffectContext, FilterEffect, ParamSchema, ParamsOf, Processor } from '../types.ts';
import { depthSourceParam, depthStabilizeParam } from '../depth/descriptor.ts';
import {
  ClipDepth,
  DEPTH_EFFECT_PRE_ROLL,
  loadDepthFile,
  resizeDepth,
  SALIENT_MODEL,
  SEMANTIC_MODEL,
  type DepthSource,
} from '../depth/source.ts';
import { LEARNED_SOURCES } from '../depth/learned.ts';
import { FLOW_MODEL } from '../shared/optical-flow.ts';
import type { DepthMap } from '../depth/depth-map.ts';
import { lensBlur, type BokehShape } from './layered-blur.ts';

export const lensBlurParams = {
  focus: {
    type: 'number',
    label: 'Focus depth',
    help: 'Relative nearness kept sharp: 1 = the nearest thing in the shot, 0 = the farthest',
    default: 0.5,
    min: 0,
    max: 1,
    displayMin: 0,
    displayMax: 1,
    step: 0.01,
  },
  aperture: {
    type: 'number',
    label: 'Aperture (px)',
    unit: 'px',
    help: 'Bokeh radius in pixels for the whole depth range away from the focus; 0 = no blur',
    default: 16,
    min: 0,
    max: 200,
    displayMin: 0,
    displayMax: 60,
    step: 1,
  },
  shape: {
    type: 'choice',
    label: 'Bokeh shape',
    default: 'disc',
    options: [
      { value: 'disc', label: 'Disc (round aperture)' },
      { value: 'hexagon', label: 'Hexagon (six blades)' },
    ],
  },
  source: depthSourceParam,
  depth: {
    type: 'string',
    kind: 'path',
    label: 'Depth file',
    help: 'For a still: a grey depth image of the same size (white = near); empty = compute the depth',
    default: '',
  },
  stabilize: depthStabilizeParam,
} as const satisfies ParamSchema;
export type LensBlurParams = ParamsOf<typeof lensBlurParams>;

export const lensBlurEffect: FilterEffect<LensBlurParams> = {
  kind: 'filter',
  id: 'lens-blur',
  label: 'Lens blur (depth of field)',
  category: 'depth',
  description:
    'Depth of field from depth: what sits at the focus depth stays sharp, nearer and farther things blur with ' +
    'a round or hexagonal bokeh growing with their distance from the focus plane, without halos at the edges.',
  params: lensBlurParams,
  models: [SEMANTIC_MODEL, SALIENT_MODEL, FLOW_MODEL, ...Object.values(LEARNED_SOURCES)],
  temporal: 'sequential',
  preRoll: DEPTH_EFFECT_PRE_ROLL,
  outputs: ['rgba'],
  identityWhen: { aperture: 0 },
  createProcessor: createLensBlurProcessor,
};

async function createLensBlurProcessor(ctx: EffectContext): Promise<Processor<LensBlurParams>> {
  const clip = new ClipDepth(ctx);
  let file: { path: string; width: number; height: number; map: DepthMap } | undefined;
  return {
    async process(frame, p) {
      if (p.aperture <= 0) return frame;
      let nearness: DepthMap;
      if (p.depth) {
        if (file?.path !== p.depth || file.width !== frame.width || file.height !== frame.height)
          file = {
            path: p.depth,
            width: frame.width,
            height: frame.height,
            map: await loadDepthFile(p.depth, frame.width, frame.height),
          };
        nearness = file.map;
      } else {
        const map = await clip.next(frame, p.source as DepthSource, p.stabilize);
        nearness = resizeDepth(map, frame.width, frame.height);
      }
      return lensBlur(frame, nearness, {
        focus: p.focus,
        aperture: p.aperture,
        shape: p.shape as BokehShape,
      });
    },
    reset() {
      clip.reset();
    },
  };
}
