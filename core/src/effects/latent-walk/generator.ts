/**
 * `latent-walk`: a generator (no input clip) that renders a walk through a latent space. Two spaces share one
 * interface (LatentSpace): the 100-d Magenta style space (keypoints from N paintings or seeded random points;
 * each latent restyles a still: the user's image, or a seeded procedural pattern when none is given) and GAN
 * generators (a latent z → an image). The walk (walk.ts) is seeded, loopable, eased, slerped for Gaussian
 * latents; frame count and rate are exact (count = round(seconds × rate), rate a rational).
 *
 * A contract v2 generator effect (frameRate / frameCount / size / createGenerator).
 */
import { Tensor } from 'onnxruntime-node';
import sharp from 'sharp';
import { createFrame, type Frame } from '../frame.ts';
import type { EffectContext, Generator, GeneratorEffect, ParamSchema, ParamsOf, Rational } from '../types.ts';
import type { LoadedSession } from '../../runtime/types.ts';
import { upscaleTiled } from '../../runtime/tiling.ts';
import { resizeFrame } from '../style/image-ops.ts';
import { arbitraryStyleRunner, predictStyle } from '../style/stylize.ts';
import { loadPainting, PREDICTOR, TRANSFORMER, workingSize } from '../style/descriptor.ts';
import { gaussian, LatentWalk, seededRandom, type Easing } from './walk.ts';

/** A latent space the walk moves through: its keypoints and how one latent becomes a frame. */
export interface LatentSpace {
  keypoints: Float32Array[];
  interpolation: 'slerp' | 'lerp';
  render(latent: Float32Array, width: number, height: number): Promise<Frame>;
}

const RATES: Readonly<Record<string, Rational>> = {
  '23.976': { num: 24000, den: 1001 },
  '24': { num: 24, den: 1 },
  '25': { num: 25, den: 1 },
  '29.97': { num: 30000, den: 1001 },
  '30': { num: 30, den: 1 },
  '50': { num: 50, den: 1 },
  '59.94': { num: 60000, den: 1001 },
  '60': { num: 60, den: 1 },
};

export function frameRate(p: Pick<LatentWalkParams, 'fps'>): Rational {
  const r = RATES[p.fps];
  if (!r)
    throw new RangeError(`latent-walk: unknown frame rate "${p.fps}" (${Object.keys(RATES).join(', ')})`);
  return r;
}

/** Exact: the nearest whole number of frames to seconds × rate (4 s at 29.97 → 120 frames). */
export function frameCount(p: Pick<LatentWalkParams, 'fps' | 'seconds'>): number {
  const r = frameRate(p);
  return Math.max(1, Math.round((p.seconds * r.num) / r.den));
}

export const latentWalkParams = {
  seconds: {
    type: 'number',
    label: 'Duration (s)',
    default: 4,
    min: 0.04,
    max: 600,
    displayMin: 1,
    displayMax: 60,
    step: 0.5,
  },
  fps: {
    type: 'choice',
    label: 'Frame rate',
    default: '24',
    options: Object.keys(RATES).map((v) => ({ value: v, label: `${v} fps` })),
  },
  seed: {
    type: 'number',
    label: 'Seed',
    default: 7,
    min: 0,
    max: 2 ** 31 - 1,
    displayMin: 0,
    displayMax: 1000,
    integer: true,
  },
  points: {
    type: 'number',
    label: 'Random keypoints',
    help: 'Seeded random points in the style space (used when no paintings are given)',
    default: 4,
    min: 2,
    max: 64,
    displayMin: 2,
    displayMax: 12,
    integer: true,
  },
  paintings: {
    type: 'string',
    label: 'Paintings',
    help: 'Paths separated by ";": walk through their styles',
    default: '',
    kind: 'text',
  },
  image: {
    type: 'string',
    label: 'Image',
    help: 'A still to restyle along the walk (default: a seeded pattern)',
    default: '',
    kind: 'path',
  },
  width: {
    type: 'number',
    label: 'Width',
    default: 1280,
    min: 16,
    max: 7680,
    displayMin: 256,
    displayMax: 3840,
    integer: true,
  },
  height: {
    type: 'number',
    label: 'Height',
    default: 720,
    min: 16,
    max: 4320,
    displayMin: 256,
    displayMax: 2160,
    integer: true,
  },
  workingHeight: {
    type: 'number',
    label: 'Working height',
    help: 'Render at this height and resize to the output (stroke size; memory and time stay bounded at 4K)',
    default: 512,
    min: 64,
    max: 2160,
    displayMin: 256,
    displayMax: 1080,
    integer: true,
  },
  easing: {
    type: 'choice',
    label: 'Easing',
    default: 'smooth',
    options: [
      { value: 'smooth', label: 'Smooth (slow at each keypoint)' },
      { value: 'linear', label: 'Linear' },
    ],
  },
  loop: {
    type: 'boolean',
    label: 'Loop',
    help: 'The last frame leads smoothly into the first',
    default: true,
  },
} as const satisfies ParamSchema;
export type LatentWalkParams = ParamsOf<typeof latentWalkParams>;

