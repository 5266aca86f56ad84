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

export type ToWorker =
  | {
      t: 'create';
      call: number;
      pid: number;
      effectId: string;
      role: 'processor' | 'retimer';
      ctx: WorkerContextOptions;
      params?: ParamValues;
      inputRate?: Rational;
    }
  | {
      t: 'process';
      call: number;
      pid: number;
      frame: WireFrame;
      params: ParamValues;
      at?: FrameAt;
      outFormat?: SampleFormat;
    }
  | { t: 'push'; call: number; pid: number; frame: WireFrame; outFormat?: SampleFormat }
  | { t: 'flush'; call: number; pid: number; outFormat?: SampleFormat }
  | { t: 'reset'; pid: number }
  | { t: 'cancel'; pid: number }
  | { t: 'dispose'; call: number; pid: number };

/** Inference done during one call, per model session (for the job's inference figures). */
export interface SessionDelta {
  modelId: string;
  provider: string;
  runs: number;
  inferenceMs: number;
}

export type FromWorker =
  | { t: 'ok'; call: number; frames: WireFrame[]; sessions: SessionDelta[]; workMs: number }
  | { t: 'error'; call: number; error: WireError; sessions: SessionDelta[] };
