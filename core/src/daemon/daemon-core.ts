/**
 * What every connection shares: limits, auth, the job manager, the effect context, counters for leak
 * checks. Split from server.ts so connection.ts depends on an interface, not on the socket server.
 */
import type { DaemonLimits, HelloOk } from '../client/protocol.ts';
import type { AuthRegistry } from './auth.ts';
import type { EffectContextProvider } from './effect-context.ts';
import type { JobManager } from './jobs.ts';
import type { Connection } from './connection.ts';
import type { PreAuthLimits } from './pre-auth.ts';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type DaemonLog = (level: LogLevel, msg: string, fields?: Record<string, unknown>) => void;

export interface DaemonCore {
  readonly limits: DaemonLimits;
  /** What a connection may cost before hello.ok (pre-auth.ts). */
  readonly preAuth: PreAuthLimits;
  /** Largest WebSocket message once authenticated: above the largest frame, so an oversized frame gets a
   *  FRAME_TOO_LARGE reply (from its control message) instead of ws closing the socket. */
  readonly maxPayload: number;
  readonly auth: AuthRegistry;
  readonly jobs: JobManager;
  readonly context: EffectContextProvider;
  readonly shmAvailable: boolean;
  readonly shmUnavailableReason: string;
  /** Input pixel bytes of frame requests in flight on all connections (maxInFlightBytes). */
  inFlightBytes: number;
  helloOk(): HelloOk;
  shmCreated(name: string): void;
  shmReleased(name: string): void;
  connectionClosed(c: Connection): void;
  log: DaemonLog;
}

/** 8K float RGBA is the largest frame accepted by default (531 MB); UHD is 133 MB. */
export const DEFAULT_LIMITS: DaemonLimits = {
  maxJsonBytes: 1024 * 1024,
  maxBinaryBytes: 7680 * 4320 * 16 + 8,
  maxFrameWidth: 8192,
  maxFrameHeight: 8192,
  maxFramePixels: 7680 * 4320,
  maxInFlightFramesPerConnection: 16,
  maxInFlightBytes: 2 * 1024 ** 3,
  maxConcurrentJobs: 1,
  maxQueuedJobs: 32,
  maxShmRegionsPerConnection: 8,
};
