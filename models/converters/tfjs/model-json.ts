/**
 * Reads a TFJS graph model (model.json + weight shards) into plain data: the node list and every weight as a
 * float32 or int32 array, dequantised the way tfjs-core's `decodeWeights` does (float16, uint8/uint16 with
 * min/scale). Anything that does not add up (bad JSON, missing shard, a shard whose size differs from what the
 * manifest describes) is an error naming the file, because a silently misread weight gives a wrong model.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { halfToFloat } from '../float16.ts';

/** One attribute of a TensorFlow NodeDef as TFJS serialises it (protobuf JSON). */
export interface TfAttr {
  s?: string;
  i?: string | number;
  f?: number;
  b?: boolean;
  /** A dtype name ("DT_FLOAT"), or its enum number in files from old converters. */
  type?: string | number;
  list?: { s?: string[]; i?: (string | number)[]; f?: number[]; b?: boolean[] };
  shape?: { dim?: { size?: string | number }[]; unknownRank?: boolean };
  tensor?: unknown;
}

export interface TfNode {
  name: string;
  op: string;
  input: string[];
  attr: Record<string, TfAttr>;
}

export interface TfSignatureEntry {
  name: string;
  dtype?: string;
  tensorShape?: { dim?: { size?: string | number }[] };
}

export interface TfWeight {
  dtype: 'float32' | 'int32';
  shape: number[];
  data: Float32Array | Int32Array;
}

export interface TfGraphModel {
  nodes: TfNode[];
  weights: Map<string, TfWeight>;
  signature?: { inputs: Record<string, TfSignatureEntry>; outputs: Record<string, TfSignatureEntry> };
}

interface WeightSpec {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { dtype: string; min?: number; scale?: number };
}

/** Thrown for any model.json or shard that cannot be read as the manifest describes. */
export class TfjsModelError extends Error {
  override name = 'TfjsModelError';
}

export async function readTfjsGraphModel(modelJsonPath: string): Promise<TfGraphModel> {
  const text = await readFile(modelJsonPath, 'utf8').catch((e: unknown) => {
    throw new TfjsModelError(`cannot read TFJS model.json ${modelJsonPath}: ${(e as Error).message}`);
  });
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new TfjsModelError(
      `TFJS model.json ${modelJsonPath} is not valid JSON (${(e as Error).message}); the file is corrupt or truncated — reinstall the package that ships it`,
    );
  }
  const where = `TFJS model.json ${modelJsonPath}`;
  const root = json as {
    format?: string;
    modelTopology?: { node?: unknown };
    weightsManifest?: unknown;
    signature?: TfGraphModel['signature'];
  };
  if (!root || typeof root !== 'object' || !root.modelTopology || !Array.isArray(root.modelTopology.node))
    throw new TfjsModelError(`${where} has no modelTopology.node list; is it a TFJS *graph* model?`);
  if (root.format !== undefined && root.format !== 'graph-model')
    throw new TfjsModelError(`${where} has format "${root.format}", only "graph-model" can be converted`);
  const nodes = (root.modelTopology.node as unknown[]).map((n, i) => checkNode(n, i, where));
  if (!Array.isArray(root.weightsManifest)) throw new TfjsModelError(`${where} has no weightsManifest list`);
  const weights = await readWeights(root.weightsManifest as unknown[], path.dirname(modelJsonPath), where);
  return { nodes, weights, ...(root.signature?.inputs ? { signature: root.signature } : {}) };
}

function checkNode(n: unknown, i: number, where: string): TfNode {
  const node = n as Partial<TfNode> | null;
  if (!node || typeof node.name !== 'string' || typeof node.op !== 'string')
    throw new TfjsModelError(`${where}: node #${i} has no name or op`);
  if (node.input !== undefined && !Array.isArray(node.input))
    throw new TfjsModelError(`${where}: node ${node.name} has a non-list input`);
  return { name: node.name, op: node.op, input: node.input ?? [], attr: node.attr ?? {} };
}

/** Bytes each stored element takes, per stored dtype. */
const STORED_BYTES: Record<string, number> = { float32: 4, int32: 4, float16: 2, uint8: 1, uint16: 2 };

