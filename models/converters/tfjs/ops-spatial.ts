/**
 * Layout-sensitive ops (convolutions, pooling, resizing, depth/space moves). TF runs them in NHWC, ONNX in NCHW:
 * each is wrapped in Transposes, and TF filters are re-laid-out once at conversion time. Fused activations of
 * _FusedConv2D / FusedDepthwiseConv2dNative are applied in NCHW right after the Conv so onnxruntime can fuse them.
 */
import type { AttrValue } from '../onnx-graph.ts';
import { attrBool, attrFloat, attrInt, attrInts, attrString, attrStrings, nodeError } from './attrs.ts';
import { type ConvertContext, ints } from './context.ts';
import { tfResizeAttrs } from '../tf-resize.ts';
import type { TfNode, TfWeight } from './model-json.ts';

/** Re-lays out a constant: out[...] = in[perm-ordered index]. */
export function permute(w: TfWeight, perm: readonly number[]): { shape: number[]; data: Float32Array } {
  const src = w.data as Float32Array;
  const rank = w.shape.length;
  const outShape = perm.map((p) => w.shape[p]!);
  const srcStrides = new Array<number>(rank);
  for (let i = rank - 1, s = 1; i >= 0; i--) {
    srcStrides[i] = s;
    s *= w.shape[i]!;
  }
  const stepOf = perm.map((p) => srcStrides[p]!);
  const out = new Float32Array(src.length);
  const idx = new Array<number>(rank).fill(0);
  for (let o = 0; o < out.length; o++) {
    let off = 0;
    for (let d = 0; d < rank; d++) off += idx[d]! * stepOf[d]!;
    out[o] = src[off]!;
    for (let d = rank - 1; d >= 0; d--) {
      if (++idx[d]! < outShape[d]!) break;
      idx[d] = 0;
    }
  }
  return { shape: outShape, data: out };
}

function requireNhwc(node: TfNode): void {
  const f = attrString(node, 'data_format', 'NHWC');
  if (f !== 'NHWC') throw nodeError(node, `data_format ${f} is not supported (only NHWC)`);
}

/** TF padding attribute → ONNX Conv/Pool attributes. */
function paddingAttrs(node: TfNode): Record<string, AttrValue> {
  const padding = attrString(node, 'padding');
  if (padding === 'SAME') return { auto_pad: 'SAME_UPPER' }; // TF puts the odd pixel at the end, as SAME_UPPER
  if (padding === 'VALID') return { auto_pad: 'VALID' };
  if (padding === 'EXPLICIT') {
    const p = attrInts(node, 'explicit_paddings'); // NHWC pairs: [n0,n1,h0,h1,w0,w1,c0,c1]
    if (p.length !== 8 || p[0] || p[1] || p[6] || p[7])
      throw nodeError(node, `explicit_paddings ${JSON.stringify(p)} must pad H and W only`);
    return { pads: [p[2]!, p[4]!, p[3]!, p[5]!] };
  }
  throw nodeError(node, `padding ${padding} is not supported`);
}

function spatial(node: TfNode, key: string, fallback: number[]): [number, number] {
  const v = attrInts(node, key, fallback);
  if (v.length !== 4 || v[0] !== 1 || v[3] !== 1)
    throw nodeError(node, `${key} ${JSON.stringify(v)} must be [1,h,w,1]`);
  return [v[1]!, v[2]!];
}

/**
 * Applies a TF fused activation; returns the activated tensor. `channelsFirst`: the tensor is NCHW, so a PReLU
 * alpha (per channel, last axis in TF) must be laid out [C,1,1].
 */
