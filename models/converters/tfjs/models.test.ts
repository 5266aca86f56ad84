/**
 * The five shipped TFJS conversions against the original runtime (@tensorflow/tfjs + wasm) on real images,
 * plus the pinned sha256 of each conversion. Tolerance per output: max|onnx − tfjs| ≤ 5e-4 + 2e-5·max|tfjs|
 * (both run fp32 from the same dequantised weights; only accumulation order differs — observed ≤ 2.3e-4 on
 * 0..1 masks and ≤ 1.2e-5 relative on the detectors' raw regressions).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { sha256Bytes } from '../../../core/src/models/hash.ts';
import { convertTfjsGraph } from './index.ts';
import { maxAbs, maxAbsDiff } from '../test-math.ts';
import { imageTensor, TESTDATA, tfjsSource } from './test-support.ts';
import { loadTfjsReference, type TfjsReference } from './tfjs-reference.ts';

const MESSI = path.join(TESTDATA, 'messi5.jpg');
const VTEST = path.join(TESTDATA, 'vtest-20s.jpg');
/** MEDIA's close-up still (public-domain portrait), the framing the matte effect sees most. */
const CLOSEUP = fileURLToPath(new URL('../../../test/fixtures/astronaut-256.png', import.meta.url));

const tolerance = (ref: ArrayLike<number>): number => 5e-4 + 2e-5 * maxAbs(ref);

interface ModelCase {
  id: string;
  size: number;
  scale?: number;
  offset?: number;
  /** ONNX output name → TF tensor of the original graph. */
  reference: Record<string, string>;
}

type Crop = { left: number; top: number; width: number; height: number };

const MODELS: Record<string, ModelCase> = {
  selfie: { id: 'selfie-segmentation', size: 256, reference: { mask: 'activation_10' } },
  person: {
    id: 'person-detector',
    size: 512,
    scale: 255,
    reference: { keypoints: 'tower_0/keypoints', wh: 'tower_0/wh' },
  },
  blazeface: {
    id: 'blazeface',
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
  facemesh: {
    id: 'facemesh',
    size: 192,
    reference: { output_mesh: 'Identity_2', output_faceflag: 'Identity_1', output_contours: 'Identity' },
  },
  iris: { id: 'iris-landmark', size: 64, reference: { output_eyes: 'Identity' } },
};

/** Grace Hopper's portrait (public domain, Debian python-matplotlib-data), 512x600: eyes about 40 px wide. */
const HOPPER = '/usr/share/matplotlib/mpl-data/sample_data/grace_hopper.jpg';

interface Loaded {
  session: ort.InferenceSession;
  reference: TfjsReference;
}
const loaded = new Map<string, Promise<Loaded>>();
afterAll(async () => {
  for (const l of loaded.values()) {
    const { session, reference } = await l;
    reference.dispose();
    await session.release();
  }
});

/** Converts once per model, checking the pinned hash and the graph's names against the manifest. */
function load(c: ModelCase): Promise<Loaded> {
  let l = loaded.get(c.id);
  if (!l) {
    l = (async () => {
      const { manifest, files, options } = tfjsSource(c.id);
      const bytes = await convertTfjsGraph(files, options);
      expect(sha256Bytes(bytes), `${c.id}: sha256 of the conversion`).toBe(manifest.sha256);
      expect(bytes.length).toBe(manifest.bytes);
      const session = await ort.InferenceSession.create(bytes);
      expect(session.inputNames).toEqual([manifest.input.name]);
      expect([...session.outputNames].sort()).toEqual([...manifest.outputs].sort());
      return { session, reference: await loadTfjsReference(files.model!) };
    })();
    loaded.set(c.id, l);
  }
  return l;
}

/** Runs both runtimes on one real image; returns the ONNX outputs for further checks. */
async function compare(c: ModelCase, image: string, crop?: Crop): Promise<Record<string, Float32Array>> {
  const { session, reference } = await load(c);
  const x = await imageTensor(image, c.size, c.size, { ...c, ...(crop ? { crop } : {}) });
  const shape = [1, c.size, c.size, 3];
  const ours = await session.run({ [session.inputNames[0]!]: new ort.Tensor('float32', x, shape) });
  const theirs = await reference.run({ data: x, shape }, Object.values(c.reference));
  const out: Record<string, Float32Array> = {};
  Object.keys(c.reference).forEach((name, i) => {
    const a = ours[name]!;
    const b = theirs[i]!;
    const what = `${c.id}/${name} on ${path.basename(image)}`;
    expect(a.dims, `${what}: shape`).toEqual(b.shape);
    const diff = maxAbsDiff(a.data as Float32Array, b.data);
    expect(diff, `${what}: max|diff| vs TFJS`).toBeLessThanOrEqual(tolerance(b.data));
    out[name] = a.data as Float32Array;
  });
  return out;
}

const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v));

