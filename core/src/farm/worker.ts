/**
 * `mlxv farm worker`: takes chunks from the queue and renders them, one at a time (a chunk already uses the
 * machine's cores through onnxruntime's threads). Dead workers are BullMQ's business: a chunk whose lock is
 * not renewed within lockDuration is found by another worker's stalled-job check and handed out again.
 */
import { hostname } from 'node:os';
import { Worker, UnrecoverableError, type Job } from 'bullmq';
import type { EffectContext } from '../effects/types.ts';
import { createEffectContext } from '../runtime/context.ts';
import { toJobError } from '../pipeline/job-error.ts';
import type { JobErrorCode } from '../pipeline/types.ts';
import { renderChunk } from './chunk-render.ts';
import { sessionsPinnedTo } from './model-check.ts';
import { encodeFailure, type ChunkJobData, type ChunkJobResult, type ChunkProgress } from './protocol.ts';
import { QUEUE_NAME, connectionFromUrl, keys, openRedis } from './redis.ts';

export interface FarmWorkerOptions {
  redis: string;
  /** Default <hostname>-<pid>. */
  name?: string;
  /** How long a chunk's lock lasts without renewal (renewed every half of it). Default 60 s. */
  lockSeconds?: number;
  /** How often this worker looks for chunks whose worker died. Default 30 s. */
  stalledSeconds?: number;
  log?: (line: string) => void;
  ctx?: EffectContext;
}

export interface FarmWorker {
  readonly id: string;
  /** Stops taking chunks; waits for the current one unless `force`. */
  close(force?: boolean): Promise<void>;
}

export interface WorkerHeartbeat {
  id: string;
  host: string;
  pid: number;
  since: string;
  chunksDone: number;
  current: { farmJobId: string; frames: string; done: number; total: number } | null;
}

/** These fail the same way on every machine: retrying elsewhere cannot help. */
const FINAL_CODES: ReadonlySet<JobErrorCode> = new Set([
  'BAD_PARAM',
  'UNKNOWN_EFFECT',
  'INPUT_MISSING',
  'INPUT_NOT_VIDEO',
  'INPUT_CORRUPT',
  'OUTPUT_IS_INPUT',
  'CANCELLED',
]);
const HEARTBEAT_MS = 2000;
const CANCEL_POLL_MS = 500;

export async function startFarmWorker(options: FarmWorkerOptions): Promise<FarmWorker> {
  const id = options.name ?? `${hostname()}-${process.pid}`;
  const log = options.log ?? (() => {});
  const ownCtx = options.ctx ? undefined : createEffectContext();
  const ctx = options.ctx ?? ownCtx!;
  const lockMs = (options.lockSeconds ?? 60) * 1000;
  const heartbeat: WorkerHeartbeat = {
    id,
    host: hostname(),
    pid: process.pid,
    since: new Date().toISOString(),
    chunksDone: 0,
    current: null,
  };

  const client = openRedis(options.redis);
  const process_ = async (job: Job<ChunkJobData, ChunkJobResult>): Promise<ChunkJobResult> => {
    const data = job.data;
    const frames = `${data.chunk.start}-${data.chunk.end}`;
    if (await client.exists(keys.cancel(data.farmJobId)))
      throw new UnrecoverableError('[CANCELLED] job cancelled');
    const controller = new AbortController();
    const cancelPoll = setInterval(() => {
      client.exists(keys.cancel(data.farmJobId)).then(
        (n: number) => n && controller.abort(),
        () => {},
      );
    }, CANCEL_POLL_MS);
    heartbeat.current = { farmJobId: data.farmJobId, frames, done: 0, total: data.chunk.outputCount };
    let lastReport = 0;
    log(`worker ${id}: job ${data.farmJobId} frames ${frames} (attempt ${job.attemptsMade + 1})`);
    try {
      const result = await renderChunk(data, {
        ctx: { ...ctx, sessions: sessionsPinnedTo(ctx.sessions, data.models) },
        signal: controller.signal,
        onProgress: (p) => {
          heartbeat.current = { farmJobId: data.farmJobId, frames, done: p.done, total: p.total };
          const now = Date.now();
          if (now - lastReport < 250 && p.done < p.total) return;
          lastReport = now;
          const progress: ChunkProgress = { done: p.done, total: p.total };
          job.updateProgress(progress).catch(() => {});
        },
      });
      heartbeat.chunksDone++;
      log(
        `worker ${id}: job ${data.farmJobId} frames ${frames} ${result.reused ? 'already rendered' : `done in ${result.seconds.toFixed(1)} s`}`,
      );
      return { worker: id, frames: result.frames, reused: result.reused, seconds: result.seconds };
    } catch (err) {
      const jobError = toJobError(err);
      log(`worker ${id}: job ${data.farmJobId} frames ${frames} failed: ${encodeFailure(jobError)}`);
      if (FINAL_CODES.has(jobError.code)) throw new UnrecoverableError(encodeFailure(jobError));
      throw new Error(encodeFailure(jobError));
    } finally {
      clearInterval(cancelPoll);
      heartbeat.current = null;
    }
  };

  const worker = new Worker<ChunkJobData, ChunkJobResult>(QUEUE_NAME, process_, {
    connection: connectionFromUrl(options.redis),
    concurrency: 1,
    lockDuration: lockMs,
    stalledInterval: (options.stalledSeconds ?? 30) * 1000,
    // A chunk may meet several dying workers before it fails for good.
    maxStalledCount: 5,
    autorun: false,
  });
  worker.on('error', (err) => log(`worker ${id}: redis: ${err.message}`));
  await worker.waitUntilReady();
  const beat = () =>
    client.set(keys.worker(id), JSON.stringify(heartbeat), 'PX', HEARTBEAT_MS * 5).catch(() => {});
  await beat();
  const timer = setInterval(beat, HEARTBEAT_MS);
  void worker.run();
  log(`worker ${id}: waiting for chunks on ${options.redis}`);

  return {
    id,
    async close(force = false) {
      clearInterval(timer);
      await worker.close(force);
      await client.del(keys.worker(id)).catch(() => {});
      client.disconnect();
      await ownCtx?.sessions.dispose();
    },
  };
}
