/**
 * Jobs through the real daemon and the real pipeline (runJob, ffmpeg) on a real clip: progress and done,
 * results identical to an in-process run, cancel, a client vanishing mid-job, queue limits; and a daemon
 * SIGKILLed mid-job: no partial file at the final name, and the restarted daemon reports the job failed.
 */
import { mkdtempSync, readdirSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectToDaemon } from '../../core/src/daemon/connect.ts';
import { runJob } from '../../core/src/pipeline/run-job.ts';
import { decodeFrames } from '../../core/src/media/decode.ts';
import type { JobProgressEvent } from '../../core/src/client/protocol.ts';
import { JobError, type JobSpec } from '../../core/src/pipeline/types.ts';
import type { RunJobFn } from '../../core/src/daemon/jobs.ts';
import {
  eventually,
  mlxvShmRegions,
  noModelsContext,
  spawnDaemon,
  startTestDaemon,
  type TestDaemon,
} from './helpers.ts';
import { nativeAddon } from '../../core/src/native/addon.ts';

const clip = fileURLToPath(new URL('../fixtures/wide-street.mp4', import.meta.url));
let out: string;
beforeAll(() => {
  out = mkdtempSync(join(tmpdir(), 'mlxv-jobs-out-'));
});
afterAll(() => rmSync(out, { recursive: true, force: true }));

async function frames(file: string): Promise<Float32Array[]> {
  const all: Float32Array[] = [];
  for await (const f of decodeFrames(file)) all.push(Float32Array.from(f.data));
  return all;
}

describe('jobs on the real pipeline', () => {
  let t: TestDaemon;
  beforeAll(async () => {
    t = await startTestDaemon();
  });
  afterAll(() => t.stop());

  it('progress, done, and the same output as an in-process runJob', async () => {
    const c = await t.connect();
    const spec = { effect: 'identity', input: clip, params: { gain: 0.8 }, frames: { start: 0, end: 11 } };
    const progress: JobProgressEvent[] = [];
    const viaDaemon = join(out, 'daemon.mov');
    const done = await c.submitJob({ ...spec, output: viaDaemon }, { onProgress: (p) => progress.push(p) });
    expect(done).toMatchObject({ output: viaDaemon, frames: 12 });
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.at(-1)!.total).toBe(12);

    const inProcess = join(out, 'cli.mov');
    await runJob({ ...spec, output: inProcess }, { ctx: noModelsContext() });
    const [a, b] = await Promise.all([frames(viaDaemon), frames(inProcess)]);
    expect(a).toHaveLength(12);
    expect(b).toHaveLength(12);
    // Byte comparison: deep-equal over millions of floats is far too slow for a test.
    a.forEach((f, i) => expect(Buffer.from(f.buffer).equals(Buffer.from(b[i]!.buffer))).toBe(true));
    const listed = (await c.listJobs()).find((j) => j.output === viaDaemon);
    expect(listed?.state).toBe('done');
    c.close();
  });

  it('runJobViaDaemon: runJob through the daemon, same result and the same error codes', async () => {
    const { runJobViaDaemon } = await import('../../core/src/daemon/connect.ts');
    const connect = { configDir: t.dir, port: t.daemon.port };
    const output = join(out, 'via.mov');
    const progress: number[] = [];
    const result = await runJobViaDaemon(
      { effect: 'identity', input: clip, output, params: { gain: 0.8 }, frames: { start: 0, end: 3 } },
      { connect, onProgress: (p) => progress.push(p.done) },
    );
    expect(result).toMatchObject({ output, frames: 4 });
    expect(progress.at(-1)).toBe(4);
    const inProcess = await frames(join(out, 'cli.mov'));
    const via = await frames(output);
    via.forEach((f, i) => expect(Buffer.from(f.buffer).equals(Buffer.from(inProcess[i]!.buffer))).toBe(true));
    const missing = runJobViaDaemon(
      { effect: 'identity', input: join(out, 'nope.mov'), output: join(out, 'x.mov'), params: {} },
      { connect },
    );
    await expect(missing).rejects.toBeInstanceOf(JobError);
    await expect(missing).rejects.toMatchObject({ code: 'INPUT_MISSING' });
  });

  it('cancel: job.error CANCELLED, nothing at the final name, no temp file', async () => {
    const c = await t.connect();
    const output = join(out, 'cancelled.mov');
    let jobId = '';
    const run = c.submitJob(
      { effect: 'identity', input: clip, output, params: { gain: 2 } },
      { onAccepted: (id) => (jobId = id), onProgress: () => void c.cancelJob(jobId).catch(() => {}) },
    );
    await expect(run).rejects.toMatchObject({ code: 'CANCELLED' });
    await eventually(() => t.daemon.stats().jobsRunning === 0);
    expect(readdirSync(out).filter((n) => n.includes('cancelled'))).toEqual([]);
    c.close();
  });

  it('a client that disconnects mid-job: its job is cancelled and leaves no temp file', async () => {
    const c = await t.connect();
    const output = join(out, 'orphan.mov');
    const run = c.submitJob(
      { effect: 'identity', input: clip, output, params: { gain: 2 } },
      { onProgress: () => c.close() },
    );
    await expect(run).rejects.toMatchObject({ code: 'CONNECTION_CLOSED' });
    await eventually(() => t.daemon.stats().jobsRunning === 0, 20_000);
    expect(readdirSync(out).filter((n) => n.includes('orphan'))).toEqual([]);
    expect(t.daemon.jobs.list().find((j) => j.job.output === output)?.state).toBe('cancelled');
  });

  it('keepAlive: the job outlives its client and another connection can follow it', async () => {
    const c = await t.connect();
    const output = join(out, 'kept.mov');
    let jobId = '';
    const first = c.submitJob(
      { effect: 'identity', input: clip, output, params: {}, frames: { start: 0, end: 5 } },
      { keepAlive: true, onAccepted: (id) => (jobId = id) },
    );
    await eventually(() => jobId !== '');
    c.close();
    await expect(first).rejects.toMatchObject({ code: 'CONNECTION_CLOSED' });
    const again = await t.connect();
    const state = (await again.listJobs()).find((j) => j.jobId === jobId)?.state;
    if (state !== 'done') await again.subscribeJob(jobId);
    await eventually(() => t.daemon.jobs.list().find((j) => j.jobId === jobId)?.state === 'done', 20_000);
    expect(existsSync(output)).toBe(true);
    again.close();
  });
});

