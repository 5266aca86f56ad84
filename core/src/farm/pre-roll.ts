/**
 * How many frames before a chunk a sequential effect must see so that its output for the chunk equals a
 * continuous run (contract v2's `preRoll` on sequential filters).
 *
 * Until the "contract v2:" commit lands on main, descriptors do not carry `preRoll`; we read it when present
 * and otherwise fall back to the constants below, which are ours (the farm's), not the effect's promise.
 */
import type { EffectDescriptor } from '../effects/types.ts';

/**
 * matte keeps two kinds of state: person tracks with a 3-frame hold, and the stabiliser's motion-gated
 * moving average. At the default strength 0.8 the average forgets at least 24 % per frame (k_static 0.24),
 * so after 48 frames an old state weighs 0.76^48 < 2e-6, below half a step of 16-bit alpha: the chunk then
 * matches a continuous run in what the encoder writes. At strength ~1 (k_static 0.05) it forgets far more
 * slowly; there a chunk edge can differ by a few 16-bit steps (docs/farm.md says so).
 */
const FALLBACK_PRE_ROLL: Readonly<Record<string, number>> = { matte: 48 };
/** A sequential effect we know nothing about: a generous guess (docs/farm.md). */
const UNKNOWN_SEQUENTIAL_PRE_ROLL = 48;

export function preRollOf(effect: EffectDescriptor): number {
  if (effect.temporal !== 'sequential' || effect.retime) return 0;
  const declared = (effect as { preRoll?: unknown }).preRoll;
  if (typeof declared === 'number' && Number.isInteger(declared) && declared >= 0) return declared;
  return FALLBACK_PRE_ROLL[effect.id] ?? UNKNOWN_SEQUENTIAL_PRE_ROLL;
}
