/**
 * ncnn layer → ONNX node(s). Each emitter reads its layer's params with ncnn's defaults (src/layer/<type>.cpp
 * load_param) and its weights in ncnn's load_model order, then writes the equivalent ONNX ops.
 *
 * Tensor layout: ncnn blobs are [c, h, w] without a batch axis; ONNX tensors here are [1, c, h, w], so every
 * ncnn axis (Concat, Crop) is shifted by one.
 */
import type { OnnxGraph } from '../onnx-graph.ts';
import type { NcnnWeightReader } from './bin.ts';
import { LayerParams, NcnnFormatError, type NcnnLayer } from './param.ts';

export interface EmitContext {
  graph: OnnxGraph;
  weights: NcnnWeightReader;
  file: string;
  /** ONNX tensor names of this layer's inputs (Split aliases already resolved). */
  inputs: readonly string[];
  /** ONNX tensor names to give this layer's outputs. */
  outputs: readonly string[];
}

type Emitter = (layer: NcnnLayer, p: LayerParams, ctx: EmitContext) => void;

/** ONNX opset the emitted graph needs (GridSample for rife.Warp is opset 16). */
export const NCNN_ONNX_OPSET = 16;

export const EMITTERS: Record<string, Emitter> = {
  Convolution: (l, p, c) => emitConvolution(l, p, c, 1),
  ConvolutionDepthWise: (l, p, c) => emitConvolution(l, p, c, p.int(7, 1)),
  Deconvolution: emitDeconvolution,
  PReLU: emitPRelu,
  ReLU: (_l, p, c) => {
    const slope = p.float(0, 0);
    if (slope === 0) c.graph.addNode('Relu', [c.inputs[0]!], [c.outputs[0]!]);
    else c.graph.addNode('LeakyRelu', [c.inputs[0]!], [c.outputs[0]!], { alpha: { float: slope } });
  },
  Sigmoid: (_l, _p, c) => void c.graph.addNode('Sigmoid', [c.inputs[0]!], [c.outputs[0]!]),
  PixelShuffle: emitPixelShuffle,
  Interp: emitInterp,
  BinaryOp: emitBinaryOp,
  Eltwise: emitEltwise,
  Concat: (l, p, c) => {
    c.graph.addNode('Concat', c.inputs, [c.outputs[0]!], { axis: onnxAxis(p.int(0, 0), l, p, c) });
  },
  Crop: emitCrop,
  'rife.Warp': emitRifeWarp,
  Padding: emitPadding,
  InstanceNorm: emitInstanceNorm,
};

/**
 * Padding (src/layer/padding.cpp): 0 top, 1 bottom, 2 left, 3 right, 4 type (0 constant, 1 replicate,
 * 2 reflect), 5 value, 6 per-channel pad data size, 7 front, 8 behind (channel padding).
 */
function emitPadding(_l: NcnnLayer, p: LayerParams, c: EmitContext): void {
  const [top, bottom, left, right] = [p.int(0, 0), p.int(1, 0), p.int(2, 0), p.int(3, 0)];
  const type = p.int(4, 0);
  if (p.int(6, 0) !== 0) fail(p, c, 'per-channel pad values are not supported');
  if (p.int(7, 0) !== 0 || p.int(8, 0) !== 0) fail(p, c, 'channel (front/behind) padding is not supported');
  const mode = ['constant', 'edge', 'reflect'][type];
  if (!mode) fail(p, c, `padding type ${type} is not supported`);
  const g = c.graph;
  const pads = g.addInt64(g.uniqueName('pads'), [8], [0, 0, top, left, 0, 0, bottom, right]);
  const inputs = [c.inputs[0]!, pads];
  if (type === 0) inputs.push(g.addFloat(g.uniqueName('pad_value'), [], [p.float(5, 0)]));
  g.addNode('Pad', inputs, [c.outputs[0]!], { mode });
}

