/**
 * Graph preparation at load (core/src/models/prepare-graph.ts), checked against onnxruntime running the
 * graph as it came: tiny float16 graphs built here (exact arithmetic, so the two must agree exactly), and the
 * real ISNet on a real frame, where widening removes float16 rounding between layers and the mask may move
 * by that rounding: measured at most 3.0e-4 (on 0..1) on this frame and 1.6e-3 on a synthetic input; asserted
 * below 4e-3, about one 8-bit level.
 */
import { afterAll, expect, it } from 'vitest';
import onnxProto from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import { OnnxGraph } from '../../models/converters/onnx-graph.ts';
import { prepareGraph, type PreparedModelFacts } from '../../core/src/models/prepare-graph.ts';
import { createEffectContext } from '../../core/src/runtime/context.ts';
import { getManifest } from '../../core/src/models/manifests.ts';
import { frameToTensor } from '../../core/src/runtime/tensor.ts';
import { productSessionOptions } from '../../core/src/runtime/session-options.ts';
import { decodeAll } from '../matte/helpers.ts';
import { fixture } from '../support/paths.ts';

const { onnx } = onnxProto;
const FLOAT16 = onnx.TensorProto.DataType.FLOAT16;

/** x (float32) → Cast float16 → Mul by a float16 weight → Cast float32 = "main"; x → Neg = "side". */
function twoOutputHalfGraph(): Uint8Array {
  const g = new OnnxGraph('half');
  g.addInput('x', 'float32', [1, 4]);
  const [h] = g.addNode('Cast', ['x'], 1, { to: FLOAT16 });
  // 0.5 and 2 are exact in binary16; a hand-written binary16 initializer (0x3800 = 0.5, 0x4000 = 2).
  const w = g.addInt32('w_bits', [2], [0x3800, 0x4000]);
  const [wHalf] = g.addNode('Cast', [w], 1, { to: FLOAT16 });
  const [wRow] = g.addNode('Concat', [wHalf!, wHalf!], 1, { axis: 0 });
  const [prod] = g.addNode('Mul', [h!, wRow!], 1);
  g.addNode('Cast', [prod!], ['main'], { to: onnx.TensorProto.DataType.FLOAT });
  g.addNode('Neg', ['x'], ['side']);
  g.addOutput('main', 'float32', [1, 4]);
  g.addOutput('side', 'float32', [1, 4]);
  return withHalfInitializer(g.toBytes(13), 'w_bits');
}

/** Replaces the int32 initializer `name` (holding binary16 bit patterns) by a real float16 initializer. */
function withHalfInitializer(bytes: Uint8Array, name: string): Uint8Array {
  const model = onnx.ModelProto.decode(bytes);
  const graph = model.graph!;
  const init = graph.initializer!.find((t) => t.name === name)!;
  const bits = new Int32Array(new Uint8Array(init.rawData!).buffer);
  init.dataType = FLOAT16;
  init.rawData = new Uint8Array(Uint16Array.from(bits).buffer);
  // The Cast that read the bit patterns as int32 now reads float16: make it a float16 → float16 identity.
  for (const node of graph.node!) if (node.input![0] === name) node.opType = 'Identity';
  for (const node of graph.node!) if (node.opType === 'Identity') node.attribute = [];
  return onnx.ModelProto.encode(model).finish();
}

const facts = (prepare: PreparedModelFacts['prepare'], outputs = ['main']): PreparedModelFacts => ({
  id: 'tiny-half',
  outputs,
  prepare,
});

async function run(bytes: Uint8Array, x: Float32Array): Promise<Record<string, Float32Array>> {
  const session = await ort.InferenceSession.create(bytes, productSessionOptions('cpu'));
  try {
    const out = await session.run({ x: new ort.Tensor('float32', x, [1, 4]) });
    return Object.fromEntries(Object.entries(out).map(([k, t]) => [k, t.data as Float32Array]));
  } finally {
    await session.release();
  }
}

