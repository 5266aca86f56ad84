/**
 * Output format from the output path: the extension picks the codec, a folder or a `%04d.png` pattern
 * means an RGBA PNG sequence.
 */
import path from 'node:path';
import { JobError, type OutputFormat } from './types.ts';

const byExtension: Record<string, OutputFormat> = {
  '.mov': 'prores4444',
  '.webm': 'webm-vp9',
  '.mp4': 'h264',
};

/** A printf-style frame number in a file name, e.g. frame_%04d.png. */
export const sequencePattern = /%0?\d*d/;

export function isSequencePath(output: string): boolean {
  return sequencePattern.test(path.basename(output)) || output.endsWith('/') || path.extname(output) === '';
}

export function formatFromOutputPath(output: string): OutputFormat {
  if (isSequencePath(output)) {
    const ext = path.extname(output).toLowerCase();
    if (ext === '' || ext === '.png') return 'png-sequence';
  }
  const format = byExtension[path.extname(output).toLowerCase()];
  if (!format) {
    throw new JobError(
      'BAD_PARAM',
      `cannot tell the output format from "${output}"`,
      'use .mov (ProRes 4444 with alpha), .webm (VP9 with alpha), .mp4 (H.264, no alpha), ' +
        'a folder or a name like frame_%04d.png (RGBA PNG sequence), or pass --format',
    );
  }
  return format;
}

export const outputFormats: readonly OutputFormat[] = ['prores4444', 'png-sequence', 'webm-vp9', 'h264'];
