/**
 * `style`: neural style transfer. Five fast styles by name (fast-neural-style, one network per look) or any
 * painting by path (Magenta arbitrary stylization: the painting → predictor → 100-d style vector → transformer).
 * The frame is stylised at a working resolution (the brush strokes are sized relative to it), in feathered
 * tiles for large frames, then resized back. With temporal consistency on, the previous stylised frame is
 * warped onto the current one with RIFE's optical flow and blended in where the flow is reliable (see
 * temporal.ts and docs/style.md).
 */
import { stat } from 'node:fs/promises';
import sharp from 'sharp';
import type { EffectContext, FilterEffect, ParamSchema, ParamsOf, Processor } from '../types.ts';
import { firstNonFinite, packed, toFloat32, type F32Frame, type Frame } from '../frame.ts';
import { upscaleTiled } from '../../runtime/tiling.ts';
import type { LoadedSession } from '../../runtime/types.ts';
import {
  blendInto,
  copyAlpha,
  keepOriginalColors,
  resizeFrame,
  toColorSpaceOf,
  toDisplay,
} from './image-ops.ts';
import { arbitraryStyleRunner, fastStyleRunner, predictStyle } from './stylize.ts';
import { TemporalBlender, FLOW_MODEL } from './temporal.ts';

/** Fast style name → manifest id. */
export const FAST_STYLES: Readonly<Record<string, string>> = {
  candy: 'fast-neural-style-candy',
  mosaic: 'fast-neural-style-mosaic',
  pointilism: 'fast-neural-style-pointilism',
  'rain-princess': 'fast-neural-style-rain-princess',
  udnie: 'fast-neural-style-udnie',
};
export const PREDICTOR = 'magenta-style-predictor';
// The int8 transformer is the predictor's own pair (same 100-d space); see the manifests' notes.
export const TRANSFORMER = 'magenta-style-transformer-int8';

export class StyleInputError extends Error {
  override name = 'StyleInputError';
}

/** A painting as the predictor's input: centre-cropped to a square, 256×256, NHWC RGB 0..1. */
export async function loadPainting(file: string): Promise<Float32Array> {
  try {
    await stat(file);
  } catch {
    throw new StyleInputError(
      `style: "${file}" is neither a style name (${Object.keys(FAST_STYLES).join(', ')}) nor an image file that exists; pass a name or the path of a painting (JPEG/PNG/WebP/TIFF)`,
    );
  }
  let raw: Buffer;
  try {
    raw = await sharp(file)
      .removeAlpha()
      .toColourspace('srgb')
      .resize(256, 256, { fit: 'cover' })
      .raw()
      .toBuffer();
  } catch (err) {
    throw new StyleInputError(
      `style: cannot read the painting ${file} as an image (${(err as Error).message})`,
    );
  }
  return Float32Array.from(raw, (v) => v / 255);
}

/** A display frame as the predictor's input (its own "style": what strength < 1 blends towards). */
function frameAs256(frame: F32Frame): Float32Array {
  const small = packed(resizeFrame(frame, 256, 256));
  const out = new Float32Array(256 * 256 * 3);
  for (let i = 0; i < 256 * 256; i++) for (let c = 0; c < 3; c++) out[i * 3 + c] = small.data[i * 4 + c]!;
  return out;
}

/** Working size: the frame scaled so its height is `workingHeight` (never enlarged), width kept in ratio. */
export function workingSize(
  width: number,
  height: number,
  workingHeight: number,
): { width: number; height: number } {
  if (workingHeight <= 0 || height <= workingHeight) return { width, height };
  const s = workingHeight / height;
  return { width: Math.max(4, Math.round(width * s)), height: workingHeight };
}

