/**
 * A farm job's plan: the checked job (planJob, the same checks a local run makes) plus its chunks and where
 * the segments go. Every party derives it from the same inputs and gets the same answer: the submitter, a
 * Deadline/OpenCue frame task (`mlxv farm chunk`) and the assemble step (`mlxv farm assemble`), so nothing
 * but the command line has to travel between them.
 */
import path from 'node:path';
import { getManifest } from '../models/manifests.ts';
import { planJob, type JobPlan } from '../pipeline/plan.ts';
import { isSequenceFormat, isStillFormat } from '../pipeline/output-format.ts';
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
  if (effect.kind !== 'retime') {
    const preRoll = preRollOf(effect);
    // Unbounded state: one chunk covering the whole range (still farmed, just not split).
    if (preRoll === null) return { kind: 'filter', preRoll: 0, unsplittable: true };
    return { kind: 'filter', preRoll };
  }
  const retime = effect.retime;
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
  if (isStillFormat(job.format)) {
    throw new JobError(
      'BAD_PARAM',
      `the farm writes videos and image sequences; a single "${job.format}" image is not a farm job`,
      'render one image locally, or write a sequence (frame_%04d.png / frame_%04d.exr) on the farm',
    );
  }
  const timing = chunkTiming(job.effect, job.params, job);
  const chunkSize =
    timing.kind === 'filter' && timing.unsplittable
      ? job.range.end - job.range.start + 1
      : effectiveChunkSize(requestedChunk, timing);
  const chunks = planChunks(job.range, chunkSize, timing);
  const models = Object.fromEntries(job.effect.models.map((id) => [id, getManifest(id).sha256]));
  return { job, chunkSize, timing, chunks, models };
}

/** The segments folder of a job: hidden, next to the final output, so it is on the same shared storage. */
export function segmentDirFor(job: JobPlan, farmJobId: string): string {
  const isFolder = isSequenceFormat(job.format) && job.target.folder === job.target.path;
  const parent = isFolder ? path.dirname(job.target.folder) : job.target.folder;
  // No `%` in it: ffmpeg's image2 muxer expands %d anywhere in a sequence's path, not only in the file name,
  // so the segments folder of `-o out/m_%04d.exr` must not carry the pattern.
  const base = path.basename(isFolder ? job.target.folder : job.target.path).replaceAll('%', '_');
  return path.join(parent, `.${base}.farm-${farmJobId}`);
}