async function readWeights(manifest: unknown[], dir: string, where: string): Promise<Map<string, TfWeight>> {
  const out = new Map<string, TfWeight>();
  for (const [g, groupRaw] of manifest.entries()) {
    const group = groupRaw as { paths?: unknown; weights?: unknown };
    if (!Array.isArray(group.paths) || !Array.isArray(group.weights))
      throw new TfjsModelError(`${where}: weightsManifest[${g}] needs "paths" and "weights" lists`);
    // A group's shards are one buffer cut into files; weights are laid out back to back across them.
    const shards: Buffer[] = [];
    for (const p of group.paths as string[]) {
      const file = path.resolve(dir, p);
      shards.push(
        await readFile(file).catch((e: unknown) => {
          throw new TfjsModelError(`${where}: cannot read weight shard ${file}: ${(e as Error).message}`);
        }),
      );
    }
    const buf = Buffer.concat(shards);
    const files = (group.paths as string[]).map((p) => path.resolve(dir, p)).join(', ');
    let offset = 0;
    for (const specRaw of group.weights as WeightSpec[]) {
      const spec = checkSpec(specRaw, where);
      const count = spec.shape.reduce((a, b) => a * b, 1);
      const stored = spec.quantization?.dtype ?? spec.dtype;
      const size = STORED_BYTES[stored];
      if (size === undefined)
        throw new TfjsModelError(
          `${where}: weight ${spec.name} is stored as ${stored}, which is not supported`,
        );
      const bytes = count * size;
      if (offset + bytes > buf.length)
        throw new TfjsModelError(
          `${where}: weight shard(s) ${files} hold ${buf.length} bytes but the manifest needs at least ${offset + bytes} (weight ${spec.name}); the shard is truncated or does not belong to this model.json`,
        );
      const raw = buf.subarray(offset, offset + bytes);
      offset += bytes;
      out.set(spec.name, decode(spec, raw, count, where));
    }
    if (offset !== buf.length)
      throw new TfjsModelError(
        `${where}: weight shard(s) ${files} hold ${buf.length} bytes but the manifest describes ${offset}; the shard is corrupt or does not belong to this model.json`,
      );
  }
  return out;
}

function checkSpec(s: WeightSpec, where: string): WeightSpec {
  if (
    !s ||
    typeof s.name !== 'string' ||
    !Array.isArray(s.shape) ||
    !s.shape.every((d) => Number.isInteger(d) && d >= 0)
  )
    throw new TfjsModelError(`${where}: a weights entry has no name or a bad shape: ${JSON.stringify(s)}`);
  if (s.dtype !== 'float32' && s.dtype !== 'int32')
    throw new TfjsModelError(
      `${where}: weight ${s.name} has dtype ${s.dtype}; only float32 and int32 are supported`,
    );
  return s;
}

function decode(spec: WeightSpec, raw: Buffer, count: number, where: string): TfWeight {
  // Copy into an aligned buffer: shard offsets need not be multiples of 4.
  const aligned = new Uint8Array(raw).buffer;
  const q = spec.quantization;
  if (!q) {
    const data = spec.dtype === 'int32' ? new Int32Array(aligned) : new Float32Array(aligned);
    return { dtype: spec.dtype as TfWeight['dtype'], shape: spec.shape, data };
  }
  if (spec.dtype !== 'float32')
    throw new TfjsModelError(
      `${where}: weight ${spec.name} is a quantised ${spec.dtype}; only float32 can be`,
    );
  const data = new Float32Array(count);
  if (q.dtype === 'float16') {
    const h = new Uint16Array(aligned);
    for (let i = 0; i < count; i++) data[i] = halfToFloat(h[i]!);
  } else {
    if (typeof q.min !== 'number' || typeof q.scale !== 'number')
      throw new TfjsModelError(`${where}: weight ${spec.name} is ${q.dtype}-quantised without min/scale`);
    const v = q.dtype === 'uint8' ? new Uint8Array(aligned) : new Uint16Array(aligned);
    for (let i = 0; i < count; i++) data[i] = v[i]! * q.scale + q.min;
  }
  return { dtype: 'float32', shape: spec.shape, data };
}
