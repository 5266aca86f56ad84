/**
 * runJob: file in -> effect -> file out, the one code path the CLI and the daemon share.
 *
 * Three stages run at once, joined by small bounded queues (a few frames each):
 *   decode (ffmpeg child; frames stay in the source's u8/u16 samples) -> process (the effect, in an engine
 *   worker: core/src/engine) -> encode (the worker already converted to the encoder's samples).
 * This thread only moves buffers between ffmpeg pipes and workers, so a daemon running a job stays responsive.
 * While frame n is inferring, frame n+1 is being decoded and frame n-1 encoded, so the wall time per frame
 * approaches the inference time (the benchmark's pipeline efficiency). The queues bound memory on long clips.
 *
 * Nothing appears under the final name unless the job succeeds: the encoder writes a temporary name and
 * renames it in finish(); any failure or cancellation calls abort(), which kills ffmpeg and removes it.
 * Cancellation kills both ffmpeg processes at once; a session.run already in flight cannot be interrupted
 * (onnxruntime has no per-run cancel we can reach), so the job stops when that one frame's inference returns.
 */
import { performance } from 'node:perf_hooks';
import type { EffectContext, EffectDescriptor, Processor } from '../effects/types.ts';
import { createProcessorFor, createRetimerFor, type SessionDelta } from '../engine/index.ts';
import type { Frame } from '../effects/frame.ts';
import { decodeFrames } from '../media/decode.ts';
import { createEncoder, type AudioSource, type Encoder } from '../media/encode.ts';
import { offsetTimecode } from '../media/timecode.ts';
import { BoundedQueue } from './bounded-queue.ts';
import { BufferPool, recycle } from '../engine/buffer-pool.ts';
import { planJob, type JobPlan } from './plan.ts';
import { audioSourceFor, runAnalyzerJob, runGeneratorJob } from './run-generated.ts';
import { progressReporter } from './progress-reporter.ts';
import { getEffect } from '../effects/registry.ts';
import { recordSessions } from './session-recorder.ts';
import { cancelledError, toJobError } from './job-error.ts';
import { JobError, type JobProgress, type JobResult, type JobSessionStats, type JobSpec } from './types.ts';
import type { PlacementOptions } from '../engine/index.ts';
import type { Retimer } from '../effects/types.ts';

export interface RunJobOptions {
  ctx: EffectContext;
  onProgress?: (progress: JobProgress) => void;
  signal?: AbortSignal;
  /**
   * Frames each queue may hold (decode-ahead and encode-behind). Default: 3, fewer for frames so large
   * that three would hold more than QUEUE_BYTES (2 for 4K 8-bit, 1 for 4K 16-bit): one frame ahead is all
   * the overlap needs, and memory is what bounds a long high-resolution render.
   */
  window?: number;
  /** Finds the effect by id; default the registry (effects/registry.ts). */
  getEffect?: (id: string) => EffectDescriptor;
  /**
   * A farm chunk's window on the job (core/src/farm/chunk-render.ts). Expressed here rather than by wrapping
   * the effect, so a chunk runs the registered effect in the engine's worker pool like any job.
   */
  chunk?: ChunkWindow;
}

export interface ChunkWindow {
  /**
   * Sequential filters: decode from this earlier input frame and feed those frames to the effect to rebuild
   * its state (its preRoll), without writing their output. The job's `frames` are the frames written.
   */
  primeFrom?: number;
  /** Retime effects: write only this many output frames (a chunk reads past its end for the retimer). */
  outputLimit?: number;
}

export async function runJob(spec: JobSpec, options: RunJobOptions): Promise<JobResult> {
  try {
    options.signal?.throwIfAborted();
    // Generators (no input) and analyzers (records out) have their own loops; filters and retimes plan here.
    const effect = (options.getEffect ?? getEffect)(spec.effect);
    if (effect.kind === 'generator') return await runGeneratorJob(effect, spec, options);
    if (effect.kind === 'analyzer') return await runAnalyzerJob(effect, spec, options);
    const plan = withChunkWindow(await planJob(spec, options.getEffect), options.chunk);
    options.signal?.throwIfAborted();
    return await execute(plan, options);
  } catch (err) {
    throw options.signal?.aborted ? cancelledError() : toJobError(err);
  }
}