const styleParams = {
  style: {
    type: 'string',
    label: 'Style',
    help: 'candy | mosaic | pointilism | rain-princess | udnie, or the path of a painting (arbitrary style)',
    default: 'mosaic',
    kind: 'text',
  },
  strength: {
    type: 'number',
    label: 'Strength',
    help: "Painting path: blends the style vector with the shot's own; fast styles: blends with the original",
    default: 1,
    min: 0,
    max: 1,
    displayMin: 0,
    displayMax: 1,
    step: 0.05,
  },
  keepColors: {
    type: 'boolean',
    label: 'Keep original colours',
    help: "Transfer only the luminance of the style; the chroma stays the shot's",
    default: false,
  },
  workingHeight: {
    type: 'number',
    label: 'Working height',
    help: 'Stylise at this height (px), then resize back; lower gives bigger strokes and runs faster; 0 = full size',
    default: 720,
    min: 0,
    max: 4320,
    displayMin: 256,
    displayMax: 2160,
    step: 4,
    integer: true,
    // A height in frame pixels: an OFX host rendering a proxy at scale s gets workingHeight x s, so the proxy
    // is stylised at the same fraction of its height (same stroke size relative to the picture) as the full render.
    unit: 'px',
  },
  tileSize: {
    type: 'number',
    label: 'Tile size',
    help: 'Working pixels per tile side; frames larger than this run in feathered tiles (bounded memory)',
    default: 1024,
    min: 64,
    max: 4096,
    displayMin: 256,
    displayMax: 2048,
    step: 4,
    integer: true,
  },
  temporalConsistency: {
    type: 'boolean',
    label: 'Temporal consistency',
    help: 'Warp the previous stylised frame along optical flow (RIFE) and blend where the flow is reliable',
    default: true,
  },
  temporalWeight: {
    type: 'number',
    label: 'Temporal weight',
    help: 'How much of the warped previous frame is kept where the flow is reliable',
    default: 0.7,
    min: 0,
    max: 0.95,
    displayMin: 0,
    displayMax: 0.95,
    step: 0.05,
  },
} as const satisfies ParamSchema;
export type StyleParams = ParamsOf<typeof styleParams>;

export const styleEffect: FilterEffect<StyleParams> = {
  kind: 'filter',
  id: 'style',
  label: 'Style transfer',
  category: 'style',
  description:
    "Repaints the shot in a painting's style: one of five fast styles (candy, mosaic, pointilism, rain-princess, udnie) or any painting given by path. " +
    'Temporal consistency warps the previous stylised frame along RIFE optical flow to stop flicker.',
  params: styleParams,
  models: [...Object.values(FAST_STYLES), PREDICTOR, TRANSFORMER, FLOW_MODEL],
  temporal: 'sequential',
  outputs: ['rgba'],
  identityWhen: { strength: 0 },
  async createProcessor(ctx: EffectContext): Promise<Processor<StyleParams>> {
    const vectors = new Map<string, Float32Array>();
    let contentVector: Float32Array | undefined;
    let temporal: TemporalBlender | undefined;

    const styleVector = async (params: StyleParams, frame: F32Frame): Promise<Float32Array> => {
      const predictor = await ctx.sessions.get(PREDICTOR);
      let v = vectors.get(params.style);
      if (!v) {
        v = await predictStyle(predictor, await loadPainting(params.style));
        vectors.set(params.style, v);
      }
      if (params.strength >= 1) return v;
      // Magenta's own strength control: interpolate towards the content's style vector (computed once per
      // shot, at the first frame after a reset, so it does not flicker with the content).
      contentVector ??= await predictStyle(predictor, frameAs256(frame));
      const s = params.strength;
      return v.map((x, i) => s * x + (1 - s) * contentVector![i]!);
    };

    return {
      async process(source: Frame, params: StyleParams): Promise<Frame> {
        const input = toFloat32(source);
        const bad = firstNonFinite(input);
        if (bad >= 0)
          throw new RangeError(`style: input frame has a non-finite sample at float index ${bad}`);
        if (params.strength <= 0) return source;
        const display = toDisplay(input);
        const size = workingSize(display.width, display.height, params.workingHeight);
        const work = resizeFrame(display, size.width, size.height);
        const fastId = FAST_STYLES[params.style];
        let session: LoadedSession;
        let runner;
        if (fastId) {
          session = await ctx.sessions.get(fastId);
          runner = fastStyleRunner(session);
        } else {
          const vector = await styleVector(params, work);
          session = await ctx.sessions.get(TRANSFORMER);
          runner = arbitraryStyleRunner(session, vector);
        }
        const styled = await upscaleTiled(work, runner, {
          modelScale: 1,
          outputScale: 1,
          tileSize: params.tileSize,
          overlap: Math.min(32, Math.floor(params.tileSize / 4)),
          signal: ctx.signal,
        });
        if (fastId && params.strength < 1) blendInto(styled, work, params.strength);
        if (params.keepColors) keepOriginalColors(styled, work);
        if (params.temporalConsistency) {
          temporal ??= new TemporalBlender(await ctx.sessions.get(FLOW_MODEL));
          await temporal.stabilise(work, styled, params.temporalWeight);
        }
        const out = toColorSpaceOf(resizeFrame(styled, input.width, input.height), input);
        copyAlpha(out, input);
        return out;
      },
      reset() {
        contentVector = undefined;
        temporal?.reset();
      },
    };
  },
};
