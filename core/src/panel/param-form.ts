/**
 * The panel's parameter form, built from the effect descriptors the daemon reports in hello.ok (the
 * descriptor is the single source of truth: the panel knows no effect by name). The daemon sends params
 * as loose JSON, so each spec is checked here and an unknown kind is skipped rather than guessed at.
 */
import type { EffectSummary, JsonParams } from '../client/protocol.ts';

export type FormField =
  | {
      kind: 'number';
      name: string;
      label: string;
      help?: string;
      default: number;
      min: number;
      max: number;
      displayMin: number;
      displayMax: number;
      step: number;
      integer: boolean;
    }
  | {
      kind: 'choice';
      name: string;
      label: string;
      help?: string;
      default: string;
      options: { value: string; label: string }[];
    }
  | { kind: 'boolean'; name: string; label: string; help?: string; default: boolean }
  | { kind: 'color'; name: string; label: string; help?: string; default: [number, number, number, number] }
  | { kind: 'string'; name: string; label: string; help?: string; default: string }
  | {
      /** A file the effect reads (or, `writes`, writes): a text field plus the host's file picker. */
      kind: 'path';
      name: string;
      label: string;
      help?: string;
      default: string;
      /** Extensions without the dot; empty: any file. */
      fileTypes: string[];
      writes: boolean;
    };

export type FieldValue = number | string | boolean | [number, number, number, number];

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
const num = (v: unknown, fallback: number): number =>
  typeof v === 'number' && Number.isFinite(v) ? v : fallback;
const str = (v: unknown, fallback: string): string => (typeof v === 'string' ? v : fallback);

function toField(name: string, spec: unknown): FormField | null {
  if (!isRecord(spec)) return null;
  const label = str(spec.label, name);
  const help = typeof spec.help === 'string' ? { help: spec.help } : {};
  switch (spec.type) {
    case 'number': {
      const min = num(spec.min, 0);
      const max = num(spec.max, 1);
      const integer = spec.integer === true;
      return {
        kind: 'number',
        name,
        label,
        ...help,
        default: num(spec.default, min),
        min,
        max,
        displayMin: num(spec.displayMin, min),
        displayMax: num(spec.displayMax, max),
        step: num(spec.step, integer ? 1 : (max - min) / 100),
        integer,
      };
    }
    case 'choice': {
      const options = Array.isArray(spec.options)
        ? spec.options
            .filter(isRecord)
            .map((o) => ({ value: str(o.value, ''), label: str(o.label, str(o.value, '')) }))
        : [];
      if (options.length === 0) return null;
      return { kind: 'choice', name, label, ...help, default: str(spec.default, options[0]!.value), options };
    }
    case 'boolean':
      return { kind: 'boolean', name, label, ...help, default: spec.default === true };
    case 'color': {
      const d = Array.isArray(spec.default) ? spec.default.map((x) => num(x, 1)) : [];
      return { kind: 'color', name, label, ...help, default: [d[0] ?? 0, d[1] ?? 0, d[2] ?? 0, d[3] ?? 1] };
    }
    case 'string':
      if (spec.kind === 'path')
        return {
          kind: 'path',
          name,
          label,
          ...help,
          default: str(spec.default, ''),
          fileTypes: Array.isArray(spec.fileTypes)
            ? spec.fileTypes.filter((t): t is string => typeof t === 'string' && t.length > 0)
            : [],
          writes: spec.writes === true,
        };
      return { kind: 'string', name, label, ...help, default: str(spec.default, '') };
    default:
      return null;
  }
}

export function formFields(effect: EffectSummary): FormField[] {
  return Object.entries(effect.params)
    .map(([name, spec]) => toField(name, spec))
    .filter((f): f is FormField => f !== null);
}

export function defaultValues(fields: readonly FormField[]): Record<string, FieldValue> {
  const out: Record<string, FieldValue> = {};
  for (const f of fields) out[f.name] = Array.isArray(f.default) ? [...f.default] : f.default;
  return out;
}

/**
 * Coerces what a widget produced (slider numbers, text, checkbox state) into the field's type and range.
 * Returns null when the text cannot be read (the view then keeps the old value and shows why).
 */
export function coerceValue(field: FormField, raw: unknown): FieldValue | null {
  switch (field.kind) {
    case 'number': {
      const n = typeof raw === 'number' ? raw : Number(String(raw).trim());
      if (!Number.isFinite(n)) return null;
      const clamped = Math.min(field.max, Math.max(field.min, n));
      return field.integer ? Math.round(clamped) : clamped;
    }
    case 'choice':
      return field.options.some((o) => o.value === raw) ? String(raw) : null;
    case 'boolean':
      return raw === true || raw === 'true';
    case 'string':
    case 'path':
      return String(raw);
    case 'color': {
      const parts = Array.isArray(raw) ? raw : String(raw).split(',');
      const values = parts.map((p) => Number(String(p).trim()));
      if (values.length < 3 || values.length > 4 || values.some((v) => !Number.isFinite(v))) return null;
      const c = values.map((v) => Math.min(1, Math.max(0, v)));
      return [c[0]!, c[1]!, c[2]!, c[3] ?? 1];
    }
  }
}

export function toJsonParams(values: Record<string, FieldValue>): JsonParams {
  return { ...values };
}
