/**
 * The effect contract v2 (DESIGN.md "The effect contract"): a descriptor is a tagged union on `kind`, and
 * each kind carries exactly the methods it needs (no method that only throws):
 *   filter    frame → frame (matte, upscale, style, depth...), stateless or sequential;
 *   retime    frames → frames at another rate (interpolate);
 *   generator parameters (and maybe a still) → frames, no input clip;
 *   analyzer  frames → records (shots, tags, faces, tracks) that become JSON, markers or an index.
 * The descriptor is the single source of truth for every surface: CLI flags, panel form and OFX parameter
 * list are generated from it. Surfaces: jobs run all four kinds; OFX filters and generators; panels all.
 */
import type { Frame } from './frame.ts';
import type { Rational } from './rational.ts';
import type { ParamSchema, ParamValue, ParamValues } from './params.ts';
import type { SessionManager } from './session.ts';
import type { ModelResolver } from '../models/types.ts';

/** Output = input size times factors[value of param]; a number param may use its value as the factor. */
export interface OutputScale {
  param: string;
  /** Factor per choice value; for a number param leave empty and the value itself is the factor. */
  factors: Readonly<Record<string, number>>;
}
export type AlphaMode = 'straight' | 'premultiplied' | 'opaque';
export interface AlphaState {
  param: string;
  byValue: Readonly<Record<string, AlphaMode>>;
}

export type EffectCategory =
  'matte' | 'enhance' | 'time' | 'depth' | 'color' | 'style' | 'analysis' | 'generate' | 'utility';
export type OutputKind = 'rgba' | 'alpha' | 'depth' | 'tags';
export type EffectKind = 'filter' | 'retime' | 'generator' | 'analyzer';

export interface EffectContext {
  sessions: SessionManager;
  models: ModelResolver;
  /** Cancels model loading / warm-up, and the work of a job. */
  signal?: AbortSignal;
  /**
   * How an engine worker rebuilds this context (set by runtime/context.ts createEffectContext). Present:
   * registered effects run in the worker pool (core/src/engine); absent (a test's hand-made context):
   * they run in-process.
   */
  worker?: {
    cacheDir?: string;
    manifestsDir?: string;
    providers?: readonly string[];
    modelPaths?: Record<string, string>;
  };
}

export interface EffectBase<P extends ParamValues = ParamValues> {
  id: string;
  label: string;
  category: EffectCategory;
  description: string;
  params: ParamSchema;
  /** Model ids (manifests in models/manifests) this effect may load; the choice param names which. */
  models: readonly string[];
  outputs: readonly OutputKind[];
  /**
   * Output size as data (the OFX plugin reads it from effects.json without running JS): the output is the
   * input times `factors[params[param]]`. Absent: same size as the input. Read it with outputSizeOf().
   */
  outputScale?: OutputScale;
  /**
   * Param values for which the effect leaves the frame untouched (every listed param must equal its value),
   * so hosts can skip the work (openfx-misc isIdentity). Absent: never identity. Read it with isIdentityFor().
   */
  identityWhen?: Readonly<Record<string, ParamValue>>;
  /**
   * Alpha state of the output for each value of a choice param (OFX kOfxImageEffectPropPreMultiplication).
   * Absent: the output keeps the input's state.
   */
  alphaState?: AlphaState;
  /**
   * Which of `outputs` the effect produces for each value of a choice param. A single-channel kind ('depth',
   * 'alpha' shown as grey) is written as one grey channel where the container has it (descriptor-data.ts
   * writesGrey: PNG/TIFF gray16, EXR Y). Absent: the picture ('rgba').
   */
  outputKind?: { param: string; byValue: Readonly<Record<string, OutputKind>> };
  /**
   * Container metadata a job writes into its output file (e.g. that the pictures are synthetic and what made
   * them). Absent: none. Hosts that write the file themselves (OFX) cannot carry it.
   */
  containerMetadata?(params: P): Readonly<Record<string, string>>;
}

/**
 * Where a frame sits in its clip. `index` is the frame's number in the input clip's own numbering (0 = the
 * clip's first frame; OFX: the host's frame time), so `--frames 100-200` hands frame 100 index 100, not 0.
 */
export interface FrameAt {
  index: number;
}

/** Per-instance state lives inside the processor; reset() clears it (a jump in time, a new clip). */
export interface Processor<P extends ParamValues = ParamValues> {
  /**
   * `at`: every job, daemon, engine and farm caller passes it; effects whose params name frames (colorize's
   * referenceFrame) read it. Absent (a test feeding frames by hand): such a processor counts frames from 0
   * at its last reset.
   */
  process(frame: Frame, params: P, at?: FrameAt): Promise<Frame>;
  reset(): void;
  dispose?(): Promise<void> | void;
}

