/**
 * The onnxruntime session options every product session uses (and the bench's bare session.run baseline
 * uses too, so the two are comparable).
 *
 * Intra-op threads are set explicitly rather than left to onnxruntime's default (one per physical core,
 * which on a 2-vCPU VM can be 1): all cores on a machine with up to 3, all but one from 4 up, so the
 * ffmpeg decoder and encoder of a job keep a core's share without starving inference on small machines.
 * MLXV_INTRA_OP_THREADS overrides. Inter-op parallelism is off (our graphs are chains; a second pool of
 * threads would only compete with the first).
 *
 * Spinning: onnxruntime's pool threads busy-wait between parallel sections by default. Inside a job they
 * share the cores with the ffmpeg decoder/encoder and the effect's own pixel work, so spinning burns the CPU
 * those need, yet without it a waiting thread sleeps and wakes late. On by default: alternating runs of a
 * 1080p matte (isnet) job in one sitting on 2 cores gave no consistent winner (spinning off 1880-2100 ms per
 * frame, on 1910-1960; session.run alone 1500-2170 either way, the machine's own noise), and session.run
 * alone was steadier with it on (docs/engine.md). MLXV_ORT_SPIN=0|1 overrides; `npm run bench engine` times
 * the bare session.run under both settings and reports the job against the faster one too.
 */
import { availableParallelism } from 'node:os';
import type { InferenceSession } from 'onnxruntime-node';

export function intraOpThreads(env: NodeJS.ProcessEnv = process.env, cores = availableParallelism()): number {
  const fromEnv = Number(env.MLXV_INTRA_OP_THREADS);
  if (Number.isInteger(fromEnv) && fromEnv > 0) return fromEnv;
  return cores >= 4 ? cores - 1 : cores;
}

export function ortSpinning(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.MLXV_ORT_SPIN === '0') return false;
  if (env.MLXV_ORT_SPIN === '1') return true;
  return SPIN_BY_DEFAULT;
}
const SPIN_BY_DEFAULT = true;

/** `spin` defaults to the product's setting; the bench passes the other one to time both. */
export function productSessionOptions(
  provider: string,
  spin: boolean = ortSpinning(),
): InferenceSession.SessionOptions {
  return {
    executionProviders: [provider],
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
    intraOpNumThreads: intraOpThreads(),
    interOpNumThreads: 1,
    extra: { session: { intra_op: { allow_spinning: spin ? '1' : '0' } } },
  };
}
