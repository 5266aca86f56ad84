/**
 * What travels through the queue. A chunk job carries everything a worker needs (paths are the same on
 * every machine: docs/farm.md "Shared storage"); errors come back as "[CODE] message | fix: hint" in
 * BullMQ's failedReason, so the submitter can report them with the code a local run would use.
 */
import { JobError, type JobErrorCode } from '../pipeline/types.ts';
import type { ChunkTask } from './chunk-render.ts';

export interface ChunkJobData extends ChunkTask {
  farmJobId: string;
  /** Model id -> sha256 pinned by the submitting machine. */
  models: Record<string, string>;
}

export interface ChunkJobResult {
  worker: string;
  frames: number;
  reused: boolean;
  seconds: number;
}

export interface ChunkProgress {
  done: number;
  total: number;
}

export function chunkJobId(farmJobId: string, index: number): string {
  return `${farmJobId}-${String(index).padStart(5, '0')}`;
}

export function encodeFailure(err: JobError): string {
  return `[${err.code}] ${err.message}${err.hint ? ` | fix: ${err.hint}` : ''}`;
}

export function decodeFailure(reason: string): JobError {
  const m = /^\[([A-Z_]+)\] (.*?)(?: \| fix: (.*))?$/s.exec(reason);
  if (!m) return new JobError('INTERNAL', reason);
  return new JobError(m[1] as JobErrorCode, m[2]!, m[3]);
}
