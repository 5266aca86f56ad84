/**
 * An engine worker: owns model sessions and runs effect processors and retimers next to them, so inference
 * and every per-pixel step of an effect stay off the main thread. Calls are handled one at a time in
 * arrival order (a worker has one JS thread, and onnxruntime-node's run() occupies it while it runs),
 * which also makes the per-call inference figures exact.
 *
 * Cancel is cooperative: 'cancel' aborts the processor's signal, which effects check between model runs.
 * The pool never terminates a worker that may be inside run(): onnxruntime-node 1.30 aborts the whole
 * process when that happens (DESIGN.md).
 */
import { parentPort } from 'node:worker_threads';
import { convertFrame, setSampleBufferSource, type Frame } from '../contract/frame.ts';
import type { Processor, Retimer } from '../contract/effect.ts';
import type { LoadedSession, SessionManager } from '../contract/session.ts';
import { getEffect } from '../effects/registry.ts';
import { modelErrorToJobError } from '../models/errors.ts';
import { createEffectContext } from '../runtime/context.ts';
import type { ExecutionProviderName } from '../runtime/types.ts';
import type { FromWorker, SessionDelta, ToWorker, WorkerContextOptions } from './protocol.ts';
import { errorToWire, fromWire, ownsWholeBuffer, toWire, type WireFrame } from './wire.ts';
import { BufferPool, spareBufferSource } from './buffer-pool.ts';

const port = parentPort!;

/**
 * Buffers the main thread handed back after encoding them (spares on calls). createFrame on this thread
 * takes them for frames of their size, cleared, instead of fresh memory: on this project's VMs a fresh 1080p
 * u16 output costs ~45 ms of page faults, clearing a reused one ~3 ms. Two per size and 64 MiB in all: the
 * steady state needs about one (a frame comes back as the next one is made), and a 4K u16 frame is 66 MB.
 */
const spares = new BufferPool(2, 64 * 2 ** 20);
let reusedSpares = 0;
setSampleBufferSource(spareBufferSource(spares, () => reusedSpares++));

interface Instance {
  processor?: Processor;
  /** The effect keeps no input frame after process() (FilterEffect.releasesInput). */
  releasesInput?: boolean;
  retimer?: Retimer;
  abort: AbortController;
  sessions: TrackedSessions;
}

/** A session manager per distinct context options, shared by every instance that uses them. */
const managers = new Map<
  string,
  { sessions: SessionManager; models: ReturnType<typeof createEffectContext>['models'] }
>();
const instances = new Map<number, Instance>();

/** Remembers every session handed out, so a call can report the inference it did. */
class TrackedSessions implements SessionManager {
  readonly seen = new Set<LoadedSession>();
  /**
   * Each session's stats when this instance first got it. Sessions are shared by every instance with the
   * same context options (a daemon's earlier job), so a session first seen during a call counts from here,
   * not from zero (that counted the earlier jobs' inference into this call's).
   */
  private readonly firstSeen = new Map<LoadedSession, { runs: number; inferenceMs: number }>();
  constructor(private readonly inner: SessionManager) {}
  async get(modelId: string, options?: Parameters<SessionManager['get']>[1]): Promise<LoadedSession> {
    const s = await this.inner.get(modelId, options);
    if (!this.seen.has(s)) this.firstSeen.set(s, { ...s.stats });
    this.seen.add(s);
    return s;
  }
  async dispose(): Promise<void> {}
  snapshot(): Map<LoadedSession, { runs: number; inferenceMs: number }> {
    return new Map([...this.seen].map((s) => [s, { ...s.stats }]));
  }
  deltas(before: Map<LoadedSession, { runs: number; inferenceMs: number }>): SessionDelta[] {
    return [...this.seen]
      .map((s) => {
        const b = before.get(s) ?? this.firstSeen.get(s) ?? { runs: 0, inferenceMs: 0 };
        return {
          modelId: s.modelId,
          provider: s.provider,
          runs: s.stats.runs - b.runs,
          inferenceMs: s.stats.inferenceMs - b.inferenceMs,
        };
      })
      .filter((d) => d.runs > 0);
  }
}

function managerFor(options: WorkerContextOptions) {
  const key = JSON.stringify(options);
  let m = managers.get(key);
  if (!m) {
    const { providers, ...rest } = options;
    const ctx = createEffectContext({
      ...rest,
      ...(providers ? { providers: providers as ExecutionProviderName[] } : {}),
    });
    m = { sessions: ctx.sessions, models: ctx.models };
    managers.set(key, m);
  }
  return m;
}

