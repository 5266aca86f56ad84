/**
 * TFLite builtin ops → ONNX nodes (opset 17). Each mapper reads its options table by the field indices of
 * schema.fbs and records its result with ctx.output. Activations are NHWC; conv, pool and resize run on an
 * NCHW transpose.
 */
import type { Table } from './flatbuffer.ts';
import { type ConvertContext, opError } from './context.ts';
import type { TfliteOperator } from './schema.ts';
import { tfResizeAttrs } from '../tf-resize.ts';

export type Mapper = (ctx: ConvertContext, op: TfliteOperator) => void;

const SAME = 0;

/** ActivationFunctionType (schema.fbs) fused into conv/add/mul/...: NONE, RELU, RELU_N1_TO_1, RELU6, TANH. */
function fused(ctx: ConvertContext, op: TfliteOperator, x: string, code: number): string {
  switch (code) {
    case 0:
      return x;
    case 1:
      return ctx.g.addNode('Relu', [x], 1)[0]!;
    case 2:
      return ctx.g.addNode('Clip', [x, ctx.scalar(-1), ctx.scalar(1)], 1)[0]!;
    case 3:
      return ctx.g.addNode('Clip', [x, ctx.scalar(0), ctx.scalar(6)], 1)[0]!;
    case 4:
      return ctx.g.addNode('Tanh', [x], 1)[0]!;
    default:
      throw opError(ctx.model, op, `fused activation ${code} is not supported`);
  }
}

/**
 * TF's SAME padding as explicit ONNX pads [top, left, bottom, right]: total = max((ceil(in/s)-1)·s + (k-1)·d + 1
 * - in, 0), the smaller half first. With stride 1 the total is (k-1)·d whatever the size, so graphs whose H and
 * W were made free stay exact; other strides use the file's static size.
 */
function samePads(ctx: ConvertContext, xi: number, k: number[], s: number[], d: number[]): number[] {
  const shape = ctx.tensor(xi).shape;
  const total = [0, 1].map((i) => {
    const extent = (k[i]! - 1) * d[i]! + 1;
    if (s[i] === 1) return extent - 1;
    const size = shape[i + 1]!;
    return Math.max((Math.ceil(size / s[i]!) - 1) * s[i]! + extent - size, 0);
  });
  return [
    Math.floor(total[0]! / 2),
    Math.floor(total[1]! / 2),
    Math.ceil(total[0]! / 2),
    Math.ceil(total[1]! / 2),
  ];
}

function opts(op: TfliteOperator): Table | undefined {
  return op.options;
}