export function fusedActivation(
  ctx: ConvertContext,
  node: TfNode,
  x: string,
  act: string | undefined,
  channelsFirst: boolean,
): string {
  const g = ctx.g;
  switch (act) {
    case undefined:
      return x;
    case 'Relu':
      return g.addNode('Relu', [x], 1)[0]!;
    case 'Relu6':
      return g.addNode('Clip', [x, ctx.scalar(0), ctx.scalar(6)], 1)[0]!;
    case 'Elu':
      return g.addNode('Elu', [x], 1)[0]!;
    case 'Sigmoid':
      return g.addNode('Sigmoid', [x], 1)[0]!;
    case 'LeakyRelu':
      return g.addNode('LeakyRelu', [x], 1, {
        alpha: { float: attrFloat(node, 'leakyrelu_alpha', 0.2) },
      })[0]!;
    case 'Prelu': {
      const alpha = ctx.requireConst(node, 3, 'Prelu alpha');
      const dims = channelsFirst ? [alpha.data.length, 1, 1] : [alpha.data.length];
      const a = ctx.float('prelu_alpha', dims, Float32Array.from(alpha.data));
      return g.addNode('PRelu', [x, a], 1)[0]!;
    }
    default:
      throw nodeError(node, `fused activation ${act} is not supported`);
  }
}

/** The activation of a fused op (`fused_ops` = [BiasAdd] or [BiasAdd, activation]), the only forms TFJS runs. */
export function fusedActivationName(node: TfNode): string | undefined {
  const ops = attrStrings(node, 'fused_ops');
  const [extra, activation, ...rest] = ops;
  if (extra !== 'BiasAdd' || rest.length > 0)
    throw nodeError(
      node,
      `fused_ops [${ops.join(', ')}] are not supported (TFJS itself only runs BiasAdd + one activation)`,
    );
  return activation;
}

/** Conv2D, DepthwiseConv2dNative and their fused forms. */
export function convertConv(ctx: ConvertContext, node: TfNode, depthwise: boolean): string[] {
  requireNhwc(node);
  const fused = node.op.startsWith('_Fused') || node.op.startsWith('Fused');
  let bias: TfWeight | undefined;
  let act: string | undefined;
  if (fused) {
    act = fusedActivationName(node);
    bias = ctx.requireConst(node, 2, 'fused bias');
  }
  const filter = ctx.requireConst(node, 1, 'filter');
  if (filter.shape.length !== 4) throw nodeError(node, `filter must be 4-D, got [${filter.shape.join(',')}]`);
  const [kh, kw, cin, mult] = filter.shape as [number, number, number, number];
  // Conv2D: HWIO → OIHW. Depthwise: [kh,kw,C,M] → [C*M,1,kh,kw] (output channel c*M+m, as TF orders them).
  const w = depthwise
    ? { shape: [cin * mult, 1, kh, kw], data: permute(filter, [2, 3, 0, 1]).data }
    : permute(filter, [3, 2, 0, 1]);
  const wName = ctx.float('filter', w.shape, w.data);
  const inputs = [ctx.toNchw(ctx.tensor(node.input[0]!)), wName];
  if (bias) inputs.push(ctx.float('bias', [bias.data.length], Float32Array.from(bias.data)));
  const y = ctx.g.addNode('Conv', inputs, 1, {
    kernel_shape: [kh, kw],
    strides: spatial(node, 'strides', [1, 1, 1, 1]),
    dilations: spatial(node, 'dilations', [1, 1, 1, 1]),
    group: depthwise ? cin : 1,
    ...paddingAttrs(node),
  })[0]!;
  return [ctx.toNhwc(fusedActivation(ctx, node, y, act, true), node.name)];
}

