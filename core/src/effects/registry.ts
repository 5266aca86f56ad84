/**
 * All effects, by id. Each effect lives in its own folder (core/src/effects/<id>/) and registers here;
 * every surface (CLI, daemon, panels, OFX descriptor file) lists effects from this one place.
 */
import type { EffectDescriptor, FilterEffect } from './types.ts';
import { identityEffect } from './identity/descriptor.ts';
import { upscaleEffect } from './upscale/descriptor.ts';
import { interpolateEffect } from './interpolate/descriptor.ts';
import { matteEffect } from './matte/descriptor.ts';
import { styleEffect } from './style/descriptor.ts';
import { faceAnonymizeEffect } from './faces/anonymize-descriptor.ts';
import { faceTrackEffect } from './faces/face-track-descriptor.ts';
import { facePuppetEffect } from './face-puppet/descriptor.ts';
import { latentWalkEffect } from './latent-walk/generator.ts';
import { analyzeEffect } from '../analysis/descriptor.ts';
import { depthEffect } from './depth/descriptor.ts';
import { parallaxEffect } from './parallax/descriptor.ts';
import { lensBlurEffect } from './lens-blur/descriptor.ts';
import { colorizeEffect } from './colorize/descriptor.ts';

// Each descriptor is typed with its own inferred params; the registry holds them by their common shape.
const effects: readonly EffectDescriptor[] = [
  identityEffect as EffectDescriptor,
  matteEffect as EffectDescriptor,
  upscaleEffect as EffectDescriptor,
  interpolateEffect as EffectDescriptor,
  styleEffect as EffectDescriptor,
  faceAnonymizeEffect as EffectDescriptor,
  faceTrackEffect as EffectDescriptor,
  facePuppetEffect as EffectDescriptor,
  latentWalkEffect as EffectDescriptor,
  analyzeEffect as EffectDescriptor,
  depthEffect as EffectDescriptor,
  parallaxEffect as EffectDescriptor,
  lensBlurEffect as EffectDescriptor,
  colorizeEffect as EffectDescriptor,
];

export class UnknownEffectError extends Error {
  constructor(readonly effectId: string) {
    super(
      `unknown effect "${effectId}"; available effects: ${effects.map((e) => e.id).join(', ')} (see \`mlxv effects\`)`,
    );
    this.name = 'UnknownEffectError';
  }
}

export function listEffects(): readonly EffectDescriptor[] {
  return effects;
}

export function getEffect(id: string): EffectDescriptor {
  const effect = effects.find((e) => e.id === id);
  if (!effect) throw new UnknownEffectError(id);
  return effect;
}

/** A filter by id (frame → frame); other kinds are a TypeError naming the kind. */
export function getFilter(id: string): FilterEffect {
  const effect = getEffect(id);
  if (effect.kind !== 'filter') throw new TypeError(`effect "${id}" is a ${effect.kind}, not a filter`);
  return effect;
}
