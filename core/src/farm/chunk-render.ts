/**
 * Renders one chunk into its segment with runJob, the pipeline a local run uses, running the registered
 * effect (so in the engine's worker pool, like any job). What differs from a plain `mlxv run --frames a-b`
 * is the chunk window runJob takes (RunJobOptions.chunk):
 * - pre-roll (sequential filters): the frames before the chunk are fed to the effect and not written;
 * - retime overlap: the chunk reads past its end and writes only the output frames it owns.
 * Idempotent: a segment that already exists under its final name was finished (runJob renames into place
 * only on success), so a re-delivered chunk returns at once. A worker killed mid-chunk leaves only a
 * temporary file, which the next attempt ignores and the assemble step removes with the segments folder.
 */
import { mkdir, stat } from 'node:fs/promises';
import type { EffectContext } from '../effects/types.ts';
import { getEffect } from '../effects/registry.ts';
import { runJob, type ChunkWindow } from '../pipeline/run-job.ts';
import { JobError, type JobProgress, type OutputFormat } from '../pipeline/types.ts';
import type { Chunk } from './chunks.ts';
import { segmentPath } from './segments.ts';

export interface ChunkTask {
  effect: string;
  input: string;
  params: Record<string, unknown>;
  format: OutputFormat;
  segmentDir: string;
  chunk: Chunk;
}

export interface ChunkResult {
  segment: string;
  frames: number;
  /** True when the segment already existed (a repeated delivery). */
  reused: boolean;
  seconds: number;
}

export async function renderChunk(
  task: ChunkTask,
  options: { ctx: EffectContext; signal?: AbortSignal; onProgress?: (p: JobProgress) => void },
): Promise<ChunkResult> {
  const segment = segmentPath(task.segmentDir, task.chunk, task.format);
  if (await exists(segment)) return { segment, frames: task.chunk.outputCount, reused: true, seconds: 0 };
  // Exported jobs have no submitter to create it: the first task to run does (idempotent).
  await mkdir(task.segmentDir, { recursive: true });
  const { frames, window } = chunkWindow(getEffect(task.effect).kind, task.chunk);
  const result = await runJob(
    {
      effect: task.effect,
      input: task.input,
      output: segment,
      params: task.params,
      frames,
      format: task.format,
      overwrite: true, // two deliveries of one chunk write identical segments; the later rename wins
    },
    { ctx: options.ctx, chunk: window, ...pick(options, 'signal', 'onProgress') },
  );
  if (result.frames !== task.chunk.outputCount) {
    throw new JobError(
      'INTERNAL',
      `chunk ${task.chunk.start}-${task.chunk.end} wrote ${result.frames} frames, expected ${task.chunk.outputCount}`,
    );
  }
  return { segment, frames: result.frames, reused: false, seconds: result.seconds };
}

/** The frames a chunk's job names and the window around them (planJob refuses generators and analyzers). */
export function chunkWindow(
  kind: string,
  chunk: Chunk,
): { frames: { start: number; end: number }; window: ChunkWindow } {
  if (kind === 'retime') {
    return {
      frames: { start: chunk.renderStart, end: chunk.renderEnd },
      window: { outputLimit: chunk.outputCount },
    };
  }
  return { frames: { start: chunk.start, end: chunk.end }, window: { primeFrom: chunk.renderStart } };
}

async function exists(p: string): Promise<boolean> {
  return stat(p).then(
    () => true,
    () => false,
  );
}

function pick<T extends object, K extends keyof T>(obj: T, ...keys: K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const k of keys) if (obj[k] !== undefined) out[k] = obj[k];
  return out;
}
