/**
 * A farm job's plan: the checked job (planJob, the same checks a local run makes) plus its chunks and where
 * the segments go. Every party derives it from the same inputs and gets the same answer: the submitter, a
 * Deadline/OpenCue frame task (`mlxv farm chunk`) and the assemble step (`mlxv farm assemble`), so nothing
 * but the command line has to travel between them.
 */
import path from 'node:path';
import { getManifest } from '../models/manifests.ts';
import { planJob, type JobPlan } from '../pipeline/plan.ts';
import { JobError, type JobSpec } from '../pipeline/types.ts';
import type { EffectDescriptor, ParamValues } from '../effects/types.ts';
import { effectiveChunkSize, planChunks, retimePeriod, type Chunk, type ChunkTiming } from './chunks.ts';
import { preRollOf } from './pre-roll.ts';

/** Input frames a retimer reads past a position (interpolate needs the next frame; DESIGN "retime"). */
export const RETIME_OVERLAP = 1;

export interface FarmPlan {
  job: JobPlan;
  chunkSize: number;
  timing: ChunkTiming;
  chunks: Chunk[];
  /** Model id -> sha256 this machine's manifests pin; workers must load exactly these. */
  models: Record<string, string>;
}

export function chunkTiming(effect: EffectDescriptor, params: ParamValues, job: JobPlan): ChunkTiming {
  const retime = effect.retime;
  if (!retime) return { kind: 'filter', preRoll: preRollOf(effect) };
  const outputFrameCount = (n: number) => retime.outputFrameCount(n, job.info.frameRate, params);
  return {
    kind: 'retime',
    period: retimePeriod(outputFrameCount, 2000),
    overlap: RETIME_OVERLAP,
    outputFrameCount,
  };
}

export async function planFarmJob(spec: JobSpec, requestedChunk?: number): Promise<FarmPlan> {
  if (spec.modelPaths && Object.keys(spec.modelPaths).length) {
    throw new JobError(
      'BAD_PARAM',
      '--model-path cannot be used with a farm job: each worker loads models from its own cache',
      'install the model on every render machine (`mlxv models fetch <id>`), then submit without --model-path',
    );
  }
  const job = await planJob(spec);
  const timing = chunkTiming(job.effect, job.params, job);
  const chunkSize = effectiveChunkSize(requestedChunk, timing);
  const chunks = planChunks(job.range, chunkSize, timing);
  const models = Object.fromEntries(job.effect.models.map((id) => [id, getManifest(id).sha256]));
  return { job, chunkSize, timing, chunks, models };
}

/** The segments folder of a job: hidden, next to the final output, so it is on the same shared storage. */
export function segmentDirFor(job: JobPlan, farmJobId: string): string {
  const isFolder = job.format === 'png-sequence' && job.target.folder === job.target.path;
  const parent = isFolder ? path.dirname(job.target.folder) : job.target.folder;
  const base = path.basename(isFolder ? job.target.folder : job.target.path);
  return path.join(parent, `.${base}.farm-${farmJobId}`);
}