/** CONV_2D / DEPTHWISE_CONV_2D: TFLite weights [O,KH,KW,I] resp. [1,KH,KW,C·M] → ONNX [O,I/g,KH,KW]. */
function conv(depthwise: boolean): Mapper {
  return (ctx, op) => {
    const o = opts(op);
    // Conv2DOptions: padding 0, stride_w 1, stride_h 2, act 3, dilation_w 4, dilation_h 5.
    // DepthwiseConv2DOptions: padding 0, stride_w 1, stride_h 2, depth_multiplier 3, act 4, dil_w 5, dil_h 6.
    const padding = o?.i8(0) ?? 0;
    const strides = [o?.i32(2, 1) ?? 1, o?.i32(1, 1) ?? 1];
    const act = o?.i8(depthwise ? 4 : 3) ?? 0;
    const dil = depthwise ? [o?.i32(6, 1) ?? 1, o?.i32(5, 1) ?? 1] : [o?.i32(5, 1) ?? 1, o?.i32(4, 1) ?? 1];
    const [xi, wi, bi] = op.inputs as [number, number, number | undefined];
    const wt = ctx.tensor(wi);
    if (!ctx.isConst(wi)) throw opError(ctx.model, op, 'weights must be constant');
    const [a, kh, kw, b] = wt.shape as [number, number, number, number];
    const w = ctx.floats(wi);
    const outC = depthwise ? b : a;
    const inPerGroup = depthwise ? 1 : b;
    const onnxW = new Float32Array(w.length);
    // [O,KH,KW,I] → [O,I,KH,KW]; depthwise [1,KH,KW,C] → [C,1,KH,KW] (same index formula with O=C, I=1).
    for (let oc = 0; oc < outC; oc++)
      for (let y = 0; y < kh; y++)
        for (let x = 0; x < kw; x++)
          for (let ic = 0; ic < inPerGroup; ic++) {
            const src = depthwise ? (y * kw + x) * b + oc : ((oc * kh + y) * kw + x) * b + ic;
            onnxW[((oc * inPerGroup + ic) * kh + y) * kw + x] = w[src]!;
          }
    const wName = ctx.g.addFloat(ctx.g.uniqueName('w'), [outC, inPerGroup, kh, kw], onnxW);
    const inputs = [ctx.toNchw(ctx.value(xi)), wName];
    if (bi !== undefined && bi >= 0) inputs.push(ctx.value(bi));
    const inC = ctx.tensor(xi).shape[3]!;
    const attrs: Record<string, number | number[] | string> = {
      kernel_shape: [kh, kw],
      strides,
      dilations: dil,
      group: depthwise ? inC : 1,
    };
    attrs.pads = padding === SAME ? samePads(ctx, xi, [kh, kw], strides, dil) : [0, 0, 0, 0];
    const y = ctx.g.addNode('Conv', inputs, 1, attrs)[0]!;
    ctx.output(op, fused(ctx, op, ctx.fromNchw(y), act));
  };
}

/** MediaPipe's custom Convolution2DTransposeBias and TRANSPOSE_CONV: weights [O,KH,KW,I] → [I,O,KH,KW]. */
function transposeConv(
  ctx: ConvertContext,
  op: TfliteOperator,
  xi: number,
  wi: number,
  bi: number | undefined,
  padding: 'same' | 'valid',
  strides: number[],
): void {
  const wt = ctx.tensor(wi);
  const [oc, kh, kw, ic] = wt.shape as [number, number, number, number];
  const w = ctx.floats(wi);
  const onnxW = new Float32Array(w.length);
  for (let o = 0; o < oc; o++)
    for (let y = 0; y < kh; y++)
      for (let x = 0; x < kw; x++)
        for (let i = 0; i < ic; i++)
          onnxW[((i * oc + o) * kh + y) * kw + x] = w[((o * kh + y) * kw + x) * ic + i]!;
  const inputs = [ctx.toNchw(ctx.value(xi)), ctx.g.addFloat(ctx.g.uniqueName('w'), [ic, oc, kh, kw], onnxW)];
  if (bi !== undefined && bi >= 0) inputs.push(ctx.value(bi));
  const outShape = ctx.tensor(op.outputs[0]!).shape;
  const attrs: Record<string, number[]> = { kernel_shape: [kh, kw], strides };
  if (padding === 'same') {
    // TF SAME for a transposed conv: output = input × stride; the padding total splits low side first.
    const inShape = ctx.tensor(xi).shape;
    const pads = [1, 2].map((d, i) =>
      Math.max(0, (inShape[d]! - 1) * strides[i]! + [kh, kw][i]! - inShape[d]! * strides[i]!),
    );
    attrs.pads = [
      Math.floor(pads[0]! / 2),
      Math.floor(pads[1]! / 2),
      Math.ceil(pads[0]! / 2),
      Math.ceil(pads[1]! / 2),
    ];
    attrs.output_shape = [outShape[1]!, outShape[2]!];
  }
  const y = ctx.g.addNode('ConvTranspose', inputs, 1, attrs)[0]!;
  ctx.output(op, ctx.fromNchw(y));
}

