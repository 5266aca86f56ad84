/**
 * TFJS graph model → ONNX (opset 13). Only the nodes the chosen outputs depend on are converted, so a graph can
 * be cut before post-processing this converter does not map (e.g. CenterNet's TopK decoding). The graph keeps
 * TF's NHWC layout at its boundary: inputs and outputs have the same shapes and names as in TFJS.
 */
import { type Dim, OnnxGraph } from '../onnx-graph.ts';
import { provePerItemBatch } from './batch-axis.ts';
import { attrShape, attrType, nodeError, UnsupportedTfjsError } from './attrs.ts';
import { ConvertContext, parseRef } from './context.ts';
import type { TfGraphModel, TfNode, TfSignatureEntry } from './model-json.ts';
import { BASIC_OPS, dataInputs } from './ops-basic.ts';
import {
  convertConv,
  convertConvTranspose,
  convertDepthSpace,
  convertPool,
  convertResize,
} from './ops-spatial.ts';

export const OPSET = 13;

export interface ConvertOptions {
  /**
   * Graph outputs: ONNX output name → TF tensor ("node" or "node:1"). A list names each output after its tensor.
   * Default: the model's signature outputs, else every node nothing else consumes.
   */
  outputs?: Record<string, string> | string[];
  /**
   * Make the batch (axis 0 of every input) dynamic: inputs get a symbolic first dim "batch" and Reshape
   * targets that pin batch 1 copy it instead. Refused, naming the node, where batch-axis.ts cannot prove
   * that items stay apart.
   */
  dynamicBatch?: boolean;
  /** Name of the ONNX graph (informational). */
  graphName?: string;
}

type Mapper = (ctx: ConvertContext, node: TfNode) => string[];

const OPS: Record<string, Mapper> = {
  ...BASIC_OPS,
  Conv2D: (c, n) => convertConv(c, n, false),
  _FusedConv2D: (c, n) => convertConv(c, n, false),
  DepthwiseConv2dNative: (c, n) => convertConv(c, n, true),
  FusedDepthwiseConv2dNative: (c, n) => convertConv(c, n, true),
  Conv2DBackpropInput: convertConvTranspose,
  MaxPool: (c, n) => convertPool(c, n, 'MaxPool'),
  AvgPool: (c, n) => convertPool(c, n, 'AveragePool'),
  ResizeBilinear: (c, n) => convertResize(c, n, 'linear'),
  ResizeNearestNeighbor: (c, n) => convertResize(c, n, 'nearest'),
  DepthToSpace: (c, n) => convertDepthSpace(c, n, 'DepthToSpace'),
  SpaceToDepth: (c, n) => convertDepthSpace(c, n, 'SpaceToDepth'),
};

/** Ops that produce no ONNX node of their own. */
const PASS_THROUGH = new Set(['Const', 'Placeholder', 'Identity', 'NoOp', 'StopGradient']);

/** The TF op names this converter maps (for documentation and error messages). */
export const SUPPORTED_OPS = [...Object.keys(OPS), ...PASS_THROUGH].sort();

export function convertGraph(model: TfGraphModel, options: ConvertOptions = {}): Uint8Array {
  const g = new OnnxGraph(options.graphName ?? 'tfjs-graph');
  const ctx = new ConvertContext(g, model);
  const outputs = resolveOutputs(model, options, ctx);
  const order = topoOrder(
    ctx,
    Object.values(outputs).map((o) => o.ref),
  );

  // Refuse early, listing every unmapped op, rather than failing on the first of several.
  const unsupported = order.filter((n) => !PASS_THROUGH.has(n.op) && !OPS[n.op]);
  if (unsupported.length) {
    const list = unsupported.map((n) => `${n.op} (node "${n.name}")`).join(', ');
    throw new UnsupportedTfjsError(
      `TFJS graph uses ops this converter does not map: ${list}. Cut the graph before them with the "outputs" option, or add a mapping in models/converters/tfjs/.`,
    );
  }

  if (options.dynamicBatch) ctx.batchPinnedReshapes = provePerItemBatch(ctx, order);

  for (const node of order) {
    if (node.op === 'Const') continue; // emitted as an initializer when first used
    if (node.op === 'Placeholder') {
      addInput(ctx, node, options.dynamicBatch === true);
      continue;
    }
    if (PASS_THROUGH.has(node.op)) {
      // Identity-like: alias the input tensor.
      const input = dataInputs(node)[0];
      if (!input) throw nodeError(node, 'has no input');
      ctx.setOutputs(node, [ctx.tensor(input)]);
      continue;
    }
    ctx.setOutputs(node, OPS[node.op]!(ctx, node));
  }

  for (const [name, { ref, shape }] of Object.entries(outputs)) {
    const t = ctx.tensor(ref);
    if (t !== name) g.addNode('Identity', [t], [name]);
    // A signature's pinned batch of 1 would contradict the dynamic input (the proof covers every output).
    g.addOutput(name, 'float32', options.dynamicBatch && shape ? ['batch', ...shape.slice(1)] : shape);
  }
  return g.toBytes(OPSET);
}

