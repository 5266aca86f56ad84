/**
 * The integer fast paths give what the float paths gave (issue 10: 8-bit stays 8-bit until an effect needs
 * more, conversion fused with resize/normalisation). On a real photo (test/fixtures/astronaut-256.png) and a
 * real-looking soft matte:
 * - tensor packing from u8 vs from the f32 frame: within 2e-6 per tensor value (ISNet normalisation; float
 *   rounding only);
 * - the stabiliser's luma from u8 vs f32: within 1e-6;
 * - the stabiliser's row-wise motion map vs the same steps through runtime/mask-ops (boxBlur, dilate):
 *   identical, bit for bit;
 * - matte compose from u8 (u16 out) vs the float path then fromFloat32(u16): identical for straight and alpha
 *   output, within 1/65535 for premultiplied and composite.
 */
import path from 'node:path';
import sharp from 'sharp';
import { expect, it } from 'vitest';
import { frameOver, fromFloat32, toFloat32, type U8Frame } from '../../core/src/contract/frame.ts';
import { frameToTensor } from '../../core/src/runtime/tensor.ts';
import { getManifest } from '../../core/src/models/manifests.ts';
import { lumaOf, motionMap } from '../../core/src/effects/matte/stabilizer.ts';
import { boxBlur, dilate } from '../../core/src/runtime/mask-ops.ts';
import { composeOutput, type OutputMode } from '../../core/src/effects/matte/compose.ts';

async function photo(): Promise<U8Frame> {
  const { data, info } = await sharp(path.resolve('test/fixtures/astronaut-256.png'))
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return frameOver(info.width, info.height, 'u8', 'display', new Uint8Array(data));
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
}

it('packs a tensor from u8 samples as from the float frame', async () => {
  const u8 = await photo();
  const spec = getManifest('isnet-general').input;
  const crop = {
    region: { x: 17, y: 30, width: 150, height: 201 },
    fit: 'letterbox' as const,
    padValue: 0.3,
  };
  for (const options of [{}, crop]) {
    const fromInt = frameToTensor(u8, spec, options);
    const fromFloat = frameToTensor(toFloat32(u8), spec, options);
    expect(fromInt.dims).toEqual(fromFloat.dims);
    expect(maxDiff(fromInt.data, fromFloat.data)).toBeLessThanOrEqual(2e-6);
  }
});

it('computes the stabiliser luma from u8 samples as from the float frame', async () => {
  const u8 = await photo();
  expect(maxDiff(lumaOf(u8), lumaOf(toFloat32(u8)))).toBeLessThanOrEqual(1e-6);
});

it('computes the motion map as mask-ops blur and dilate do, bit for bit', async () => {
  const u8 = await photo();
  const { width: w, height: h } = u8;
  const cur = lumaOf(u8);
  // The previous frame: the photo moved 3 px right and 2 px down, plus a brightness drift.
  const prev = new Float32Array(w * h);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      prev[y * w + x] = cur[Math.max(0, y - 2) * w + Math.max(0, x - 3)]! * 0.97 + 0.01;
  const diff = new Float32Array(w * h);
  for (let i = 0; i < diff.length; i++) diff[i] = Math.abs(cur[i]! - prev[i]!);
  const want = dilate(boxBlur({ width: w, height: h, data: diff }, 2), 3).data;
  for (let i = 0; i < want.length; i++)
    want[i] = Math.min(1, Math.max(0, (want[i]! - 0.025) / (0.08 - 0.025)));
  const got = motionMap(prev, cur, w, h).data;
  expect(maxDiff(got, want)).toBe(0);
  // Not a vacuous comparison: the map has moving, static and in-between pixels.
  expect(got.some((v) => v === 1) && got.some((v) => v === 0) && got.some((v) => v > 0 && v < 1)).toBe(true);
});

it('composes from u8 to u16 as the float path does', async () => {
  const u8 = await photo();
  const { width, height } = u8;
  // A soft matte with every level: a diagonal ramp plus the photo's own luma, clamped to 0..1.
  const luma = lumaOf(u8);
  const alpha = new Float32Array(width * height);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++)
      alpha[y * width + x] = Math.min(
        1,
        Math.max(0, (x + y) / (width + height) + luma[y * width + x]! - 0.5),
      );
  const mask = { width, height, data: alpha };
  const bounds: Record<OutputMode, number> = {
    'rgba-straight': 0,
    alpha: 0,
    'rgba-premultiplied': 1,
    composite: 1,
  };
  for (const [mode, bound] of Object.entries(bounds) as [OutputMode, number][]) {
    const background = { color: [0.2, 0.5, 0.9, 1] as const };
    const fast = composeOutput(u8, mask, mode, background);
    const float = composeOutput(toFloat32(u8), mask, mode, background);
    expect(fast.format).toBe('u16');
    expect(float.format).toBe('f32');
    const want = fromFloat32(float as Parameters<typeof fromFloat32>[0], 'u16');
    expect(maxDiff(fast.data, want.data), mode).toBeLessThanOrEqual(bound);
  }
});
