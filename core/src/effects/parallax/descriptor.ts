/**
 * `parallax`: a still + its depth → a camera move (dolly, pan, orbit, zoom, vertigo) of exact duration and
 * frame rate. A generator: `mlxv run parallax photo.jpg -o move.mp4` hands the photo to the `image` param.
 * A clip instead of a photo (`mlxv run parallax in.mp4 -o out.mp4`) gives a clip of the same frame count
 * and rate: frame i is seen from the move's camera at t = i/(n-1), with its own (stabilised) depth, and
 * disocclusions filled from what the clip's other frames showed there (plate.ts), then from around them.
 * Depth comes from a depth file (`--param depth=depth.png`, same size as the photo, white = near) or is
 * computed with the depth effect's sources. Rendering and hole filling: render-view.ts; camera model:
 * camera.ts; figures: docs/depth.md.
 */
import { imageSize } from 'image-size';
import sharp from 'sharp';
import { createFrame, type F32Frame } from '../frame.ts';
import type { EffectContext, Generator, GeneratorEffect, ParamSchema, ParamsOf } from '../types.ts';
import { JobError } from '../../contract/errors.ts';
import { frameCount, frameRate, latentWalkParams } from '../latent-walk/generator.ts';
import { depthSourceParam, depthStabilizeParam } from '../depth/descriptor.ts';
import {
  ClipDepth,
  DepthEstimator,
  loadDepthFile,
  resizeDepth,
  SALIENT_MODEL,
  SEMANTIC_MODEL,
  type DepthSource,
} from '../depth/source.ts';
import { LEARNED_SOURCES } from '../depth/learned.ts';
import type { DepthMap } from '../depth/depth-map.ts';
import { MOTIONS, overscanFor, poseAt, type Motion } from './camera.ts';
import { renderView, snapDepthEdges } from './render-view.ts';
import { BackgroundPlate } from './plate.ts';
import { toFloat32, type Frame } from '../frame.ts';
import type { AnalyzerInputInfo, ClipRenderer } from '../../contract/effect.ts';
import { FLOW_MODEL } from '../shared/optical-flow.ts';

export const parallaxParams = {
  image: {
    type: 'string',
    kind: 'path',
    label: 'Photo',
    help: 'The still (or clip) to move through (the input of `mlxv run parallax photo.jpg`); a clip keeps its own frame count and rate',
    default: '',
  },
  depth: {
    type: 'string',
    kind: 'path',
    label: 'Depth file',
    help: 'Optional grey depth image of the same size (white = near, e.g. from `mlxv run depth`); empty = compute it (per frame on a clip)',
    default: '',
  },
  source: depthSourceParam,
  motion: {
    type: 'choice',
    label: 'Camera move',
    default: 'dolly-in',
    options: MOTIONS.map((m) => ({ value: m, label: m })),
  },
  seconds: { ...latentWalkParams.seconds, default: 3 },
  fps: latentWalkParams.fps,
  amount: {
    type: 'number',
    label: 'Amount',
    help: 'Size of the move: dolly travel as a share of the nearest distance; pans move the nearest layer by half this share of the width',
    default: 0.3,
    min: 0,
    max: 0.9,
    displayMin: 0,
    displayMax: 0.6,
    step: 0.01,
  },
  focus: {
    type: 'number',
    label: 'Focus depth',
    help: 'Relative nearness (1 = nearest) that orbit pivots around and vertigo keeps the same size',
    default: 1,
    min: 0,
    max: 1,
    displayMin: 0,
    displayMax: 1,
    step: 0.01,
  },
} as const satisfies ParamSchema;
export type ParallaxParams = ParamsOf<typeof parallaxParams>;

function requireImage(p: ParallaxParams): string {
  if (!p.image) {
    throw new JobError(
      'INPUT_MISSING',
      'parallax needs a photo to move through',
      'pass it as the input (`mlxv run parallax photo.jpg -o move.mp4`) or as --param image=photo.jpg',
    );
  }
  return p.image;
}

function sizeOf(p: ParallaxParams): { width: number; height: number } {
  const file = requireImage(p);
  let size: { width?: number; height?: number };
  try {
    size = imageSize(file);
  } catch (err) {
    throw new JobError(
      'INPUT_MISSING',
      `parallax: cannot read the size of ${file} (${(err as Error).message})`,
      'pass an existing photo (JPEG, PNG, TIFF, WebP)',
    );
  }
  if (!size.width || !size.height)
    throw new JobError('INPUT_NOT_VIDEO', `parallax: ${file} has no image size`);
  return { width: size.width, height: size.height };
}

