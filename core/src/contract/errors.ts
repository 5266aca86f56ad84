/**
 * The job error every surface reports (CLI messages, daemon error replies, panels): a shared code, a message
 * naming the problem, and a hint saying what the user can do. A leaf here so media, pipeline, daemon and
 * effects can throw it without importing each other.
 */

/** Error codes shared by CLI messages, daemon error replies and panels. */
export type JobErrorCode =
  | 'INPUT_MISSING'
  | 'INPUT_NOT_VIDEO'
  | 'INPUT_CORRUPT'
  | 'OUTPUT_IS_INPUT'
  | 'OUTPUT_UNWRITABLE'
  | 'OUTPUT_EXISTS'
  | 'UNKNOWN_EFFECT'
  | 'BAD_PARAM'
  | 'MODEL_UNAVAILABLE'
  | 'MODEL_HASH_MISMATCH'
  | 'CANCELLED'
  | 'INTERNAL';

export class JobError extends Error {
  constructor(
    readonly code: JobErrorCode,
    message: string,
    /** What the user can do about it. */
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'JobError';
  }
}