/** What the pipeline decodes, and how many outputs it drops first or keeps at most, for a chunk window. */
interface ExecutionPlan extends JobPlan {
  decodeRange: { start: number; end: number };
  /** Outputs of the effect stage not written (priming a sequential filter's state). */
  primeFrames: number;
}

/**
 * Where a job starts decoding when no chunk window says: a sequential filter with a bounded memory
 * (`preRoll`) is primed with the frames before the range, so `--frames a-b` gives exactly the pixels a render
 * of the whole clip gives for a..b (what OFX hosts and farm chunks get too). Unbounded state cannot be
 * primed short of the clip start: such effects start fresh at the range, as before.
 */
function defaultPrimeFrom(plan: JobPlan): number {
  const { effect, range } = plan;
  if (effect.kind !== 'filter' || effect.temporal !== 'sequential' || effect.preRoll === undefined)
    return range.start;
  return Math.max(0, range.start - effect.preRoll);
}

function withChunkWindow(plan: JobPlan, chunk: ChunkWindow | undefined): ExecutionPlan {
  const primeFrom = chunk?.primeFrom ?? defaultPrimeFrom(plan);
  if (!Number.isInteger(primeFrom) || primeFrom < 0 || primeFrom > plan.range.start) {
    throw new JobError('INTERNAL', `chunk pre-roll start ${primeFrom} is not within 0..${plan.range.start}`);
  }
  if (primeFrom < plan.range.start && plan.effect.kind !== 'filter') {
    throw new JobError(
      'INTERNAL',
      `pre-roll applies to filters; "${plan.effect.id}" is a ${plan.effect.kind}`,
    );
  }
  const limit = chunk?.outputLimit;
  if (limit !== undefined && !(Number.isInteger(limit) && limit >= 0 && limit <= plan.outputFrames)) {
    throw new JobError('INTERNAL', `chunk output limit ${limit} is not within 0..${plan.outputFrames}`);
  }
  return {
    ...plan,
    outputFrames: limit ?? plan.outputFrames,
    decodeRange: { start: primeFrom, end: plan.range.end },
    primeFrames: plan.range.start - primeFrom,
  };
}

/** Bytes of decoded frames one queue may hold by default (see RunJobOptions.window). */
const QUEUE_BYTES = 64 * 2 ** 20;

/** Ends every stage and the encoder at the first failure or cancellation. */
class Stopper {
  readonly controller = new AbortController();
  error: unknown = undefined;
  private readonly onStop: Array<(error: unknown) => void> = [];

  stop(error: unknown): void {
    if (this.controller.signal.aborted) return;
    this.error = error;
    this.controller.abort(error);
    for (const fn of this.onStop) fn(error);
  }

  whenStopped(fn: (error: unknown) => void): void {
    this.onStop.push(fn);
  }
}

