/**
 * The streaming extractor on the ONNX features a real export can carry that the CLIP test graph does not:
 * IR version 3 (every weight also listed as a graph input), an `If` whose branches read outer tensors, and a
 * weight only one tower uses. The graph is written with onnx-proto (the official schema), split, and the
 * image part is run by onnxruntime against the same sums done here by hand.
 */
import onnxProto from 'onnx-proto';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { bufferSource, realInputs, scanOnnx, writeExtracted } from './onnx-extract.ts';
import { findTowerCuts } from './two-tower-split.ts';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const { onnx } = onnxProto;
const FLOAT = onnx.TensorProto.DataType.FLOAT;

const info = (name: string, dims: number[]) =>
  onnx.ValueInfoProto.create({
    name,
    type: {
      tensorType: { elemType: FLOAT, shape: { dim: dims.map((d) => ({ dimValue: d })) } },
    },
  });
const floats = (name: string, dims: number[], values: number[]) =>
  onnx.TensorProto.create({ name, dims, dataType: FLOAT, floatData: values });
const node = (opType: string, input: string[], output: string[], attribute: object[] = []) =>
  onnx.NodeProto.create({ opType, input, output, attribute, name: `${opType}_${output[0]}` });

/** IMAGE [1,2] @ W, then If(cond): + k (both read from the outer graph); TEXT -> Relu -> Transpose; MatMul. */
function ir3Graph(): Uint8Array {
  const branch = (name: string, nodes: object[], out: string) =>
    onnx.GraphProto.create({ name, node: nodes, output: [info(out, [1, 2])] });
  const graph = onnx.GraphProto.create({
    name: 'ir3-two-tower',
    node: [
      node('MatMul', ['IMAGE', 'W'], ['a']),
      node(
        'If',
        ['cond'],
        ['b'],
        [
          onnx.AttributeProto.create({
            name: 'then_branch',
            type: onnx.AttributeProto.AttributeType.GRAPH,
            g: branch('then', [node('Add', ['a', 'k'], ['then_out'])], 'then_out'),
          }),
          onnx.AttributeProto.create({
            name: 'else_branch',
            type: onnx.AttributeProto.AttributeType.GRAPH,
            g: branch('else', [node('Identity', ['a'], ['else_out'])], 'else_out'),
          }),
        ],
      ),
      node('Relu', ['TEXT'], ['c']),
      node(
        'Transpose',
        ['c'],
        ['ct'],
        [{ name: 'perm', type: onnx.AttributeProto.AttributeType.INTS, ints: [1, 0] }],
      ),
      node('MatMul', ['b', 'ct'], ['L']),
    ],
    initializer: [
      floats('W', [2, 2], [1, 2, 3, 4]),
      floats('k', [1, 2], [10, 20]),
      onnx.TensorProto.create({
        name: 'cond',
        dims: [],
        dataType: onnx.TensorProto.DataType.BOOL,
        int32Data: [1],
      }),
    ],
    // IR 3: weights are graph inputs too.
    input: [info('IMAGE', [1, 2]), info('TEXT', [1, 2]), info('W', [2, 2]), info('k', [1, 2])],
    output: [info('L', [1, 1])],
  });
  return onnx.ModelProto.encode(
    onnx.ModelProto.create({ irVersion: 3, opsetImport: [{ domain: '', version: 9 }], graph }),
  ).finish();
}

describe('onnx-extract', () => {
  it('splits an IR-3 graph with an If reading outer tensors; the image part runs and computes the same', async () => {
    const bytes = ir3Graph();
    const layout = scanOnnx(bufferSource(bytes));
    expect(realInputs(layout)).toEqual(['IMAGE', 'TEXT']);
    expect(layout.nodes[1]!.implicitInputs.sort()).toEqual(['a', 'a', 'k']);
    const cuts = findTowerCuts(layout, { image: 'IMAGE', text: 'TEXT' });
    expect(cuts.map((c) => [c.part, c.output, c.steppedOver])).toEqual([
      ['image', 'b', []],
      ['text', 'c', ['Transpose']],
    ]);

    const dir = mkdtempSync(join(tmpdir(), 'mlxv-extract-'));
    try {
      const file = join(dir, 'image.onnx');
      writeExtracted(
        bufferSource(bytes),
        layout,
        { inputs: ['IMAGE'], outputs: ['b'], graphName: 'image' },
        file,
      );
      const part = scanOnnx(bufferSource(readFileSync(file)));
      expect(part.nodes.map((n) => n.opType)).toEqual(['MatMul', 'If']);
      expect(part.initializers.map((w) => w.name).sort()).toEqual(['W', 'cond', 'k']);
      // The weight inputs of IR 3 stay with the weights they name; TEXT is gone.
      expect(part.inputs.map((i) => i.name).sort()).toEqual(['IMAGE', 'W', 'k']);
      const session = await InferenceSession.create(file);
      const out = await session.run({ IMAGE: new Tensor('float32', Float32Array.from([1, -1]), [1, 2]) });
      // [1,-1] @ [[1,2],[3,4]] = [-2,-2]; + k = [8, 18].
      expect(Array.from(out.b!.data as Float32Array)).toEqual([8, 18]);

      // A part that would need the other tower's input is refused, naming it.
      expect(() =>
        writeExtracted(
          bufferSource(bytes),
          layout,
          { inputs: ['IMAGE'], outputs: ['L'], graphName: 'x' },
          file,
        ),
      ).toThrow(/graph input TEXT/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
