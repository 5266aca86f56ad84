/**
 * Readers for the data a descriptor declares instead of functions (output size, identity, alpha state), so
 * the daemon, the job planner, the bench and the OFX plugin (through effects.json) all compute them the
 * same way.
 */
import type { AlphaMode, EffectDescriptor, OutputKind, ParamValues } from './types.ts';

/**
 * Whether frames may be processed in any order (stateless) or must come in order (sequential), for every
 * kind: a filter says so itself; a retimer and an analyzer read frames in order; a generator renders any
 * frame on its own.
 */
export function temporalOf(effect: EffectDescriptor): 'stateless' | 'sequential' {
  switch (effect.kind) {
    case 'filter':
      return effect.temporal;
    case 'generator':
      return 'stateless';
    default:
      return 'sequential';
  }
}

export function outputScaleFactor(effect: EffectDescriptor, params: ParamValues): number {
  const rule = effect.outputScale;
  if (!rule) return 1;
  const value = params[rule.param];
  const factor = typeof value === 'number' ? value : rule.factors[String(value)];
  if (factor === undefined || !Number.isFinite(factor) || factor <= 0) {
    throw new RangeError(`effect ${effect.id}: no output scale for ${rule.param}=${String(value)}`);
  }
  return factor;
}

export function outputSizeOf(
  effect: EffectDescriptor,
  width: number,
  height: number,
  params: ParamValues,
): { width: number; height: number } {
  const f = outputScaleFactor(effect, params);
  return { width: Math.round(width * f), height: Math.round(height * f) };
}

export function isIdentityFor(effect: EffectDescriptor, params: ParamValues): boolean {
  const when = effect.identityWhen;
  if (!when) return false;
  return Object.entries(when).every(([k, v]) => params[k] === v);
}

/** The output's alpha state for these params, or undefined when it follows the input. */
export function alphaStateOf(effect: EffectDescriptor, params: ParamValues): AlphaMode | undefined {
  const rule = effect.alphaState;
  if (!rule) return undefined;
  return rule.byValue[String(params[rule.param])];
}

/**
 * Whether still/PNG outputs should be 16-bit whatever the input depth: a depth pass is data, and 256 grey
 * levels would band it (compositors key and relight on it). Other effects follow the input's bit depth.
 */
export function wantsDeepImages(effect: EffectDescriptor): boolean {
  return effect.outputs.includes('depth');
}

/** Which output these params produce (EffectBase.outputKind); 'rgba' when the effect does not say. */
export function outputKindOf(effect: EffectDescriptor, params: ParamValues): OutputKind {
  const rule = effect.outputKind;
  return (rule && rule.byValue[String(params[rule.param])]) ?? 'rgba';
}

/** Whether the frames are one grey channel (R = G = B, opaque) that encoders may store as such. */
export function writesGrey(effect: EffectDescriptor, params: ParamValues): boolean {
  const kind = outputKindOf(effect, params);
  return kind === 'depth' || kind === 'alpha';
}
