import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { OnnxGraph } from './onnx-graph.ts';

describe('OnnxGraph', () => {
  it('writes a graph that onnxruntime loads and runs with the expected numbers', async () => {
    const g = new OnnxGraph('conv-relu');
    g.addInput('x', 'float32', [1, 1, 'h', 'w']);
    // 1x1 conv with weight -2 and bias 1, then Relu: y = max(0, 1 - 2x)
    g.addFloat('w', [1, 1, 1, 1], [-2]);
    g.addFloat('b', [1], [1]);
    const [c] = g.addNode('Conv', ['x', 'w', 'b'], 1, { kernel_shape: [1, 1], pads: [0, 0, 0, 0] });
    g.addNode('Relu', [c!], ['y']);
    g.addOutput('y', 'float32', [1, 1, 'h', 'w']);
    const session = await ort.InferenceSession.create(g.toBytes(13));
    const x = new ort.Tensor('float32', Float32Array.from([0, 0.25, 0.5, 1]), [1, 1, 2, 2]);
    const { y } = await session.run({ x });
    expect(Array.from(y!.data as Float32Array)).toEqual([1, 0.5, 0, 0]);
  });

  it('refuses a weight whose value count disagrees with its dims', () => {
    expect(() => new OnnxGraph('bad').addFloat('w', [2, 2], [1, 2, 3])).toThrow(/need 4 values, got 3/);
  });
});
