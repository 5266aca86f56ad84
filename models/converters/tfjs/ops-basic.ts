/**
 * Layout-free ops: element-wise math, activations and shape manipulation. Tensors are NHWC exactly as in TF,
 * so most map one-to-one; ops whose TF form takes a constant tensor where ONNX wants an attribute (axes,
 * permutations, paddings) read the constant at conversion time.
 */
import { attrBool, attrFloat, attrInt, attrInts, attrString, attrType, nodeError } from './attrs.ts';
import { type ConvertContext, ints } from './context.ts';
import type { TfNode } from './model-json.ts';
import { fusedActivation, fusedActivationName } from './ops-spatial.ts';

type Mapper = (ctx: ConvertContext, node: TfNode) => string[];

/** TF DataType → ONNX TensorProto.DataType. */
const ONNX_TYPE: Record<string, number> = { DT_FLOAT: 1, DT_INT32: 6, DT_INT64: 7, DT_BOOL: 9, DT_UINT8: 2 };

const INT64_MAX = Number.MAX_SAFE_INTEGER; // ORT clamps slice bounds; a safe integer avoids BigInt rounding

/** Data inputs of a node (control dependencies dropped). */
export function dataInputs(node: TfNode): string[] {
  return node.input.filter((i) => !i.startsWith('^'));
}

function same(onnxOp: string, attrs?: (n: TfNode) => Record<string, number | { float: number }>): Mapper {
  return (ctx, node) => {
    ctx.g.addNode(
      onnxOp,
      dataInputs(node).map((i) => ctx.tensor(i)),
      [node.name],
      attrs ? attrs(node) : {},
    );
    return [node.name];
  };
}

const binary = (onnxOp: string): Mapper => same(onnxOp);

function reduce(onnxOp: string): Mapper {
  return (ctx, node) => {
    const axes = ints(ctx.requireConst(node, 1, 'reduction axes'));
    const keepdims = attrBool(node, 'keep_dims') ? 1 : 0;
    const x = ctx.tensor(node.input[0]!);
    if (onnxOp === 'ReduceSum') {
      // ReduceSum alone takes its axes as an input from opset 13 on.
      ctx.g.addNode(onnxOp, [x, ctx.int64('axes', axes)], [node.name], { keepdims });
    } else ctx.g.addNode(onnxOp, [x], [node.name], { axes, keepdims });
    return [node.name];
  };
}

function pad(mode: 'constant' | 'reflect' | 'edge'): Mapper {
  return (ctx, node) => {
    const p = ctx.requireConst(node, 1, 'paddings');
    const rank = p.shape[0]!;
    const v = ints(p);
    // TF [[before, after] per axis] → ONNX [all befores, all afters].
    const pads = [
      ...Array.from({ length: rank }, (_, i) => v[2 * i]!),
      ...Array.from({ length: rank }, (_, i) => v[2 * i + 1]!),
    ];
    const inputs = [ctx.tensor(node.input[0]!), ctx.int64('pads', pads)];
    if (node.op === 'PadV2') {
      const c = ctx.requireConst(node, 2, 'constant_values');
      inputs.push(ctx.scalar(Number(c.data[0])));
    }
    ctx.g.addNode('Pad', inputs, [node.name], { mode });
    return [node.name];
  };
}

const mirrorPad: Mapper = (ctx, node) => {
  const mode = attrString(node, 'mode');
  if (mode !== 'REFLECT')
    throw nodeError(node, `MirrorPad mode ${mode} has no ONNX equivalent (only REFLECT)`);
  return pad('reflect')(ctx, node);
};

const reshape: Mapper = (ctx, node) => {
  const c = ctx.constOf(node.input[1]!);
  let target: string;
  if (c) {
    const shape = ints(c);
    // TF's 0 means an empty axis, ONNX's means "copy": refuse rather than change the meaning.
    if (shape.includes(0)) throw nodeError(node, `shape [${shape.join(',')}] has a 0 dimension`);
    if (ctx.batchPinnedReshapes.has(node.name)) shape[0] = 0;
    target = ctx.int64('shape', shape);
  } else {
    // A shape computed in the graph (int32 in TF): ONNX wants int64.
    target = ctx.g.addNode('Cast', [ctx.tensor(node.input[1]!)], 1, { to: 7 })[0]!;
  }
  ctx.g.addNode('Reshape', [ctx.tensor(node.input[0]!), target], [node.name]);
  return [node.name];
};

