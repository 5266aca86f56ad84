/**
 * Prepares a model's graph for onnxruntime at load time, from the hash-checked upstream bytes (the file on
 * disk and its sha256 stay the upstream's; only the in-memory graph handed to onnxruntime changes). Two
 * preparations, each opted into by the manifest's `prepare` (they change no weight value):
 *
 * - pruneToOutputs: onnxruntime runs every node of a graph on every run, whatever outputs are fetched.
 *   ISNet computes six side masks (each upsampled to 1024x1024 and passed through a sigmoid) and exposes six
 *   decoder feature maps; the product reads only the final mask (the manifest's `outputs`). The nodes that
 *   feed only the other outputs are dropped.
 * - widenFloat16OnCpu: imgly's ISNet stores its weights as float16 and casts around every Resize. The CPU
 *   provider has no float16 kernels for these ops, so onnxruntime converts at each boundary and cannot keep
 *   its blocked (NCHWc) layout across them. On the CPU provider the weights become float32 (exact: every
 *   binary16 value is a binary32 value) and the casts become float32 → float32, which onnxruntime's own
 *   cast elimination removes. Activations then stay float32 between layers instead of being rounded to
 *   float16 at each cast, so outputs differ from the float16 graph's by that rounding (ISNet's mask on 0..1:
 *   at most 3.0e-4 on a real frame, test/engine/prepare-graph.test.ts; 1.6e-3 on a synthetic input). GPU
 *   providers keep the float16 graph. Costs 0.8-1.8 s once per session load (decode, widen, encode 176 MB).
 *
 * Measured on ISNet at 1024² on 2 CPU cores (interleaved runs, one process): upstream 1132 ms, pruned 1063,
 * widened 1074, both 976 (bench: `npm run bench engine` reports the upstream graph's bare run next to the
 * product's).
 */
import onnxProto from 'onnx-proto';
import { halfToFloat } from '../../../models/converters/float16.ts';
import type { ModelManifest } from './manifest.ts';

const { onnx } = onnxProto;
type Graph = onnxProto.onnx.IGraphProto;
type Tensor = onnxProto.onnx.ITensorProto;
type Node = onnxProto.onnx.INodeProto;

/** protobufjs leaves absent repeated fields null or undefined in its interfaces. */
const list = <T>(items: T[] | null | undefined): T[] => items ?? [];

const FLOAT = onnx.TensorProto.DataType.FLOAT;
const FLOAT16 = onnx.TensorProto.DataType.FLOAT16;

/** What a preparation needs of a manifest. */
export type PreparedModelFacts = Pick<ModelManifest, 'id' | 'outputs' | 'prepare'>;

/** The graph for `provider`: the same bytes when nothing applies, a rewritten graph otherwise. */
export function prepareGraph(bytes: Uint8Array, manifest: PreparedModelFacts, provider: string): Uint8Array {
  const prune = manifest.prepare?.pruneToOutputs === true;
  const widen = manifest.prepare?.widenFloat16OnCpu === true && provider === 'cpu';
  if (!prune && !widen) return bytes;
  const model = onnx.ModelProto.decode(bytes);
  const graph = model.graph;
  if (!graph) throw new Error(`model ${manifest.id}: the ONNX file has no graph`);
  if (prune) pruneToOutputs(graph, manifest);
  if (widen) widenGraph(graph);
  return onnx.ModelProto.encode(model).finish();
}