async function execute(plan: ExecutionPlan, options: RunJobOptions): Promise<JobResult> {
  const started = performance.now();
  const stopper = new Stopper();
  const onExternalAbort = () => stopper.stop(cancelledError());
  options.signal?.addEventListener('abort', onExternalAbort, { once: true });

  const recorder = recordSessions(options.ctx.sessions);
  const ctx: EffectContext = {
    ...options.ctx,
    sessions: recorder.sessions,
    signal: stopper.controller.signal,
  };
  const report = progressReporter(plan.outputFrames, options.onProgress);

  let encoder: Encoder | undefined;
  let encoderAborted: Promise<void> | undefined;
  const abortEncoder = () =>
    (encoderAborted ??= encoder ? Promise.resolve(encoder.abort()).catch(() => {}) : undefined);
  stopper.whenStopped(() => void abortEncoder());

  const remote = new Map<string, JobSessionStats>();
  const onSessions = (deltas: SessionDelta[]) => {
    for (const d of deltas) {
      const key = `${d.modelId}\u0000${d.provider}`;
      const s = remote.get(key) ?? { modelId: d.modelId, provider: d.provider, runs: 0, inferenceMs: 0 };
      s.runs += d.runs;
      s.inferenceMs += d.inferenceMs;
      remote.set(key, s);
    }
  };
  let stage: EffectStage | undefined;
  try {
    report('loading-models', 0);
    // The encoder first: its sample format tells the workers what to hand back (u16 for ProRes/PNG16).
    encoder = await createEncoder({
      output: plan.target.path,
      format: plan.format,
      width: plan.width,
      height: plan.height,
      frameRate: plan.frameRate,
      ...(plan.info.timecode
        ? { timecode: offsetTimecode(plan.info.timecode, plan.range.start, plan.info.frameRate) }
        : {}),
      ...(plan.info.audio ? { audioSource: audioOf(plan) } : {}),
      color: plan.info.color,
      firstFrameNumber: plan.firstFrameNumber,
      ...(plan.effect.containerMetadata ? { metadata: plan.effect.containerMetadata(plan.params) } : {}),
      imageBitDepth: plan.imageBitDepth,
      grey: plan.grey,
      // Checked in planJob already; the encoder checks again when it moves the result into place.
      overwrite: plan.overwrite,
    });
    stopper.controller.signal.throwIfAborted();
    const buffers = new BufferPool();
    stage = createStage(plan, ctx, {
      onSessions,
      outFormat: encoder.sampleFormat,
      // the effect is done with the input (FilterEffect.releasesInput): a later frame decodes into it
      onInputReleased: (buffer) => buffers.give(buffer),
    });
    await stage.init();
    stopper.controller.signal.throwIfAborted();

    const frameBytes = plan.info.width * plan.info.height * 4 * (plan.info.bitDepth > 8 ? 2 : 1);
    const window = options.window ?? Math.max(1, Math.min(3, Math.floor(QUEUE_BYTES / frameBytes)));
    const decoded = new BoundedQueue<Frame>(window);
    const processed = new BoundedQueue<Frame>(window);
    stopper.whenStopped((e) => (decoded.fail(e), processed.fail(e)));
    const guard = (p: Promise<void>) => p.catch((e: unknown) => stopper.stop(e));
    let decodedCount = 0;
    let written = 0;
    const timing = { decode: 0, effect: 0, effectIdle: 0, encode: 0 };
    report('processing', 0);

    await Promise.all([
      guard(
        (async () => {
          const frames = decodeFrames(plan.input, {
            samples: 'native',
            range: plan.decodeRange,
            info: plan.info,
            signal: stopper.controller.signal,
            allocate: (bytes) => buffers.take(bytes),
          });
          for (;;) {
            const t0 = performance.now();
            const next = await frames.next();
            timing.decode += performance.now() - t0;
            if (next.done) break;
            await decoded.push(next.value);
            decodedCount++;
          }
          decoded.close();
        })(),
      ),
      guard(stage!.run(timedQueue(decoded, timing), timedQueue(processed, timing), timing)),
      guard(
        (async () => {
          for (let frame = await processed.shift(); frame; frame = await processed.shift()) {
            const t0 = performance.now();
            await encoder!.write(frame);
            timing.encode += performance.now() - t0;
            // The pipe has taken it; a frame a worker sent back has no other holder, so its buffer decodes
            // a later frame or, when outputs are another size (8-bit in, 16-bit out), goes back to the
            // worker for a later output (an in-process effect's output may be its state: left alone).
            recycle(buffers, frame.data);
            report('processing', ++written);
          }
        })(),
      ),
    ]);
    if (stopper.error !== undefined) throw stopper.error;

    const expected = plan.decodeRange.end - plan.decodeRange.start + 1;
    if (decodedCount < expected) {
      throw new JobError(
        'INPUT_CORRUPT',
        `input ${plan.input} ended after ${decodedCount} of ${expected} frames: it is truncated or damaged`,
        'repair or re-export the input, or render a shorter range with --frames',
      );
    }
    report('finalizing', written);
    // Before the output is committed: an effect that writes something when it ends (face-anonymize's audit)
    // and fails there fails the job, instead of a finished file with its report silently missing.
    const disposeErrors = await stage.dispose();
    if (disposeErrors.length > 0) throw disposeErrors[0];
    await encoder.finish();
    const sessions = [...recorder.stats(), ...remote.values()];
    return {
      output: plan.target.path,
      frames: written,
      seconds: (performance.now() - started) / 1000,
      inferenceMs: sessions.reduce((sum, s) => sum + s.inferenceMs, 0),
      sessions,
      frameRate: plan.frameRate,
      notes: [...plan.notes, ...encoder.notes],
      stageMs: timing,
    };
  } catch (err) {
    stopper.stop(err);
    throw options.signal?.aborted ? cancelledError() : err;
  } finally {
    options.signal?.removeEventListener('abort', onExternalAbort);
    await abortEncoder();
    await stage?.dispose();
  }
}

