/**
 * Param validation generated from a descriptor's schema with zod: one source for types and runtime checks,
 * shared by the CLI (`--param k=v` strings), the daemon (JSON) and the panels.
 */
import { z } from 'zod';
import type { ParamSchema, ParamSpec, ParamValues } from './types.ts';

export class ParamError extends Error {
  constructor(
    message: string,
    readonly param?: string,
  ) {
    super(message);
    this.name = 'ParamError';
  }
}

function specSchema(name: string, spec: ParamSpec): z.ZodType {
  switch (spec.type) {
    case 'number': {
      let n = z.number({ error: `param "${name}" must be a number` }).finite();
      if (spec.integer) n = n.int({ error: `param "${name}" must be an integer` });
      return n
        .min(spec.min, { error: `param "${name}" must be >= ${spec.min}` })
        .max(spec.max, { error: `param "${name}" must be <= ${spec.max}` });
    }
    case 'choice': {
      const values = spec.options.map((o) => o.value);
      return z.string().refine((v) => values.includes(v), {
        error: `param "${name}" must be one of: ${values.join(', ')}`,
      });
    }
    case 'boolean':
      return z.boolean({ error: `param "${name}" must be true or false` });
    case 'color':
      return z
        .tuple([z.number(), z.number(), z.number(), z.number()], {
          error: `param "${name}" must be a colour [r,g,b,a] with components 0..1`,
        })
        .refine((c) => c.every((x) => x >= 0 && x <= 1), {
          error: `param "${name}" colour components must be within 0..1`,
        });
    case 'string':
      return z.string({ error: `param "${name}" must be a string` });
  }
}

/** Validates a partial set of values and fills defaults. Unknown names are an error, not ignored. */
export function resolveParams(schema: ParamSchema, input: Record<string, unknown>): ParamValues {
  const out: ParamValues = {};
  for (const key of Object.keys(input)) {
    if (!(key in schema)) {
      throw new ParamError(
        `unknown param "${key}"; known params: ${Object.keys(schema).join(', ') || '(none)'}`,
        key,
      );
    }
  }
  for (const [name, spec] of Object.entries(schema)) {
    const raw = input[name] ?? spec.default;
    const parsed = specSchema(name, spec).safeParse(raw);
    if (!parsed.success)
      throw new ParamError(parsed.error.issues[0]?.message ?? `param "${name}" is invalid`, name);
    out[name] = parsed.data as ParamValues[string];
  }
  return out;
}

/** Parses a CLI string value by the param's declared type ("0.5", "true", "#ff8800", "0,1,0,1"). */
export function parseParamString(schema: ParamSchema, name: string, text: string): ParamValues[string] {
  const spec = schema[name];
  if (!spec)
    throw new ParamError(`unknown param "${name}"; known params: ${Object.keys(schema).join(', ')}`, name);
  switch (spec.type) {
    case 'number': {
      const v = Number(text);
      if (text.trim() === '' || Number.isNaN(v))
        throw new ParamError(`param "${name}" must be a number, got "${text}"`, name);
      return v;
    }
    case 'boolean':
      if (/^(true|1|yes|on)$/i.test(text)) return true;
      if (/^(false|0|no|off)$/i.test(text)) return false;
      throw new ParamError(`param "${name}" must be true or false, got "${text}"`, name);
    case 'color':
      return parseColor(name, text);
    default:
      return text;
  }
}

function parseColor(name: string, text: string): [number, number, number, number] {
  const hex = /^#?([0-9a-f]{6})([0-9a-f]{2})?$/i.exec(text.trim());
  if (hex) {
    const v = parseInt(hex[1]!, 16);
    const a = hex[2] ? parseInt(hex[2], 16) / 255 : 1;
    return [((v >> 16) & 255) / 255, ((v >> 8) & 255) / 255, (v & 255) / 255, a];
  }
  const parts = text.split(',').map((s) => Number(s.trim()));
  if ((parts.length === 3 || parts.length === 4) && parts.every((p) => Number.isFinite(p))) {
    return [parts[0]!, parts[1]!, parts[2]!, parts[3] ?? 1];
  }
  throw new ParamError(
    `param "${name}" must be a colour like #rrggbb or r,g,b[,a] (0..1), got "${text}"`,
    name,
  );
}
