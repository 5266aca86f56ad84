/**
 * The Magenta style transformer (TFJS graph model of the old converter format, numeric dtype enums) converted
 * to ONNX against the original TFJS runtime, on a real photo and a real style vector (the predictor's output
 * for a real image). Both run fp32 from the same weights: observed max |diff| is about 1e-6 on 0..1 output.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { createModelResolver } from '../../../core/src/models/resolver.ts';
import { maxAbsDiff } from '../test-math.ts';
import { TESTDATA } from './test-support.ts';
import { loadTfjsReference } from './tfjs-reference.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const modelJson = path.resolve(root, '../shared/models/magenta-arbitrary-style/transformer-tfjs/model.json');

async function nhwc(file: string, w: number, h: number): Promise<Float32Array> {
  const data = await sharp(file).removeAlpha().resize(w, h, { fit: 'fill' }).raw().toBuffer();
  return Float32Array.from(data, (v) => v / 255);
}

describe('Magenta style transformer: ONNX vs TFJS', () => {
  it('agrees with TFJS within 1e-4 on a real photo and a predicted style vector', async () => {
    const resolver = createModelResolver();
    const predictor = await ort.InferenceSession.create(
      (await resolver.resolve('magenta-style-predictor')).path,
    );
    const styleImg = await nhwc(path.join(root, 'test/fixtures/astronaut-256.png'), 256, 256);
    const style = (
      await predictor.run({ style_image: new ort.Tensor('float32', styleImg, [1, 256, 256, 3]) })
    )[predictor.outputNames[0]!]!.data as Float32Array;
    await predictor.release();

    const content = await nhwc(path.join(TESTDATA, 'vtest-20s.jpg'), 320, 240);
    const session = await ort.InferenceSession.create(
      (await resolver.resolve('magenta-style-transformer')).path,
    );
    const out = (
      await session.run({
        Placeholder: new ort.Tensor('float32', content, [1, 240, 320, 3]),
        Placeholder_1: new ort.Tensor('float32', style, [1, 1, 1, 100]),
      })
    )[session.outputNames[0]!]!;
    await session.release();

    const ref = await loadTfjsReference(modelJson);
    const [expected] = await ref.runNamed(
      {
        Placeholder: { data: content, shape: [1, 240, 320, 3] },
        Placeholder_1: { data: style, shape: [1, 1, 1, 100] },
      },
      ['transformer/expand/conv3/dilate_conv/Sigmoid'],
    );
    ref.dispose();
    expect([...out.dims]).toEqual(expected!.shape);
    const diff = maxAbsDiff(out.data as Float32Array, expected!.data);
    console.log(`magenta transformer ONNX vs TFJS: max |diff| ${diff.toExponential(2)}`);
    expect(diff).toBeLessThan(1e-4);
    // Stylised, not a copy: the output differs from the content photo.
    expect(maxAbsDiff(out.data as Float32Array, content)).toBeGreaterThan(0.2);
  });
});
