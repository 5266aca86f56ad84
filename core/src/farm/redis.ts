/**
 * Redis addresses, queue name and the keys the farm keeps beside BullMQ's own (workers' heartbeats, job
 * records, cancel flags). One place, so the worker, the submitter and `mlxv farm status` agree.
 */
import { Redis } from 'ioredis';
import { JobError } from '../pipeline/types.ts';

export const QUEUE_NAME = 'mlxv-farm';
const PREFIX = 'mlxv:farm';

export const keys = {
  worker: (id: string) => `${PREFIX}:worker:${id}`,
  workerPattern: `${PREFIX}:worker:*`,
  job: (id: string) => `${PREFIX}:job:${id}`,
  jobIndex: `${PREFIX}:jobs`,
  cancel: (id: string) => `${PREFIX}:cancel:${id}`,
};

/** redis://[user:password@]host[:port][/db] or rediss:// (TLS). */
/** Plain options both BullMQ's connection and ioredis accept. */
export interface RedisAddress {
  host: string;
  port: number;
  db: number;
  username?: string;
  password?: string;
  tls?: Record<string, never>;
  maxRetriesPerRequest: null;
}

export function connectionFromUrl(url: string): RedisAddress {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw badUrl(url);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw badUrl(url);
  const db = u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0;
  if (!Number.isInteger(db) || db < 0) throw badUrl(url);
  return {
    host: u.hostname || '127.0.0.1',
    port: u.port ? Number(u.port) : 6379,
    db,
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
    // BullMQ workers block on Redis; ioredis must retry forever rather than fail a command after 20 tries.
    maxRetriesPerRequest: null,
  };
}

/** A plain client for the farm's own keys (BullMQ keeps its connections to itself). Workers keep retrying. */
export function openRedis(url: string): Redis {
  return new Redis({ ...connectionFromUrl(url), lazyConnect: false });
}

/**
 * For commands a person waits on (submit, status, cancel): a Redis that is down or unreachable is a clear
 * error within seconds, not a command that hangs while ioredis retries forever.
 */
export async function connectRedis(url: string, timeoutMs = 5000): Promise<Redis> {
  const redis = new Redis({
    ...connectionFromUrl(url),
    lazyConnect: true,
    connectTimeout: timeoutMs,
    retryStrategy: () => null,
  });
  let lastError = '';
  redis.on('error', (err: Error) => (lastError = err.message)); // reported by the rejected connect below
  try {
    await redis.connect();
    await redis.ping();
  } catch (err) {
    redis.disconnect();
    throw new JobError(
      'INTERNAL',
      `cannot reach Redis at ${url}: ${lastError || (err instanceof Error ? err.message : String(err))}`,
      'start redis-server there (docs/farm.md "Install"), or check the URL and the firewall',
    );
  }
  // From here on, a lost connection is retried like the workers do.
  redis.options.retryStrategy = (times) => Math.min(times * 200, 2000);
  return redis;
}

function badUrl(url: string): JobError {
  return new JobError(
    'BAD_PARAM',
    `invalid Redis URL "${url}"`,
    'write it as redis://host:port (e.g. redis://127.0.0.1:6379), optionally redis://:password@host:port/db',
  );
}
