/**
 * The submitting side: plan the job (the checks of a local run), queue one BullMQ job per chunk, follow
 * them (aggregated progress and ETA over all chunks), then assemble the final file. Cancelling (the signal,
 * or `mlxv farm cancel` from anywhere) stops the workers mid-chunk, removes what was rendered and leaves
 * no final file. Progress is polled rather than taken from QueueEvents: a poll cannot miss an event that
 * happened while the submitter was busy, and costs a few Redis reads per second.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { performance } from 'node:perf_hooks';
import { mkdir, rm } from 'node:fs/promises';
import { Queue, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { cancelledError } from '../pipeline/job-error.ts';
import { JobError, type JobProgress, type JobResult, type JobSpec } from '../pipeline/types.ts';
import { assembleSegments } from './assemble.ts';
import { planFarmJob, segmentDirFor } from './farm-plan.ts';
import {
  chunkJobId,
  decodeFailure,
  type ChunkJobData,
  type ChunkJobResult,
  type ChunkProgress,
} from './protocol.ts';
import { QUEUE_NAME, connectionFromUrl, connectRedis, keys } from './redis.ts';

export interface FarmSubmitOptions {
  redis: string;
  /** Frames per chunk; default chunks.ts DEFAULT_CHUNK (more for sequential effects). */
  chunk?: number;
  signal?: AbortSignal;
  onProgress?: (p: JobProgress) => void;
  /** Told once the job is queued (its id is what `mlxv farm cancel` takes). */
  onQueued?: (info: { farmJobId: string; chunks: number; chunkSize: number }) => void;
  /** Tries per chunk (worker errors and model refusals; dead workers count separately). Default 5. */
  attempts?: number;
  pollMs?: number;
}

export interface FarmResult extends JobResult {
  farmJobId: string;
  chunks: number;
  /** Chunks rendered per worker id. */
  workers: Record<string, number>;
}

export type FarmJobStatus = 'running' | 'assembling' | 'done' | 'failed' | 'cancelled';
const RECORD_TTL_S = 7 * 24 * 3600;