/** TF Shape is int32 by default, ONNX Shape int64: cast back so int32 shape arithmetic keeps TF types. */
const shape: Mapper = (ctx, node) => {
  const to = ONNX_TYPE[attrType(node, 'out_type') ?? 'DT_INT32'];
  const [s64] = ctx.g.addNode('Shape', [ctx.tensor(node.input[0]!)], 1) as [string];
  if (to === 7) ctx.g.addNode('Identity', [s64], [node.name]);
  else ctx.g.addNode('Cast', [s64], [node.name], { to: to ?? 6 });
  return [node.name];
};

const squeeze: Mapper = (ctx, node) => {
  const axes = attrInts(node, 'squeeze_dims', []);
  const inputs = [ctx.tensor(node.input[0]!)];
  if (axes.length) inputs.push(ctx.int64('axes', axes));
  ctx.g.addNode('Squeeze', inputs, [node.name]);
  return [node.name];
};

const expandDims: Mapper = (ctx, node) => {
  const axis = ints(ctx.requireConst(node, 1, 'axis'));
  ctx.g.addNode('Unsqueeze', [ctx.tensor(node.input[0]!), ctx.int64('axes', axis)], [node.name]);
  return [node.name];
};

const concat: Mapper = (ctx, node) => {
  const inputs = dataInputs(node);
  const axis = ints(ctx.requireConst(node, inputs.length - 1, 'axis'))[0]!;
  ctx.g.addNode(
    'Concat',
    inputs.slice(0, -1).map((i) => ctx.tensor(i)),
    [node.name],
    { axis },
  );
  return [node.name];
};

const pack: Mapper = (ctx, node) => {
  const axis = attrInt(node, 'axis', 0);
  const parts = dataInputs(node).map(
    (i) => ctx.g.addNode('Unsqueeze', [ctx.tensor(i), ctx.int64('axes', [axis])], 1)[0]!,
  );
  ctx.g.addNode('Concat', parts, [node.name], { axis });
  return [node.name];
};

const transpose: Mapper = (ctx, node) => {
  const perm = ints(ctx.requireConst(node, 1, 'perm'));
  ctx.g.addNode('Transpose', [ctx.tensor(node.input[0]!)], [node.name], { perm });
  return [node.name];
};

const stridedSlice: Mapper = (ctx, node) => {
  const begin = ints(ctx.requireConst(node, 1, 'begin'));
  const end = ints(ctx.requireConst(node, 2, 'end'));
  const strides = ints(ctx.requireConst(node, 3, 'strides'));
  const bit = (mask: string, i: number): boolean => ((attrInt(node, mask, 0) >> i) & 1) === 1;
  if (attrInt(node, 'ellipsis_mask', 0) || attrInt(node, 'new_axis_mask', 0))
    throw nodeError(node, 'ellipsis_mask / new_axis_mask are not supported');
  const starts: number[] = [];
  const ends: number[] = [];
  const shrink: number[] = [];
  for (let i = 0; i < begin.length; i++) {
    const step = strides[i]!;
    if (bit('shrink_axis_mask', i)) {
      // A single index: slice [b, b+1) and drop the axis afterwards.
      starts.push(begin[i]!);
      ends.push(begin[i]! === -1 ? INT64_MAX : begin[i]! + 1);
      shrink.push(i);
      strides[i] = 1;
      continue;
    }
    starts.push(bit('begin_mask', i) ? (step > 0 ? 0 : INT64_MAX) : begin[i]!);
    ends.push(bit('end_mask', i) ? (step > 0 ? INT64_MAX : -INT64_MAX) : end[i]!);
  }
  const axes = begin.map((_, i) => i);
  const out = shrink.length ? ctx.g.uniqueName(`${node.name}_slice`) : node.name;
  ctx.g.addNode(
    'Slice',
    [
      ctx.tensor(node.input[0]!),
      ctx.int64('starts', starts),
      ctx.int64('ends', ends),
      ctx.int64('axes', axes),
      ctx.int64('steps', strides),
    ],
    [out],
  );
  if (shrink.length) ctx.g.addNode('Squeeze', [out, ctx.int64('axes', shrink)], [node.name]);
  return [node.name];
};

const slice: Mapper = (ctx, node) => {
  const begin = ints(ctx.requireConst(node, 1, 'begin'));
  const size = ints(ctx.requireConst(node, 2, 'size'));
  const ends = size.map((s, i) => (s === -1 ? INT64_MAX : begin[i]! + s));
  ctx.g.addNode(
    'Slice',
    [
      ctx.tensor(node.input[0]!),
      ctx.int64('starts', begin),
      ctx.int64('ends', ends),
      ctx.int64(
        'axes',
        begin.map((_, i) => i),
      ),
    ],
    [node.name],
  );
  return [node.name];
};

