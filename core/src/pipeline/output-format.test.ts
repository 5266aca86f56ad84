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
    expect(formatFromOutputPath('frames/f_%04d.exr')).toBe('exr-sequence');
    expect(formatFromOutputPath('frames/f.%d.EXR')).toBe('exr-sequence');
    expect(formatFromOutputPath('.')).toBe('png-sequence');
    expect(formatFromOutputPath('out.mov/')).toBe('png-sequence');
  });

  it('an image name without a pattern is one still; other sequences are refused', () => {
    expect(formatFromOutputPath('big.png')).toBe('png');
    expect(formatFromOutputPath('big.JPG')).toBe('jpeg');
    expect(formatFromOutputPath('big.tif')).toBe('tiff');
    expect(formatFromOutputPath('big.webp')).toBe('webp');
    expect(formatFromOutputPath('big.exr')).toBe('exr');
    expect(() => formatFromOutputPath('f_%04d.jpg')).toThrow(/sequences are written as PNG or EXR only/);
  });

  it('names the supported choices for anything else', () => {
    expect(() => formatFromOutputPath('out.gif')).toThrow(/cannot tell the output format/);
    expect(() => formatFromOutputPath('out.gif')).toThrow(expect.objectContaining({ code: 'BAD_PARAM' }));
  });
});