function pool(kind: 'AveragePool' | 'MaxPool'): Mapper {
  return (ctx, op) => {
    const o = opts(op);
    // Pool2DOptions: padding 0, stride_w 1, stride_h 2, filter_width 3, filter_height 4, act 5.
    const attrs: Record<string, number | number[] | string> = {
      kernel_shape: [o?.i32(4, 1) ?? 1, o?.i32(3, 1) ?? 1],
      strides: [o?.i32(2, 1) ?? 1, o?.i32(1, 1) ?? 1],
    };
    // TF's SAME average excludes the padding from the count, as ONNX's default count_include_pad=0 does.
    if ((o?.i8(0) ?? 0) === SAME)
      attrs.pads = samePads(
        ctx,
        op.inputs[0]!,
        attrs.kernel_shape as number[],
        attrs.strides as number[],
        [1, 1],
      );
    const y = ctx.g.addNode(kind, [ctx.toNchw(ctx.value(op.inputs[0]!))], 1, attrs)[0]!;
    ctx.output(op, fused(ctx, op, ctx.fromNchw(y), o?.i8(5) ?? 0));
  };
}

function resize(mode: 'linear' | 'nearest'): Mapper {
  return (ctx, op) => {
    const o = opts(op);
    // ResizeBilinearOptions: new_height 0, new_width 1 (deprecated), align_corners 2, half_pixel_centers 3.
    // ResizeNearestNeighborOptions: align_corners 0, half_pixel_centers 1.
    const alignCorners = mode === 'linear' ? (o?.bool(2) ?? false) : (o?.bool(0) ?? false);
    const halfPixel = mode === 'linear' ? (o?.bool(3) ?? false) : (o?.bool(1) ?? false);
    const x = ctx.toNchw(ctx.value(op.inputs[0]!));
    const outShape = ctx.tensor(op.outputs[0]!).shape;
    const inShape = ctx.tensor(op.inputs[0]!).shape;
    // Fixed sizes normally; scales when H and W are free, so a ×2 upsample stays ×2 at any input size.
    const sizeInputs = ctx.dynamicSpatial
      ? [
          '',
          ctx.g.addFloat(
            ctx.g.uniqueName('scales'),
            [4],
            [1, 1, outShape[1]! / inShape[1]!, outShape[2]! / inShape[2]!],
          ),
        ]
      : ['', '', ctx.int64([outShape[0]!, outShape[3]!, outShape[1]!, outShape[2]!])];
    const attrs = tfResizeAttrs(mode, alignCorners, halfPixel);
    const y = ctx.g.addNode('Resize', [x, ...sizeInputs], 1, attrs)[0]!;
    ctx.output(op, ctx.fromNchw(y));
  };
}

function binary(onnxOp: string, actField: number | null): Mapper {
  return (ctx, op) => {
    const y = ctx.g.addNode(onnxOp, [ctx.value(op.inputs[0]!), ctx.value(op.inputs[1]!)], 1)[0]!;
    ctx.output(op, actField === null ? y : fused(ctx, op, y, opts(op)?.i8(actField) ?? 0));
  };
}

function unary(onnxOp: string): Mapper {
  return (ctx, op) => ctx.output(op, ctx.g.addNode(onnxOp, [ctx.value(op.inputs[0]!)], 1)[0]!);
}

function axisOf(rank: number, axis: number): number {
  return axis < 0 ? axis + rank : axis;
}

function padPairs(ctx: ConvertContext, op: TfliteOperator): string {
  const p = ctx.ints(op.inputs[1]!);
  const rank = p.length / 2;
  const begins = Array.from({ length: rank }, (_, i) => p[2 * i]!);
  const ends = Array.from({ length: rank }, (_, i) => p[2 * i + 1]!);
  return ctx.int64([...begins, ...ends]);
}

