/**
 * The `dynamicBatch` option: proves, op by op, that axis 0 of every tensor the graph inputs reach is the batch
 * and that no op mixes items along it, so the ONNX input can take any batch size. TFJS exports often pin
 * batch 1 (input shape [1,…], Reshape targets [1,…]); a graph whose batch cannot be proved is refused naming
 * the node, never converted into something that silently mixes items.
 *
 * Why a Reshape target [1, …rest] may become [0, …rest] (ONNX 0 = copy the input's dim): its input has the
 * batch outermost, so item i occupies elements [i·P, (i+1)·P) where P is the per-item count; the reshape is
 * valid at batch 1, so P = prod(rest); with batch N the output [N, …rest] puts item i at the same elements.
 * A target with -1 or any other value at axis 0 cannot be proved this way (it may fold the batch into
 * another axis) and is refused.
 *
 * Only ops whose batch behaviour is listed below are accepted on batch-carrying tensors; anything else reading
 * the batch (slices, gathers, matmuls, Shape arithmetic, …) is refused. Extend the table when a model needs it,
 * with the proof in a comment.
 */
import { attrBool, attrInts, attrShape, nodeError } from './attrs.ts';
import { type ConvertContext, ints } from './context.ts';
import type { TfNode } from './model-json.ts';
import { dataInputs } from './ops-basic.ts';

/** What is known about one TF node's output: derived from constants only, or batch on axis 0 with a rank. */
type Fact = { kind: 'const'; rank: number | undefined } | { kind: 'batch'; rank: number };

/** Ops applied per element: the batch axis and rank stay. */
const UNARY = new Set([
  'Relu',
  'Relu6',
  'Elu',
  'Selu',
  'LeakyRelu',
  'Sigmoid',
  'Tanh',
  'Exp',
  'Log',
  'Sqrt',
  'Rsqrt',
  'Square',
  'Neg',
  'Abs',
  'Floor',
  'Ceil',
  'Reciprocal',
  'Cast',
  'Identity',
  'StopGradient',
]);

/** Element-wise with broadcasting (aligned from the last axis). */
const BROADCAST = new Set([
  'Add',
  'AddV2',
  'AddN',
  'BiasAdd',
  'Sub',
  'Mul',
  'RealDiv',
  'Div',
  'Maximum',
  'Minimum',
  'Pow',
  'SquaredDifference',
  'Equal',
  'Greater',
  'Less',
  'Prelu',
]);

/** NHWC (or NCHW) image ops: each item of input 0 is processed alone; the other inputs are weights. */
const PER_IMAGE = new Set([
  'Conv2D',
  '_FusedConv2D',
  'DepthwiseConv2dNative',
  'FusedDepthwiseConv2dNative',
  'MaxPool',
  'AvgPool',
  'ResizeBilinear',
  'ResizeNearestNeighbor',
  'DepthToSpace',
  'SpaceToDepth',
  'FusedBatchNorm',
  'FusedBatchNormV3',
]);

const REDUCE = new Set(['Mean', 'Sum', 'Max', 'Min', 'Prod']);

/**
 * Checks the nodes (producers first) and returns the Reshape nodes whose target's axis 0 pins the batch
 * (their mapper writes 0 there). Throws an UnsupportedTfjsError naming the first node that breaks the proof.
 */
