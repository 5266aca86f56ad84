/**
 * The `dynamicBatch` option. BlazeFace (the manifest's conversion, which uses it) run with a batch of three
 * real images gives, per item, what TFJS gives for that image alone (TFJS's graph pins batch 1, so it is the
 * independent reference) and what our batch-1 run gives; graphs where the batch cannot be proved are refused
 * naming the node. Measured: batched vs single ONNX runs max|diff| = 0 (bit-identical on onnxruntime CPU);
 * vs TFJS within the tolerance of models.test.ts (5e-4 + 2e-5·max|ref|).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { convertGraph } from './convert.ts';
import { convertTfjsGraph } from './index.ts';
import type { TfGraphModel, TfNode, TfWeight } from './model-json.ts';
import { maxAbs, maxAbsDiff } from '../test-math.ts';
import { imageTensor, TESTDATA, tfjsSource } from './test-support.ts';
import { loadTfjsReference, type TfjsReference } from './tfjs-reference.ts';

const IMAGES = [
  fileURLToPath(new URL('../../../test/fixtures/astronaut-256.png', import.meta.url)),
  path.join(TESTDATA, 'messi5.jpg'),
  path.join(TESTDATA, 'vtest-20s.jpg'),
];
const OUTPUTS = {
  scores_16: 'Identity',
  boxes_16: 'Identity_2',
  scores_8: 'Identity_1',
  boxes_8: 'Identity_3',
};

let reference: TfjsReference | undefined;
afterAll(() => reference?.dispose());

describe('tfjs converter: dynamicBatch', () => {
  it('blazeface: a batch of 3 real images equals 3 single runs and TFJS per item', async () => {
    const { files, options } = tfjsSource('blazeface');
    expect(options.dynamicBatch, 'the manifest converts blazeface with a dynamic batch').toBe(true);
    const session = await ort.InferenceSession.create(await convertTfjsGraph(files, options));
    const meta = session.inputMetadata[0]!;
    expect(meta.isTensor && meta.shape).toEqual(['batch', 256, 256, 3]);
    reference = await loadTfjsReference(files.model!);

    const per = 256 * 256 * 3;
    const batch = new Float32Array(per * IMAGES.length);
    for (const [k, file] of IMAGES.entries())
      batch.set(await imageTensor(file, 256, 256, { scale: 2, offset: 1 }), k * per);
    const batched = await session.run({
      input: new ort.Tensor('float32', batch, [IMAGES.length, 256, 256, 3]),
    });

    let vsSingle = 0;
    let vsTfjs = 0;
    for (const [k, file] of IMAGES.entries()) {
      const x = batch.subarray(k * per, (k + 1) * per);
      const single = await session.run({ input: new ort.Tensor('float32', x, [1, 256, 256, 3]) });
      const theirs = await reference.run({ data: x, shape: [1, 256, 256, 3] }, Object.values(OUTPUTS));
      Object.keys(OUTPUTS).forEach((name, i) => {
        const all = batched[name]!;
        expect(all.dims[0]).toBe(IMAGES.length);
        const n = (all.data as Float32Array).length / IMAGES.length;
        const item = (all.data as Float32Array).subarray(k * n, (k + 1) * n);
        expect([1, ...all.dims.slice(1)], `${name}: item shape`).toEqual(theirs[i]!.shape);
        const dSingle = maxAbsDiff(item, single[name]!.data as Float32Array);
        const dTfjs = maxAbsDiff(item, theirs[i]!.data);
        expect(dTfjs, `${name} item ${k} (${path.basename(file)}) vs TFJS`).toBeLessThanOrEqual(
          5e-4 + 2e-5 * maxAbs(theirs[i]!.data),
        );
        vsSingle = Math.max(vsSingle, dSingle);
        vsTfjs = Math.max(vsTfjs, dTfjs);
      });
    }
    console.log(`blazeface batch 3: max|batched - single| ${vsSingle}, max|batched - TFJS| ${vsTfjs}`);
    expect(vsSingle).toBeLessThanOrEqual(1e-5);
    await session.release();
  });

  describe('refuses graphs where axis 0 is not provably the batch, naming the node', () => {
    /** x [1,4,4,2] → op under test → output "y"; int constants given by name. */
    function graph(y: TfNode, consts: Record<string, number[]> = {}): TfGraphModel {
      const weights = new Map<string, TfWeight>(
        Object.entries(consts).map(([name, v]) => [
          name,
          {
            dtype: 'int32',
            shape: name.startsWith('pad') ? [v.length / 2, 2] : [v.length],
            data: Int32Array.from(v),
          },
        ]),
      );
      const placeholder: TfNode = {
        name: 'x',
        op: 'Placeholder',
        input: [],
        attr: {
          dtype: { type: 'DT_FLOAT' },
          shape: { shape: { dim: [1, 4, 4, 2].map((d) => ({ size: String(d) })) } } as never,
        },
      };
      const constNodes = Object.keys(consts).map((name): TfNode => ({
        name,
        op: 'Const',
        input: [],
        attr: {},
      }));
      return { nodes: [placeholder, ...constNodes, y], weights };
    }
    const convert = (m: TfGraphModel) => () => convertGraph(m, { outputs: ['y'], dynamicBatch: true });
    const node = (op: string, input: string[], attr: TfNode['attr'] = {}): TfNode => ({
      name: 'y',
      op,
      input,
      attr,
    });

    it('a Reshape that folds the batch into another axis, or whose axis 0 is -1', () => {
      expect(convert(graph(node('Reshape', ['x', 'shape']), { shape: [4, 8] }))).toThrow(
        /TFJS node "y" \(op Reshape\).*\[4,8\].*dynamicBatch/,
      );
      expect(convert(graph(node('Reshape', ['x', 'shape']), { shape: [-1, 8] }))).toThrow(
        /node "y".*\[-1,8\]/,
      );
    });

    it('padding, reducing, concatenating or transposing across the batch axis', () => {
      expect(convert(graph(node('Pad', ['x', 'pad']), { pad: [1, 0, 0, 0, 0, 0, 0, 0] }))).toThrow(
        /pads the batch/,
      );
      expect(convert(graph(node('Mean', ['x', 'axes']), { axes: [0, 1] }))).toThrow(/reduces over the batch/);
      expect(convert(graph(node('ConcatV2', ['x', 'x', 'axis']), { axis: [-4] }))).toThrow(/along the batch/);
      expect(convert(graph(node('Transpose', ['x', 'perm']), { perm: [1, 0, 2, 3] }))).toThrow(
        /moves the batch/,
      );
      expect(convert(graph(node('Squeeze', ['x'])))).toThrow(/may squeeze the batch/);
    });

    it('ops without a batch rule, and constants broadcast along the batch', () => {
      expect(
        convert(
          graph(node('StridedSlice', ['x', 'b', 'e', 's']), {
            b: [0, 0, 0, 0],
            e: [1, 2, 2, 2],
            s: [1, 1, 1, 1],
          }),
        ),
      ).toThrow(/op StridedSlice reads a batch-carrying tensor and has no batch rule/);
      const m = graph(node('Mul', ['x', 'w']));
      m.nodes.splice(1, 0, { name: 'w', op: 'Const', input: [], attr: {} });
      m.weights.set('w', { dtype: 'float32', shape: [3, 4, 4, 2], data: new Float32Array(96) });
      expect(convert(m)).toThrow(/constant operand 1 of shape \[3,4,4,2\] reaches the batch axis/);
    });

    it('accepts per-item Transpose, Mean, broadcast Add, Concat, Reshape, Softmax: batch 3 = 3 single runs', async () => {
      // x [1,4,4,2] → t (swap H,W) → m = mean over H (kept) → a = t + m → c = concat(a, x) on channels
      // [1,4,4,4] → y = softmax(reshape(c, [1,16,4])).
      const m = graph(node('Softmax', ['r']), {
        perm: [0, 2, 1, 3],
        axes: [1],
        axis: [-1],
        shape: [1, 16, 4],
      });
      m.nodes.splice(
        -1,
        0,
        { name: 't', op: 'Transpose', input: ['x', 'perm'], attr: {} },
        { name: 'm', op: 'Mean', input: ['t', 'axes'], attr: { keep_dims: { b: true } } },
        { name: 'a', op: 'AddV2', input: ['t', 'm'], attr: {} },
        { name: 'c', op: 'ConcatV2', input: ['a', 'x', 'axis'], attr: {} },
        { name: 'r', op: 'Reshape', input: ['c', 'shape'], attr: {} },
      );
      const session = await ort.InferenceSession.create(
        convertGraph(m, { outputs: ['y'], dynamicBatch: true }),
      );
      const x = Float32Array.from({ length: 3 * 32 }, (_, i) => Math.sin(i * 0.7) * 3);
      const all = (await session.run({ x: new ort.Tensor('float32', x, [3, 4, 4, 2]) })).y!;
      expect(all.dims).toEqual([3, 16, 4]);
      for (let k = 0; k < 3; k++) {
        const one = await session.run({
          x: new ort.Tensor('float32', x.subarray(k * 32, (k + 1) * 32), [1, 4, 4, 2]),
        });
        const item = (all.data as Float32Array).subarray(k * 64, (k + 1) * 64);
        expect(maxAbsDiff(item, one.y!.data as Float32Array), `item ${k}`).toBeLessThanOrEqual(1e-6);
      }
      await session.release();
    });

    it('the same graphs convert without the option (batch stays fixed)', () => {
      const m = graph(node('Reshape', ['x', 'shape']), { shape: [4, 8] });
      expect(convertGraph(m, { outputs: ['y'] }).length).toBeGreaterThan(0);
    });
  });
});