/** Conv2DBackpropInput (transposed convolution) with its static output size. */
export function convertConvTranspose(ctx: ConvertContext, node: TfNode): string[] {
  requireNhwc(node);
  const outShape = ints(ctx.requireConst(node, 0, 'output shape'));
  const filter = ctx.requireConst(node, 1, 'filter');
  const [kh, kw] = filter.shape as [number, number, number, number];
  const [sh, sw] = spatial(node, 'strides', [1, 1, 1, 1]);
  const [dh, dw] = spatial(node, 'dilations', [1, 1, 1, 1]);
  const padding = attrString(node, 'padding');
  if (padding !== 'SAME' && padding !== 'VALID') throw nodeError(node, `padding ${padding} is not supported`);
  // The forward conv this is the gradient of maps out → in; compute in and TF's padding explicitly rather than
  // trusting auto_pad, whose SAME_UPPER/LOWER meaning for ConvTranspose differed between runtimes.
  const pads: number[] = [0, 0, 0, 0];
  const outputPadding: number[] = [0, 0];
  [
    [outShape[1]!, kh, sh, dh],
    [outShape[2]!, kw, sw, dw],
  ].forEach(([out, k, s, d], axis) => {
    const dk = (k! - 1) * d! + 1;
    const inSize = padding === 'SAME' ? Math.ceil(out! / s!) : Math.ceil((out! - dk + 1) / s!);
    const full = s! * (inSize - 1) + dk;
    const total = padding === 'SAME' ? Math.max(full - out!, 0) : 0;
    pads[axis] = Math.floor(total / 2);
    pads[axis + 2] = total - Math.floor(total / 2);
    outputPadding[axis] = out! - (full - total);
  });
  // TF filter [kh,kw,out,in] → ONNX ConvTranspose [in,out,kh,kw].
  const w = permute(filter, [3, 2, 0, 1]);
  const y = ctx.g.addNode(
    'ConvTranspose',
    [ctx.toNchw(ctx.tensor(node.input[2]!)), ctx.float('filter', w.shape, w.data)],
    1,
    {
      kernel_shape: [kh, kw],
      strides: [sh, sw],
      dilations: [dh, dw],
      pads,
      ...(outputPadding.some((p) => p !== 0) ? { output_padding: outputPadding } : {}),
    },
  )[0]!;
  return [ctx.toNhwc(y, node.name)];
}

export function convertPool(ctx: ConvertContext, node: TfNode, onnxOp: 'MaxPool' | 'AveragePool'): string[] {
  requireNhwc(node);
  // TF AvgPool with SAME padding averages only real pixels, as ONNX's default count_include_pad=0.
  const y = ctx.g.addNode(onnxOp, [ctx.toNchw(ctx.tensor(node.input[0]!))], 1, {
    kernel_shape: spatial(node, 'ksize', [1, 1, 1, 1]),
    strides: spatial(node, 'strides', [1, 1, 1, 1]),
    ...paddingAttrs(node),
  })[0]!;
  return [ctx.toNhwc(y, node.name)];
}

/** ResizeBilinear / ResizeNearestNeighbor; TF's two flags choose ONNX's coordinate transform. */
export function convertResize(ctx: ConvertContext, node: TfNode, mode: 'linear' | 'nearest'): string[] {
  const alignCorners = attrBool(node, 'align_corners');
  const halfPixel = attrBool(node, 'half_pixel_centers');
  if (alignCorners && halfPixel) throw nodeError(node, 'align_corners and half_pixel_centers are both set');
  const attrs: Record<string, AttrValue> = tfResizeAttrs(mode, alignCorners, halfPixel);
  const g = ctx.g;
  const x = ctx.toNchw(ctx.tensor(node.input[0]!));
  const size = ctx.constOf(node.input[1]!);
  const hw = size
    ? ctx.int64('resize_hw', ints(size))
    : g.addNode('Cast', [ctx.tensor(node.input[1]!)], 1, { to: 7 })[0]!;
  // Sizes must name all four NCHW dims: take N and C from the input's runtime shape.
  const [shape] = g.addNode('Shape', [x], 1) as [string];
  const [nc] = g.addNode('Slice', [shape, ctx.int64('zero', [0]), ctx.int64('two', [2])], 1) as [string];
  const [sizes] = g.addNode('Concat', [nc, hw], 1, { axis: 0 }) as [string];
  const [y] = g.addNode('Resize', [x, '', '', sizes], 1, attrs) as [string];
  return [ctx.toNhwc(y, node.name)];
}

export function convertDepthSpace(
  ctx: ConvertContext,
  node: TfNode,
  onnxOp: 'DepthToSpace' | 'SpaceToDepth',
): string[] {
  requireNhwc(node);
  const attrs: Record<string, AttrValue> = { blocksize: attrInt(node, 'block_size', 0) };
  if (onnxOp === 'DepthToSpace') attrs.mode = 'DCR'; // TF's channel order
  const [y] = ctx.g.addNode(onnxOp, [ctx.toNchw(ctx.tensor(node.input[0]!))], 1, attrs) as [string];
  return [ctx.toNhwc(y, node.name)];
}
