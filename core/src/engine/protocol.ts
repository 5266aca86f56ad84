/** Messages between the engine pool (main thread) and its workers. */
import type { Rational } from '../contract/rational.ts';
import type { ParamValues } from '../contract/params.ts';
import type { SampleFormat } from '../contract/frame.ts';
import type { FrameAt } from '../contract/effect.ts';
import type { WireError, WireFrame } from './wire.ts';

/** How a worker builds its EffectContext (the same options the main thread's context was made with). */
export interface WorkerContextOptions {
  cacheDir?: string;
  manifestsDir?: string;
  providers?: readonly string[];
  modelPaths?: Record<string, string>;
}

/**
 * Every call may carry spares: buffers of frames the main thread is done with (encoded), transferred so the
 * worker makes later outputs in them instead of fresh memory (engine/buffer-pool.ts recycle).
 */
interface Spares {
  spares?: ArrayBuffer[];
}

export type ToWorker =
  | ({
      t: 'create';
      call: number;
      pid: number;
      effectId: string;
      role: 'processor' | 'retimer';
      ctx: WorkerContextOptions;
      params?: ParamValues;
      inputRate?: Rational;
    } & Spares)
  | ({
      t: 'process';
      call: number;
      pid: number;
      frame: WireFrame;
      params: ParamValues;
      at?: FrameAt;
      outFormat?: SampleFormat;
      /** Send the input's buffer back when the effect releases its input (FilterEffect.releasesInput). */
      returnInput?: boolean;
    } & Spares)
  | ({ t: 'push'; call: number; pid: number; frame: WireFrame; outFormat?: SampleFormat } & Spares)
  | ({ t: 'flush'; call: number; pid: number; outFormat?: SampleFormat } & Spares)
  | { t: 'reset'; pid: number }
  | { t: 'cancel'; pid: number }
  | ({ t: 'dispose'; call: number; pid: number } & Spares);

/** Inference done during one call, per model session (for the job's inference figures). */
export interface SessionDelta {
  modelId: string;
  provider: string;
  runs: number;
  inferenceMs: number;
}

export type FromWorker =
  | {
      t: 'ok';
      call: number;
      frames: WireFrame[];
      sessions: SessionDelta[];
      workMs: number;
      /** Frame buffers made during the call in spares the main thread had handed back. */
      reusedSpares: number;
      /** The input's buffer, when asked for and the effect releases its input. */
      released?: ArrayBuffer[];
    }
  | { t: 'error'; call: number; error: WireError; sessions: SessionDelta[] };