function split(variable: boolean): Mapper {
  return (ctx, node) => {
    // Split(axis, value) cuts into num_split equal parts, as ONNX Split does without sizes;
    // SplitV(value, size_splits, axis) gives the sizes.
    const axis = ints(ctx.requireConst(node, variable ? 2 : 0, 'axis'))[0]!;
    const inputs = [ctx.tensor(node.input[variable ? 0 : 1]!)];
    const n = attrInt(node, 'num_split', 0);
    const outs = Array.from({ length: n }, (_, i) => (i === 0 ? node.name : `${node.name}:${i}`));
    if (variable) {
      const sizes = ints(ctx.requireConst(node, 1, 'size_splits'));
      if (sizes.includes(-1)) throw nodeError(node, 'size_splits with -1 is not supported');
      inputs.push(ctx.int64('split', sizes));
    }
    ctx.g.addNode('Split', inputs, outs, { axis });
    return outs;
  };
}

const gather: Mapper = (ctx, node) => {
  if (attrInt(node, 'batch_dims', 0) !== 0) throw nodeError(node, 'batch_dims other than 0 is not supported');
  const axis = ints(ctx.requireConst(node, 2, 'axis'))[0]!;
  ctx.g.addNode('Gather', [ctx.tensor(node.input[0]!), ctx.tensor(node.input[1]!)], [node.name], { axis });
  return [node.name];
};

const cast: Mapper = (ctx, node) => {
  const to = ONNX_TYPE[attrType(node, 'DstT') ?? ''];
  if (to === undefined) throw nodeError(node, `cast to ${attrType(node, 'DstT')} is not supported`);
  ctx.g.addNode('Cast', [ctx.tensor(node.input[0]!)], [node.name], { to });
  return [node.name];
};

const relu6: Mapper = (ctx, node) => {
  ctx.g.addNode('Clip', [ctx.tensor(node.input[0]!), ctx.scalar(0), ctx.scalar(6)], [node.name]);
  return [node.name];
};

const square: Mapper = (ctx, node) => {
  const x = ctx.tensor(node.input[0]!);
  ctx.g.addNode('Mul', [x, x], [node.name]);
  return [node.name];
};

const rsqrt: Mapper = (ctx, node) => {
  const [s] = ctx.g.addNode('Sqrt', [ctx.tensor(node.input[0]!)], 1) as [string];
  ctx.g.addNode('Reciprocal', [s], [node.name]);
  return [node.name];
};

const squaredDifference: Mapper = (ctx, node) => {
  const [d] = ctx.g.addNode('Sub', [ctx.tensor(node.input[0]!), ctx.tensor(node.input[1]!)], 1) as [string];
  ctx.g.addNode('Mul', [d, d], [node.name]);
  return [node.name];
};

/** Inference-mode batch norm folded into a per-channel multiply-add on the last (NHWC) axis. */
const fusedBatchNorm: Mapper = (ctx, node) => {
  if (attrString(node, 'data_format', 'NHWC') !== 'NHWC')
    throw nodeError(node, 'only NHWC batch norm is supported');
  const [scale, offset, mean, variance] = [1, 2, 3, 4].map((i) =>
    ctx.requireConst(node, i, 'batch-norm parameter'),
  );
  const eps = attrFloat(node, 'epsilon', 1e-3);
  const c = scale!.data.length;
  const mul = new Float32Array(c);
  const add = new Float32Array(c);
  for (let i = 0; i < c; i++) {
    mul[i] = Number(scale!.data[i]) / Math.sqrt(Number(variance!.data[i]) + eps);
    add[i] = Number(offset!.data[i]) - Number(mean!.data[i]) * mul[i]!;
  }
  const [m] = ctx.g.addNode('Mul', [ctx.tensor(node.input[0]!), ctx.float('bn_scale', [c], mul)], 1) as [
    string,
  ];
  ctx.g.addNode('Add', [m, ctx.float('bn_shift', [c], add)], [node.name]);
  return [node.name];
};

/** MatMul / _FusedMatMul (bias + activation) / BatchMatMulV2 on the last two axes. */
const matMul: Mapper = (ctx, node) => {
  const [ta, tb] = node.op.startsWith('BatchMatMul') ? ['adj_x', 'adj_y'] : ['transpose_a', 'transpose_b'];
  const operand = (i: number, flag: string): string => {
    const t = ctx.tensor(node.input[i]!);
    if (!attrBool(node, flag)) return t;
    // Swapping the last two axes needs the rank: known for constants, 2 for plain MatMul.
    const rank = ctx.constOf(node.input[i]!)?.shape.length ?? (node.op.startsWith('BatchMatMul') ? 0 : 2);
    if (rank < 2) throw nodeError(node, `${flag} on a tensor of unknown rank is not supported`);
    const perm = [...Array(rank - 2).keys(), rank - 1, rank - 2];
    return ctx.g.addNode('Transpose', [t], 1, { perm })[0]!;
  };
  const a = operand(0, ta!);
  const b = operand(1, tb!);
  if (node.op !== '_FusedMatMul') {
    ctx.g.addNode('MatMul', [a, b], [node.name]);
    return [node.name];
  }
  const act = fusedActivationName(node);
  const [m] = ctx.g.addNode('MatMul', [a, b], 1) as [string];
  const [y] = ctx.g.addNode('Add', [m, ctx.tensor(node.input[2]!)], 1) as [string];
  ctx.g.addNode('Identity', [fusedActivation(ctx, node, y, act, false)], [node.name]);
  return [node.name];
};

