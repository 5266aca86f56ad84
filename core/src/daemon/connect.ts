/**
 * Node-side shortcut to the browser-safe client: finds the running daemon (daemon.json), reads the
 * native token file and passes the `ws` class as the WebSocket constructor (Node 20 has no global one).
 * Used by the CLI (`mlxv pair`, jobs through the daemon) and the tests.
 */
import WebSocket from 'ws';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DaemonClient, DaemonError, type WebSocketConstructor } from '../client/client.ts';
import {
  JobError,
  type JobErrorCode,
  type JobProgress,
  type JobResult,
  type JobSpec,
} from '../pipeline/types.ts';
import { DEFAULT_PORT } from '../client/protocol.ts';
import { configDir as defaultConfigDir, readDaemonInfo, readToken, tokenFilePath } from './config.ts';
import { processAlive } from './jobs.ts';
import { daemonVersion } from './server.ts';
import { DEFAULT_LIMITS } from './daemon-core.ts';

export interface NativeConnectOptions {
  configDir?: string;
  /** Default: the port in daemon.json, else MLXV_PORT, else 7433. */
  port?: number;
  url?: string;
  token?: string;
  clientName?: string;
  timeoutMs?: number;
}

/**
 * The URL of the daemon this user runs (daemon.json written by `mlxv serve`), or the default. A record whose
 * process is gone (a daemon that was killed) is ignored rather than followed to a dead port.
 */
export function daemonUrl(dir: string, port?: number): string {
  if (port !== undefined) return `ws://127.0.0.1:${port}/`;
  const info = readDaemonInfo(dir);
  if (info && processAlive(info.pid)) return info.url;
  return `ws://127.0.0.1:${process.env.MLXV_PORT ?? DEFAULT_PORT}/`;
}

/**
 * `ws` clients refuse messages over 100 MiB by default and UHD float frames are 133 MB, so Node clients
 * get a WebSocket class with the daemon's limit (and no compression, like the server).
 */
class DaemonWebSocket extends WebSocket {
  constructor(url: string) {
    super(url, { maxPayload: DEFAULT_LIMITS.maxBinaryBytes + 64 * 1024, perMessageDeflate: false });
  }
}

export async function connectToDaemon(options: NativeConnectOptions = {}): Promise<DaemonClient> {
  const dir = options.configDir ?? defaultConfigDir();
  const tokenFile = options.configDir ? tokenFilePath(dir, {}) : tokenFilePath(dir);
  let token = options.token;
  try {
    token ??= readToken(tokenFile);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    throw new Error(
      `no token file at ${tokenFile}: start the daemon once with \`mlxv serve\` (it creates it)`,
    );
  }
  return DaemonClient.connect({
    url: options.url ?? daemonUrl(dir, options.port),
    token,
    client: { name: options.clientName ?? 'mlxv-cli', version: daemonVersion() },
    WebSocket: DaemonWebSocket as unknown as WebSocketConstructor,
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
  });
}

/**
 * runJob() through the running daemon, with runJob's signature and errors (JobError with the same codes),
 * so `mlxv run` can hand a job to the daemon instead of running it in-process and report it the same way.
 * Relative paths are resolved here (the daemon's working folder is not the caller's).
 */
export async function runJobViaDaemon(
  spec: JobSpec,
  options: {
    onProgress?: (p: JobProgress) => void;
    signal?: AbortSignal;
    connect?: NativeConnectOptions;
  } = {},
): Promise<JobResult> {
  const started = performance.now();
  let client: DaemonClient;
  try {
    client = await connectToDaemon({ clientName: 'mlxv run', ...options.connect });
  } catch (err) {
    throw new JobError(
      'INTERNAL',
      `cannot reach the mlxv daemon: ${(err as Error).message}`,
      'start it with `mlxv serve`, or run without --daemon',
    );
  }
  try {
    const done = await client.submitJob(
      {
        effect: spec.effect,
        input: spec.input ? resolve(spec.input) : '',
        output: resolve(spec.output),
        params: spec.params,
        ...(spec.frames ? { frames: spec.frames } : {}),
        ...(spec.format ? { format: spec.format } : {}),
        ...(spec.overwrite !== undefined ? { overwrite: spec.overwrite } : {}),
      },
      {
        ...(options.signal ? { signal: options.signal } : {}),
        onProgress: (p) =>
          options.onProgress?.({
            done: p.done,
            total: p.total,
            fps: p.fps,
            etaSeconds: p.etaSeconds,
            stage: p.stage as JobProgress['stage'],
          }),
      },
    );
    return {
      output: done.output,
      frames: done.frames,
      ...(done.notes ? { notes: done.notes } : {}),
      seconds: (performance.now() - started) / 1000,
      inferenceMs: 0,
    };
  } catch (err) {
    if (options.signal?.aborted) throw new JobError('CANCELLED', 'cancelled');
    if (err instanceof DaemonError) {
      const known = err.code in JOB_CODES;
      throw new JobError(known ? (err.code as JobErrorCode) : 'INTERNAL', err.message);
    }
    throw err;
  } finally {
    client.close();
  }
}

// A Record, so a code added to JobErrorCode fails to compile here until it is mapped.
const JOB_CODES: Record<JobErrorCode, true> = {
  INPUT_MISSING: true,
  INPUT_NOT_VIDEO: true,
  INPUT_CORRUPT: true,
  OUTPUT_IS_INPUT: true,
  OUTPUT_UNWRITABLE: true,
  OUTPUT_EXISTS: true,
  UNKNOWN_EFFECT: true,
  BAD_PARAM: true,
  MODEL_UNAVAILABLE: true,
  MODEL_HASH_MISMATCH: true,
  CANCELLED: true,
  INTERNAL: true,
};
