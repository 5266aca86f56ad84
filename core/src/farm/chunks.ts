/**
 * Splitting a job into frame ranges that workers render independently, such that putting the pieces end to
 * end gives what one continuous run gives, frame for frame.
 *
 * - Stateless filters: plain ranges.
 * - Sequential filters: each range is rendered from `preRoll` frames earlier (also before the job's first
 *   frame: a local run of a range primes the same way, runJob's defaultPrimeFrom); the pre-roll frames'
 *   output is discarded.
 * - Retime effects: output frame j samples input position j * P / Q. Ranges start at multiples of P input
 *   frames from the job's start, so a range's first output frame is a whole output index and its clock
 *   matches the continuous one; each range but the last also reads `overlap` frames past its end (the
 *   interpolator needs the next frame for positions between its last frame and the next) and keeps only
 *   the output frames whose positions lie inside its own frames.
 */
import { JobError } from '../pipeline/types.ts';

export interface Chunk {
  index: number;
  /** Input frames whose output this chunk owns (0-based, inclusive). */
  start: number;
  end: number;
  /** Input frames the chunk decodes: pre-roll before, overlap after (0-based, inclusive). */
  renderStart: number;
  renderEnd: number;
  /** Output frames this chunk writes, counted from the job's first output frame. */
  outputStart: number;
  outputCount: number;
}

export type ChunkTiming =
  | {
      kind: 'filter';
      preRoll: number;
      /** A sequential filter without a declared preRoll: rendered as one chunk. */
      unsplittable?: boolean;
    }
  | {
      kind: 'retime';
      /** Input frames per period of the retime clock (P) and output frames per period (Q). */
      period: { input: number; output: number };
      /** Input frames a retimer reads past a position to produce it. */
      overlap: number;
      outputFrameCount: (inputCount: number) => number;
    };

/** Frames per chunk when the user gives none: small enough to spread a short clip over a few machines. */
export const DEFAULT_CHUNK = 24;

/**
 * Chunk size actually used: retime chunks round up to whole clock periods; sequential chunks of less than
 * twice the pre-roll would spend most of their time on frames they throw away, so they grow to that.
 */
export function effectiveChunkSize(requested: number | undefined, timing: ChunkTiming): number {
  if (requested !== undefined && (!Number.isInteger(requested) || requested < 1)) {
    throw new JobError('BAD_PARAM', `--chunk must be a whole number of frames >= 1, got ${requested}`);
  }
  if (timing.kind === 'retime') {
    const p = timing.period.input;
    return Math.ceil((requested ?? DEFAULT_CHUNK) / p) * p;
  }
  return requested ?? Math.max(DEFAULT_CHUNK, 2 * timing.preRoll);
}

export function planChunks(
  range: { start: number; end: number },
  chunkSize: number,
  timing: ChunkTiming,
): Chunk[] {
  const chunks: Chunk[] = [];
  let outputStart = 0;
  for (let start = range.start; start <= range.end; start += chunkSize) {
    const end = Math.min(range.end, start + chunkSize - 1);
    const length = end - start + 1;
    if (timing.kind === 'filter') {
      chunks.push({
        index: chunks.length,
        start,
        end,
        renderStart: Math.max(0, start - timing.preRoll),
        renderEnd: end,
        outputStart,
        outputCount: length,
      });
      outputStart += length;
    } else {
      const outputCount = timing.outputFrameCount(length);
      chunks.push({
        index: chunks.length,
        start,
        end,
        renderStart: start,
        renderEnd: Math.min(range.end, end + timing.overlap),
        outputStart,
        outputCount,
      });
      outputStart += outputCount;
    }
  }
  return chunks;
}

/**
 * The period of a retime clock found from its frame counts alone (RetimeSpec exposes counts, not the clock):
 * the smallest P whose output count Q repeats exactly, count(n + P) = count(n) + Q for every n. For the
 * interpolate clock (count(n) = ceil(n Q / P)) that is its reduced ratio.
 */
export function retimePeriod(
  outputFrameCount: (n: number) => number,
  maxPeriod = 10_000,
): {
  input: number;
  output: number;
} {
  for (let p = 1; p <= maxPeriod; p++) {
    const q = outputFrameCount(p);
    let periodic = true;
    for (let n = 0; n <= p && periodic; n++) {
      periodic =
        outputFrameCount(n + p) === outputFrameCount(n) + q &&
        outputFrameCount(n + 2 * p) === outputFrameCount(n) + 2 * q;
    }
    if (periodic) return { input: p, output: q };
  }
  throw new JobError(
    'BAD_PARAM',
    `this retime has no frame period up to ${maxPeriod} input frames, so it cannot be split into chunks`,
    'render it without --farm',
  );
}
