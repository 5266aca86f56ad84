/**
 * Model supply errors. Each message names the model, what went wrong, and what the user can do about it;
 * `modelErrorToJobError` maps them onto the JobError codes the CLI, daemon and panels share.
 */
import { JobError } from '../pipeline/types.ts';
import { NoProviderError } from '../runtime/errors.ts';

/** One source tried while resolving a model, and why it did not deliver. */
export interface SourceAttempt {
  /** Human description, e.g. `npm-chunks @imgly/background-removal-data dist/resources.json#/models/medium`. */
  source: string;
  reason: string;
}

export class UnknownModelError extends Error {
  constructor(
    readonly modelId: string,
    readonly knownIds: readonly string[],
  ) {
    super(`unknown model "${modelId}"; known models: ${knownIds.join(', ') || '(none)'}`);
    this.name = 'UnknownModelError';
  }
}

export class ManifestError extends Error {
  constructor(
    readonly file: string,
    detail: string,
  ) {
    super(`invalid model manifest ${file}: ${detail}`);
    this.name = 'ManifestError';
  }
}

export class ModelUnavailableError extends Error {
  readonly hint: string;
  constructor(
    readonly modelId: string,
    readonly attempts: readonly SourceAttempt[],
    readonly cachePath: string,
  ) {
    const tried = attempts.length
      ? attempts.map((a) => `\n  - ${a.source}: ${a.reason}`).join('')
      : '\n  - (no sources tried)';
    const hint =
      `run \`mlxv models fetch ${modelId}\`, or put the verified file at ${cachePath}, ` +
      `or pass its path with --model-path ${modelId}=<file>`;
    super(`model "${modelId}" is not available. Tried:${tried}\nTo supply it: ${hint}`);
    this.name = 'ModelUnavailableError';
    this.hint = hint;
  }
}

export class ModelHashMismatchError extends Error {
  readonly hint: string;
  constructor(
    readonly modelId: string,
    readonly file: string,
    readonly expected: { sha256: string; bytes?: number },
    readonly actual: { sha256?: string; bytes: number },
    /** Where the file came from: 'cache' or 'explicit'. */
    readonly origin: string,
  ) {
    const what =
      expected.bytes !== undefined && actual.bytes !== expected.bytes
        ? `size ${actual.bytes} B, expected ${expected.bytes} B`
        : `sha256 ${actual.sha256}, expected ${expected.sha256}`;
    const hint =
      origin === 'cache'
        ? `run \`mlxv models fetch ${modelId}\` to replace ${file} with a verified copy (or delete the file)`
        : `pass the right file for ${modelId} (sha256 ${expected.sha256}) or drop the explicit path to use the model manager`;
    super(`model file ${file} for "${modelId}" does not match its manifest: ${what}. Fix: ${hint}`);
    this.name = 'ModelHashMismatchError';
    this.hint = hint;
  }
}

/** Maps model supply errors onto the shared job error codes; other errors come back unchanged. */
export function modelErrorToJobError(err: unknown): unknown {
  if (err instanceof ModelUnavailableError) return new JobError('MODEL_UNAVAILABLE', err.message, err.hint);
  if (err instanceof ModelHashMismatchError) {
    return new JobError('MODEL_HASH_MISMATCH', err.message, err.hint);
  }
  if (err instanceof UnknownModelError) {
    return new JobError('MODEL_UNAVAILABLE', err.message, 'check the model id with `mlxv models list`');
  }
  if (err instanceof ManifestError) {
    return new JobError('MODEL_UNAVAILABLE', err.message, 'fix the manifest file');
  }
  if (err instanceof NoProviderError) {
    return new JobError(
      'MODEL_UNAVAILABLE',
      err.message,
      'set MLXV_PROVIDERS=cpu to use only the CPU, or check the reason given for each provider',
    );
  }
  return err;
}