const biasAdd: Mapper = (ctx, node) => {
  if (attrString(node, 'data_format', 'NHWC') !== 'NHWC')
    throw nodeError(node, 'only NHWC BiasAdd is supported');
  return binary('Add')(ctx, node);
};

/**
 * SparseToDense appears in graphs converted from ONNX (NanoDet) with constant inputs only, as shape
 * arithmetic; it is folded here rather than mapped to ScatterND.
 */
const sparseToDense: Mapper = (ctx, node) => {
  const [indices, outShape, values, fill] = [0, 1, 2, 3].map((i) =>
    ctx.requireConst(node, i, 'SparseToDense input'),
  );
  const shape = ints(outShape!);
  const size = shape.reduce((a, c) => a * c, 1);
  const isInt = values!.dtype === 'int32';
  const data = isInt ? new Int32Array(size) : new Float32Array(size);
  data.fill(Number(fill!.data[0]));
  const rank = shape.length;
  const count = indices!.shape.length === 0 ? 1 : indices!.shape[0]!;
  const strides = shape.map((_, d) => shape.slice(d + 1).reduce((a, c) => a * c, 1));
  for (let k = 0; k < count; k++) {
    let off = 0;
    for (let d = 0; d < rank; d++) off += Number(indices!.data[k * rank + d]) * strides[d]!;
    if (off < 0 || off >= size)
      throw nodeError(node, `index ${k} lies outside the output shape [${shape.join(',')}]`);
    data[off] = Number(values!.data.length === 1 ? values!.data[0] : values!.data[k]);
  }
  return ctx.foldConstant(node, { dtype: isInt ? 'int32' : 'float32', shape, data });
};

export const BASIC_OPS: Record<string, Mapper> = {
  Add: binary('Add'),
  AddV2: binary('Add'),
  AddN: same('Sum'),
  BiasAdd: biasAdd,
  Sub: binary('Sub'),
  Mul: binary('Mul'),
  RealDiv: binary('Div'),
  Div: binary('Div'),
  Maximum: binary('Max'),
  Minimum: binary('Min'),
  Pow: binary('Pow'),
  SquaredDifference: squaredDifference,
  Equal: binary('Equal'),
  Greater: binary('Greater'),
  Less: binary('Less'),
  Relu: same('Relu'),
  Relu6: relu6,
  Elu: same('Elu'),
  Selu: same('Selu'),
  LeakyRelu: same('LeakyRelu', (n) => ({ alpha: { float: attrFloat(n, 'alpha', 0.2) } })),
  Prelu: binary('PRelu'),
  Sigmoid: same('Sigmoid'),
  Tanh: same('Tanh'),
  Softmax: same('Softmax', () => ({ axis: -1 })),
  Exp: same('Exp'),
  Log: same('Log'),
  Sqrt: same('Sqrt'),
  Rsqrt: rsqrt,
  Square: square,
  Neg: same('Neg'),
  Abs: same('Abs'),
  Floor: same('Floor'),
  Ceil: same('Ceil'),
  Reciprocal: same('Reciprocal'),
  Cast: cast,
  FusedBatchNorm: fusedBatchNorm,
  FusedBatchNormV3: fusedBatchNorm,
  MatMul: matMul,
  _FusedMatMul: matMul,
  BatchMatMulV2: matMul,
  BatchMatMul: matMul,
  Mean: reduce('ReduceMean'),
  Sum: reduce('ReduceSum'),
  Max: reduce('ReduceMax'),
  Min: reduce('ReduceMin'),
  Prod: reduce('ReduceProd'),
  Pad: pad('constant'),
  PadV2: pad('constant'),
  MirrorPad: mirrorPad,
  Reshape: reshape,
  Squeeze: squeeze,
  ExpandDims: expandDims,
  ConcatV2: concat,
  Pack: pack,
  Transpose: transpose,
  StridedSlice: stridedSlice,
  Slice: slice,
  Split: split(false),
  SplitV: split(true),
  Shape: shape,
  GatherV2: gather,
  SparseToDense: sparseToDense,
};
