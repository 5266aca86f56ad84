/**
 * `upscale`: super-resolution with Real-ESRGAN, 2x / 3x / 4x (and "480p → 1440p", which is 3x).
 * Both models are x4 networks; for 2x and 3x each tile's 4x output is area-averaged down (a proper
 * anti-aliasing filter, unlike the networks' own bicubic tails). Frames are processed in overlapping,
 * feather-blended tiles (runtime/tiling.ts) so memory depends on the tile size, not the frame size.
 * Alpha does not go through the network: it is resampled bilinearly to the output size.
 */
import type { EffectContext, FilterEffect, ParamSchema, ParamsOf, Processor } from '../types.ts';
import { firstNonFinite, toFloat32, type Frame } from '../frame.ts';
import type { LoadedSession } from '../../runtime/types.ts';
import { upscaleTiled, type TileRunner } from '../../runtime/tiling.ts';
import { Tensor } from 'onnxruntime-node';
import { linearToSrgb, srgbToLinear } from '../../runtime/srgb.ts';

/** Model choice → manifest id; both are x4 networks taking/returning planar RGB 0..1. */
export const UPSCALE_MODELS = {
  quality: 'realesrgan-x4plus',
  fast: 'realesr-animevideov3-x4',
} as const;
const MODEL_SCALE = 4;

/** Scale choice → integer factor ("480p-1440p" is the 3x preset). */
const SCALE_FACTORS: Readonly<Record<string, number>> = { '2': 2, '3': 3, '4': 4, '480p-1440p': 3 };
export function scaleFactor(scale: string): number {
  const factor = SCALE_FACTORS[scale];
  if (!factor) throw new RangeError(`upscale: unknown scale "${scale}" (2, 3, 4 or 480p-1440p)`);
  return factor;
}

const upscaleParams = {
  scale: {
    type: 'choice',
    label: 'Scale',
    default: '2',
    options: [
      { value: '2', label: '2x' },
      { value: '3', label: '3x' },
      { value: '4', label: '4x' },
      { value: '480p-1440p', label: '480p → 1440p (3x)' },
    ],
  },
  model: {
    type: 'choice',
    label: 'Model',
    help: 'quality: Real-ESRGAN x4plus (about 12x slower); fast: realesr-animevideov3',
    default: 'fast',
    options: [
      { value: 'fast', label: 'Fast (animevideov3)' },
      { value: 'quality', label: 'Quality (x4plus)' },
    ],
  },
  tileSize: {
    type: 'number',
    label: 'Tile size',
    help: 'Input pixels per tile side; smaller uses less memory, larger has fewer tile borders',
    default: 256,
    min: 32,
    max: 2048,
    displayMin: 64,
    displayMax: 512,
    step: 32,
    integer: true,
  },
  overlap: {
    type: 'number',
    label: 'Tile overlap',
    help: 'Input pixels of context around each tile; half of it is cross-faded with the neighbour',
    default: 16,
    min: 0,
    max: 64,
    displayMin: 0,
    displayMax: 32,
    step: 2,
    integer: true,
  },
} as const satisfies ParamSchema;
export type UpscaleParams = ParamsOf<typeof upscaleParams>;

export const upscaleEffect: FilterEffect<UpscaleParams> = {
  kind: 'filter',
  id: 'upscale',
  label: 'Upscale (Real-ESRGAN)',
  category: 'enhance',
  description:
    'Super-resolution 2x/3x/4x with Real-ESRGAN: "quality" (x4plus, photos) or "fast" (animevideov3). ' +
    'Tiled with overlap and feathered blending; the output frame grows by the scale.',
  params: upscaleParams,
  models: Object.values(UPSCALE_MODELS),
  temporal: 'stateless',
  outputs: ['rgba'],
  outputScale: { param: 'scale', factors: SCALE_FACTORS },
  async createProcessor(ctx: EffectContext): Promise<Processor<UpscaleParams>> {
    return {
      async process(input: Frame, params: UpscaleParams): Promise<Frame> {
        const frame = toFloat32(input);
        const bad = firstNonFinite(frame);
        if (bad >= 0)
          throw new RangeError(`upscale: input frame has a non-finite sample at float index ${bad}`);
        const modelId = UPSCALE_MODELS[params.model as keyof typeof UPSCALE_MODELS];
        if (!modelId) throw new RangeError(`upscale: unknown model "${params.model}" (fast or quality)`);
        const session = await ctx.sessions.get(modelId);
        return upscaleTiled(frame, sessionTileRunner(session, frame.colorSpace === 'linear'), {
          modelScale: MODEL_SCALE,
          outputScale: scaleFactor(params.scale),
          tileSize: params.tileSize,
          overlap: params.overlap,
          signal: ctx.signal,
        });
      },
      reset() {},
    };
  },
};

/**
 * Tile runner over a loaded Real-ESRGAN session. The networks were trained on sRGB-encoded images, so linear
 * frames are encoded before and decoded after; the output is clamped to 0..1 as Real-ESRGAN's own tools do.
 */
export function sessionTileRunner(session: LoadedSession, linear: boolean): TileRunner {
  const input = session.inputNames[0]!;
  const output = session.outputNames[0]!;
  return async (rgb, width, height) => {
    if (linear) for (let i = 0; i < rgb.length; i++) rgb[i] = linearToSrgb(rgb[i]!);
    const result = await session.run({ [input]: new Tensor('float32', rgb, [1, 3, height, width]) });
    const out = result[output]!.data as Float32Array;
    for (let i = 0; i < out.length; i++) {
      const v = Math.min(1, Math.max(0, out[i]!));
      out[i] = linear ? srgbToLinear(v) : v;
    }
    return out;
  };
}
