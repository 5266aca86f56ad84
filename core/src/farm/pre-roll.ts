/**
 * How many frames before a chunk a sequential filter must see so that its output for the chunk equals a
 * continuous run: the descriptor's `preRoll` (contract v2). A sequential filter without one has state that
 * reaches back without bound, so it cannot be split: the farm renders its whole range as one chunk.
 */
import type { EffectDescriptor } from '../effects/types.ts';

/** 0 for effects without state; null for a sequential filter that declares no bound. */
export function preRollOf(effect: EffectDescriptor): number | null {
  if (effect.kind !== 'filter' || effect.temporal !== 'sequential') return 0;
  return effect.preRoll ?? null;
}