export interface FilterEffect<P extends ParamValues = ParamValues> extends EffectBase<P> {
  kind: 'filter';
  /** stateless: any frame any order. sequential: needs frames in order and keeps state between them. */
  temporal: 'stateless' | 'sequential';
  /**
   * sequential only: frame N's output depends on input frames N-preRoll..N only; a processor reset and fed
   * those frames gives exactly what a continuous run gives (hosts rendering out of order and farm chunks
   * use this). Absent on a sequential effect: its state reaches back without bound.
   */
  preRoll?: number;
  /**
   * The processor keeps no reference to an input frame or its samples once process() has resolved (its
   * state is its own planes), so a job may decode a later frame into the same buffer (engine/worker.ts
   * hands it back). Absent: inputs are taken to be kept (an effect that remembers the previous frame) and
   * are left to the garbage collector.
   */
  releasesInput?: true;
  createProcessor(ctx: EffectContext): Promise<Processor<P>>;
}

/**
 * Effects that change timing (frame interpolation) are not 1 frame in, 1 frame out. They push input frames
 * in order and receive the output frames that became ready; flush() returns the tail at end of stream.
 */
export interface Retimer {
  push(frame: Frame): Promise<Frame[]>;
  flush(): Promise<Frame[]>;
  dispose?(): Promise<void> | void;
}

export interface RetimeSpec<P extends ParamValues = ParamValues> {
  outputFrameRate(input: Rational, params: P): Rational;
  /** Exact output frame count for an input count (the math the tests check). */
  outputFrameCount(inputCount: number, input: Rational, params: P): number;
  createRetimer(ctx: EffectContext, params: P, input: Rational): Promise<Retimer>;
}

export interface RetimeEffect<P extends ParamValues = ParamValues> extends EffectBase<P> {
  kind: 'retime';
  retime: RetimeSpec<P>;
}

/** Renders frame `index` of a generated clip; any order (hosts ask for what they show). */
export interface Generator {
  render(index: number): Promise<Frame>;
  dispose?(): Promise<void> | void;
}

export interface GeneratorSpec<P extends ParamValues = ParamValues> {
  /**
   * The path param a job's input file fills (`mlxv run parallax photo.jpg` = `--param image=photo.jpg`).
   * Absent: the generator takes no input file.
   */
  inputParam?: string;
  frameRate(params: P): Rational;
  frameCount(params: P): number;
  size(params: P): { width: number; height: number };
  createGenerator(ctx: EffectContext, params: P): Promise<Generator>;
  /**
   * A clip as the input (more than one frame) instead of a still: one output frame per input frame, at the
   * clip's size and rate, each made from its input frame (frameRate/frameCount/size above are for stills).
   * Absent: the input must be a still.
   */
  clip?: {
    createClipRenderer(ctx: EffectContext, params: P, clip: AnalyzerInputInfo): Promise<ClipRenderer>;
  };
}

/** Renders a generator's move over a clip: frames come in order, `index` 0..clip.frameCount-1. */
export interface ClipRenderer {
  render(frame: Frame, index: number): Promise<Frame>;
  dispose?(): Promise<void> | void;
}

export interface GeneratorEffect<P extends ParamValues = ParamValues> extends EffectBase<P> {
  kind: 'generator';
  /** An optional input still/clip is a param (kind 'path', e.g. 'image'); there is no input file otherwise. */
  generator: GeneratorSpec<P>;
}

export interface AnalysisRecord {
  /** What was found: 'shot', 'tag', 'face', 'track', ... */
  kind: string;
  /** First and last input frame (0-based, inclusive) the record covers. */
  start: number;
  end: number;
  data: Record<string, unknown>;
}
export interface AnalysisResult {
  records: readonly AnalysisRecord[];
}

export interface AnalyzerInputInfo {
  width: number;
  height: number;
  frameRate: Rational;
  frameCount: number;
}

/** Frames arrive in order (index = input frame number); finish() returns every record. */
export interface Analyzer {
  push(frame: Frame, index: number): Promise<void>;
  finish(): Promise<AnalysisResult>;
  dispose?(): Promise<void> | void;
}

export interface AnalyzerEffect<P extends ParamValues = ParamValues> extends EffectBase<P> {
  kind: 'analyzer';
  createAnalyzer(ctx: EffectContext, params: P, info: AnalyzerInputInfo): Promise<Analyzer>;
}

export type EffectDescriptor<P extends ParamValues = ParamValues> =
  FilterEffect<P> | RetimeEffect<P> | GeneratorEffect<P> | AnalyzerEffect<P>;

/** Whether an effect renders one output frame per input frame (what per-frame hosts like OFX can apply). */
export function isFilter<P extends ParamValues>(effect: EffectDescriptor<P>): effect is FilterEffect<P> {
  return effect.kind === 'filter';
}

/**
 * Per surface, which kinds it supports and, for the others, why not in the user's words. Surfaces read this
 * instead of each writing its own message.
 */
export const KIND_SUPPORT = {
  job: { filter: true, retime: true, generator: true, analyzer: true },
  frame: {
    filter: true,
    retime:
      'changes the number of frames, so it cannot render one frame at a time; run it as a job (mlxv run)',
    generator: true,
    analyzer: 'produces records, not frames; run it as a job (mlxv run) to get its JSON',
  },
} as const satisfies Record<string, Record<EffectKind, true | string>>;