export async function runOnFarm(spec: JobSpec, options: FarmSubmitOptions): Promise<FarmResult> {
  const started = performance.now();
  options.signal?.throwIfAborted();
  const plan = await planFarmJob(spec, options.chunk);
  const farmJobId = `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
  const segmentDir = segmentDirFor(plan.job, farmJobId);
  const redis = await connectRedis(options.redis);
  const queue = new Queue<ChunkJobData, ChunkJobResult>(QUEUE_NAME, {
    connection: connectionFromUrl(options.redis),
  });
  const total = plan.chunks.reduce((n, c) => n + c.outputCount, 0);
  const record = (fields: Record<string, string | number>) =>
    redis.multi().hset(keys.job(farmJobId), fields).expire(keys.job(farmJobId), RECORD_TTL_S).exec();
  try {
    await mkdir(segmentDir, { recursive: true });
    await redis.zadd(keys.jobIndex, Date.now(), farmJobId);
    await record({
      id: farmJobId,
      effect: spec.effect,
      input: plan.job.input,
      output: plan.job.target.path,
      frames: total,
      chunks: plan.chunks.length,
      submittedBy: `${hostname()} (pid ${process.pid})`,
      submittedAt: new Date().toISOString(),
      status: 'running' satisfies FarmJobStatus,
    });
    await queue.addBulk(
      plan.chunks.map((chunk) => ({
        name: `${spec.effect} ${chunk.start}-${chunk.end}`,
        data: {
          farmJobId,
          effect: spec.effect,
          input: plan.job.input,
          params: spec.params,
          format: plan.job.format,
          segmentDir,
          chunk,
          models: plan.models,
        },
        opts: {
          jobId: chunkJobId(farmJobId, chunk.index),
          attempts: options.attempts ?? 5,
          backoff: { type: 'fixed', delay: 1000 },
          removeOnComplete: { age: RECORD_TTL_S },
          removeOnFail: { age: RECORD_TTL_S },
        },
      })),
    );
    options.onQueued?.({ farmJobId, chunks: plan.chunks.length, chunkSize: plan.chunkSize });

    const workers = await follow(queue, redis, farmJobId, plan.chunks, total, options);
    await record({ status: 'assembling' satisfies FarmJobStatus });
    options.onProgress?.({ done: total, total, fps: 0, etaSeconds: 0, stage: 'finalizing' });
    const assembled = await assembleSegments(plan.job, plan.chunks, segmentDir, {
      overwrite: spec.overwrite ?? false,
    });
    await rm(segmentDir, { recursive: true, force: true });
    await record({ status: 'done' satisfies FarmJobStatus, finishedAt: new Date().toISOString() });
    return {
      output: assembled.output,
      frames: assembled.frames,
      seconds: (performance.now() - started) / 1000,
      inferenceMs: 0,
      frameRate: plan.job.frameRate,
      notes: assembled.notes,
      farmJobId,
      chunks: plan.chunks.length,
      workers,
    };
  } catch (err) {
    const cancelled = options.signal?.aborted || (err instanceof JobError && err.code === 'CANCELLED');
    await stopChunks(queue, redis, farmJobId, plan.chunks.length).catch(() => {});
    await rm(segmentDir, { recursive: true, force: true });
    await record({
      status: (cancelled ? 'cancelled' : 'failed') satisfies FarmJobStatus,
      finishedAt: new Date().toISOString(),
      ...(cancelled ? {} : { error: err instanceof Error ? err.message : String(err) }),
    }).catch(() => {});
    throw cancelled ? cancelledError() : err;
  } finally {
    await queue.close();
    redis.disconnect();
  }
}

/** Waits for every chunk; returns chunks per worker. Throws on a chunk that failed for good or on cancel. */
async function follow(
  queue: Queue<ChunkJobData, ChunkJobResult>,
  redis: Redis,
  farmJobId: string,
  chunks: FarmPlanChunks,
  total: number,
  options: FarmSubmitOptions,
): Promise<Record<string, number>> {
  const pending = new Set(chunks.map((c) => c.index));
  const workers: Record<string, number> = {};
  let doneFrames = 0;
  // The rate counts from the first frame seen, so a chunk finished before the first poll does not read as
  // millions of frames per second.
  let first: { at: number; done: number } | null = null;
  for (;;) {
    if (options.signal?.aborted || (await redis.exists(keys.cancel(farmJobId)))) throw cancelledError();
    let inFlight = 0;
    for (const index of [...pending]) {
      const job = await queue.getJob(chunkJobId(farmJobId, index));
      if (!job)
        throw new JobError('INTERNAL', `chunk ${index} of farm job ${farmJobId} vanished from the queue`);
      const state = await job.getState();
      if (state === 'completed') {
        // The job was read just before it completed: its result comes with the next poll.
        if (!job.returnvalue) continue;
        pending.delete(index);
        doneFrames += chunks[index]!.outputCount;
        const result = job.returnvalue as ChunkJobResult;
        workers[result.worker] = (workers[result.worker] ?? 0) + 1;
      } else if (state === 'failed') {
        throw chunkFailure(job, chunks[index]!);
      } else if (state === 'active') {
        inFlight += (job.progress as ChunkProgress | undefined)?.done ?? 0;
      }
    }
    const done = doneFrames + inFlight;
    if (done > 0) first ??= { at: performance.now(), done };
    const elapsed = first === null ? 0 : (performance.now() - first.at) / 1000;
    const fps = first !== null && elapsed > 1 ? (done - first.done) / elapsed : 0;
    options.onProgress?.({
      done,
      total,
      fps,
      etaSeconds: fps > 0 ? (total - done) / fps : null,
      stage: done === 0 ? 'loading-models' : 'processing',
    });
    if (pending.size === 0) return workers;
    await new Promise((r) => setTimeout(r, options.pollMs ?? 500));
  }
}

type FarmPlanChunks = readonly { index: number; start: number; end: number; outputCount: number }[];

function chunkFailure(job: Job, chunk: { start: number; end: number }): JobError {
  const cause = decodeFailure(job.failedReason ?? 'unknown failure');
  return new JobError(
    cause.code,
    `frames ${chunk.start}-${chunk.end} failed on the farm after ${job.attemptsMade} attempt(s): ${cause.message}`,
    cause.hint,
  );
}

/**
 * Cancels a farm job from any machine: flags it (workers poll the flag and abort mid-chunk), removes the
 * chunks nobody has started, and waits (bounded) until no worker is still on one, so the caller can
 * remove the segments without a worker writing into the removed folder afterwards.
 */
export async function stopChunks(
  queue: Queue<ChunkJobData, ChunkJobResult>,
  redis: Redis,
  farmJobId: string,
  chunkCount: number,
  waitMs = 60_000,
): Promise<void> {
  await redis.set(keys.cancel(farmJobId), '1', 'EX', RECORD_TTL_S);
  const deadline = Date.now() + waitMs;
  for (;;) {
    let active = 0;
    for (let i = 0; i < chunkCount; i++) {
      const job = await queue.getJob(chunkJobId(farmJobId, i));
      if (!job) continue;
      const state = await job.getState();
      if (state === 'active') active++;
      else if (state !== 'completed' && state !== 'failed') await job.remove().catch(() => {});
    }
    if (active === 0 || Date.now() > deadline) return;
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** `mlxv farm cancel <id>`: flags the job; its submitter sees the flag, stops the chunks and cleans up. */
export async function cancelFarmJob(redisUrl: string, farmJobId: string): Promise<boolean> {
  const redis = await connectRedis(redisUrl);
  try {
    if (!(await redis.exists(keys.job(farmJobId)))) return false;
    await redis.set(keys.cancel(farmJobId), '1', 'EX', RECORD_TTL_S);
    return true;
  } finally {
    redis.disconnect();
  }
}
