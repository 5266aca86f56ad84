/**
 * Frame ranges as farm managers write them: `a-b` (0-based, inclusive), `a-` (to the end) or `a` (one frame).
 */
import { JobError, type FrameRange } from './types.ts';

export function parseFrameRange(text: string): FrameRange {
  const m = /^\s*(\d+)\s*(?:(-)\s*(\d+)?)?\s*$/.exec(text);
  if (!m) {
    throw new JobError(
      'BAD_PARAM',
      `invalid frame range "${text}"`,
      'write it as a-b (0-based, inclusive), a- (to the end) or a single frame number',
    );
  }
  const start = Number(m[1]);
  const end = m[3] !== undefined ? Number(m[3]) : m[2] ? undefined : start;
  if (end !== undefined && end < start) {
    throw new JobError('BAD_PARAM', `invalid frame range "${text}": end ${end} is before start ${start}`);
  }
  return end === undefined ? { start } : { start, end };
}

/** Clamps a requested range to a clip of `frameCount` frames; a range that starts past the end is an error. */
export function resolveFrameRange(range: FrameRange | undefined, frameCount: number): Required<FrameRange> {
  const last = frameCount - 1;
  if (!range) return { start: 0, end: last };
  if (
    !Number.isInteger(range.start) ||
    range.start < 0 ||
    (range.end !== undefined && range.end < range.start)
  ) {
    throw new JobError('BAD_PARAM', `invalid frame range ${formatFrameRange(range)}`);
  }
  if (range.start > last || (range.end !== undefined && range.end > last)) {
    throw new JobError(
      'BAD_PARAM',
      `frame range ${formatFrameRange(range)} is outside the clip, which has frames 0-${last}`,
      `pick frames within 0-${last}`,
    );
  }
  return { start: range.start, end: range.end ?? last };
}

export function formatFrameRange(range: FrameRange): string {
  return range.end === undefined ? `${range.start}-` : `${range.start}-${range.end}`;
}