/** InstanceNorm (src/layer/instancenorm.cpp): 0 channels, 1 eps, 2 affine (default 1: gamma then beta). */
function emitInstanceNorm(l: NcnnLayer, p: LayerParams, c: EmitContext): void {
  const channels = p.int(0, 0);
  if (channels <= 0) fail(p, c, 'InstanceNorm needs its channel count (param 0)');
  const affine = p.int(2, 1) !== 0;
  const g = c.graph;
  const gamma = affine
    ? c.weights.read(channels, false, `${l.name} gamma`)
    : new Float32Array(channels).fill(1);
  const beta = affine ? c.weights.read(channels, false, `${l.name} beta`) : new Float32Array(channels);
  g.addNode(
    'InstanceNormalization',
    [
      c.inputs[0]!,
      g.addFloat(g.uniqueName('in_gamma'), [channels], gamma),
      g.addFloat(g.uniqueName('in_beta'), [channels], beta),
    ],
    [c.outputs[0]!],
    { epsilon: { float: p.float(1, 0.001) } },
  );
}

function fail(p: LayerParams, c: EmitContext, msg: string): never {
  throw new NcnnFormatError(c.file, p.where(), msg);
}

function onnxAxis(ncnnAxis: number, _l: NcnnLayer, p: LayerParams, c: EmitContext): number {
  // Blobs in the supported models are 3-D [c,h,w]; negative axes count from the end and stay valid in 4-D.
  if (ncnnAxis < 0) return ncnnAxis;
  if (ncnnAxis > 2) fail(p, c, `axis ${ncnnAxis} is outside a 3-D [c,h,w] blob`);
  return ncnnAxis + 1;
}

/** ncnn's fused activation (param 9 type, param 10 values) as an ONNX op on `x`. */
function emitActivation(
  type: number,
  args: readonly number[],
  x: string,
  out: string,
  p: LayerParams,
  c: EmitContext,
): void {
  const g = c.graph;
  switch (type) {
    case 0:
      g.addNode('Identity', [x], [out]);
      return;
    case 1:
      g.addNode('Relu', [x], [out]);
      return;
    case 2:
      g.addNode('LeakyRelu', [x], [out], { alpha: { float: args[0] ?? 0 } });
      return;
    case 3: {
      const lo = g.addFloat(g.uniqueName('clip_min'), [], [args[0] ?? -Infinity]);
      const hi = g.addFloat(g.uniqueName('clip_max'), [], [args[1] ?? Infinity]);
      g.addNode('Clip', [x, lo, hi], [out]);
      return;
    }
    case 4:
      g.addNode('Sigmoid', [x], [out]);
      return;
    default:
      fail(
        p,
        c,
        `fused activation type ${type} is not supported (supported: none, relu, leaky relu, clip, sigmoid)`,
      );
  }
}

function convGeometry(p: LayerParams, c: EmitContext) {
  const kw = p.int(1, 0);
  const kh = p.int(11, kw);
  const dw = p.int(2, 1);
  const dh = p.int(12, dw);
  const sw = p.int(3, 1);
  const sh = p.int(13, sw);
  const padL = p.int(4, 0);
  const padT = p.int(14, padL);
  const padR = p.int(15, padL);
  const padB = p.int(16, padT);
  if (kw <= 0 || kh <= 0) fail(p, c, `kernel size ${kw}x${kh} is invalid`);
  if (padL < 0 || padT < 0 || padR < 0 || padB < 0)
    fail(p, c, 'automatic ("same") padding (-233/-234) is not supported by this converter');
  return { kw, kh, dw, dh, sw, sh, pads: [padT, padL, padB, padR] };
}

function readConvWeights(l: NcnnLayer, p: LayerParams, c: EmitContext, numOutput: number) {
  const weightCount = p.int(6, 0);
  if (p.int(8, 0) !== 0) fail(p, c, 'int8-quantized convolutions (param 8) are not supported');
  const where = p.where();
  const weight = c.weights.read(weightCount, true, `${where} weights`);
  const bias = p.int(5, 0) ? c.weights.read(numOutput, false, `${where} bias`) : null;
  void l;
  return { weight, bias };
}