/**
 * The effect stage. Sequential effects get one processor and strictly ordered frames. Stateless effects get
 * two processors working on consecutive frames, so one prepares its tensors while the other's inference runs.
 * Retiming effects push frames into their retimer and forward whatever frames it releases.
 */
interface EffectStage {
  init(): Promise<void>;
  run(input: FrameQueue, output: FrameQueue, timing: StageTiming): Promise<void>;
  /** Disposes every processor once (later calls do nothing) and returns what their dispose threw. */
  dispose(): Promise<unknown[]>;
}

/** One dispose per stage whatever the path (success, then the finally block): the errors of the first. */
function disposeOnce(disposeAll: () => Promise<PromiseSettledResult<unknown>[]>): () => Promise<unknown[]> {
  let done: Promise<unknown[]> | undefined;
  return () =>
    (done ??= disposeAll().then((results) =>
      results.flatMap((r) => (r.status === 'rejected' ? [r.reason] : [])),
    ));
}

function createStage(plan: ExecutionPlan, ctx: EffectContext, placement: PlacementOptions): EffectStage {
  const { effect, params } = plan;
  if (effect.kind === 'retime') {
    let retimer: Retimer | undefined;
    return {
      async init() {
        retimer = await createRetimerFor(effect, ctx, params, plan.info.frameRate, placement);
      },
      async run(input, output, timing) {
        // A chunk keeps only its own output frames (plan.outputFrames); the rest are the next chunk's.
        let room = plan.outputFrames;
        const emit = async (frames: Frame[]) => {
          for (const out of frames) if (room-- > 0) await output.push(out);
        };
        for (let frame = await input.shift(); frame; frame = await input.shift()) {
          const t0 = performance.now();
          const ready = await retimer!.push(frame);
          timing.effect += performance.now() - t0;
          await emit(ready);
        }
        const t0 = performance.now();
        const tail = await retimer!.flush();
        timing.effect += performance.now() - t0;
        await emit(tail);
        output.close();
      },
      dispose: disposeOnce(() => Promise.allSettled([retimer?.dispose?.()])),
    };
  }
  const lanes = effect.temporal === 'stateless' ? 2 : 1;
  const processors: Processor[] = [];
  return {
    async init() {
      for (let i = 0; i < lanes; i++) processors.push(await createProcessorFor(effect, ctx, placement));
    },
    async run(input, output, timing) {
      const inFlight: Promise<Frame>[] = [];
      let n = 0;
      // The first primeFrames outputs only rebuild a sequential effect's state (a farm chunk's pre-roll).
      let unwritten = plan.primeFrames;
      const emit = async (frame: Frame) => {
        if (unwritten > 0) unwritten--;
        else await output.push(frame);
      };
      for (let frame = await input.shift(); frame; frame = await input.shift()) {
        const t0 = performance.now();
        // Frames arrive in order from the first decoded frame: their index is in the input clip's numbering.
        const at = { index: plan.decodeRange.start + n };
        const result = processors[n++ % lanes]!.process(frame, params, at);
        void result.then(
          () => (timing.effect += performance.now() - t0),
          () => {},
        );
        result.catch(() => {}); // awaited below in order; this only keeps Node from reporting it as unhandled
        inFlight.push(result);
        if (inFlight.length >= lanes) await emit(await inFlight.shift()!);
      }
      while (inFlight.length) await emit(await inFlight.shift()!);
      output.close();
    },
    dispose: disposeOnce(() => Promise.allSettled(processors.map((p) => p.dispose?.()))),
  };
}

type StageTiming = NonNullable<JobResult['stageMs']>;
type FrameQueue = Pick<BoundedQueue<Frame>, 'push' | 'shift' | 'close'>;

/** The effect stage's view of a queue: time spent waiting on it counts as the effect being idle. */
function timedQueue(queue: BoundedQueue<Frame>, timing: StageTiming): FrameQueue {
  return {
    async shift() {
      const t0 = performance.now();
      try {
        return await queue.shift();
      } finally {
        timing.effectIdle += performance.now() - t0;
      }
    },
    async push(frame) {
      const t0 = performance.now();
      try {
        await queue.push(frame);
      } finally {
        timing.effectIdle += performance.now() - t0;
      }
    },
    close: () => queue.close(),
  };
}

function audioOf(plan: JobPlan): AudioSource {
  return audioSourceFor(plan.input, plan.info, plan.range);
}
