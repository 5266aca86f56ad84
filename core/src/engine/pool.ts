/**
 * The engine pool: worker threads that own the model sessions and run effects next to them (DESIGN.md
 * "Models run in worker threads"). One pool per process, shared by jobs and the daemon's frame sessions;
 * the main thread keeps I/O, protocol and scheduling.
 *
 * Size (workerCount): on the CPU provider one worker per intra-op thread group (cores / intra-op threads,
 * so 1 on small machines: a second worker would only fight the first for the same cores); with a GPU
 * provider 2, so one worker's pre/post-processing overlaps the other's inference. MLXV_WORKERS overrides;
 * MLXV_WORKERS=0 runs effects in-process (debugging, profiling).
 *
 * An instance (processor or retimer) lives on one worker for its whole life (it keeps state); new instances
 * go to the worker with the fewest. Workers are unref'd, so an idle pool never keeps a CLI process alive.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { Frame, SampleFormat } from '../contract/frame.ts';
import type { ParamValues } from '../contract/params.ts';
import type { FrameAt } from '../contract/effect.ts';
import type { Rational } from '../contract/rational.ts';
import { intraOpThreads } from '../runtime/session-options.ts';
import { linuxHasGpuDevice, precheckProvider, providerChain } from '../runtime/providers.ts';
import type { ExecutionProviderName } from '../contract/session.ts';
import type { FromWorker, SessionDelta, ToWorker, WorkerContextOptions } from './protocol.ts';
import { errorFromWire, fromWire, toWire, type WireFrame } from './wire.ts';
import { markExclusive } from './buffer-pool.ts';

export function workerCount(providers?: readonly string[]): number {
  const env = process.env.MLXV_WORKERS;
  if (env !== undefined && env !== '' && Number.isInteger(Number(env)) && Number(env) >= 0)
    return Number(env);
  const chain = providerChain(providers as ExecutionProviderName[] | undefined);
  const gpu =
    chain.some((p) => p !== 'cpu' && precheckProvider(p) === undefined) &&
    (process.platform !== 'linux' || linuxHasGpuDevice());
  if (gpu) return 2;
  return Math.max(1, Math.floor(availableParallelism() / intraOpThreads()));
}

/** A frame a worker sent back: transferred, so this thread holds the only reference (jobs recycle it). */
function received(w: WireFrame, from: EngineWorker): Frame {
  const frame = fromWire(w);
  markExclusive(frame.data, (buffer) => from.giveSpare(buffer));
  return frame;
}

/**
 * Buffers handed back to workers and outputs workers made in them, over this process's life (tests and the
 * bench read it: the proof that the way back is used, not only built).
 */
export const bufferReturns = { sent: 0, reusedByWorkers: 0, inputsReleased: 0 };

/** Spare buffers waiting for the next call to a worker (each is a whole frame: a few, not a queue). */
const MAX_PENDING_SPARES = 2;

/** A call message without its call id and frame (the worker side adds the id, the frame goes by transfer). */
type CallBody =
  Extract<ToWorker, { call: number }> extends infer M
    ? M extends { call: number }
      ? Omit<M, 'call' | 'frame'>
      : never
    : never;

interface CallResult {
  frames: Frame[];
  sessions: SessionDelta[];
  workMs: number;
  /** Input buffers the worker handed back (the effect released them). */
  released: ArrayBuffer[];
}

interface Pending {
  resolve: (r: CallResult) => void;
  reject: (e: Error) => void;
  onSessions?: (s: SessionDelta[]) => void;
}

class EngineWorker {
  readonly worker: Worker;
  instances = 0;
  private readonly pending = new Map<number, Pending>();
  private nextCall = 1;
  private failed: Error | null = null;
  /** Buffers the main thread is done with, transferred to the worker with the next call. */
  private spares: ArrayBuffer[] = [];

