/**
 * The retiming math of `interpolate`, in exact integer arithmetic (no float drift over long clips).
 *
 * Input frame i shows time i / rIn. Output frame j shows time j / rOutContent, where rOutContent is the
 * target rate (frame-rate conversion) or k * rIn (k-times slow motion, then played at rIn). Output frame j
 * therefore samples input position p_j = j * rIn / rOutContent = j * P / Q (P/Q reduced).
 *
 * Frame count: output frame j exists iff its time lies inside the input's duration, p_j < N, so
 *   M = ceil(N * Q / P).
 * 25 → 50: P/Q = 1/2, M = 2N.   23.976 → 59.94 (24000/1001 → 60000/1001): P/Q = 2/5, M = ceil(5N / 2)
 * (100 → 250, 101 → 253). Slow motion k: P/Q = 1/k, M = kN (the last k-1 frames hold the final frame).
 * Output duration M / rOut equals the input duration N / rIn when N*Q/P is an integer and otherwise exceeds
 * it by less than one output frame, so audio (kept by the pipeline at its own rate) stays within a frame.
 */
import type { Rational } from '../types.ts';
import { reduce } from '../../media/rational.ts';

export interface SamplePosition {
  /** Input frame at or before the sample time. */
  index: number;
  /** Fraction of the way to frame index + 1, as an exact ratio num/den in [0, 1). */
  num: number;
  den: number;
}

/** Output position stepper: input frames per output frame as a reduced integer ratio P/Q. */
export class RetimeClock {
  readonly p: number;
  readonly q: number;

  /** `step` = rIn / rOutContent (input frames advanced per output frame). */
  constructor(step: Rational) {
    if (!(step.num > 0 && step.den > 0) || !Number.isInteger(step.num) || !Number.isInteger(step.den))
      throw new RangeError(`retime step must be a positive integer ratio, got ${step.num}/${step.den}`);
    ({ num: this.p, den: this.q } = reduce(step));
  }

  /** Where output frame j samples the input. */
  position(j: number): SamplePosition {
    const t = j * this.p;
    if (!Number.isSafeInteger(t)) throw new RangeError(`output frame ${j} is beyond exact arithmetic`);
    const index = Math.floor(t / this.q);
    return { index, num: t - index * this.q, den: this.q };
  }

  /** Number of output frames for n input frames: ceil(n * Q / P). */
  count(n: number): number {
    if (!Number.isInteger(n) || n < 0)
      throw new RangeError(`input frame count must be a non-negative integer, got ${n}`);
    return n === 0 ? 0 : Math.floor((n * this.q - 1) / this.p) + 1;
  }
}

/** rIn / rOut as a ratio of integers (both rates are reduced rationals). */
export function rateStep(input: Rational, outputContent: Rational): Rational {
  return { num: input.num * outputContent.den, den: input.den * outputContent.num };
}
