/** `mlxv farm status`: the workers alive now (their heartbeats) and the recent jobs with chunk counts. */
import { Queue } from 'bullmq';
import { QUEUE_NAME, connectionFromUrl, connectRedis, keys } from './redis.ts';
import type { WorkerHeartbeat } from './worker.ts';

export interface FarmStatus {
  workers: WorkerHeartbeat[];
  jobs: Array<Record<string, string>>;
  queue: Record<string, number>;
}

export async function farmStatus(redisUrl: string, recentJobs = 20): Promise<FarmStatus> {
  const redis = await connectRedis(redisUrl);
  const queue = new Queue(QUEUE_NAME, { connection: connectionFromUrl(redisUrl) });
  try {
    const workerKeys: string[] = [];
    let cursor = '0';
    do {
      const [next, found] = await redis.scan(cursor, 'MATCH', keys.workerPattern, 'COUNT', 100);
      cursor = next;
      workerKeys.push(...found);
    } while (cursor !== '0');
    const workers = (workerKeys.length ? await redis.mget(...workerKeys) : [])
      .filter((v): v is string => v !== null)
      .map((v) => JSON.parse(v) as WorkerHeartbeat)
      .sort((a, b) => a.id.localeCompare(b.id));
    const ids = await redis.zrevrange(keys.jobIndex, 0, recentJobs - 1);
    const jobs: Array<Record<string, string>> = [];
    for (const id of ids) {
      const record = await redis.hgetall(keys.job(id));
      if (Object.keys(record).length) jobs.push(record);
    }
    const queueCounts = await queue.getJobCounts('waiting', 'active', 'delayed', 'completed', 'failed');
    return { workers, jobs, queue: queueCounts };
  } finally {
    await queue.close();
    redis.disconnect();
  }
}

export function formatStatus(status: FarmStatus): string {
  const lines = [`workers (${status.workers.length}):`];
  for (const w of status.workers) {
    const doing = w.current
      ? `rendering job ${w.current.farmJobId} frames ${w.current.frames} (${w.current.done}/${w.current.total})`
      : 'idle';
    lines.push(
      `  ${w.id}  host ${w.host} pid ${w.pid}  up since ${w.since}  chunks done ${w.chunksDone}  ${doing}`,
    );
  }
  const q = status.queue;
  lines.push(
    `chunks in queue: ${q.waiting ?? 0} waiting, ${q.active ?? 0} active, ${q.delayed ?? 0} retrying, ` +
      `${q.completed ?? 0} completed, ${q.failed ?? 0} failed`,
  );
  lines.push(`jobs (${status.jobs.length} most recent):`);
  for (const j of status.jobs) {
    lines.push(
      `  ${j.id}  ${j.status}  ${j.effect} ${j.input} -> ${j.output}  ${j.frames} frames in ${j.chunks} chunks` +
        (j.error ? `  error: ${j.error}` : ''),
    );
  }
  return lines.join('\n') + '\n';
}
