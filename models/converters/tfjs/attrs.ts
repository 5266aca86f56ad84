/** Typed access to TensorFlow NodeDef attributes in TFJS's protobuf-JSON form (strings are base64). */
import type { TfAttr, TfNode } from './model-json.ts';

export class UnsupportedTfjsError extends Error {
  override name = 'UnsupportedTfjsError';
}

/** An error that names the node, so a user can find it in model.json. */
export function nodeError(node: TfNode, message: string): UnsupportedTfjsError {
  return new UnsupportedTfjsError(`TFJS node "${node.name}" (op ${node.op}): ${message}`);
}

const b64 = (s: string): string => Buffer.from(s, 'base64').toString('utf8');

function get(node: TfNode, key: string): TfAttr | undefined {
  return node.attr[key];
}

export function attrString(node: TfNode, key: string, fallback?: string): string {
  const a = get(node, key);
  if (a?.s !== undefined) return b64(a.s);
  if (fallback !== undefined) return fallback;
  throw nodeError(node, `missing string attribute "${key}"`);
}

export function attrStrings(node: TfNode, key: string): string[] {
  return (get(node, key)?.list?.s ?? []).map(b64);
}

export function attrInts(node: TfNode, key: string, fallback?: number[]): number[] {
  const list = get(node, key)?.list;
  if (list?.i) return list.i.map(Number);
  if (list && fallback) return fallback;
  if (fallback !== undefined) return fallback;
  throw nodeError(node, `missing int list attribute "${key}"`);
}

export function attrInt(node: TfNode, key: string, fallback: number): number {
  const a = get(node, key);
  return a?.i !== undefined ? Number(a.i) : fallback;
}

export function attrFloat(node: TfNode, key: string, fallback: number): number {
  const a = get(node, key);
  return a?.f !== undefined ? Number(a.f) : fallback;
}

export function attrBool(node: TfNode, key: string, fallback = false): boolean {
  const a = get(node, key);
  return a?.b !== undefined ? Boolean(a.b) : fallback;
}

/**
 * tensorflow/core/framework/types.proto DataType numbers. Old TFJS converters wrote `"type": 1` (the enum's
 * number) where newer ones write `"type": "DT_FLOAT"`; both read as the name.
 */
const DATA_TYPES: Readonly<Record<number, string>> = {
  1: 'DT_FLOAT',
  2: 'DT_DOUBLE',
  3: 'DT_INT32',
  4: 'DT_UINT8',
  5: 'DT_INT16',
  6: 'DT_INT8',
  7: 'DT_STRING',
  9: 'DT_INT64',
  10: 'DT_BOOL',
  19: 'DT_HALF',
};

export function attrType(node: TfNode, key: string): string | undefined {
  const t: unknown = get(node, key)?.type;
  if (t === undefined || t === null) return undefined;
  if (typeof t === 'number' || /^\d+$/.test(String(t))) {
    const name = DATA_TYPES[Number(t)];
    if (!name) throw nodeError(node, `attribute "${key}" has unknown numeric dtype ${String(t)}`);
    return name;
  }
  return String(t);
}

/** A Placeholder's shape; -1 stays -1 (unknown). */
export function attrShape(node: TfNode, key: string): number[] | null {
  const s = get(node, key)?.shape;
  if (!s || s.unknownRank) return null;
  return (s.dim ?? []).map((d) => Number(d.size ?? -1));
}
