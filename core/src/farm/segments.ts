/**
 * Where a chunk's rendered segment lives inside the job's segments folder. Named by the chunk's first
 * frame, so a frame task that only knows its frame range (Deadline's <STARTFRAME>) names it the same way.
 */
import path from 'node:path';
import { isSequenceFormat } from '../media/output-names.ts';
import type { OutputFormat } from '../pipeline/types.ts';
import type { Chunk } from './chunks.ts';

const EXTENSION: Partial<Record<OutputFormat, string>> = {
  prores4444: '.mov',
  h264: '.mp4',
  'webm-vp9': '.webm',
};

export function segmentPath(segmentDir: string, chunk: Pick<Chunk, 'start'>, format: OutputFormat): string {
  const name = `seg-${String(chunk.start).padStart(8, '0')}`;
  // A sequence segment is a folder of frame_000000.png (.exr) ...; runJob's encoder creates it under a
  // temporary name.
  return path.join(segmentDir, isSequenceFormat(format) ? name : name + (EXTENSION[format] ?? ''));
}
