import { describe, expect, it } from 'vitest';
import { parseFrameRange, resolveFrameRange } from './frame-range.ts';

describe('frame ranges', () => {
  it('parses a-b, a- and a', () => {
    expect(parseFrameRange('5-9')).toEqual({ start: 5, end: 9 });
    expect(parseFrameRange(' 5 - 9 ')).toEqual({ start: 5, end: 9 });
    expect(parseFrameRange('12-')).toEqual({ start: 12 });
    expect(parseFrameRange('7')).toEqual({ start: 7, end: 7 });
  });

  it('rejects garbage and reversed ranges with BAD_PARAM', () => {
    for (const bad of ['', 'a-b', '-3', '9-5', '1.5-2', '1-2-3']) {
      expect(() => parseFrameRange(bad), bad).toThrow(expect.objectContaining({ code: 'BAD_PARAM' }));
    }
  });

  it('resolves against the clip length and refuses ranges past the end', () => {
    expect(resolveFrameRange(undefined, 10)).toEqual({ start: 0, end: 9 });
    expect(resolveFrameRange({ start: 3 }, 10)).toEqual({ start: 3, end: 9 });
    expect(() => resolveFrameRange({ start: 3, end: 10 }, 10)).toThrow(
      /outside the clip, which has frames 0-9/,
    );
    expect(() => resolveFrameRange({ start: 10 }, 10)).toThrow(/outside the clip/);
  });
});