  constructor() {
    this.worker = new Worker(new URL('./worker-entry.mjs', import.meta.url));
    this.worker.unref();
    this.worker.on('message', (msg: FromWorker) => this.onMessage(msg));
    const fail = (err: Error) => {
      this.failed = err;
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
    this.worker.on('error', (err) => fail(err));
    this.worker.on('exit', (code) => fail(new Error(`engine worker exited (code ${code})`)));
  }

  private onMessage(msg: FromWorker): void {
    const p = this.pending.get(msg.call);
    if (!p) return;
    this.pending.delete(msg.call);
    if (this.pending.size === 0) this.worker.unref();
    p.onSessions?.(msg.sessions);
    if (msg.t === 'ok') {
      bufferReturns.reusedByWorkers += msg.reusedSpares;
      const frames = msg.frames.map((w) => received(w, this));
      const released = msg.released ?? [];
      bufferReturns.inputsReleased += released.length;
      p.resolve({ frames, sessions: msg.sessions, workMs: msg.workMs, released });
    } else p.reject(errorFromWire(msg.error));
  }

  call(msg: CallBody, frames: Frame[] = [], onSessions?: (s: SessionDelta[]) => void): Promise<CallResult> {
    if (this.failed) return Promise.reject(this.failed);
    const call = this.nextCall++;
    const transfer: ArrayBuffer[] = [];
    const wire = frames.map((f) => toWire(f, transfer));
    const spares = this.spares.filter((b) => !transfer.includes(b));
    this.spares = [];
    transfer.push(...spares);
    bufferReturns.sent += spares.length;
    const full = {
      ...msg,
      call,
      ...(wire.length ? { frame: wire[0] } : {}),
      ...(spares.length ? { spares } : {}),
    } as ToWorker;
    return new Promise((resolve, reject) => {
      this.pending.set(call, { resolve, reject, ...(onSessions ? { onSessions } : {}) });
      // Work in flight keeps the process alive (a CLI job waits for its frames); idle workers do not.
      this.worker.ref();
      this.worker.postMessage(full, transfer);
    });
  }

  post(msg: Extract<ToWorker, { t: 'reset' | 'cancel' }>): void {
    if (!this.failed) this.worker.postMessage(msg);
  }

  /** A buffer this thread is done with (nothing else holds it): the worker makes a later output in it. */
  giveSpare(buffer: ArrayBuffer): void {
    if (this.failed || this.spares.length >= MAX_PENDING_SPARES || this.spares.includes(buffer)) return;
    this.spares.push(buffer);
  }
}

export interface InstanceOptions {
  ctx: WorkerContextOptions;
  signal?: AbortSignal;
  /** Receives the inference each call did (per model), for the job's figures. */
  onSessions?: (sessions: SessionDelta[]) => void;
  /** Sample format the worker converts outputs to before sending (e.g. the encoder's u16): no float detour on this thread. */
  outFormat?: SampleFormat;
  /**
   * Receives each input buffer the worker hands back once the effect has released it (a job decodes a
   * later frame into it); without it, inputs stay on the worker.
   */
  onInputReleased?: (buffer: ArrayBuffer) => void;
}

let nextPid = 1;

export class EnginePool {
  private readonly workers: EngineWorker[] = [];

  constructor(readonly size: number) {
    if (size < 1) throw new RangeError(`engine pool size must be >= 1, got ${size}`);
  }

  private pick(): EngineWorker {
    if (this.workers.length < this.size) {
      const w = new EngineWorker();
      this.workers.push(w);
      return w;
    }
    return this.workers.reduce((a, b) => (b.instances < a.instances ? b : a));
  }

  async createProcessor(effectId: string, options: InstanceOptions): Promise<RemoteProcessor> {
    const { worker, pid } = await this.create({ effectId, role: 'processor' }, options);
    return new RemoteProcessor(worker, pid, options);
  }

  async createRetimer(
    effectId: string,
    params: ParamValues,
    inputRate: Rational,
    options: InstanceOptions,
  ): Promise<RemoteRetimer> {
    const { worker, pid } = await this.create({ effectId, role: 'retimer', params, inputRate }, options);
    return new RemoteRetimer(worker, pid, options);
  }

