/**
 * The daemon's job queue: file in -> effect -> file out through runJob() (core/src/pipeline/run-job.ts),
 * the same function the CLI runs in-process, so both give identical results. A concurrency limit, a queue
 * depth limit, progress/done/error events to subscribers, cancel, and a journal on disk
 * (<configdir>/jobs/<jobId>.json) so a daemon that was killed reports its interrupted jobs as failed
 * (never done) when it starts again, and removes their partial temp outputs.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import type { EffectContext } from '../effects/types.ts';
import { getEffect, UnknownEffectError } from '../effects/registry.ts';
import { ParamError, resolveParams } from '../effects/params.ts';
import { JobError, type JobProgress, type JobResult, type JobSpec } from '../pipeline/types.ts';
import type {
  ErrorCode,
  JobDoneEvent,
  JobErrorEvent,
  JobInfo,
  JobProgressEvent,
  JobSpecMessage,
} from '../client/protocol.ts';
import type { EffectContextProvider } from './effect-context.ts';
import { processAlive, sweepStalePartials } from '../media/output-names.ts';

export type RunJobFn = (
  spec: JobSpec,
  opts: { ctx: EffectContext; onProgress?: (p: JobProgress) => void; signal?: AbortSignal },
) => Promise<JobResult>;

export type JobEvent = JobProgressEvent | JobDoneEvent | JobErrorEvent;
export type JobListener = (ev: JobEvent) => void;

/** A refusal at submit time, with the protocol code to reply with. */
export class JobRefusedError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'JobRefusedError';
  }
}

interface Job {
  info: JobInfo;
  owner: string;
  keepAlive: boolean;
  abort: AbortController;
  listeners: Set<JobListener>;
  lastJournalWrite: number;
}

export interface JobManagerOptions {
  journalDir: string;
  maxConcurrent: number;
  maxQueued: number;
  runJob: () => Promise<RunJobFn>;
  context: EffectContextProvider;
  /** Finished jobs kept in memory and on disk for job.list. */
  keepFinished?: number;
}

const FINISHED = new Set(['done', 'failed', 'cancelled']);

// A pid in the job journal is checked with the same test the stale-partial sweep uses.
export { processAlive };

/** What the journal holds per job: the public info plus the pid of the daemon that ran it. */
type JournalEntry = JobInfo & { runnerPid?: number };

export class JobManager {
  private readonly jobs = new Map<string, Job>();
  private readonly queue: string[] = [];
  private running = 0;
  private readonly keepFinished: number;

  constructor(private readonly opts: JobManagerOptions) {
    this.keepFinished = opts.keepFinished ?? 200;
    mkdirSync(opts.journalDir, { recursive: true, mode: 0o700 });
  }

  /**
   * Reads the journal left by a previous daemon. Jobs it had queued or running were interrupted (killed,
   * crashed, power cut): they become `failed` with INTERRUPTED, and their partial outputs are removed (the
   * encoder's own sweep: only our temporary names for that output, of dead pids on this host).
   */
  async recover(): Promise<JobInfo[]> {
    const interrupted: JobInfo[] = [];
    const loaded: JobInfo[] = [];
    for (const file of readdirSync(this.opts.journalDir)) {
      if (!file.endsWith('.json')) continue;
      let entry: JournalEntry;
      try {
        entry = JSON.parse(readFileSync(join(this.opts.journalDir, file), 'utf8')) as JournalEntry;
      } catch {
        continue; // a journal write cut short by the kill; the rename-into-place makes this rare
      }
      const { runnerPid, ...stored } = entry;
      let info: JobInfo = stored;
      // A live runner is another daemon sharing this config folder (or this process): its jobs are not ours.
      if (!FINISHED.has(info.state) && runnerPid && processAlive(runnerPid)) continue;
      if (!FINISHED.has(info.state)) {
        if (info.state === 'running' && runnerPid) {
          await sweepStalePartials(resolve(info.job.output)).catch(() => []);
        }
        info = {
          ...info,
          state: 'failed',
          updatedAt: new Date().toISOString(),
          error: {
            code: 'INTERRUPTED',
            message: `the daemon stopped while this job was ${info.state}; nothing was written to ${info.job.output}. Submit it again.`,
          },
        };
        interrupted.push(info);
      }
      loaded.push(info);
    }
    loaded.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
    for (const info of loaded) {
      this.jobs.set(info.jobId, {
        info,
        owner: '',
        keepAlive: true,
        abort: new AbortController(),
        listeners: new Set(),
        lastJournalWrite: 0,
      });
    }
    for (const info of interrupted) this.writeJournal(this.jobs.get(info.jobId)!, true);
    this.prune();
    return interrupted;
  }