function emitConvolution(l: NcnnLayer, p: LayerParams, c: EmitContext, group: number): void {
  const numOutput = p.int(0, 0);
  const geo = convGeometry(p, c);
  const { weight, bias } = readConvWeights(l, p, c, numOutput);
  const perOut = weight.length / numOutput / (geo.kw * geo.kh);
  if (!Number.isInteger(perOut) || perOut <= 0)
    fail(
      p,
      c,
      `weight size ${weight.length} does not divide into ${numOutput} outputs of ${geo.kh}x${geo.kw}`,
    );
  // ncnn stores [out][in/group][kh][kw], exactly ONNX Conv's W layout.
  const g = c.graph;
  const w = g.addFloat(g.uniqueName(`${l.name}_W`), [numOutput, perOut, geo.kh, geo.kw], weight);
  const ins = [c.inputs[0]!, w];
  if (bias) ins.push(g.addFloat(g.uniqueName(`${l.name}_B`), [numOutput], bias));
  const act = p.int(9, 0);
  const convOut = act === 0 ? c.outputs[0]! : g.uniqueName(`${l.name}_conv`);
  g.addNode('Conv', ins, [convOut], {
    kernel_shape: [geo.kh, geo.kw],
    strides: [geo.sh, geo.sw],
    dilations: [geo.dh, geo.dw],
    pads: geo.pads,
    group,
  });
  if (act !== 0) emitActivation(act, p.array(10), convOut, c.outputs[0]!, p, c);
}

function emitDeconvolution(l: NcnnLayer, p: LayerParams, c: EmitContext): void {
  const numOutput = p.int(0, 0);
  const geo = convGeometry(p, c);
  if (p.int(18, 0) || p.int(19, 0) || p.int(20, 0) || p.int(21, 0))
    fail(p, c, 'output padding / explicit output size (params 18-21) are not supported');
  const { weight, bias } = readConvWeights(l, p, c, numOutput);
  const maxk = geo.kw * geo.kh;
  const numInput = weight.length / numOutput / maxk;
  if (!Number.isInteger(numInput) || numInput <= 0)
    fail(
      p,
      c,
      `weight size ${weight.length} does not divide into ${numOutput} outputs of ${geo.kh}x${geo.kw}`,
    );
  // ncnn's Deconvolution scatters input (q) into output (p) with weight[p][q][k] (src/layer/deconvolution.cpp),
  // the PyTorch orientation; ONNX ConvTranspose wants W as [in][out][kh][kw], so swap the first two axes.
  const transposed = new Float32Array(weight.length);
  for (let o = 0; o < numOutput; o++)
    for (let i = 0; i < numInput; i++)
      transposed.set(
        weight.subarray((o * numInput + i) * maxk, (o * numInput + i + 1) * maxk),
        (i * numOutput + o) * maxk,
      );
  const g = c.graph;
  const w = g.addFloat(g.uniqueName(`${l.name}_W`), [numInput, numOutput, geo.kh, geo.kw], transposed);
  const ins = [c.inputs[0]!, w];
  if (bias) ins.push(g.addFloat(g.uniqueName(`${l.name}_B`), [numOutput], bias));
  const act = p.int(9, 0);
  const out = act === 0 ? c.outputs[0]! : g.uniqueName(`${l.name}_deconv`);
  g.addNode('ConvTranspose', ins, [out], {
    kernel_shape: [geo.kh, geo.kw],
    strides: [geo.sh, geo.sw],
    dilations: [geo.dh, geo.dw],
    pads: geo.pads,
  });
  if (act !== 0) emitActivation(act, p.array(10), out, c.outputs[0]!, p, c);
}

function emitPRelu(l: NcnnLayer, p: LayerParams, c: EmitContext): void {
  const n = p.int(0, 0);
  const slope = c.weights.read(n, false, `${p.where()} slopes`);
  const g = c.graph;
  // One slope per channel broadcasts over [1,C,H,W] as [C,1,1]; a single slope as a scalar.
  const dims = n === 1 ? [1] : [n, 1, 1];
  const s = g.addFloat(g.uniqueName(`${l.name}_slope`), dims, slope);
  g.addNode('PRelu', [c.inputs[0]!, s], [c.outputs[0]!]);
}

