/**
 * Writes the OFX bundle's Contents/Resources/effects.json from the effect registry, so the plugin offers
 * exactly the effects (and parameter ranges) the CLI and the daemon know. Run by the CMake build:
 *   node --import tsx ofx-bridge/scripts/dump-effects.ts <out.json>
 * Only filters are listed so far (a retime changes timing and an analyzer makes records: neither is an OFX
 * filter; generators are the OFX side's to add).
 * Output size, identity and alpha state are data in the descriptor (outputScale, identityWhen, alphaState,
 * preRoll) and are written through as they are.
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { listEffects } from '../../core/src/effects/registry.ts';
import type { EffectDescriptor, FilterEffect, ParamValues } from '../../core/src/effects/types.ts';
import { outputScaleFactor } from '../../core/src/effects/descriptor-data.ts';
import { effectModelCards } from '../../core/src/models/model-cards.ts';

type OutputSizeJson =
  | { factor: number; scaleParam: string }
  | { factor: number; choiceParam: string; choiceFactors: Readonly<Record<string, number>> };

/** The descriptor's outputScale as the plugin reads it: a number param is the factor, a choice maps values. */
function outputSizeJson(fx: EffectDescriptor): OutputSizeJson | undefined {
  const rule = fx.outputScale;
  if (!rule) return undefined;
  const factor = outputScaleFactor(fx, defaults(fx));
  return fx.params[rule.param]?.type === 'number'
    ? { factor, scaleParam: rule.param }
    : { factor, choiceParam: rule.param, choiceFactors: rule.factors };
}

function defaults(fx: EffectDescriptor): ParamValues {
  const out: ParamValues = {};
  for (const [name, spec] of Object.entries(fx.params)) out[name] = spec.default;
  return out;
}

function describe(fx: FilterEffect): Record<string, unknown> {
  return {
    id: fx.id,
    label: fx.label,
    category: fx.category,
    description: fx.description,
    kind: fx.kind,
    temporal: fx.temporal,
    // Frames before N that frame N depends on (sequential effects): when a host renders out of order, the
    // plugin resets the session and renders N-preRoll..N.
    ...(fx.preRoll !== undefined ? { preRoll: fx.preRoll } : {}),
    outputs: fx.outputs,
    params: Object.entries(fx.params).map(([name, spec]) => ({ name, ...spec })),
    ...(fx.outputScale ? { outputSize: outputSizeJson(fx) } : {}),
    ...(fx.identityWhen ? { identityWhen: fx.identityWhen } : {}),
    ...(fx.alphaState ? { alphaState: fx.alphaState } : {}),
    // The models' cards (licence, training data, known biases): the plugin shows them in its description.
    modelCards: effectModelCards(fx.models),
  };
}

const out = process.argv[2];
if (!out) {
  console.error('usage: node --import tsx ofx-bridge/scripts/dump-effects.ts <out.json>');
  process.exit(2);
}
const effects = listEffects().filter((fx): fx is FilterEffect => fx.kind === 'filter');
const doc = { version: 1, generatedFrom: 'core/src/effects/registry.ts', effects: effects.map(describe) };
const target = resolve(out);
mkdirSync(dirname(target), { recursive: true });
// Write then rename: a failed run never leaves a half-written catalog in the bundle.
writeFileSync(`${target}.tmp`, `${JSON.stringify(doc, null, 2)}\n`);
renameSync(`${target}.tmp`, target);
console.log(`wrote ${effects.length} effect(s) to ${target}`);