function send(msg: FromWorker, transfer: ArrayBuffer[] = []): void {
  port.postMessage(msg, transfer);
}

function output(
  frames: readonly Frame[],
  format: ToWorkerFormat,
): { wire: WireFrame[]; transfer: ArrayBuffer[] } {
  const transfer: ArrayBuffer[] = [];
  const wire = frames.map((f) => toWire(format ? convertFrame(f, format) : f, transfer));
  return { wire, transfer };
}
type ToWorkerFormat = Extract<ToWorker, { t: 'process' }>['outFormat'];

async function handle(msg: ToWorker): Promise<void> {
  if ('spares' in msg) for (const buffer of msg.spares ?? []) spares.give(buffer);
  if (msg.t === 'reset') {
    instances.get(msg.pid)?.processor?.reset();
    return;
  }
  if (msg.t === 'cancel') {
    instances.get(msg.pid)?.abort.abort();
    return;
  }
  const inst = instances.get(msg.pid);
  const before = inst?.sessions.snapshot() ?? new Map();
  const t0 = performance.now();
  reusedSpares = 0;
  try {
    let frames: Frame[] = [];
    let input: Frame | undefined;
    switch (msg.t) {
      case 'create': {
        const effect = getEffect(msg.effectId);
        const m = managerFor(msg.ctx);
        const abort = new AbortController();
        const sessions = new TrackedSessions(m.sessions);
        const ctx = { sessions, models: m.models, signal: abort.signal };
        const created: Instance = { abort, sessions };
        if (msg.role === 'processor') {
          if (effect.kind !== 'filter')
            throw new TypeError(`effect ${effect.id} is a ${effect.kind}, not a filter`);
          created.processor = await effect.createProcessor(ctx);
          created.releasesInput = effect.releasesInput === true;
        } else {
          if (effect.kind !== 'retime')
            throw new TypeError(`effect ${effect.id} is a ${effect.kind}, not a retime`);
          created.retimer = await effect.retime.createRetimer(ctx, msg.params!, msg.inputRate!);
        }
        instances.set(msg.pid, created);
        send({
          t: 'ok',
          call: msg.call,
          frames: [],
          sessions: sessions.deltas(new Map()),
          workMs: performance.now() - t0,
          reusedSpares,
        });
        return;
      }
      case 'process':
        input = fromWire(msg.frame);
        frames = [await need(inst, msg.pid).processor!.process(input, msg.params, msg.at)];
        break;
      case 'push':
        frames = await need(inst, msg.pid).retimer!.push(fromWire(msg.frame));
        break;
      case 'flush':
        frames = await need(inst, msg.pid).retimer!.flush();
        break;
      case 'dispose':
        instances.delete(msg.pid);
        await (inst?.processor ?? inst?.retimer)?.dispose?.();
        break;
    }
    const out = output(frames, 'outFormat' in msg ? msg.outFormat : undefined);
    const released =
      msg.t === 'process' && msg.returnInput && inst?.releasesInput ? releasable(input!, out.transfer) : [];
    out.transfer.push(...released);
    const sessions = inst?.sessions.deltas(before) ?? [];
    send(
      {
        t: 'ok',
        call: msg.call,
        frames: out.wire,
        sessions,
        workMs: performance.now() - t0,
        reusedSpares,
        ...(released.length ? { released } : {}),
      },
      out.transfer,
    );
  } catch (err) {
    send({
      t: 'error',
      call: msg.call,
      error: errorToWire(modelErrorToJobError(err)),
      sessions: inst?.sessions.deltas(before) ?? [],
    });
  }
}

/** The input's buffer, unless it is not this thread's alone (shared memory, a part) or an output uses it. */
function releasable(input: Frame, outgoing: readonly ArrayBuffer[]): ArrayBuffer[] {
  const { buffer } = input.data;
  if (!(buffer instanceof ArrayBuffer) || !ownsWholeBuffer(input.data)) return [];
  return outgoing.includes(buffer) ? [] : [buffer];
}

function need(inst: Instance | undefined, pid: number): Instance {
  if (!inst) throw new Error(`engine worker: no processor ${pid} (disposed or never created)`);
  return inst;
}

// One call at a time, in order; reset and cancel jump the queue (cancel must reach a running call's signal).
let chain: Promise<void> = Promise.resolve();
port.on('message', (msg: ToWorker) => {
  if (msg.t === 'cancel') {
    void handle(msg);
    return;
  }
  chain = chain.then(() => handle(msg));
});
