import { describe, expect, it } from 'vitest';
import { formatFromOutputPath } from './output-format.ts';

describe('output format from the path', () => {
  it('maps extensions, folders and %d patterns', () => {
    expect(formatFromOutputPath('a/out.mov')).toBe('prores4444');
    expect(formatFromOutputPath('out.MOV')).toBe('prores4444');
    expect(formatFromOutputPath('out.webm')).toBe('webm-vp9');
    expect(formatFromOutputPath('out.mp4')).toBe('h264');
    expect(formatFromOutputPath('frames/')).toBe('png-sequence');
    expect(formatFromOutputPath('frames')).toBe('png-sequence');
    expect(formatFromOutputPath('frames/f_%04d.png')).toBe('png-sequence');
  });

  it('names the supported choices for anything else', () => {
    expect(() => formatFromOutputPath('out.gif')).toThrow(/cannot tell the output format/);
    expect(() => formatFromOutputPath('out.gif')).toThrow(expect.objectContaining({ code: 'BAD_PARAM' }));
  });
});
