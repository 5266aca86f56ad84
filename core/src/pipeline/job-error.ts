/**
 * Turns whatever a job threw into a JobError with a shared code, so the CLI, the daemon and the panels
 * report the same failure the same way. Errors of other modules are mapped by class, never by message text.
 */
import { ParamError } from '../effects/params.ts';
import { UnknownEffectError } from '../effects/registry.ts';
import { modelErrorToJobError } from '../models/errors.ts';
import { JobError } from './types.ts';

export function toJobError(err: unknown): JobError {
  if (err instanceof JobError) return err;
  if (err instanceof ParamError) return new JobError('BAD_PARAM', err.message);
  if (err instanceof UnknownEffectError) {
    return new JobError(
      'UNKNOWN_EFFECT',
      err.message,
      'run `mlxv effects` to list the effects and their params',
    );
  }
  const mapped = modelErrorToJobError(err);
  if (mapped instanceof JobError) return mapped;
  if (isAbortError(err)) return cancelledError();
  const message = err instanceof Error ? err.message : String(err);
  return new JobError('INTERNAL', message, 'this is a bug in mlxvideo; please report it with this message');
}

export function cancelledError(): JobError {
  return new JobError(
    'CANCELLED',
    'job cancelled; no output was written',
    'run the command again to restart',
  );
}

export function isAbortError(err: unknown): boolean {
  return (
    err instanceof Error && (err.name === 'AbortError' || (err as { code?: string }).code === 'ABORT_ERR')
  );
}
