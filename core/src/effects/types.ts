/**
 * The effect contract (DESIGN.md "The effect contract"). A descriptor is the single source of truth
 * for every surface: the CLI flags, the panel form and the OFX parameter list are generated from it.
 */
import type { Frame } from './frame.ts';
import type { SessionManager } from '../runtime/types.ts';
import type { ModelResolver } from '../models/types.ts';

export interface NumberParam {
  type: 'number';
  label: string;
  help?: string;
  default: number;
  /** Hard range: values outside are rejected. */
  min: number;
  max: number;
  /** Slider range shown by UIs (OFX kOfxParamPropDisplayMin/Max); inside [min, max]. */
  displayMin: number;
  displayMax: number;
  step?: number;
  integer?: boolean;
  unit?: 'px'; // a size in frame pixels: hosts rendering at a proxy scale (OFX render scale) scale it
}
export interface ChoiceParam {
  type: 'choice';
  label: string;
  help?: string;
  default: string;
  options: readonly { value: string; label: string }[];
}
export interface BooleanParam {
  type: 'boolean';
  label: string;
  help?: string;
  default: boolean;
}
export interface ColorParam {
  type: 'color';
  label: string;
  help?: string;
  /** RGBA 0..1, display-referred. */
  default: readonly [number, number, number, number];
}
export interface StringParam {
  type: 'string';
  label: string;
  help?: string;
  default: string;
  /** 'path' strings name a file (e.g. a background plate); UIs show a picker. */
  kind?: 'text' | 'path';
}
export type ParamSpec = NumberParam | ChoiceParam | BooleanParam | ColorParam | StringParam;
export type ParamSchema = Record<string, ParamSpec>;

export type ParamValue = number | string | boolean | readonly [number, number, number, number];
export type ParamValues = Record<string, ParamValue>;

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
  'matte' | 'enhance' | 'time' | 'depth' | 'color' | 'style' | 'analysis' | 'utility';
export type OutputKind = 'rgba' | 'alpha' | 'depth' | 'tags';

export interface EffectContext {
  sessions: SessionManager;
  models: ModelResolver;
  /** Cancels model loading / warm-up. */
  signal?: AbortSignal;
}

/** Per-instance state lives inside the processor; reset() clears it (a jump in time, a new clip). */
export interface Processor<P extends ParamValues = ParamValues> {
  process(frame: Frame, params: P): Promise<Frame>;
  reset(): void;
  dispose?(): Promise<void> | void;
}

export interface EffectDescriptor<P extends ParamValues = ParamValues> {
  id: string;
  label: string;
  category: EffectCategory;
  description: string;
  params: ParamSchema;
  /** Model ids (manifests in models/manifests) this effect may load; the choice param names which. */
  models: readonly string[];
  /** stateless: any frame any order. sequential: needs frames in order and keeps state between them. */
  temporal: 'stateless' | 'sequential';
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
  createProcessor(ctx: EffectContext): Promise<Processor<P>>;
  /** Present only on effects that change timing; jobs then use it instead of createProcessor. */
  retime?: RetimeSpec<P>;
}

export interface Rational {
  num: number;
  den: number;
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
