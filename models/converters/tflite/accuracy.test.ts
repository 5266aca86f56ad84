/**
 * The converted TFLite models against Google's LiteRT runtime running the original `.tflite` files (headless
 * Chromium, wasm/XNNPACK CPU kernels; see testing/litert-reference.ts), on real photos. Tolerances are per model
 * and say what differs: float graphs agree to float rounding; the int8 graphs differ by the runtime's integer
 * requantisation, which the float (or Q/DQ) ONNX graph rounds differently.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convertTfliteBytes, readTflite } from './index.ts';
import type { QuantMode } from './context.ts';
import { LiteRtReference } from './testing/litert-reference.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const shared = path.resolve(root, '../shared/models');
const photo = (name: string): string =>
  name.startsWith('test/') ? path.join(root, name) : path.join(root, 'models/converters/tfjs/testdata', name);

/** An RGB photo resized to the model's input, NHWC float: value × scale + offset. */
async function nhwc(
  file: string,
  shape: readonly number[],
  scale: number,
  offset: number,
): Promise<Float32Array> {
  const data = await sharp(file).removeAlpha().resize(shape[2], shape[1], { fit: 'fill' }).raw().toBuffer();
  return Float32Array.from(data, (v) => v * scale + offset);
}

interface Case {
  name: string;
  file: string;
  quantMode: QuantMode;
  input: (shape: readonly number[], index: number) => Promise<Float32Array>;
  /** Largest allowed |onnx - litert|, and mean |diff|. */
  maxAbs: number;
  meanAbs: number;
}

const STYLE_VECTOR_CACHE: { v?: Float32Array } = {};

const cases: Case[] = [
  {
    name: 'DeepLabv3 MobileNetV2 257 (float)',
    file: path.join(shared, 'deeplabv3-tflite/deeplabv3_257_mv_gpu.tflite'),
    quantMode: 'float',
    input: (s) => nhwc(photo('messi5.jpg'), s, 2 / 255, -1),
    maxAbs: 1e-3,
    meanAbs: 1e-4,
  },
  {
    name: 'MediaPipe selfie segmentation (fp16 weights, custom transposed conv)',
    file: path.join(root, 'node_modules/@mediapipe/selfie_segmentation/selfie_segmentation.tflite'),
    quantMode: 'float',
    input: (s) => nhwc(photo('messi5.jpg'), s, 1 / 255, 0),
    maxAbs: 1e-3,
    meanAbs: 1e-5,
  },
  {
    name: 'Magenta style predictor (int8)',
    file: path.join(shared, 'magenta-arbitrary-style/style_predict_quantized_256.tflite'),
    quantMode: 'float',
    input: (s) => nhwc(photo('test/fixtures/astronaut-256.png'), s, 1 / 255, 0),
    maxAbs: 0.08,
    meanAbs: 0.02,
  },
  {
    name: 'Magenta style transformer 384 (int8)',
    file: path.join(shared, 'magenta-arbitrary-style/style_transfer_quantized_384.tflite'),
    quantMode: 'qdq',
    input: async (s, i) => {
      if (i === 0) return nhwc(photo('vtest-20s.jpg'), s, 1 / 255, 0);
      // A real style vector: the predictor's output (through LiteRT) for the astronaut photo.
      if (!STYLE_VECTOR_CACHE.v) throw new Error('style vector not computed yet');
      return STYLE_VECTOR_CACHE.v;
    },
    // Integer instance norm (variance in int8, then rsqrt) amplifies one-step rounding differences at a few
    // pixels; the image as a whole agrees (mean).
    maxAbs: 0.6,
    meanAbs: 0.035,
  },
];

let ref: LiteRtReference;
beforeAll(async () => {
  ref = await LiteRtReference.start();
});
afterAll(async () => {
  await ref?.close();
});

describe('TFLite → ONNX against LiteRT on real photos', () => {
  for (const c of cases) {
    it(`${c.name}: within max ${c.maxAbs}, mean ${c.meanAbs}`, async () => {
      const bytes = readFileSync(c.file);
      const model = readTflite(bytes, c.file);
      const inputs = await Promise.all(
        model.inputs.map(async (t, k) => ({
          shape: model.tensors[t]!.shape,
          data: await c.input(model.tensors[t]!.shape, k),
        })),
      );
      const expected = await ref.run(c.file, inputs);
      if (c.name.includes('predictor')) STYLE_VECTOR_CACHE.v = expected[0]!.data;
      const session = await ort.InferenceSession.create(
        convertTfliteBytes(bytes, c.file, { quantMode: c.quantMode }),
      );
      const feeds: Record<string, ort.Tensor> = {};
      session.inputNames.forEach(
        (n, k) => (feeds[n] = new ort.Tensor('float32', inputs[k]!.data, inputs[k]!.shape)),
      );
      const result = await session.run(feeds);
      await session.release();
      expect(session.outputNames.length).toBe(expected.length);
      session.outputNames.forEach((n, k) => {
        const a = result[n]!.data as Float32Array;
        const b = expected[k]!.data;
        expect([...result[n]!.dims]).toEqual(expected[k]!.shape);
        let max = 0;
        let sum = 0;
        let range = 0;
        for (let i = 0; i < a.length; i++) {
          const d = Math.abs(a[i]! - b[i]!);
          max = Math.max(max, d);
          sum += d;
          range = Math.max(range, Math.abs(b[i]!));
        }
        console.log(
          `${c.name}: max |diff| ${max.toExponential(2)}, mean ${(sum / a.length).toExponential(2)}, output range ±${range.toFixed(3)}`,
        );
        expect(range).toBeGreaterThan(0.1); // the reference produced a real output, not zeros
        expect(max).toBeLessThan(c.maxAbs);
        expect(sum / a.length).toBeLessThan(c.meanAbs);
      });
    });
  }
});
