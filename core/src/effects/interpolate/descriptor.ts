/**
 * `interpolate`: frame interpolation with RIFE v4.6. Two modes:
 * - fps: frame-rate conversion to a target rate (e.g. 24000/1001 → 60000/1001, 25 → 50), same duration;
 * - slowmo: 2x or 4x slow motion (k frames per input frame, played at the input rate).
 * Output frame j samples input position j * rIn / rOutContent (timing.ts has the exact math and frame
 * count). Positions that fall on an input frame copy it; others are synthesised by RIFE from the two
 * neighbours, except across a detected scene cut (scene-cut.ts), where the nearest frame is repeated
 * instead, so no frame ever mixes two shots. Audio is the pipeline's: it keeps the source audio and uses
 * outputFrameRate, and the frame count keeps the duration within one output frame of the input's.
 */
import { parseRational } from '../../media/rational.ts';
import type { EffectContext, ParamSchema, ParamsOf, Rational, RetimeEffect, Retimer } from '../types.ts';
import { firstNonFinite, toFloat32, type F32Frame, type Frame } from '../frame.ts';
import { RetimeClock, rateStep } from './timing.ts';
import { frameSignature, sceneChangeScore, type FrameSignature } from './scene-cut.ts';
import { rifePair, type PairInterpolator } from './rife.ts';

export const RIFE_MODEL_ID = 'rife-v4.6';

/** Target rate from the `fps` param ("60000/1001", "59.94", "50"); NTSC decimals snap to x/1001. */
export function targetRate(params: InterpolateParams): Rational {
  const r = parseRational(params.fps.trim());
  if (!r)
    throw new RangeError(`interpolate: fps "${params.fps}" is not a frame rate (e.g. 60000/1001, 59.94, 50)`);
  return r;
}

function slowFactor(params: InterpolateParams): number {
  const k = Number(params.factor);
  if (k !== 2 && k !== 4)
    throw new RangeError(`interpolate: slow-motion factor must be 2 or 4, got "${params.factor}"`);
  return k;
}

function outputRate(input: Rational, params: InterpolateParams): Rational {
  return params.mode === 'slowmo' ? input : targetRate(params);
}

/** The clock mapping output frames to input positions. */
export function retimeClock(input: Rational, params: InterpolateParams): RetimeClock {
  if (params.mode === 'slowmo') return new RetimeClock({ num: 1, den: slowFactor(params) });
  if (params.mode !== 'fps')
    throw new RangeError(`interpolate: mode must be fps or slowmo, got "${params.mode}"`);
  return new RetimeClock(rateStep(input, targetRate(params)));
}

const interpolateParams = {
  mode: {
    type: 'choice',
    label: 'Mode',
    default: 'fps',
    options: [
      { value: 'fps', label: 'Frame-rate conversion' },
      { value: 'slowmo', label: 'Slow motion' },
    ],
  },
  fps: {
    type: 'string',
    label: 'Target frame rate',
    help: 'fps mode: a rational or decimal rate, e.g. 60000/1001, 59.94, 50',
    default: '60000/1001',
  },
  factor: {
    type: 'choice',
    label: 'Slow-motion factor',
    help: 'slowmo mode: frames per input frame',
    default: '2',
    options: [
      { value: '2', label: '2x' },
      { value: '4', label: '4x' },
    ],
  },
  sceneThreshold: {
    type: 'number',
    label: 'Scene-cut threshold',
    help: 'Change score (0..1) above which two frames count as different shots; 1 disables detection',
    default: 0.3,
    min: 0.05,
    max: 1,
    displayMin: 0.1,
    displayMax: 0.6,
    step: 0.01,
  },
} as const satisfies ParamSchema;
export type InterpolateParams = ParamsOf<typeof interpolateParams>;

export const interpolateEffect: RetimeEffect<InterpolateParams> = {
  kind: 'retime',
  id: 'interpolate',
  label: 'Interpolate frames (RIFE)',
  category: 'time',
  description:
    'Frame interpolation with RIFE v4.6: frame-rate conversion (e.g. 23.976 → 59.94, 25 → 50) or 2x/4x slow ' +
    'motion. Scene cuts are detected and never blended across.',
  params: interpolateParams,
  models: [RIFE_MODEL_ID],
  outputs: ['rgba'],
  retime: {
    outputFrameRate: outputRate,
    outputFrameCount: (inputCount, input, params) => retimeClock(input, params).count(inputCount),
    async createRetimer(ctx: EffectContext, params: InterpolateParams, input: Rational): Promise<Retimer> {
      const clock = retimeClock(input, params);
      const session = await ctx.sessions.get(RIFE_MODEL_ID);
      return new RifeRetimer(clock, params.sceneThreshold, (a, b) => rifePair(session, a, b), ctx.signal);
    },
  },
};

/** What the retimer needs from a model: an interpolator for a pair (tests may pass a stand-in). */
export type PairFactory = (a: Frame, b: Frame) => PairInterpolator;

/**
 * Streams frames through the clock: when input frame n arrives, every output frame whose position lies
 * before n is produced (it needs frames n-1 and n at most); flush() holds the last frame for the positions
 * after it.
 */
export class RifeRetimer implements Retimer {
  private prev: { frame: F32Frame; sig: FrameSignature } | null = null;
  private inputCount = 0;
  private nextOut = 0;
  /** Cut decisions per input pair (index of the first frame), for reports and tests. */
  readonly cuts: number[] = [];

  constructor(
    private readonly clock: RetimeClock,
    private readonly sceneThreshold: number,
    private readonly pair: PairFactory,
    private readonly signal?: AbortSignal,
  ) {}

  async push(input: Frame): Promise<Frame[]> {
    this.signal?.throwIfAborted();
    // Kept frames are reused as outputs and fed to the model: convert once on arrival.
    const frame = toFloat32(input);
    const bad = firstNonFinite(frame);
    if (bad >= 0)
      throw new RangeError(`interpolate: input frame ${this.inputCount} has a non-finite sample at ${bad}`);
    const sig = frameSignature(frame);
    const n = this.inputCount++;
    const prev = this.prev;
    this.prev = { frame, sig };
    if (!prev) return [];
    if (prev.frame.width !== frame.width || prev.frame.height !== frame.height)
      throw new RangeError(
        `interpolate: frame ${n} is ${frame.width}x${frame.height}, earlier frames ${prev.frame.width}x${prev.frame.height}`,
      );
    const isCut = this.sceneThreshold < 1 && sceneChangeScore(prev.sig, sig) >= this.sceneThreshold;
    if (isCut) this.cuts.push(n - 1);
    const out: Frame[] = [];
    let interp: PairInterpolator | null = null;
    for (;;) {
      const pos = this.clock.position(this.nextOut);
      if (pos.index >= n) break;
      this.signal?.throwIfAborted();
      if (pos.num === 0) out.push(prev.frame);
      else if (isCut) out.push(2 * pos.num < pos.den ? prev.frame : frame);
      else {
        interp ??= this.pair(prev.frame, frame);
        out.push(await interp.at(pos.num / pos.den));
      }
      this.nextOut++;
    }
    return out;
  }

  async flush(): Promise<Frame[]> {
    if (!this.prev) return [];
    const out: Frame[] = [];
    const total = this.clock.count(this.inputCount);
    // Positions after the last input frame have no next frame: hold the last one.
    while (this.nextOut < total) {
      out.push(this.prev.frame);
      this.nextOut++;
    }
    return out;
  }
}