  get runningCount(): number {
    return this.running;
  }
  get queuedCount(): number {
    return this.queue.length;
  }

  submit(spec: JobSpecMessage, owner: string, keepAlive: boolean, listener: JobListener): JobInfo {
    this.validate(spec);
    if (this.queue.length >= this.opts.maxQueued) {
      throw new JobRefusedError(
        'QUEUE_FULL',
        `the job queue is full (${this.opts.maxQueued} waiting); wait for a job to finish or cancel one`,
      );
    }
    const now = new Date().toISOString();
    const jobId = `job-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
    const job: Job = {
      info: { jobId, state: 'queued', job: spec, createdAt: now, updatedAt: now },
      owner,
      keepAlive,
      abort: new AbortController(),
      listeners: new Set([listener]),
      lastJournalWrite: 0,
    };
    this.jobs.set(jobId, job);
    this.queue.push(jobId);
    this.writeJournal(job, true);
    // Synchronously: several submits can arrive in one socket read, before any microtask runs, and
    // each must see the queue as it really is. Events only follow after runJob's first await.
    this.pump();
    return job.info;
  }

  /** 0 = already running; n >= 1 = waiting, n-th in line. */
  position(jobId: string): number {
    return this.queue.indexOf(jobId) + 1;
  }

  private validate(spec: JobSpecMessage): void {
    for (const [k, p] of [
      ['input', spec.input],
      ['output', spec.output],
    ] as const) {
      // An empty input is a generator job; runJob refuses it for every other kind.
      if (k === 'input' && p === '') continue;
      if (!isAbsolute(p)) {
        throw new JobRefusedError(
          'BAD_MESSAGE',
          `job.${k} must be an absolute path (the daemon's folder is not yours): ${p}`,
        );
      }
    }
    if (spec.input !== '' && resolve(spec.input) === resolve(spec.output)) {
      throw new JobRefusedError(
        'OUTPUT_IS_INPUT',
        `output ${spec.output} is the input file; the daemon never writes over a source`,
      );
    }
    try {
      resolveParams(getEffect(spec.effect).params, spec.params ?? {});
    } catch (err) {
      if (err instanceof UnknownEffectError) throw new JobRefusedError('UNKNOWN_EFFECT', err.message);
      if (err instanceof ParamError) throw new JobRefusedError('BAD_PARAM', err.message);
      throw err;
    }
  }

  subscribe(jobId: string, listener: JobListener): JobInfo {
    const job = this.jobs.get(jobId);
    if (!job) throw new JobRefusedError('UNKNOWN_JOB', `no job ${jobId}`);
    job.listeners.add(listener);
    return job.info;
  }

  unsubscribe(listener: JobListener): void {
    for (const job of this.jobs.values()) job.listeners.delete(listener);
  }

  cancel(jobId: string): void {
    const job = this.jobs.get(jobId);
    if (!job) throw new JobRefusedError('UNKNOWN_JOB', `no job ${jobId}`);
    if (FINISHED.has(job.info.state)) return;
    const queued = this.queue.indexOf(jobId);
    if (queued >= 0) {
      this.queue.splice(queued, 1);
      this.finish(job, 'cancelled', { code: 'CANCELLED', message: 'cancelled before it started' });
      return;
    }
    job.abort.abort();
  }

  /** A connection closed: cancel the jobs it owns unless they were submitted with keepAlive. */
  ownerGone(owner: string, listener: JobListener): void {
    this.unsubscribe(listener);
    for (const job of this.jobs.values()) {
      if (job.owner === owner && !job.keepAlive && !FINISHED.has(job.info.state)) this.cancel(job.info.jobId);
    }
  }

  list(): JobInfo[] {
    return [...this.jobs.values()].map((j) => j.info);
  }

  /** Cancels everything and waits (bounded) for running jobs to clean up; used by daemon shutdown. */
  async shutdown(timeoutMs = 10_000): Promise<void> {
    for (const id of [...this.queue]) this.cancel(id);
    for (const job of this.jobs.values()) if (job.info.state === 'running') job.abort.abort();
    const deadline = Date.now() + timeoutMs;
    while (this.running > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  }

  private pump(): void {
    while (this.running < this.opts.maxConcurrent && this.queue.length > 0) {
      const job = this.jobs.get(this.queue.shift()!)!;
      this.running++;
      void this.execute(job).finally(() => {
        this.running--;
        this.pump();
      });
    }
  }

  private async execute(job: Job): Promise<void> {
    this.update(job, { state: 'running' }, true);
    const spec = job.info.job;
    try {
      const [runJob, ctx] = await Promise.all([this.opts.runJob(), this.opts.context()]);
      const result = await runJob(
        {
          effect: spec.effect,
          input: spec.input,
          output: spec.output,
          params: spec.params ?? {},
          ...(spec.frames ? { frames: spec.frames } : {}),
          ...(spec.format ? { format: spec.format } : {}),
          ...(spec.overwrite !== undefined ? { overwrite: spec.overwrite } : {}),
        },
        { ctx, signal: job.abort.signal, onProgress: (p) => this.progress(job, p) },
      );
      if (job.abort.signal.aborted) throw new JobError('CANCELLED', 'cancelled');
      this.update(job, { output: result.output }, true);
      this.finish(job, 'done');
      this.emit(job, {
        type: 'job.done',
        jobId: job.info.jobId,
        output: result.output,
        frames: result.frames,
        ...(result.notes?.length ? { notes: [...result.notes] } : {}),
      });
    } catch (err) {
      const cancelled = job.abort.signal.aborted || (err instanceof JobError && err.code === 'CANCELLED');
      const code: ErrorCode = cancelled
        ? 'CANCELLED'
        : err instanceof JobError
          ? (err.code as ErrorCode)
          : 'INTERNAL';
      const message =
        err instanceof JobError && err.hint
          ? `${err.message} (${err.hint})`
          : (err as Error).message || String(err);
      this.finish(job, cancelled ? 'cancelled' : 'failed', { code, message });
    }
  }

  private progress(job: Job, p: JobProgress): void {
    this.update(job, { progress: { done: p.done, total: p.total } }, false);
    this.emit(job, {
      type: 'job.progress',
      jobId: job.info.jobId,
      done: p.done,
      total: p.total,
      fps: p.fps,
      etaSeconds: p.etaSeconds,
      stage: p.stage,
    });
  }

  private finish(
    job: Job,
    state: 'done' | 'failed' | 'cancelled',
    error?: { code: ErrorCode; message: string },
  ): void {
    this.update(job, { state, ...(error ? { error } : {}) }, true);
    if (error) this.emit(job, { type: 'job.error', jobId: job.info.jobId, ...error });
    this.prune();
  }

  private emit(job: Job, ev: JobEvent): void {
    for (const l of job.listeners) {
      try {
        l(ev);
      } catch {
        // a listener on a closing socket must not break the job
      }
    }
  }

  private update(job: Job, patch: Partial<JobInfo>, force: boolean): void {
    job.info = { ...job.info, ...patch, updatedAt: new Date().toISOString() };
    this.writeJournal(job, force);
  }

  /** Write-then-rename so a kill mid-write never leaves a torn journal entry. Progress is throttled. */
  private writeJournal(job: Job, force: boolean): void {
    const now = Date.now();
    if (!force && now - job.lastJournalWrite < 1000) return;
    job.lastJournalWrite = now;
    const path = join(this.opts.journalDir, `${job.info.jobId}.json`);
    const tmp = `${path}.${process.pid}.tmp`;
    const entry: JournalEntry = { ...job.info, runnerPid: process.pid };
    writeFileSync(tmp, JSON.stringify(entry, null, 2), { mode: 0o600 });
    renameSync(tmp, path);
  }

  private prune(): void {
    const finished = [...this.jobs.values()].filter((j) => FINISHED.has(j.info.state));
    for (const job of finished.slice(0, Math.max(0, finished.length - this.keepFinished))) {
      this.jobs.delete(job.info.jobId);
      try {
        unlinkSync(join(this.opts.journalDir, `${job.info.jobId}.json`));
      } catch {
        // already gone
      }
    }
  }
}