async function loadPhoto(file: string): Promise<F32Frame> {
  const { data, info } = await sharp(file)
    .removeAlpha()
    .ensureAlpha()
    .toColourspace('rgb16') // 16-bit sRGB: 16-bit photos keep their precision, 8-bit ones are scaled
    .raw({ depth: 'ushort' })
    .toBuffer({ resolveWithObject: true });
  const px = new Uint16Array(data.buffer, data.byteOffset, data.length / 2);
  const frame = createFrame(info.width, info.height);
  for (let i = 0; i < px.length; i++) frame.data[i] = px[i]! / 65535;
  return frame;
}

/** The photo's depth at its size: the user's file (checked for size) or the chosen source. */
export async function depthForStill(
  ctx: EffectContext,
  photo: F32Frame,
  depthFile: string,
  source: DepthSource,
): Promise<DepthMap> {
  if (depthFile) return loadDepthFile(depthFile, photo.width, photo.height);
  const map = await new DepthEstimator(ctx).estimate(photo, source);
  return resizeDepth(map, photo.width, photo.height);
}

export const parallaxEffect: GeneratorEffect<ParallaxParams> = {
  kind: 'generator',
  id: 'parallax',
  label: 'Parallax (2.5D camera move)',
  category: 'depth',
  description:
    'Turns a photo into a camera move (dolly, pan, orbit, zoom, vertigo) from its depth: near things move more ' +
    'than far ones, and what was hidden behind them is filled from the background. Exact duration and frame rate. ' +
    'Given a clip, the move runs over the clip (same frame count and rate), each frame with its own depth.',
  params: parallaxParams,
  models: [SEMANTIC_MODEL, SALIENT_MODEL, FLOW_MODEL, ...Object.values(LEARNED_SOURCES)],
  outputs: ['rgba'],
  generator: {
    inputParam: 'image',
    frameRate: (p) => frameRate(p),
    frameCount: (p) => frameCount(p),
    size: sizeOf,
    async createGenerator(ctx, p): Promise<Generator> {
      const photo = await loadPhoto(requireImage(p));
      const depth = await depthForStill(ctx, photo, p.depth, p.source as DepthSource);
      const nearness = snapDepthEdges(
        depth,
        Math.max(1, Math.round(Math.max(photo.width, photo.height) / 400)),
      );
      const motion = p.motion as Motion;
      const overscan = overscanFor(motion, p.amount, p.focus, photo.width, photo.height);
      const count = frameCount(p);
      return {
        async render(index) {
          const t = count > 1 ? index / (count - 1) : 0;
          const pose = poseAt(motion, t, p.amount, p.focus);
          pose.zoom *= overscan;
          return renderView(photo, nearness, pose).frame;
        },
      };
    },
    clip: { createClipRenderer: parallaxOverClip },
  },
};

/**
 * The move over a clip: frame i at t = i/(n-1), its depth from the chosen source through the depth effect's
 * stabiliser (or the one depth file, for a locked-off shot), holes filled from the background plate first.
 */
export async function parallaxOverClip(
  ctx: EffectContext,
  p: ParallaxParams,
  clip: AnalyzerInputInfo,
): Promise<ClipRenderer & { lastView: { disoccluded: number; fromFrames: number } }> {
  const depth = new ClipDepth(ctx);
  const plate = new BackgroundPlate();
  const motion = p.motion as Motion;
  const overscan = overscanFor(motion, p.amount, p.focus, clip.width, clip.height);
  const radius = Math.max(1, Math.round(Math.max(clip.width, clip.height) / 400));
  const file = p.depth ? await loadDepthFile(p.depth, clip.width, clip.height) : undefined;
  const renderer = {
    /** Hole figures of the last frame rendered (for tests and logs). */
    lastView: { disoccluded: 0, fromFrames: 0 },
    async render(input: Frame, index: number): Promise<Frame> {
      const frame = toFloat32(input);
      const map =
        file ??
        resizeDepth(
          await depth.next(frame, p.source as DepthSource, depthStabilizeParam.default),
          frame.width,
          frame.height,
        );
      const nearness = snapDepthEdges(map, radius);
      const background = plate.update(frame, nearness);
      const t = clip.frameCount > 1 ? index / (clip.frameCount - 1) : 0;
      const pose = poseAt(motion, t, p.amount, p.focus);
      pose.zoom *= overscan;
      const view = renderView(frame, nearness, pose, background);
      renderer.lastView = { disoccluded: view.disoccluded, fromFrames: view.fromFrames };
      return view.frame;
    },
  };
  return renderer;
}