/** Keeps the outputs the manifest lists and the nodes, initializers and value infos they need. */
function pruneToOutputs(graph: Graph, manifest: PreparedModelFacts): void {
  const present = new Set(list(graph.output).map((o) => o.name ?? ''));
  const missing = manifest.outputs.filter((name) => !present.has(name));
  if (missing.length > 0) {
    throw new Error(
      `model ${manifest.id}: models/manifests/${manifest.id}.json lists output(s) ${missing.join(', ')} that ` +
        `the graph does not have (it has ${[...present].join(', ')}); fix the manifest's "outputs"`,
    );
  }
  const producers = new Map<string, Node>();
  for (const node of list(graph.node)) for (const out of list(node.output)) producers.set(out, node);
  const needed = new Set<string>();
  const live = new Set<Node>();
  const stack = [...manifest.outputs];
  while (stack.length > 0) {
    const name = stack.pop()!;
    if (needed.has(name)) continue;
    needed.add(name);
    const node = producers.get(name);
    if (!node || live.has(node)) continue;
    live.add(node);
    for (const input of nodeReads(node)) if (input) stack.push(input);
  }
  const keepOutputs = new Set(manifest.outputs);
  graph.output = list(graph.output).filter((o) => keepOutputs.has(o.name ?? ''));
  graph.node = list(graph.node).filter((n) => live.has(n));
  graph.initializer = list(graph.initializer).filter((t) => needed.has(t.name ?? ''));
  graph.sparseInitializer = list(graph.sparseInitializer).filter((t) => needed.has(t.values?.name ?? ''));
  graph.valueInfo = list(graph.valueInfo).filter((v) => needed.has(v.name ?? ''));
}

/** A node's inputs plus every name its subgraphs (If/Loop/Scan bodies) read, which may be outer-scope names. */
function nodeReads(node: Node): string[] {
  const names = [...list(node.input)];
  for (const attr of list(node.attribute)) {
    for (const sub of [attr.g, ...list(attr.graphs)]) {
      if (!sub) continue;
      for (const inner of list(sub.node)) names.push(...nodeReads(inner));
    }
  }
  return names;
}

/** float16 → float32 everywhere in a graph and its subgraphs: weights, constants, casts, declared types. */
function widenGraph(graph: Graph): void {
  for (const tensor of list(graph.initializer)) widenTensor(tensor);
  for (const sparse of list(graph.sparseInitializer)) if (sparse.values) widenTensor(sparse.values);
  for (const info of [...list(graph.input), ...list(graph.output), ...list(graph.valueInfo)]) {
    const tensorType = info.type?.tensorType;
    if (tensorType?.elemType === FLOAT16) tensorType.elemType = FLOAT;
  }
  for (const node of list(graph.node)) {
    for (const attr of list(node.attribute)) {
      // Cast's target type; a float32 → float32 cast is then removed by onnxruntime's cast elimination.
      if (node.opType === 'Cast' && !node.domain && attr.name === 'to' && Number(attr.i) === FLOAT16) {
        attr.i = FLOAT;
      }
      if (attr.t) widenTensor(attr.t);
      for (const t of list(attr.tensors)) widenTensor(t);
      if (attr.g) widenGraph(attr.g);
      for (const g of list(attr.graphs)) widenGraph(g);
    }
  }
}

let halfTable: Float32Array | undefined;
/** All 65536 binary16 values as binary32, built once (a table lookup per weight instead of a call). */
function halfToFloatTable(): Float32Array {
  if (!halfTable) {
    halfTable = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) halfTable[h] = halfToFloat(h);
  }
  return halfTable;
}

function widenTensor(tensor: Tensor): void {
  if (tensor.dataType !== FLOAT16) return;
  if (tensor.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL) {
    throw new Error(`tensor ${tensor.name}: float16 data in an external file cannot be widened in memory`);
  }
  const table = halfToFloatTable();
  let widened: Float32Array;
  if (tensor.rawData && tensor.rawData.byteLength > 0) {
    const raw = tensor.rawData;
    // ONNX raw data is little-endian, as are the platforms onnxruntime-node ships for (x64, arm64).
    const halves =
      raw.byteOffset % 2 === 0
        ? new Uint16Array(raw.buffer, raw.byteOffset, raw.byteLength / 2)
        : new Uint16Array(new Uint8Array(raw).buffer); // a copy (a Buffer's slice() would be a view)
    widened = new Float32Array(halves.length);
    for (let i = 0; i < halves.length; i++) widened[i] = table[halves[i]!]!;
  } else {
    // float16 values may also sit in int32_data, one per element (the low 16 bits).
    widened = Float32Array.from(list(tensor.int32Data), (h) => table[h & 0xffff]!);
  }
  tensor.dataType = FLOAT;
  tensor.rawData = new Uint8Array(widened.buffer);
  tensor.int32Data = [];
}
