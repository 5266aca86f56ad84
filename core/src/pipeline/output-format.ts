/**
 * Output format from the output path: the extension picks the codec; a folder or a `%04d.png` pattern means
 * an RGBA PNG sequence, a `%04d.exr` pattern an EXR sequence (a folder of EXRs: `--format exr-sequence`);
 * an image extension without a pattern means one image (the job must make one frame).
 */
import path from 'node:path';
import { isSequenceFormat, SEQUENCE_EXTENSION, sequencePattern } from '../media/output-names.ts';
import { JobError, type OutputFormat, type SequenceFormat, type StillFormat } from './types.ts';

export { isSequenceFormat, sequencePattern };

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

/** Formats written as image files (no audio, no timecode): stills and image sequences. */
export function isImageFormat(format: OutputFormat): boolean {
  return isSequenceFormat(format) || isStillFormat(format);
}

const sequenceFormats = Object.keys(SEQUENCE_EXTENSION) as SequenceFormat[];

export function isSequencePath(output: string): boolean {
  return sequencePattern.test(path.basename(output)) || output.endsWith('/') || path.extname(output) === '';
}

export function formatFromOutputPath(output: string): OutputFormat {
  const ext = path.extname(output).toLowerCase();
  // `.`, `..` and `~` have no extension either: they are folders, and the folder rules in output-checks apply.
  if (isSequencePath(output)) {
    if (ext === '' || output.endsWith('/')) return 'png-sequence';
    const format = sequenceFormats.find((f) => SEQUENCE_EXTENSION[f] === ext);
    if (format) return format;
    throw new JobError(
      'BAD_PARAM',
      `"${output}": image sequences are written as PNG or EXR only`,
      'name the frames like frame_%04d.png or frame_%04d.exr, or write a single image with .jpg/.tif/.webp (one frame)',
    );
  }
  const format = byExtension[ext];
  if (!format) {
    throw new JobError(
      'BAD_PARAM',
      `cannot tell the output format from "${output}"`,
      'use .mov (ProRes 4444 with alpha), .webm (VP9 with alpha), .mp4 (H.264, no alpha), ' +
        'a folder or a name like frame_%04d.png (RGBA PNG sequence), frame_%04d.exr (EXR sequence), ' +
        '.png/.jpg/.tif/.webp/.exr (one image), or pass --format',
    );
  }
  return format;
}

export const outputFormats: readonly OutputFormat[] = [
  'prores4444',
  ...sequenceFormats,
  'webm-vp9',
  'h264',
  ...stillFormats,
];

/** A format given with --format (or worked out) that this version can write, else BAD_PARAM listing them. */
export function assertOutputFormat(format: string): OutputFormat {
  if (!(outputFormats as readonly string[]).includes(format)) {
    throw new JobError(
      'BAD_PARAM',
      `unknown output format "${format}"`,
      `use one of: ${outputFormats.join(', ')}`,
    );
  }
  return format as OutputFormat;
}
