/**
 * Output format from the output path: the extension picks the codec; a folder or a `%04d.png` pattern means
 * an RGBA PNG sequence; an image extension without a pattern means one image (the job must make one frame).
 */
import path from 'node:path';
import { sequencePattern } from '../media/output-names.ts';
import { JobError, type OutputFormat, type StillFormat } from './types.ts';

export { sequencePattern };

const byExtension: Record<string, OutputFormat> = {
  '.mov': 'prores4444',
  '.webm': 'webm-vp9',
  '.mp4': 'h264',
  '.png': 'png',
  '.jpg': 'jpeg',
  '.jpeg': 'jpeg',
  '.tif': 'tiff',
  '.tiff': 'tiff',
  '.webp': 'webp',
  '.exr': 'exr',
};

const stillFormats: readonly StillFormat[] = ['png', 'jpeg', 'tiff', 'webp', 'exr'];

export function isStillFormat(format: OutputFormat): format is StillFormat {
  return (stillFormats as readonly string[]).includes(format);
}

/** Formats written as image files (no audio, no timecode): stills and PNG sequences. */
export function isImageFormat(format: OutputFormat): boolean {
  return format === 'png-sequence' || isStillFormat(format);
}

export function isSequencePath(output: string): boolean {
  return sequencePattern.test(path.basename(output)) || output.endsWith('/') || path.extname(output) === '';
}

export function formatFromOutputPath(output: string): OutputFormat {
  const ext = path.extname(output).toLowerCase();
  // `.`, `..` and `~` have no extension either: they are folders, and the folder rules in output-checks apply.
  if (isSequencePath(output)) {
    if (ext === '' || ext === '.png' || output.endsWith('/')) return 'png-sequence';
    throw new JobError(
      'BAD_PARAM',
      `"${output}": image sequences are written as PNG only`,
      'name the frames like frame_%04d.png, or write a single image with .jpg/.tif/.webp/.exr (one frame)',
    );
  }
  const format = byExtension[ext];
  if (!format) {
    throw new JobError(
      'BAD_PARAM',
      `cannot tell the output format from "${output}"`,
      'use .mov (ProRes 4444 with alpha), .webm (VP9 with alpha), .mp4 (H.264, no alpha), ' +
        'a folder or a name like frame_%04d.png (RGBA PNG sequence), ' +
        '.png/.jpg/.tif/.webp/.exr (one image), or pass --format',
    );
  }
  return format;
}

export const outputFormats: readonly OutputFormat[] = [
  'prores4444',
  'png-sequence',
  'webm-vp9',
  'h264',
  ...stillFormats,
];