export const OPS: Readonly<Record<string, Mapper>> = {
  CONV_2D: conv(false),
  DEPTHWISE_CONV_2D: conv(true),
  'CUSTOM:Convolution2DTransposeBias': (ctx, op) => {
    // custom_options hold TfLiteTransposeConvParams { padding (1 SAME, 2 VALID), stride_width, stride_height }.
    const raw = op.custom;
    if (!raw || raw.length < 12) throw opError(ctx.model, op, 'custom options are missing');
    const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    const padding = dv.getInt32(0, true) === 2 ? 'valid' : 'same';
    transposeConv(ctx, op, op.inputs[0]!, op.inputs[1]!, op.inputs[2], padding, [
      dv.getInt32(8, true),
      dv.getInt32(4, true),
    ]);
  },
  TRANSPOSE_CONV: (ctx, op) => {
    const o = opts(op);
    // TransposeConvOptions: padding 0, stride_w 1, stride_h 2. Inputs: output_shape, weights, input, (bias).
    transposeConv(
      ctx,
      op,
      op.inputs[2]!,
      op.inputs[1]!,
      op.inputs[3],
      (o?.i8(0) ?? 0) === SAME ? 'same' : 'valid',
      [o?.i32(2, 1) ?? 1, o?.i32(1, 1) ?? 1],
    );
  },
  AVERAGE_POOL_2D: pool('AveragePool'),
  MAX_POOL_2D: pool('MaxPool'),
  RESIZE_BILINEAR: resize('linear'),
  RESIZE_NEAREST_NEIGHBOR: resize('nearest'),
  ADD: binary('Add', 0),
  SUB: binary('Sub', 0),
  MUL: binary('Mul', 0),
  DIV: binary('Div', 0),
  MAXIMUM: binary('Max', null),
  MINIMUM: binary('Min', null),
  SQUARED_DIFFERENCE: (ctx, op) => {
    const d = ctx.g.addNode('Sub', [ctx.value(op.inputs[0]!), ctx.value(op.inputs[1]!)], 1)[0]!;
    ctx.output(op, ctx.g.addNode('Mul', [d, d], 1)[0]!);
  },
  RSQRT: (ctx, op) => {
    const s = ctx.g.addNode('Sqrt', [ctx.value(op.inputs[0]!)], 1)[0]!;
    ctx.output(op, ctx.g.addNode('Reciprocal', [s], 1)[0]!);
  },
  SQRT: unary('Sqrt'),
  LOGISTIC: unary('Sigmoid'),
  TANH: unary('Tanh'),
  RELU: unary('Relu'),
  HARD_SWISH: unary('HardSwish'),
  RELU6: (ctx, op) => ctx.output(op, fused(ctx, op, ctx.value(op.inputs[0]!), 3)),
  LEAKY_RELU: (ctx, op) =>
    ctx.output(
      op,
      ctx.g.addNode('LeakyRelu', [ctx.value(op.inputs[0]!)], 1, {
        alpha: { float: opts(op)?.f32(0) ?? 0.2 },
      })[0]!,
    ),
  PRELU: binary('PRelu', null),
  // With float activations these are identities: constants were dequantized when read, and `output` rounds a
  // quantized result in qdq mode.
  QUANTIZE: (ctx, op) => ctx.output(op, ctx.value(op.inputs[0]!)),
  DEQUANTIZE: (ctx, op) => {
    if (ctx.isConst(op.inputs[0]!)) ctx.aliasConst(op.outputs[0]!, op.inputs[0]!);
    else ctx.output(op, ctx.value(op.inputs[0]!));
  },
  CONCATENATION: (ctx, op) => {
    const o = opts(op);
    const rank = ctx.tensor(op.outputs[0]!).shape.length;
    const y = ctx.g.addNode(
      'Concat',
      op.inputs.map((i) => ctx.value(i)),
      1,
      { axis: axisOf(rank, o?.i32(0) ?? 0) },
    )[0]!;
    ctx.output(op, fused(ctx, op, y, o?.i8(1) ?? 0));
  },
  MEAN: reduce('ReduceMean'),
  SUM: reduce('ReduceSum'),
  REDUCE_MAX: reduce('ReduceMax'),
  RESHAPE: (ctx, op) => {
    const shape = ctx.tensor(op.outputs[0]!).shape;
    ctx.output(op, ctx.g.addNode('Reshape', [ctx.value(op.inputs[0]!), ctx.int64(shape)], 1)[0]!);
  },
  SQUEEZE: (ctx, op) => {
    const shape = ctx.tensor(op.outputs[0]!).shape;
    ctx.output(op, ctx.g.addNode('Reshape', [ctx.value(op.inputs[0]!), ctx.int64(shape)], 1)[0]!);
  },
  SOFTMAX: (ctx, op) => {
    const beta = opts(op)?.f32(0, 1) ?? 1;
    let x = ctx.value(op.inputs[0]!);
    if (beta !== 1) x = ctx.g.addNode('Mul', [x, ctx.scalar(beta)], 1)[0]!;
    ctx.output(op, ctx.g.addNode('Softmax', [x], 1, { axis: -1 })[0]!);
  },
  PAD: (ctx, op) =>
    ctx.output(op, ctx.g.addNode('Pad', [ctx.value(op.inputs[0]!), padPairs(ctx, op)], 1)[0]!),
  PADV2: (ctx, op) =>
    ctx.output(
      op,
      ctx.g.addNode('Pad', [ctx.value(op.inputs[0]!), padPairs(ctx, op), ctx.value(op.inputs[2]!)], 1)[0]!,
    ),
  MIRROR_PAD: (ctx, op) => {
    // MirrorPadOptions: mode 0 (REFLECT = ONNX reflect, border excluded; SYMMETRIC has no ONNX Pad mode).
    if ((opts(op)?.i8(0) ?? 0) !== 0)
      throw opError(ctx.model, op, 'SYMMETRIC mirror padding is not supported');
    ctx.output(
      op,
      ctx.g.addNode('Pad', [ctx.value(op.inputs[0]!), padPairs(ctx, op)], 1, { mode: 'reflect' })[0]!,
    );
  },
  FULLY_CONNECTED: (ctx, op) => {
    const wt = ctx.tensor(op.inputs[1]!);
    const [outN, inN] = wt.shape as [number, number];
    const x = ctx.g.addNode('Reshape', [ctx.value(op.inputs[0]!), ctx.int64([-1, inN])], 1)[0]!;
    const inputs = [x, ctx.value(op.inputs[1]!)];
    if (op.inputs[2] !== undefined && op.inputs[2] >= 0) inputs.push(ctx.value(op.inputs[2]));
    const y = ctx.g.addNode('Gemm', inputs, 1, { transB: 1 })[0]!;
    const shaped = ctx.g.addNode('Reshape', [y, ctx.int64(ctx.tensor(op.outputs[0]!).shape)], 1)[0]!;
    void outN;
    ctx.output(op, fused(ctx, op, shaped, opts(op)?.i8(0) ?? 0));
  },
};

function reduce(onnxOp: string): Mapper {
  return (ctx, op) => {
    const rank = ctx.tensor(op.inputs[0]!).shape.length;
    const axes = [...ctx.ints(op.inputs[1]!)].map((a) => axisOf(rank, a));
    // ReducerOptions: keep_dims 0.
    const keep = opts(op)?.bool(0) ? 1 : 0;
    // Opset 17: ReduceSum takes its axes as an input, ReduceMean/ReduceMax still as an attribute.
    const y =
      onnxOp === 'ReduceSum'
        ? ctx.g.addNode(onnxOp, [ctx.value(op.inputs[0]!), ctx.int64(axes)], 1, { keepdims: keep })[0]!
        : ctx.g.addNode(onnxOp, [ctx.value(op.inputs[0]!)], 1, { axes, keepdims: keep })[0]!;
    ctx.output(op, y);
  };
}
