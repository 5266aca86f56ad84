/**
 * All effects, by id. Each effect lives in its own folder (core/src/effects/<id>/) and registers here;
 * every surface (CLI, daemon, panels, OFX descriptor file) lists effects from this one place.
 */
import type { EffectDescriptor } from './types.ts';
import { identityEffect } from './identity/descriptor.ts';
import { upscaleEffect } from './upscale/descriptor.ts';
import { interpolateEffect } from './interpolate/descriptor.ts';
import { matteEffect } from './matte/descriptor.ts';
import { faceAnonymizeEffect } from './faces/anonymize-descriptor.ts';

const effects: readonly EffectDescriptor[] = [
  identityEffect as EffectDescriptor,
  matteEffect as EffectDescriptor,
  upscaleEffect as EffectDescriptor,
  interpolateEffect as EffectDescriptor,
  faceAnonymizeEffect as EffectDescriptor,
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