export function provePerItemBatch(ctx: ConvertContext, order: readonly TfNode[]): Set<string> {
  const facts = new Map<string, Fact>();
  const pinned = new Set<string>();
  const refuse = (node: TfNode, why: string): never => {
    throw nodeError(
      node,
      `${why}; the "dynamicBatch" option cannot prove the batch stays on axis 0 with items kept apart, so it refuses this graph (convert without it for a fixed batch)`,
    );
  };
  const factOf = (ref: string): Fact => {
    const c = ctx.constOf(ref);
    if (c) return { kind: 'const', rank: c.shape.length };
    const f = facts.get(ref.replace(/:\d+$/, ''));
    if (!f) throw new Error(`batch analysis: "${ref}" has no fact (order is not topological)`);
    return f;
  };
  const axis0 = (axis: number, rank: number): boolean => (axis < 0 ? axis + rank : axis) === 0;

  for (const node of order) {
    if (node.op === 'Const') continue;
    if (node.op === 'Placeholder') {
      const shape = attrShape(node, 'shape');
      if (!shape || shape.length === 0) refuse(node, 'the input has no batch axis (unknown rank or scalar)');
      if (shape![0] !== 1 && shape![0] !== -1)
        refuse(node, `the input's first dimension is ${shape![0]}, not a batch of 1`);
      facts.set(node.name, { kind: 'batch', rank: shape!.length });
      continue;
    }
    const inputs = dataInputs(node);
    const inFacts = inputs.map(factOf);
    const batch = inFacts.filter((f): f is Extract<Fact, { kind: 'batch' }> => f.kind === 'batch');
    if (batch.length === 0) {
      // Constant arithmetic: no item is involved, so nothing to prove.
      facts.set(node.name, { kind: 'const', rank: undefined });
      continue;
    }
    const rank = batch[0]!.rank;
    const set = (r: number): void => void facts.set(node.name, { kind: 'batch', rank: r });

    if (UNARY.has(node.op)) set(rank);
    else if (BROADCAST.has(node.op)) {
      // All batch operands must share the rank (so their axis 0 lines up); a constant operand must not reach
      // axis 0, or reach it with size 1 (then it broadcasts over the batch like over batch 1).
      const r = Math.max(...batch.map((f) => f.rank));
      if (batch.some((f) => f.rank !== r)) refuse(node, 'batch operands of different ranks');
      inputs.forEach((ref, i) => {
        if (inFacts[i]!.kind !== 'const') return;
        const c = ctx.constOf(ref);
        if (!c) refuse(node, `operand ${i} is computed from constants with unknown shape`);
        if (c!.shape.length > r || (c!.shape.length === r && c!.shape[0] !== 1))
          refuse(node, `constant operand ${i} of shape [${c!.shape.join(',')}] reaches the batch axis`);
      });
      set(r);
    } else if (PER_IMAGE.has(node.op)) {
      if (inFacts[0]!.kind !== 'batch' || batch.length !== 1 || rank !== 4)
        refuse(node, 'only the image input (rank 4) may carry the batch');
      set(4);
    } else if (node.op === 'Pad' || node.op === 'PadV2' || node.op === 'MirrorPad') {
      const p = ints(ctx.requireConst(node, 1, 'paddings'));
      if (p[0] !== 0 || p[1] !== 0) refuse(node, 'it pads the batch axis');
      set(rank);
    } else if (node.op === 'Reshape') {
      const target = ctx.constOf(node.input[1]!);
      if (!target) refuse(node, 'the target shape is computed in the graph');
      const t = ints(target!);
      if (t[0] !== 1)
        refuse(node, `the target shape [${t.join(',')}] does not keep axis 0 as the batch of 1`);
      pinned.add(node.name);
      set(t.length);
    } else if (node.op === 'ConcatV2') {
      const axis = ints(ctx.requireConst(node, inputs.length - 1, 'axis'))[0]!;
      const parts = inFacts.slice(0, -1);
      if (parts.some((f) => f.kind !== 'batch' || f.rank !== rank))
        refuse(node, 'it joins batch tensors with constants or tensors of another rank');
      if (axis0(axis, rank)) refuse(node, 'it concatenates along the batch axis');
      set(rank);
    } else if (node.op === 'Softmax') {
      if (rank < 2) refuse(node, 'its last axis is the batch axis');
      set(rank);
    } else if (REDUCE.has(node.op)) {
      const axes = ints(ctx.requireConst(node, 1, 'reduction axes'));
      if (axes.some((a) => axis0(a, rank))) refuse(node, 'it reduces over the batch axis');
      set(attrBool(node, 'keep_dims') ? rank : rank - new Set(axes).size);
    } else if (node.op === 'Squeeze') {
      const dims = attrInts(node, 'squeeze_dims', []);
      // No dims = every size-1 axis, which includes the batch of 1.
      if (dims.length === 0 || dims.some((a) => axis0(a, rank)))
        refuse(node, 'it may squeeze the batch axis');
      set(rank - new Set(dims).size);
    } else if (node.op === 'ExpandDims') {
      const a = ints(ctx.requireConst(node, 1, 'axis'))[0]!;
      if (axis0(a, rank + 1)) refuse(node, 'it inserts an axis before the batch');
      set(rank + 1);
    } else if (node.op === 'Transpose') {
      const perm = ints(ctx.requireConst(node, 1, 'perm'));
      if (perm[0] !== 0) refuse(node, `permutation [${perm.join(',')}] moves the batch axis`);
      set(rank);
    } else if (node.op === 'Split' || node.op === 'SplitV') {
      const axis = ints(ctx.requireConst(node, node.op === 'SplitV' ? 2 : 0, 'axis'))[0]!;
      if (axis0(axis, rank)) refuse(node, 'it splits the batch axis');
      set(rank); // every output ("node:i") carries the batch the same way; lookups drop the index
    } else refuse(node, `op ${node.op} reads a batch-carrying tensor and has no batch rule`);
  }
  return pinned;
}