describe('TFJS → ONNX conversions match TFJS on real images', () => {
  it('selfie-segmentation: same mask on a close-up and a medium shot; people foreground, the rest not', async () => {
    const closeup = (await compare(MODELS.selfie!, CLOSEUP)).mask!;
    expect(closeup[50 * 256 + 112]).toBeGreaterThan(0.9); // face
    expect(closeup[200 * 256 + 60]).toBeGreaterThan(0.9); // suit
    expect(closeup[10 * 256 + 245]).toBeLessThan(0.1); // backdrop
    const { mask } = await compare(MODELS.selfie!, MESSI);
    // messi5.jpg is 548×342, stretched to 256×256.
    const at = (x: number, y: number): number =>
      mask![Math.round((y * 256) / 342) * 256 + Math.round((x * 256) / 548)]!;
    expect(at(240, 150)).toBeGreaterThan(0.9); // shirt
    expect(at(300, 250)).toBeGreaterThan(0.9); // shorts
    expect(at(30, 325)).toBeLessThan(0.1); // grass
  });

  it('person-detector: same heatmaps and box regressions on the wide street shot', async () => {
    const { keypoints } = await compare(MODELS.person!, VTEST);
    // Seven people walk in this frame: the person channel must peak clearly somewhere.
    let best = 0;
    for (let i = 0; i < keypoints!.length; i += 80) best = Math.max(best, keypoints![i]!);
    expect(best).toBeGreaterThan(0.5);
  });

  it('blazeface: same anchor logits and regressions; the faces score high', async () => {
    for (const image of [CLOSEUP, MESSI]) {
      const { scores_16 } = await compare(MODELS.blazeface!, image);
      expect(sigmoid(Math.max(...scores_16!)), path.basename(image)).toBeGreaterThan(0.75);
    }
  });

  it('facemesh: same 468-point mesh on face crops; a frontal face is flagged and the mesh lies on it', async () => {
    const { output_mesh, output_faceflag } = await compare(MODELS.facemesh!, CLOSEUP, {
      left: 80,
      top: 30,
      width: 100,
      height: 100,
    });
    expect(output_faceflag![0]).toBeGreaterThan(0.9);
    const xs = output_mesh!.filter((_, i) => i % 3 === 0);
    const ys = output_mesh!.filter((_, i) => i % 3 === 1);
    for (const v of [...xs, ...ys]) {
      expect(v).toBeGreaterThan(-20);
      expect(v).toBeLessThan(212);
    }
    expect(Math.max(...xs) - Math.min(...xs)).toBeGreaterThan(60); // spans a face, not a point
    // The player looks down and away: only the numbers are compared there.
    await compare(MODELS.facemesh!, MESSI, { left: 200, top: 62, width: 90, height: 90 });
  });

  it('iris-landmark: same eye contour and iris points on real eye crops; the iris centre lies mid-eye', async () => {
    // Square crops 2.3x the eye width around each eye (as the effect crops them), found by eye on the photo.
    for (const crop of [
      { left: 177, top: 144, width: 92, height: 92 },
      { left: 260, top: 141, width: 92, height: 92 },
    ]) {
      const { output_eyes } = await compare(MODELS.iris!, HOPPER, crop);
      // 71 contour points then the iris centre (crop pixels of 64): near the crop's middle, and its 4 edge
      // points 2-8 px away (an iris, not a point or the whole eye).
      const cx = output_eyes![71 * 3]!;
      const cy = output_eyes![71 * 3 + 1]!;
      expect(Math.hypot(cx - 32, cy - 32), `iris centre in crop ${crop.left},${crop.top}`).toBeLessThan(10);
      for (let i = 72; i < 76; i++) {
        const r = Math.hypot(output_eyes![i * 3]! - cx, output_eyes![i * 3 + 1]! - cy);
        expect(r).toBeGreaterThan(2);
        expect(r).toBeLessThan(8);
      }
    }
  });
});
