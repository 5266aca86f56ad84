/**
 * The four shipped TFJS conversions against the original runtime (@tensorflow/tfjs + wasm) on real images,
 * plus the pinned sha256 of each conversion. Tolerance per output: max|onnx − tfjs| ≤ 5e-4 + 2e-5·max|tfjs|
 * (both run fp32 from the same dequantised weights; only accumulation order differs — observed ≤ 2.3e-4 on
 * 0..1 masks and ≤ 1.2e-5 relative on the detectors' raw regressions).
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { convertTfjsGraph } from './index.ts';
import { imageTensor, maxAbs, maxAbsDiff, TESTDATA, tfjsSource } from './test-support.ts';
import { loadTfjsReference, type TfjsReference } from './tfjs-reference.ts';

const MESSI = path.join(TESTDATA, 'messi5.jpg');
const VTEST = path.join(TESTDATA, 'vtest-20s.jpg');

const tolerance = (ref: ArrayLike<number>): number => 5e-4 + 2e-5 * maxAbs(ref);

interface Case {
  id: string;
  image: string;
  size: number;
  scale?: number;
  offset?: number;
  crop?: { left: number; top: number; width: number; height: number };
  /** ONNX output name → TF tensor of the original graph. */
  reference: Record<string, string>;
}

const cases: Case[] = [
  { id: 'selfie-segmentation', image: MESSI, size: 256, reference: { mask: 'activation_10' } },
  {
    id: 'person-detector',
    image: VTEST,
    size: 512,
    scale: 255,
    reference: { keypoints: 'tower_0/keypoints', wh: 'tower_0/wh' },
  },
  {
    id: 'blazeface',
    image: MESSI,
    size: 256,
    scale: 2,
    offset: 1,
    reference: {
      scores_16: 'Identity',
      boxes_16: 'Identity_2',
      scores_8: 'Identity_1',
      boxes_8: 'Identity_3',
    },
  },
  {
    id: 'facemesh',
    image: MESSI,
    size: 192,
    crop: { left: 200, top: 62, width: 90, height: 90 }, // the player's face
    reference: { output_mesh: 'Identity_2', output_faceflag: 'Identity_1', output_contours: 'Identity' },
  },
];

const references: TfjsReference[] = [];
afterAll(() => references.forEach((r) => r.dispose()));

/** Converts, checks the pin, runs both runtimes; returns the ONNX outputs for further checks. */
async function compare(c: Case): Promise<Record<string, Float32Array>> {
  const { manifest, files, options } = tfjsSource(c.id);
  const bytes = await convertTfjsGraph(files, options);
  expect(createHash('sha256').update(bytes).digest('hex'), `${c.id}: sha256 of the conversion`).toBe(
    manifest.sha256,
  );
  expect(bytes.length).toBe(manifest.bytes);

  const x = await imageTensor(c.image, c.size, c.size, c);
  const shape = [1, c.size, c.size, 3];
  const session = await ort.InferenceSession.create(bytes);
  expect(session.inputNames).toEqual([manifest.input.name]);
  expect([...session.outputNames].sort()).toEqual([...manifest.outputs].sort());
  const ours = await session.run({ [manifest.input.name]: new ort.Tensor('float32', x, shape) });
  await session.release();

  const ref = await loadTfjsReference(files.model!);
  references.push(ref);
  const names = Object.keys(c.reference);
  const theirs = await ref.run({ data: x, shape }, Object.values(c.reference));
  const out: Record<string, Float32Array> = {};
  names.forEach((name, i) => {
    const a = ours[name]!;
    const b = theirs[i]!;
    expect(a.dims, `${c.id}/${name} shape`).toEqual(b.shape);
    const diff = maxAbsDiff(a.data as Float32Array, b.data);
    expect(diff, `${c.id}/${name}: max|diff| vs TFJS`).toBeLessThanOrEqual(tolerance(b.data));
    out[name] = a.data as Float32Array;
  });
  return out;
}

describe('TFJS → ONNX conversions match TFJS on real images', () => {
  it('selfie-segmentation: same mask; the player is foreground, the grass is not', async () => {
    const { mask } = await compare(cases[0]!);
    // messi5.jpg is 548×342, stretched to 256×256.
    const at = (x: number, y: number): number =>
      mask![Math.round((y * 256) / 342) * 256 + Math.round((x * 256) / 548)]!;
    expect(at(240, 150)).toBeGreaterThan(0.9); // shirt
    expect(at(300, 250)).toBeGreaterThan(0.9); // shorts
    expect(at(30, 325)).toBeLessThan(0.1); // grass
  });

  it('person-detector: same heatmaps and box regressions on the wide street shot', async () => {
    const { keypoints } = await compare(cases[1]!);
    // Seven people walk in this frame: the person channel must peak clearly somewhere.
    let best = 0;
    for (let i = 0; i < keypoints!.length; i += 80) best = Math.max(best, keypoints![i]!);
    expect(best).toBeGreaterThan(0.5);
  });

  it("blazeface: same anchor logits and regressions; the player's face scores high", async () => {
    const { scores_16 } = await compare(cases[2]!);
    const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v));
    expect(sigmoid(Math.max(...scores_16!))).toBeGreaterThan(0.75);
  });

  it('facemesh: same 468-point mesh on a face crop, and the mesh lies on the crop', async () => {
    const { output_mesh } = await compare(cases[3]!);
    const xs = output_mesh!.filter((_, i) => i % 3 === 0);
    const ys = output_mesh!.filter((_, i) => i % 3 === 1);
    for (const v of [...xs, ...ys]) {
      expect(v).toBeGreaterThan(-20);
      expect(v).toBeLessThan(212);
    }
    expect(Math.max(...xs) - Math.min(...xs)).toBeGreaterThan(60); // spans a face, not a point
  });
});
