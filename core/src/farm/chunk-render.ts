/**
 * Renders one chunk into its segment with runJob, the pipeline a local run uses. Differences from a plain
 * `mlxv run --frames a-b` are expressed by wrapping the effect, not by another pipeline:
 * - pre-roll (sequential filters): the wrapper feeds the pre-roll frames to the effect and drops their output;
 * - retime overlap: the wrapper keeps only the output frames the chunk owns.
 * Idempotent: a segment that already exists under its final name was finished (runJob renames into place
 * only on success), so a re-delivered chunk returns at once. A worker killed mid-chunk leaves only a
 * temporary file, which the next attempt ignores and the assemble step removes with the segments folder.
 */
import { mkdir, stat } from 'node:fs/promises';
import { getEffect } from '../effects/registry.ts';
import type {
  EffectContext,
  EffectDescriptor,
  Processor,
  RetimeEffect,
  RetimeSpec,
  Retimer,
} from '../effects/types.ts';
import { runJob } from '../pipeline/run-job.ts';
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
  const effect = getEffect(task.effect);
  const wrapped = chunkEffect(effect, task.chunk);
  const result = await runJob(
    {
      effect: task.effect,
      input: task.input,
      output: segment,
      params: task.params,
      frames: { start: task.chunk.renderStart, end: task.chunk.renderEnd },
      format: task.format,
      overwrite: true, // two deliveries of one chunk write identical segments; the later rename wins
    },
    { ctx: options.ctx, getEffect: () => wrapped, ...pick(options, 'signal', 'onProgress') },
  );
  if (result.frames !== task.chunk.outputCount) {
    throw new JobError(
      'INTERNAL',
      `chunk ${task.chunk.start}-${task.chunk.end} wrote ${result.frames} frames, expected ${task.chunk.outputCount}`,
    );
  }
  return { segment, frames: result.frames, reused: false, seconds: result.seconds };
}

/** The effect as the chunk must run it: unchanged when the chunk has no pre-roll and no overlap. */
export function chunkEffect(effect: EffectDescriptor, chunk: Chunk): EffectDescriptor {
  if (effect.kind === 'retime') {
    if (chunk.renderEnd === chunk.end) return effect;
    const inner = effect.retime;
    return asRetime(effect, {
      outputFrameRate: (rate, params) => inner.outputFrameRate(rate, params),
      outputFrameCount: () => chunk.outputCount,
      async createRetimer(ctx, params, rate) {
        return keepFirst(await inner.createRetimer(ctx, params, rate), chunk.outputCount);
      },
    });
  }
  if (effect.kind !== 'filter') return effect; // planJob refuses generators and analyzers with its message
  const discard = chunk.start - chunk.renderStart;
  if (discard === 0) return effect;
  // The pipeline's 1-in-1-out stage cannot drop frames; a retime stage can, so pre-roll runs as one.
  return asRetime(effect, {
    outputFrameRate: (rate) => rate,
    outputFrameCount: (n) => n - discard,
    async createRetimer(ctx, params) {
      return dropFirst(await effect.createProcessor(ctx), params, chunk.renderStart, discard);
    },
  });
}

function asRetime(effect: EffectDescriptor, retime: RetimeSpec): RetimeEffect {
  const { id, label, category, description, params, models, outputs, outputScale, identityWhen, alphaState } =
    effect;
  return {
    ...{ id, label, category, description, params, models, outputs },
    ...(outputScale ? { outputScale } : {}),
    ...(identityWhen ? { identityWhen } : {}),
    ...(alphaState ? { alphaState } : {}),
    kind: 'retime',
    retime,
  };
}

/** Frames arrive in order from input frame `first`; the first `discard` outputs are pre-roll. */
function dropFirst(
  processor: Processor,
  params: Parameters<Processor['process']>[1],
  first: number,
  discard: number,
): Retimer {
  let seen = 0;
  return {
    async push(frame) {
      const out = await processor.process(frame, params, { index: first + seen });
      return ++seen > discard ? [out] : [];
    },
    async flush() {
      return [];
    },
    dispose: () => processor.dispose?.(),
  };
}

function keepFirst(inner: Retimer, keep: number): Retimer {
  let given = 0;
  const take = (frames: Awaited<ReturnType<Retimer['push']>>) => {
    const kept = frames.slice(0, Math.max(0, keep - given));
    given += kept.length;
    return kept;
  };
  return {
    push: async (frame) => take(await inner.push(frame)),
    flush: async () => take(await inner.flush()),
    dispose: () => inner.dispose?.(),
  };
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