function addInput(ctx: ConvertContext, node: TfNode, dynamicBatch: boolean): void {
  const dtype = attrType(node, 'dtype');
  if (dtype !== 'DT_FLOAT')
    throw nodeError(node, `graph input of type ${dtype} is not supported (only float)`);
  const shape = attrShape(node, 'shape');
  if (!shape) throw nodeError(node, 'graph input has no static rank');
  ctx.g.addInput(
    node.name,
    'float32',
    shape.map((d, i): Dim => (i === 0 && (d < 0 || dynamicBatch) ? 'batch' : d >= 0 ? d : `d${i}`)),
  );
  ctx.setOutputs(node, [node.name]);
}

function signatureShape(e: TfSignatureEntry | undefined): Dim[] | null {
  const dims = e?.tensorShape?.dim;
  if (!dims) return null;
  return dims.map((d, i): Dim => {
    const n = Number(d.size ?? -1);
    return n >= 0 ? n : i === 0 ? 'batch' : `d${i}`;
  });
}

function resolveOutputs(
  model: TfGraphModel,
  options: ConvertOptions,
  ctx: ConvertContext,
): Record<string, { ref: string; shape: Dim[] | null }> {
  const out: Record<string, { ref: string; shape: Dim[] | null }> = {};
  const check = (ref: string): string => {
    if (!ctx.nodes.has(parseRef(ref).node))
      throw new UnsupportedTfjsError(`requested output "${ref}" is not a node of this TFJS graph`);
    return ref;
  };
  if (options.outputs) {
    const entries = Array.isArray(options.outputs)
      ? options.outputs.map((r) => [r.replace(/:0$/, ''), r] as const)
      : Object.entries(options.outputs);
    for (const [name, ref] of entries) out[name] = { ref: check(ref), shape: null };
    return out;
  }
  if (model.signature?.outputs) {
    for (const [key, e] of Object.entries(model.signature.outputs))
      out[key.replace(/:0$/, '')] = { ref: check(e.name.replace(/:0$/, '')), shape: signatureShape(e) };
    return out;
  }
  const consumed = new Set(model.nodes.flatMap((n) => n.input.map((i) => parseRef(i).node)));
  for (const n of model.nodes)
    if (!consumed.has(n.name) && n.op !== 'Const' && n.op !== 'NoOp')
      out[n.name] = { ref: n.name, shape: null };
  return out;
}

/** Nodes the outputs depend on, producers first (iterative DFS: graphs can be deep). */
function topoOrder(ctx: ConvertContext, outputRefs: string[]): TfNode[] {
  const order: TfNode[] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: { node: TfNode; next: number }[] = [];
  const push = (name: string, from: string): void => {
    if (state.get(name) === 'done') return;
    if (state.get(name) === 'open')
      throw new UnsupportedTfjsError(
        `TFJS graph has a cycle through "${name}" (control flow is not supported)`,
      );
    const node = ctx.nodes.get(name);
    if (!node)
      throw new UnsupportedTfjsError(
        `TFJS node "${from}" reads "${name}", which is not in the graph; model.json is corrupt`,
      );
    state.set(name, 'open');
    stack.push({ node, next: 0 });
  };
  for (const ref of outputRefs) {
    push(parseRef(ref).node, 'output');
    while (stack.length) {
      const top = stack[stack.length - 1]!;
      const inputs = dataInputs(top.node);
      if (top.next < inputs.length) {
        push(parseRef(inputs[top.next++]!).node, top.node.name);
      } else {
        stack.pop();
        state.set(top.node.name, 'done');
        order.push(top.node);
      }
    }
  }
  return order;
}
