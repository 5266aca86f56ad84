/**
 * The one place where failures become what the user sees: a message naming the problem, a hint saying
 * what to do, and a documented exit code. Scripts and render farms branch on the exit code:
 *
 *   0    success
 *   1    internal error (a bug: please report it with the message)
 *   2    usage: unknown effect or command, bad or missing option, param out of range or of the wrong type
 *   3    input: missing, not a video, truncated or corrupt
 *   4    output: same as the input, folder not writable, already exists (without --overwrite)
 *   5    model: unavailable, or a file whose sha256 does not match its manifest
 *   6    daemon: --daemon (MLXV_DAEMON=1) given but no daemon listens on its port
 *   129  cancelled by SIGHUP (terminal closed), 130 by Ctrl-C (SIGINT), 143 by SIGTERM (kill, timeout,
 *        systemd, farm managers): 128 + the signal number, as a shell reports a process the signal ended
 */
import { JobError, type JobErrorCode } from '../pipeline/types.ts';
import { toJobError } from '../pipeline/job-error.ts';

export const ExitCode = {
  ok: 0,
  internal: 1,
  usage: 2,
  input: 3,
  output: 4,
  model: 5,
  daemon: 6,
  cancelled: 130,
} as const;

/** The signals `mlxv run` turns into a clean cancel, and the exit code of each (128 + signal number). */
export const cancelSignals = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 } as const;
export type CancelSignal = keyof typeof cancelSignals;

/** A job cancelled because the process got a terminating signal: exits with that signal's code. */
export class StoppedBySignal extends Error {
  constructor(
    readonly signal: CancelSignal,
    readonly jobError: unknown,
  ) {
    super(`stopped by ${signal}`);
    this.name = 'StoppedBySignal';
  }
}

const exitByCode: Record<JobErrorCode, number> = {
  UNKNOWN_EFFECT: ExitCode.usage,
  BAD_PARAM: ExitCode.usage,
  INPUT_MISSING: ExitCode.input,
  INPUT_NOT_VIDEO: ExitCode.input,
  INPUT_CORRUPT: ExitCode.input,
  OUTPUT_IS_INPUT: ExitCode.output,
  OUTPUT_UNWRITABLE: ExitCode.output,
  OUTPUT_EXISTS: ExitCode.output,
  MODEL_UNAVAILABLE: ExitCode.model,
  MODEL_HASH_MISMATCH: ExitCode.model,
  CANCELLED: ExitCode.cancelled,
  INTERNAL: ExitCode.internal,
};

/** Nothing accepts connections where this user's daemon should be (exit code 6). */
export class DaemonUnreachableError extends Error {
  constructor(readonly port: number) {
    super(`no mlxvideo daemon on 127.0.0.1:${port}; start it with \`mlxv serve\`, or drop --daemon`);
    this.name = 'DaemonUnreachableError';
  }
}

export interface CliFailure {
  exitCode: number;
  /** Multi-line text for stderr: "mlxv: error [CODE]: message" and, when known, a "fix:" line. */
  text: string;
}

export function describeFailure(err: unknown): CliFailure {
  if (err instanceof StoppedBySignal) {
    const inner = describeFailure(err.jobError);
    // A failure that was not the cancel (it raced the signal) keeps its own code.
    if (inner.exitCode !== ExitCode.cancelled) return inner;
    return { exitCode: cancelSignals[err.signal], text: `${inner.text} (${err.signal})` };
  }
  // Not a JobError: no job was ever submitted, and the fix (start the daemon) is the whole message.
  if (err instanceof DaemonUnreachableError) {
    return { exitCode: ExitCode.daemon, text: `mlxv: error [NO_DAEMON]: ${err.message}` };
  }
  const jobError = toJobError(err);
  const exitCode = exitByCode[jobError.code] ?? ExitCode.internal;
  const lines = [`mlxv: error [${jobError.code}]: ${jobError.message}`];
  if (jobError.hint && !jobError.message.includes(jobError.hint)) lines.push(`  fix: ${jobError.hint}`);
  if (jobError.code === 'INTERNAL' && err instanceof Error && err.stack && process.env.MLXV_DEBUG) {
    lines.push(err.stack);
  }
  return { exitCode, text: lines.join('\n') };
}

/** Prints the failure to stderr and returns the exit code to use. */
export function reportFailure(err: unknown, stderr: NodeJS.WritableStream = process.stderr): number {
  const failure = describeFailure(err);
  stderr.write(failure.text + '\n');
  return failure.exitCode;
}

export { JobError };