const decode = (bytes: Uint8Array) => {
  const g = onnx.ModelProto.decode(bytes).graph!;
  return { output: g.output ?? [], node: g.node ?? [], initializer: g.initializer ?? [] };
};

it('pruning keeps the listed outputs and only what feeds them; widening leaves no float16 on the CPU', async () => {
  const upstream = twoOutputHalfGraph();
  const x = Float32Array.from([1, -3, 8, 0.25]);
  const before = await run(upstream, x);
  expect(Object.keys(before).sort()).toEqual(['main', 'side']);
  expect([...before.main!]).toEqual([0.5, -6, 4, 0.5]);

  const cpu = prepareGraph(upstream, facts({ pruneToOutputs: true, widenFloat16OnCpu: true }), 'cpu');
  const graph = decode(cpu);
  expect(graph.output.map((o) => o.name)).toEqual(['main']);
  expect(graph.node.some((n) => n.opType === 'Neg')).toBe(false);
  expect(graph.initializer.map((t) => t.dataType)).not.toContain(FLOAT16);
  const castTargets = graph.node.filter((n) => n.opType === 'Cast').map((n) => Number(n.attribute![0]!.i));
  expect(castTargets).not.toContain(FLOAT16);
  const after = await run(cpu, x);
  expect(Object.keys(after)).toEqual(['main']);
  expect([...after.main!]).toEqual([...before.main!]);

  // Another provider keeps the float16 graph (GPUs have float16 kernels), pruned all the same.
  const gpu = decode(
    prepareGraph(upstream, facts({ pruneToOutputs: true, widenFloat16OnCpu: true }), 'cuda'),
  );
  expect(gpu.initializer.map((t) => t.dataType)).toContain(FLOAT16);
  expect(gpu.output.map((o) => o.name)).toEqual(['main']);

  // Nothing asked: the very same bytes, no copy.
  expect(prepareGraph(upstream, facts(undefined), 'cpu')).toBe(upstream);
});

it('a manifest listing an output the graph lacks is refused with the file and the fix', () => {
  expect(() => prepareGraph(twoOutputHalfGraph(), facts({ pruneToOutputs: true }, ['mask']), 'cpu')).toThrow(
    /models\/manifests\/tiny-half\.json lists output\(s\) mask .*has main, side.*"outputs"/,
  );
});

const ctx = createEffectContext();
afterAll(() => ctx.sessions.dispose());

it('ISNet as the product loads it: one output, the mask within one 8-bit level of the upstream graph', async () => {
  const manifest = getManifest('isnet-general');
  const session = await ctx.sessions.get('isnet-general', { providers: ['cpu'] });
  expect(session.outputNames).toEqual(manifest.outputs);

  const [frame] = await decodeAll(fixture('closeup-2398.mp4'), { start: 0, end: 0 });
  const packed = frameToTensor(frame!, manifest.input);
  const feeds = { [manifest.input.name]: new ort.Tensor('float32', packed.data, packed.dims) };
  const mask = manifest.outputs[0]!;
  const prepared = (await session.run(feeds, [mask]))[mask]!.data as Float32Array;

  const model = await ctx.models.load('isnet-general');
  const upstream = await ort.InferenceSession.create(model.bytes, productSessionOptions('cpu'));
  try {
    expect(upstream.outputNames.length).toBe(12);
    const reference = (await upstream.run(feeds, [mask]))[mask]!.data as Float32Array;
    expect(prepared.length).toBe(reference.length);
    let worst = 0;
    let sum = 0;
    let peak = 0;
    for (let i = 0; i < reference.length; i++) {
      const d = Math.abs(prepared[i]! - reference[i]!);
      worst = Math.max(worst, d);
      sum += d;
      peak = Math.max(peak, reference[i]!);
    }
    console.info(
      `ISNet prepared vs upstream: max |diff| ${worst.toExponential(2)}, mean ${(sum / reference.length).toExponential(2)}`,
    );
    expect(worst).toBeLessThan(4e-3);
    // A real mask, not an empty one matching another empty one.
    expect(peak).toBeGreaterThan(0.5);
  } finally {
    await upstream.release();
  }
}, 300_000);