describe('queue limits', () => {
  it('runs at most maxConcurrentJobs; refuses beyond maxQueuedJobs with QUEUE_FULL', async () => {
    let running = 0;
    let peak = 0;
    const release: (() => void)[] = [];
    const fakeRun: RunJobFn = async (spec: JobSpec, { signal }) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise<void>((resolve, reject) => {
        release.push(resolve);
        signal?.addEventListener('abort', () => reject(new JobError('CANCELLED', 'cancelled')));
      });
      running--;
      return { output: spec.output, frames: 1, seconds: 0, inferenceMs: 0 };
    };
    const t = await startTestDaemon({ runJob: fakeRun, limits: { maxConcurrentJobs: 2, maxQueuedJobs: 1 } });
    try {
      const c = await t.connect();
      const job = (n: number) => ({ effect: 'identity', input: '/in.mov', output: `/out-${n}.mov` });
      const runs = [0, 1, 2].map((n) => c.submitJob(job(n)));
      await eventually(() => running === 2 && t.daemon.stats().jobsQueued === 1);
      await expect(c.submitJob(job(3))).rejects.toMatchObject({ code: 'QUEUE_FULL' });
      // A second daemon on the same config folder must not take the live daemon's jobs for interrupted ones.
      const { startDaemon } = await import('../../core/src/daemon/server.ts');
      const second = await startDaemon({ port: 0, configDir: t.dir, writeInfoFile: false });
      expect(second.jobs.list().filter((j) => j.state === 'failed')).toEqual([]);
      await second.close();
      while (release.length || running) {
        release.shift()?.();
        await new Promise((r) => setTimeout(r, 10));
      }
      await Promise.all(runs);
      expect(peak).toBe(2);
      c.close();
    } finally {
      await t.stop();
    }
  });
});

describe('daemon killed mid-job', () => {
  it(
    'SIGKILL: no partial file at the final name; the restarted daemon reports the job failed',
    { timeout: 120_000 },
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'mlxv-kill-'));
      const output = join(out, 'killed.mov');
      let d = await spawnDaemon(dir);
      try {
        const c = await connectToDaemon({ configDir: dir, port: d.port });
        let jobId = '';
        let progressed = false;
        const run = c.submitJob(
          { effect: 'identity', input: clip, output, params: { gain: 1.5 } },
          {
            onAccepted: (id) => (jobId = id),
            onProgress: (p) => {
              if (p.done > 0) progressed = true;
            },
          },
        );
        run.catch(() => {});
        // A region the daemon created for this client: a killed daemon cannot unlink it, the next one must.
        const region = nativeAddon() ? await c.createShm(4096) : null;
        await eventually(() => progressed, 60_000);
        // Mid-job: the encoder's temp file exists, the final name does not.
        expect(readdirSync(out).some((n) => n.startsWith('.killed.partial-'))).toBe(true);
        d.child.kill('SIGKILL');
        await new Promise((r) => d.child.once('exit', r));
        if (region) expect(mlxvShmRegions()).toContain(region.name.slice(1));
        await expect(run).rejects.toMatchObject({ code: 'CONNECTION_CLOSED' });
        expect(existsSync(output)).toBe(false);

        d = await spawnDaemon(dir);
        const c2 = await connectToDaemon({ configDir: dir, port: d.port });
        const job = (await c2.listJobs()).find((j) => j.jobId === jobId);
        expect(job).toMatchObject({ state: 'failed', error: { code: 'INTERRUPTED' } });
        expect(existsSync(output)).toBe(false);
        if (region) expect(mlxvShmRegions()).not.toContain(region.name.slice(1));
        // The dead daemon's temp output was removed by the new one.
        expect(readdirSync(out).filter((n) => n.startsWith('.killed.'))).toEqual([]);
        c2.close();
      } finally {
        await d.stop();
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