/** A seeded procedural still (sums of smooth sinusoids): content for the style walk when no image is given. */
export function proceduralStill(width: number, height: number, seed: number): Frame {
  const rand = seededRandom(seed ^ 0x5eed);
  const waves = Array.from({ length: 6 }, () => ({
    fx: rand() * 8 + 1,
    fy: rand() * 8 + 1,
    ph: rand() * 6.28,
    c: [rand(), rand(), rand()],
  }));
  const f = createFrame(width, height);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const o = y * f.stride + x * 4;
      for (let c = 0; c < 3; c++) {
        let v = 0;
        for (const w of waves)
          v += w.c[c]! * Math.sin(((w.fx * x) / width) * 6.28 + ((w.fy * y) / height) * 6.28 + w.ph);
        f.data[o + c] = 0.5 + 0.5 * Math.tanh(v / 2);
      }
      f.data[o + 3] = 1;
    }
  return f;
}

async function loadStill(file: string, width: number, height: number): Promise<Frame> {
  const { data, info } = await sharp(file)
    .resize(width, height, { fit: 'cover' })
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const f = createFrame(info.width, info.height);
  for (let i = 0; i < data.length; i++) f.data[i] = data[i]! / 255;
  return f;
}

/** The Magenta style space: keypoints from paintings (lerp) or seeded Gaussian points (slerp). */
export async function styleSpace(ctx: EffectContext, p: LatentWalkParams): Promise<LatentSpace> {
  const paintings = p.paintings
    .split(';')
    .map((s) => s.trim())
    .filter(Boolean);
  let keypoints: Float32Array[];
  if (paintings.length) {
    if (paintings.length < 2)
      throw new RangeError('latent-walk: give at least 2 paintings (separated by ";")');
    const predictor = await ctx.sessions.get(PREDICTOR);
    keypoints = [];
    for (const file of paintings) keypoints.push(await predictStyle(predictor, await loadPainting(file)));
  } else {
    const rand = seededRandom(p.seed);
    // Predicted style vectors of real paintings have per-dimension spreads of about 0.5-1; N(0, 0.7²) keeps the
    // random points in that range.
    keypoints = Array.from({ length: p.points }, () => gaussian(rand, 100).map((v) => v * 0.7));
  }
  const work = workingSize(p.width, p.height, p.workingHeight);
  const content = p.image
    ? await loadStill(p.image, work.width, work.height)
    : proceduralStill(work.width, work.height, p.seed);
  const transformer: LoadedSession = await ctx.sessions.get(TRANSFORMER);
  return {
    keypoints,
    interpolation: paintings.length ? 'lerp' : 'slerp',
    async render(latent, width, height) {
      const styled = await upscaleTiled(content, arbitraryStyleRunner(transformer, latent), {
        modelScale: 1,
        outputScale: 1,
        tileSize: 1024,
        overlap: 32,
        signal: ctx.signal,
      });
      return resizeFrame(styled, width, height);
    },
  };
}

/**
 * A GAN generator's latent space: input [1, z, 1, 1] ~ N(0, 1) keypoints (slerp), output RGB in [-1, 1]
 * (tanh) as [1, 3, h, w]. Any generator with that signature plugs in; none ships yet (a shipped one needs a
 * permissive licence and training data we can name).
 */
export function ganSpace(session: LoadedSession, zDims: number, seed: number, points: number): LatentSpace {
  const rand = seededRandom(seed);
  return {
    keypoints: Array.from({ length: points }, () => gaussian(rand, zDims)),
    interpolation: 'slerp',
    async render(latent, width, height) {
      const res = await session.run({
        [session.inputNames[0]!]: new Tensor('float32', latent, [1, zDims, 1, 1]),
      });
      const out = res[session.outputNames[0]!]!;
      const [, , h, w] = out.dims as [number, number, number, number];
      const d = out.data as Float32Array;
      const f = createFrame(w, h);
      for (let i = 0; i < w * h; i++) {
        for (let c = 0; c < 3; c++) f.data[i * 4 + c] = Math.min(1, Math.max(0, (d[c * w * h + i]! + 1) / 2));
        f.data[i * 4 + 3] = 1;
      }
      return resizeFrame(f, width, height);
    },
  };
}

/** The generator over a space: frame i is the space's rendering of the walk's latent i. */
export function walkGenerator(space: LatentSpace, p: LatentWalkParams): Generator {
  const walk = new LatentWalk({
    keypoints: space.keypoints,
    frameCount: frameCount(p),
    loop: p.loop,
    easing: p.easing as Easing,
    interpolation: space.interpolation,
  });
  return { render: (index) => space.render(walk.at(index), p.width, p.height) };
}

export const latentWalkEffect: GeneratorEffect<LatentWalkParams> = {
  kind: 'generator',
  id: 'latent-walk',
  label: 'Latent walk',
  category: 'style',
  description:
    'Renders a seeded, loopable walk through the style space of the Magenta stylization model (through N paintings or random points), restyling a still or a seeded pattern.',
  params: latentWalkParams,
  models: [PREDICTOR, TRANSFORMER],
  outputs: ['rgba'],
  generator: {
    frameRate,
    frameCount,
    size: (p) => ({ width: p.width, height: p.height }),
    async createGenerator(ctx, p) {
      return walkGenerator(await styleSpace(ctx, p), p);
    },
  },
};