function emitPixelShuffle(_l: NcnnLayer, p: LayerParams, c: EmitContext): void {
  const r = p.int(0, 1);
  const mode = p.int(1, 0);
  // ncnn mode 0 is PyTorch's pixel_shuffle = ONNX DepthToSpace CRD; mode 1 is DCR.
  c.graph.addNode('DepthToSpace', [c.inputs[0]!], [c.outputs[0]!], {
    blocksize: r,
    mode: mode === 0 ? 'CRD' : 'DCR',
  });
}

function emitInterp(l: NcnnLayer, p: LayerParams, c: EmitContext): void {
  const type = p.int(0, 0);
  const hScale = p.float(1, 1);
  const wScale = p.float(2, 1);
  const outH = p.int(3, 0);
  const outW = p.int(4, 0);
  const alignCorner = p.int(6, 0);
  if (p.int(5, 0)) fail(p, c, 'dynamic target size (param 5) is not supported');
  const g = c.graph;
  const attrs: Record<string, string | number | { float: number }> = {};
  if (type === 1) {
    // ncnn nearest: sx = floor(dx * w / outw) — ONNX asymmetric + floor.
    Object.assign(attrs, {
      mode: 'nearest',
      coordinate_transformation_mode: 'asymmetric',
      nearest_mode: 'floor',
    });
  } else if (type === 2 || type === 3) {
    Object.assign(attrs, {
      mode: type === 2 ? 'linear' : 'cubic',
      coordinate_transformation_mode: alignCorner ? 'align_corners' : 'half_pixel',
    });
    // ncnn's bicubic uses A = -0.75 (as PyTorch); ONNX's default is also -0.75, but say so explicitly.
    if (type === 3) attrs.cubic_coeff_a = { float: -0.75 };
  } else fail(p, c, `Interp resize type ${type} is not supported (1 nearest, 2 bilinear, 3 bicubic)`);
  if (outH > 0 && outW > 0) {
    // Fixed output size: take N and C from the input's shape.
    const shape = g.addNode('Shape', [c.inputs[0]!], 1)[0]!;
    const nc = g.addNode(
      'Slice',
      [shape, g.addInt64(g.uniqueName('s0'), [1], [0]), g.addInt64(g.uniqueName('s2'), [1], [2])],
      1,
    )[0]!;
    const sizes = g.addNode('Concat', [nc, g.addInt64(g.uniqueName(`${l.name}_hw`), [2], [outH, outW])], 1, {
      axis: 0,
    })[0]!;
    g.addNode('Resize', [c.inputs[0]!, '', '', sizes], [c.outputs[0]!], attrs);
    return;
  }
  const scales = g.addFloat(g.uniqueName(`${l.name}_scales`), [4], [1, 1, hScale, wScale]);
  g.addNode('Resize', [c.inputs[0]!, '', scales], [c.outputs[0]!], attrs);
}

const BINARY_OPS: Record<number, { op: string; reversed: boolean }> = {
  0: { op: 'Add', reversed: false },
  1: { op: 'Sub', reversed: false },
  2: { op: 'Mul', reversed: false },
  3: { op: 'Div', reversed: false },
  4: { op: 'Max', reversed: false },
  5: { op: 'Min', reversed: false },
  6: { op: 'Pow', reversed: false },
  7: { op: 'Sub', reversed: true },
  8: { op: 'Div', reversed: true },
  9: { op: 'Pow', reversed: true },
};

function emitBinaryOp(l: NcnnLayer, p: LayerParams, c: EmitContext): void {
  const type = p.int(0, 0);
  const spec = BINARY_OPS[type];
  if (!spec) fail(p, c, `BinaryOp type ${type} is not supported`);
  const g = c.graph;
  let a = c.inputs[0]!;
  let b: string;
  if (p.int(1, 0)) {
    b = g.addFloat(g.uniqueName(`${l.name}_b`), [], [p.float(2, 0)]);
  } else {
    if (c.inputs.length !== 2) fail(p, c, `BinaryOp without a scalar needs 2 inputs, has ${c.inputs.length}`);
    b = c.inputs[1]!;
  }
  if (spec.reversed) [a, b] = [b, a];
  g.addNode(spec.op, [a, b], [c.outputs[0]!]);
}

