/**
 * Writes the OFX bundle's Contents/Resources/effects.json from the effect registry, so the plugin offers
 * exactly the effects (and parameter ranges) the CLI and the daemon know. Run by the CMake build:
 *   node --import tsx ofx-bridge/scripts/dump-effects.ts <out.json>
 * Only per-frame effects are listed (an effect with `retime` changes timing and cannot be an OFX filter).
 * `outputSize` is a function in the descriptor; the plugin needs data, so it is probed here and written as
 * a constant factor, a number param whose value is the factor, or a factor per choice value.
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { listEffects } from '../../core/src/effects/registry.ts';
import type { EffectDescriptor, ParamValues } from '../../core/src/effects/types.ts';

type OutputSizeJson =
  | { factor: number }
  | { factor: number; scaleParam: string }
  | { factor: number; choiceParam: string; choiceFactors: Record<string, number> };

const PROBE = 512;

function defaults(fx: EffectDescriptor): ParamValues {
  const out: ParamValues = {};
  for (const [name, spec] of Object.entries(fx.params)) out[name] = spec.default;
  return out;
}

function factorFor(fx: EffectDescriptor, params: ParamValues): number {
  const size = fx.outputSize!(PROBE, PROBE, params);
  const fx1 = size.width / PROBE;
  const fy = size.height / PROBE;
  if (Math.abs(fx1 - fy) > 1e-9) {
    throw new Error(`effect ${fx.id}: outputSize scales width and height differently; the OFX plugin needs one factor`);
  }
  return fx1;
}

function leadingNumber(s: string): number {
  const m = /[0-9.]+/.exec(s);
  return m ? Number(m[0]) : NaN;
}

function probeOutputSize(fx: EffectDescriptor): OutputSizeJson | undefined {
  if (!fx.outputSize) return undefined;
  const base = defaults(fx);
  const factor = factorFor(fx, base);
  for (const [name, spec] of Object.entries(fx.params)) {
    if (spec.type === 'number') {
      const values = [spec.min, spec.max, spec.default, (spec.min + spec.max) / 2].map((v) =>
        spec.integer ? Math.round(v) : v,
      );
      const factors = values.map((v) => factorFor(fx, { ...base, [name]: v }));
      if (factors.every((f) => f === factor)) continue;
      if (values.every((v, i) => Math.abs(factors[i]! - v) < 1e-9)) return { factor, scaleParam: name };
      throw new Error(`effect ${fx.id}: output size depends on "${name}" in a way the OFX plugin cannot express`);
    }
    if (spec.type === 'choice') {
      const choiceFactors: Record<string, number> = {};
      for (const o of spec.options) choiceFactors[o.value] = factorFor(fx, { ...base, [name]: o.value });
      const fs = Object.values(choiceFactors);
      if (fs.every((f) => f === factor)) continue;
      if (spec.options.every((o) => choiceFactors[o.value] === leadingNumber(o.value))) {
        return { factor, scaleParam: name };
      }
      return { factor, choiceParam: name, choiceFactors };
    }
  }
  return { factor };
}

function describe(fx: EffectDescriptor): Record<string, unknown> {
  return {
    id: fx.id,
    label: fx.label,
    category: fx.category,
    description: fx.description,
    temporal: fx.temporal,
    outputs: fx.outputs,
    params: Object.entries(fx.params).map(([name, spec]) => ({ name, ...spec })),
    ...(fx.outputSize ? { outputSize: probeOutputSize(fx) } : {}),
  };
}

const out = process.argv[2];
if (!out) {
  console.error('usage: node --import tsx ofx-bridge/scripts/dump-effects.ts <out.json>');
  process.exit(2);
}
const effects = listEffects().filter((fx) => !fx.retime);
const doc = { version: 1, generatedFrom: 'core/src/effects/registry.ts', effects: effects.map(describe) };
const target = resolve(out);
mkdirSync(dirname(target), { recursive: true });
// Write then rename: a failed run never leaves a half-written catalog in the bundle.
writeFileSync(`${target}.tmp`, `${JSON.stringify(doc, null, 2)}\n`);
renameSync(`${target}.tmp`, target);
console.log(`wrote ${effects.length} effect(s) to ${target}`);