  /** Places a new instance on the least loaded worker and builds it there. */
  private async create(
    what: Omit<Extract<ToWorker, { t: 'create' }>, 't' | 'call' | 'pid' | 'ctx'>,
    options: InstanceOptions,
  ): Promise<{ worker: EngineWorker; pid: number }> {
    const worker = this.pick();
    const pid = nextPid++;
    worker.instances++;
    try {
      await worker.call({ t: 'create', pid, ctx: options.ctx, ...what }, [], options.onSessions);
    } catch (err) {
      worker.instances--;
      throw err;
    }
    return { worker, pid };
  }
}

/** Cancel reaches the worker: the instance's signal there aborts, and this side stops waiting at once. */
function wireCancel(worker: EngineWorker, pid: number, signal: AbortSignal | undefined): () => void {
  if (!signal) return () => {};
  const onAbort = () => worker.post({ t: 'cancel', pid });
  if (signal.aborted) onAbort();
  signal.addEventListener('abort', onAbort, { once: true });
  return () => signal.removeEventListener('abort', onAbort);
}

function abortable<T>(p: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return p;
  signal.throwIfAborted();
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason instanceof Error ? signal.reason : abortError());
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

function abortError(): Error {
  const e = new Error('cancelled');
  e.name = 'AbortError';
  return e;
}

/** An instance (processor or retimer) living on a worker: its calls, cancel wiring and disposal. */
abstract class RemoteInstance {
  private readonly unwire: () => void;
  private disposed = false;

  constructor(
    private readonly worker: EngineWorker,
    protected readonly pid: number,
    private readonly options: InstanceOptions,
  ) {
    this.unwire = wireCancel(worker, pid, options.signal);
  }

  /** One call carrying this instance's output format; frames are transferred; cancel stops the wait. */
  protected async send(
    msg: Extract<CallBody, { t: 'process' | 'push' | 'flush' }>,
    frames: Frame[],
  ): Promise<Frame[]> {
    const fmt = this.options.outFormat ? { outFormat: this.options.outFormat } : {};
    const wantsInput = msg.t === 'process' && this.options.onInputReleased !== undefined;
    const r = await abortable(
      this.worker.call(
        { ...msg, ...fmt, ...(wantsInput ? { returnInput: true } : {}) },
        frames,
        this.options.onSessions,
      ),
      this.options.signal,
    );
    for (const buffer of r.released) this.options.onInputReleased?.(buffer);
    return r.frames;
  }

  protected post(msg: Extract<ToWorker, { t: 'reset' | 'cancel' }>): void {
    this.worker.post(msg);
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.unwire();
    this.worker.instances--;
    // An effect's own dispose error (a report it could not write) reaches the caller; runJob fails the job
    // with it on the success path and ignores it after another failure.
    await this.worker.call({ t: 'dispose', pid: this.pid });
  }
}

/** A Processor whose state and work live on a worker. `frame` is transferred: do not touch it after. */
export class RemoteProcessor extends RemoteInstance {
  async process(frame: Frame, params: ParamValues, at?: FrameAt): Promise<Frame> {
    return (await this.send({ t: 'process', pid: this.pid, params, ...(at ? { at } : {}) }, [frame]))[0]!;
  }

  reset(): void {
    this.post({ t: 'reset', pid: this.pid });
  }
}

/** A Retimer on a worker. Pushed frames are transferred. */
export class RemoteRetimer extends RemoteInstance {
  push(frame: Frame): Promise<Frame[]> {
    return this.send({ t: 'push', pid: this.pid }, [frame]);
  }

  flush(): Promise<Frame[]> {
    return this.send({ t: 'flush', pid: this.pid }, []);
  }
}

let shared: EnginePool | null | undefined;

/** The process's pool, created on first use; null when MLXV_WORKERS=0 (effects run in-process). */
export function sharedPool(): EnginePool | null {
  if (shared === undefined) {
    const n = workerCount();
    shared = n > 0 ? new EnginePool(n) : null;
  }
  return shared;
}