function emitEltwise(l: NcnnLayer, p: LayerParams, c: EmitContext): void {
  const type = p.int(0, 0);
  const coeffs = p.array(1);
  const g = c.graph;
  if (type === 0 || type === 2) {
    const op = type === 0 ? 'Mul' : 'Max';
    let acc = c.inputs[0]!;
    for (let i = 1; i < c.inputs.length; i++) {
      const out = i === c.inputs.length - 1 ? c.outputs[0]! : g.uniqueName(`${l.name}_acc`);
      g.addNode(op, [acc, c.inputs[i]!], [out]);
      acc = out;
    }
    return;
  }
  if (type !== 1) fail(p, c, `Eltwise op ${type} is not supported (0 prod, 1 sum, 2 max)`);
  if (coeffs.length !== 0 && coeffs.length !== c.inputs.length)
    fail(p, c, `Eltwise has ${c.inputs.length} inputs but ${coeffs.length} coefficients`);
  const terms = c.inputs.map((x, i) => {
    const k = coeffs[i] ?? 1;
    if (k === 1) return x;
    const kName = g.addFloat(g.uniqueName(`${l.name}_k`), [], [k]);
    return g.addNode('Mul', [x, kName], 1)[0]!;
  });
  if (terms.length === 1) {
    g.addNode('Identity', [terms[0]!], [c.outputs[0]!]);
    return;
  }
  g.addNode('Sum', terms, [c.outputs[0]!]);
}

function emitCrop(l: NcnnLayer, p: LayerParams, c: EmitContext): void {
  const g = c.graph;
  const starts = p.array(9);
  if (starts.length > 0) {
    const ends = p.array(10);
    const axes = p.array(11);
    if (ends.length !== starts.length || (axes.length !== 0 && axes.length !== starts.length))
      fail(p, c, 'Crop starts/ends/axes (params 9/10/11) differ in length');
    const onnxAxes = (axes.length ? axes : starts.map((_, i) => i)).map((a) => onnxAxis(a, l, p, c));
    // ncnn ends <= 0 count from the end (-233 = "to the end"); ONNX Slice clamps a huge end.
    const onnxEnds = ends.map((e) => (e === -233 || e === 0 ? 2 ** 31 - 1 : e));
    g.addNode(
      'Slice',
      [
        c.inputs[0]!,
        g.addInt64(g.uniqueName(`${l.name}_starts`), [starts.length], [...starts]),
        g.addInt64(g.uniqueName(`${l.name}_ends`), [onnxEnds.length], onnxEnds),
        g.addInt64(g.uniqueName(`${l.name}_axes`), [onnxAxes.length], onnxAxes),
      ],
      [c.outputs[0]!],
    );
    return;
  }
  // Offset form: woffset/hoffset/coffset (0,1,2) and outw/outh/outc (3,4,5); only explicit sizes are supported.
  const offs = [p.int(2, 0), p.int(1, 0), p.int(0, 0)];
  const sizes = [p.int(5, 0), p.int(4, 0), p.int(3, 0)];
  if (c.inputs.length !== 1 || p.int(6, 0) || p.int(7, 0) || p.int(8, 0))
    fail(p, c, 'Crop by a reference blob or by trailing offsets (params 6-8) is not supported');
  const axes: number[] = [];
  const st: number[] = [];
  const en: number[] = [];
  offs.forEach((o, i) => {
    const size = sizes[i]!;
    if (o === 0 && size <= 0) return;
    if (size < 0) fail(p, c, 'Crop with a negative output size is not supported');
    axes.push(i + 1);
    st.push(o);
    en.push(size > 0 ? o + size : 2 ** 31 - 1);
  });
  if (axes.length === 0) {
    g.addNode('Identity', [c.inputs[0]!], [c.outputs[0]!]);
    return;
  }
  g.addNode(
    'Slice',
    [
      c.inputs[0]!,
      g.addInt64(g.uniqueName(`${l.name}_starts`), [st.length], st),
      g.addInt64(g.uniqueName(`${l.name}_ends`), [en.length], en),
      g.addInt64(g.uniqueName(`${l.name}_axes`), [axes.length], axes),
    ],
    [c.outputs[0]!],
  );
}

