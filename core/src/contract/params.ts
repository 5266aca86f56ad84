/**
 * Param schemas (one source for every surface's form, flag and validation) and the param types inferred
 * from them: declare a schema `as const satisfies ParamSchema` and take `ParamsOf<typeof schema>` instead of
 * writing the params type by hand.
 */
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
  /** A size in frame pixels: hosts rendering at a proxy scale (OFX render scale) scale it. */
  unit?: 'px';
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
  /** kind 'path': extensions (without the dot) a file picker offers, e.g. ['png', 'jpg']; absent: any file. */
  fileTypes?: readonly string[];
  /** kind 'path': the effect writes this file (a report) rather than reads it, so pickers ask where to save. */
  writes?: boolean;
}
export type ParamSpec = NumberParam | ChoiceParam | BooleanParam | ColorParam | StringParam;
export type ParamSchema = Record<string, ParamSpec>;

export type ParamValue = number | string | boolean | readonly [number, number, number, number];
export type ParamValues = Record<string, ParamValue>;

/** The value type one spec validates to (choices: the union of their option values). */
export type ParamValueOf<S extends ParamSpec> = S extends { type: 'number' }
  ? number
  : S extends { type: 'boolean' }
    ? boolean
    : S extends { type: 'color' }
      ? readonly [number, number, number, number]
      : S extends { type: 'choice'; options: readonly { value: infer V }[] }
        ? V
        : string;

/** The params object resolveParams() returns for a schema. */
export type ParamsOf<S extends ParamSchema> = { -readonly [K in keyof S]: ParamValueOf<S[K]> };
