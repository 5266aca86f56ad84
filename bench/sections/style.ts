/**
 * Style transfer per frame, and the converters behind it.
 *
 *   inference     sum of session.run time of every model the frame used (style network, predictor, RIFE flow)
 *   end to end    style processor wall time for the frame (resize to working height, tiles, packing, models,
 *                 keep-colours/temporal blending, resize back)
 *
 * Frames: a real street frame (OpenCV vtest.avi) enlarged to 720p / 1080p. Temporal consistency is timed on the
 * second of two consecutive frames (the first has no history). Converter rows: wall time of each conversion from
 * the CI copies in ../shared/models, and the int8 graphs' two quantisation modes (dequantized float weights vs
 * Q/DQ activations) by median session.run time.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import * as ort from 'onnxruntime-node';
import { createEffectContext } from '../../core/src/runtime/context.ts';
import { styleEffect, type StyleParams } from '../../core/src/effects/style/descriptor.ts';
import { convertTfliteBytes } from '../../models/converters/tflite/index.ts';
import { convertNcnn } from '../../models/converters/ncnn/index.ts';
import { convertTfjsGraph } from '../../models/converters/tfjs/index.ts';
import { median, round1, streetFrames } from '../support.ts';
import type { BenchCell, BenchSection } from '../types.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const shared = path.resolve(root, '../shared/models');
const STARRY = path.join(root, 'core/src/effects/style/testdata/starry_night.jpg');

const base: StyleParams = {
  style: 'mosaic',
  strength: 1,
  keepColors: false,
  workingHeight: 720,
  tileSize: 1024,
  temporalConsistency: false,
  temporalWeight: 0.7,
};

interface Case {
  label: string;
  width: number;
  height: number;
  params: Partial<StyleParams>;
}

const cases: Case[] = [
  { label: 'mosaic, 720p', width: 1280, height: 720, params: {} },
  { label: 'mosaic, 1080p (working 720)', width: 1920, height: 1080, params: {} },
  { label: 'mosaic, 1080p full size', width: 1920, height: 1080, params: { workingHeight: 0 } },
  { label: 'painting (Starry Night), 720p', width: 1280, height: 720, params: { style: STARRY } },
  {
    label: 'painting (Starry Night), 1080p (working 720)',
    width: 1920,
    height: 1080,
    params: { style: STARRY },
  },
  {
    label: 'mosaic + temporal consistency, 720p',
    width: 1280,
    height: 720,
    params: { temporalConsistency: true },
  },
];

async function styleRows(): Promise<{ rows: BenchCell[][]; providers: Set<string> }> {
  const ctx = createEffectContext();
  const rows: BenchCell[][] = [];
  const providers = new Set<string>();
  try {
    for (const c of cases) {
      const params = { ...base, ...c.params };
      const processor = await styleEffect.createProcessor(ctx);
      const frames = await streetFrames(c.width, c.height, 2);
      await processor.process(frames[0]!, params); // warm-up (models load) and temporal history
      const ids = [...styleEffect.models];
      const sessions = await Promise.all(ids.map((id) => ctx.sessions.get(id).catch(() => undefined)));
      for (const s of sessions) if (s) providers.add(s.provider);
      const before = sessions.reduce((t, s) => t + (s?.stats.inferenceMs ?? 0), 0);
      const t0 = performance.now();
      await processor.process(frames[1]!, params);
      const e2e = performance.now() - t0;
      const inference = sessions.reduce((t, s) => t + (s?.stats.inferenceMs ?? 0), 0) - before;
      process.stderr.write(`style bench: ${c.label} done\n`);
      rows.push([c.label, `${c.width}x${c.height}`, round1(inference), round1(e2e), round1(inference / e2e)]);
    }
  } finally {
    await ctx.sessions.dispose();
  }
  return { rows, providers };
}

async function timeRun(bytes: Uint8Array, feeds: Record<string, ort.Tensor>): Promise<number> {
  const s = await ort.InferenceSession.create(bytes);
  await s.run(feeds);
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    await s.run(feeds);
    times.push(performance.now() - t0);
  }
  await s.release();
  return median(times);
}

async function converterRows(): Promise<BenchCell[][]> {
  const rows: BenchCell[][] = [];
  const timed = async (label: string, f: () => Promise<Uint8Array> | Uint8Array): Promise<Uint8Array> => {
    const t0 = performance.now();
    const bytes = await f();
    rows.push([label, `conversion → ${bytes.length} B ONNX`, '', round1(performance.now() - t0), '']);
    return bytes;
  };
  const tfl = (name: string): string => path.join(shared, name);
  await timed('tflite: DeepLabv3 257 (float)', () =>
    convertTfliteBytes(readFileSync(tfl('deeplabv3-tflite/deeplabv3_257_mv_gpu.tflite')), 'deeplab'),
  );
  const predictor = tfl('magenta-arbitrary-style/style_predict_quantized_256.tflite');
  const transformer = tfl('magenta-arbitrary-style/style_transfer_quantized_384.tflite');
  await timed('tflite: style predictor (int8)', () => convertTfliteBytes(readFileSync(predictor), 'p'));
  await timed('tflite: style transformer (int8, qdq)', () =>
    convertTfliteBytes(readFileSync(transformer), 't', { quantMode: 'qdq', dynamicSpatial: true }),
  );
  await timed('tflite: MediaPipe selfie segmentation (fp16)', () =>
    convertTfliteBytes(
      readFileSync(path.join(root, 'node_modules/@mediapipe/selfie_segmentation/selfie_segmentation.tflite')),
      's',
    ),
  );
  await timed('ncnn: fast-neural-style mosaic', () =>
    convertNcnn(
      {
        param: path.join(root, 'models/params/fast-neural-style.param'),
        bin: tfl('fast-neural-style-ncnn/mosaic.bin'),
      },
      { inputChannels: { input1: 3 } },
    ),
  );
  await timed('tfjs: Magenta separable transformer', () =>
    convertTfjsGraph({ model: tfl('magenta-arbitrary-style/transformer-tfjs/model.json') }),
  );
  // Quantised graphs: the two ways to run int8 tensors, median session.run here.
  const img = new Float32Array(256 * 256 * 3).map((_, i) => (i % 255) / 255);
  const pFeeds = { style_image: new ort.Tensor('float32', img, [1, 256, 256, 3]) };
  for (const mode of ['float', 'qdq'] as const) {
    const ms = await timeRun(convertTfliteBytes(readFileSync(predictor), 'p', { quantMode: mode }), pFeeds);
    rows.push([`run: style predictor, quantMode ${mode}`, '256x256', round1(ms), '', '']);
  }
  const content = new Float32Array(384 * 384 * 3).map((_, i) => (i % 251) / 251);
  const vec = new Float32Array(100).map((_, i) => Math.sin(i) * 0.5);
  const tFeeds = {
    content_image: new ort.Tensor('float32', content, [1, 384, 384, 3]),
    'mobilenet_conv/Conv/BiasAdd': new ort.Tensor('float32', vec, [1, 1, 1, 100]),
  };
  for (const mode of ['float', 'qdq'] as const) {
    const ms = await timeRun(convertTfliteBytes(readFileSync(transformer), 't', { quantMode: mode }), tFeeds);
    rows.push([`run: style transformer, quantMode ${mode}`, '384x384', round1(ms), '', '']);
  }
  return rows;
}

export async function run(): Promise<BenchSection> {
  const { rows, providers } = await styleRows();
  const conv = await converterRows();
  return {
    title: 'Style transfer per frame; converters',
    columns: ['case', 'input', 'inference ms', 'end-to-end ms', 'inference / end to end'],
    rows: [...rows, ['— converters and int8 run modes —', '', '', '', ''], ...conv],
    notes: [
      'inference: session.run time of every model the frame used; end to end: the processor call (resizing, tiling, packing, blending included). Timed on the second of two frames.',
      'Converter rows: the end-to-end column is the conversion wall time; "run" rows give the median session.run (inference column) of the int8 graphs for each quantMode (float: int8 weights dequantized at conversion; qdq: activations rounded through QuantizeLinear/DequantizeLinear as the int8 runtime does).',
    ],
    providers: [...providers],
  };
}