/**
 * rife.Warp(image, flow): backward warp of `image` by a 2-channel pixel flow, as RIFE's
 * `warp()` = grid_sample(bilinear, padding 'border', align_corners=True) on the grid (x + fx, y + fy)
 * normalised by (W-1)/2, (H-1)/2. The base grid is built from the flow's runtime shape so the graph
 * takes any frame size.
 */
function emitRifeWarp(l: NcnnLayer, p: LayerParams, c: EmitContext): void {
  if (c.inputs.length !== 2) fail(p, c, `rife.Warp needs 2 inputs (image, flow), has ${c.inputs.length}`);
  const g = c.graph;
  const [image, flow] = c.inputs as [string, string];
  const n = (prefix: string) => g.uniqueName(`${l.name}_${prefix}`);
  const shape = g.addNode('Shape', [flow], [n('shape')])[0]!;
  const dimOf = (axis: number) => {
    const idx = g.addInt64(n(`axis${axis}`), [], [axis]);
    const d = g.addNode('Gather', [shape, idx], [n(`dim${axis}`)], { axis: 0 })[0]!;
    return g.addNode('Cast', [d], [n(`dimf${axis}`)], { to: 1 })[0]!;
  };
  const hF = dimOf(2);
  const wF = dimOf(3);
  const zero = g.addFloat(n('zero'), [], [0]);
  const one = g.addFloat(n('one'), [], [1]);
  const two = g.addFloat(n('two'), [], [2]);
  // Pixel index ramps 0..W-1 (shaped [1,1,1,W]) and 0..H-1 ([1,1,H,1]).
  const xs = g.addNode('Range', [zero, wF, one], [n('xs')])[0]!;
  const ys = g.addNode('Range', [zero, hF, one], [n('ys')])[0]!;
  const xr = g.addNode('Reshape', [xs, g.addInt64(n('xshape'), [4], [1, 1, 1, -1])], [n('xr')])[0]!;
  const yr = g.addNode('Reshape', [ys, g.addInt64(n('yshape'), [4], [1, 1, -1, 1])], [n('yr')])[0]!;
  const fx = g.addNode(
    'Slice',
    [flow, g.addInt64(n('fx0'), [1], [0]), g.addInt64(n('fx1'), [1], [1]), g.addInt64(n('fxa'), [1], [1])],
    [n('fx')],
  )[0]!;
  const fy = g.addNode(
    'Slice',
    [flow, g.addInt64(n('fy0'), [1], [1]), g.addInt64(n('fy1'), [1], [2]), g.addInt64(n('fya'), [1], [1])],
    [n('fy')],
  )[0]!;
  // normalised = (index + flow) * 2 / (size - 1) - 1   (align_corners=True convention)
  const norm = (ramp: string, f: string, size: string, tag: string) => {
    const pos = g.addNode('Add', [ramp, f], [n(`${tag}pos`)])[0]!;
    const denom = g.addNode('Sub', [size, one], [n(`${tag}den`)])[0]!;
    const k = g.addNode('Div', [two, denom], [n(`${tag}k`)])[0]!;
    const scaled = g.addNode('Mul', [pos, k], [n(`${tag}scaled`)])[0]!;
    return g.addNode('Sub', [scaled, one], [n(`${tag}norm`)])[0]!;
  };
  const gx = norm(xr, fx, wF, 'x');
  const gy = norm(yr, fy, hF, 'y');
  const grid = g.addNode('Concat', [gx, gy], [n('grid_nchw')], { axis: 1 })[0]!;
  const gridNhwc = g.addNode('Transpose', [grid], [n('grid')], { perm: [0, 2, 3, 1] })[0]!;
  g.addNode('GridSample', [image, gridNhwc], [c.outputs[0]!], {
    mode: 'bilinear',
    padding_mode: 'border',
    align_corners: 1,
  });
}
