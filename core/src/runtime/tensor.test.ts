import { describe, expect, it } from 'vitest';
import type { Frame } from '../effects/frame.ts';
import {
  applyMaskAsAlpha,
  clampBox,
  cropFrame,
  expandBox,
  frameToTensor,
  maskToRegion,
  outputToMask,
  pasteMask,
  resizeMask,
  tensorToFrame,
  type Mask,
  type TensorInputSpec,
} from './tensor.ts';

const plain: TensorInputSpec = {
  layout: 'NCHW',
  channels: 'RGB',
  normalize: { scale: 1, mean: [0], std: [1] },
};

/** A frame whose rows are padded (stride > width*4) with NaN, so reading the padding shows up. */
function paddedFrame(width: number, height: number, pixel: (x: number, y: number) => number[]): Frame {
  const stride = width * 4 + 8;
  const data = new Float32Array(stride * height).fill(Number.NaN);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) data.set(pixel(x, y), y * stride + x * 4);
  }
  return { width, height, stride, format: 'f32', data, colorSpace: 'display' };
}

const px = (x: number, y: number) => [x / 10 + y / 100, 0.5 + x / 50, 1 - y / 20, 0.25 + x / 40];

describe('frameToTensor', () => {
  it('packs a padded-stride frame into NCHW RGB exactly when no resize is needed, and back', () => {
    const f = paddedFrame(7, 5, px);
    const t = frameToTensor(f, plain);
    expect(t.dims).toEqual([1, 3, 5, 7]);
    for (let y = 0; y < 5; y++) {
      for (let x = 0; x < 7; x++) {
        const [r, g, b] = px(x, y);
        expect(t.data[0 * 35 + y * 7 + x]).toBeCloseTo(r!, 6);
        expect(t.data[1 * 35 + y * 7 + x]).toBeCloseTo(g!, 6);
        expect(t.data[2 * 35 + y * 7 + x]).toBeCloseTo(b!, 6);
      }
    }
    const back = tensorToFrame(t.data, t.dims, plain);
    expect(back.width).toBe(7);
    for (let y = 0; y < 5; y++) {
      for (let x = 0; x < 7; x++) {
        expect(back.data[(y * 7 + x) * 4]).toBeCloseTo(px(x, y)[0]!, 6);
        expect(back.data[(y * 7 + x) * 4 + 2]).toBeCloseTo(px(x, y)[2]!, 6);
        expect(back.data[(y * 7 + x) * 4 + 3]).toBe(1);
      }
    }
  });

  it('packs BGR / NHWC with scale, mean and std per channel', () => {
    const f = paddedFrame(3, 2, px);
    const spec: TensorInputSpec = {
      layout: 'NHWC',
      channels: 'BGR',
      normalize: { scale: 255, mean: [10, 20, 30], std: [2, 4, 8] },
    };
    const t = frameToTensor(f, spec);
    expect(t.dims).toEqual([1, 2, 3, 3]);
    const [r, g, b] = px(2, 1) as [number, number, number];
    const at = (1 * 3 + 2) * 3;
    expect(t.data[at]).toBeCloseTo((b * 255 - 10) / 2, 4); // channel 0 is blue
    expect(t.data[at + 1]).toBeCloseTo((g * 255 - 20) / 4, 4);
    expect(t.data[at + 2]).toBeCloseTo((r * 255 - 30) / 8, 4);
    // RGBA keeps alpha as the 4th channel.
    const rgba = frameToTensor(f, { ...plain, channels: 'RGBA' });
    expect(rgba.dims).toEqual([1, 4, 2, 3]);
    expect(rgba.data[3 * 6 + 1 * 3 + 2]).toBeCloseTo(px(2, 1)[3]!, 6);
    // Round trip through the inverse normalisation.
    const back = tensorToFrame(t.data, t.dims, spec);
    expect(back.data[(1 * 3 + 2) * 4]).toBeCloseTo(r, 5);
    expect(back.data[(1 * 3 + 2) * 4 + 2]).toBeCloseTo(b, 5);
  });

  it('shrinks by area average (a 1-in-4 stripe becomes 0.25, not a bilinear 0 or 1)', () => {
    const f = paddedFrame(16, 8, (x, y) => [x % 4 === 0 ? 1 : 0, y % 4 === 1 ? 1 : 0, 0.5, 1]);
    const t = frameToTensor(f, plain, { width: 4, height: 2 });
    for (let i = 0; i < 8; i++) {
      expect(t.data[i]).toBeCloseTo(0.25, 6); // red stripes along x
      expect(t.data[8 + i]).toBeCloseTo(0.25, 6); // green stripes along y
      expect(t.data[16 + i]).toBeCloseTo(0.5, 6);
    }
  });

  it('enlarges bilinearly with half-pixel centres', () => {
    const f = paddedFrame(2, 1, (x) => [x, 0, 0, 1]);
    const t = frameToTensor(f, plain, { width: 4, height: 1 });
    expect(Array.from(t.data.subarray(0, 4))).toEqual([0, 0.25, 0.75, 1]);
  });

  it('packs a region (person crop) without copying the frame, and maps back through the transform', () => {
    const f = paddedFrame(20, 10, px);
    const t = frameToTensor(f, plain, { region: { x: 5, y: 2, width: 4, height: 3 } });
    expect(t.dims).toEqual([1, 3, 3, 4]);
    expect(t.data[0]).toBeCloseTo(px(5, 2)[0]!, 6);
    expect(t.data[2 * 4 + 3]).toBeCloseTo(px(8, 4)[0]!, 6);
    expect(t.transform).toEqual({ scaleX: 1, scaleY: 1, offsetX: 5, offsetY: 2 });
  });

  it('letterboxes keeping the aspect ratio, pads with the normalised pad value', () => {
    const f = paddedFrame(8, 4, () => [1, 1, 1, 1]);
    const spec: TensorInputSpec = { ...plain, normalize: { scale: 1, mean: [0.5], std: [0.5] } };
    const t = frameToTensor(f, spec, { width: 4, height: 4, fit: 'letterbox', padValue: 0 });
    expect(t.content).toEqual({ x: 0, y: 1, width: 4, height: 2 });
    const rows = [0, 1, 2, 3].map((y) => t.data[y * 4]);
    expect(rows).toEqual([-1, 1, 1, -1]); // pad 0 -> (0-0.5)/0.5, image 1 -> 1
    expect(t.transform).toEqual({ scaleX: 2, scaleY: 2, offsetX: 0, offsetY: -2 });
    // A mask the size of the tensor maps back onto the 8x4 region, padding dropped.
    const mask: Mask = {
      width: 4,
      height: 4,
      data: new Float32Array([0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0]),
    };
    const back = maskToRegion(mask, t);
    expect([back.width, back.height]).toEqual([8, 4]);
    expect(back.data.every((v) => v === 1)).toBe(true);
  });

  it('encodes a linear-light frame to sRGB (colour only, not alpha) before normalising', () => {
    const lin = paddedFrame(3, 1, (x) => [[0, 0.214, 1][x]!, 0.0031308, 0.5, 0.5]);
    const t = frameToTensor({ ...lin, colorSpace: 'linear' }, { ...plain, channels: 'RGBA' });
    expect(t.data[0]).toBeCloseTo(0, 5);
    expect(t.data[1]).toBeCloseTo(0.5, 3); // linear 0.214 is sRGB mid-grey
    expect(t.data[2]).toBeCloseTo(1, 5);
    expect(t.data[3]).toBeCloseTo(0.04045, 4);
    expect(t.data[6]).toBeCloseTo(0.7354, 3);
    expect(t.data[9]).toBe(0.5); // alpha untouched
  });

  it('rounds dynamic sizes up to multipleOf and rejects a wrong out buffer', () => {
    const f = paddedFrame(33, 17, px);
    const t = frameToTensor(f, { ...plain, size: null, multipleOf: 32 });
    expect(t.dims).toEqual([1, 3, 32, 64]);
    expect(() => frameToTensor(f, plain, { out: new Float32Array(5) })).toThrow(/out buffer has 5 floats/);
    const out = new Float32Array(3 * 17 * 33);
    expect(frameToTensor(f, plain, { out }).data).toBe(out);
    expect(() => frameToTensor(f, { ...plain, channels: 'latent' })).toThrow(/not an image/);
  });
});

describe('masks', () => {
  it('reads one channel of NCHW and NHWC outputs', () => {
    const nchw = new Float32Array([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(Array.from(outputToMask(nchw, [1, 2, 2, 2], { channel: 1 }).data)).toEqual([5, 6, 7, 8]);
    expect(Array.from(outputToMask(nchw, [1, 2, 2, 2], { layout: 'NHWC', channel: 1 }).data)).toEqual([
      2, 4, 6, 8,
    ]);
    expect(outputToMask(nchw, [1, 2, 4]).width).toBe(4);
    expect(() => outputToMask(nchw, [1, 2, 2, 2], { channel: 2 })).toThrow(/out of range/);
  });

  it('resizes masks bilinearly up and by area down', () => {
    const m: Mask = { width: 2, height: 2, data: new Float32Array([0, 1, 0, 1]) };
    expect(Array.from(resizeMask(m, 4, 1).data)).toEqual([0, 0.25, 0.75, 1]);
    const big = resizeMask({ width: 4, height: 2, data: new Float32Array([1, 0, 0, 0, 1, 0, 0, 0]) }, 1, 1);
    expect(big.data[0]).toBeCloseTo(0.25, 6);
  });

  it('pastes a crop mask back at its box (max or replace), clipped to the frame', () => {
    const dst: Mask = { width: 6, height: 4, data: new Float32Array(24).fill(0.5) };
    const crop: Mask = { width: 2, height: 2, data: new Float32Array([1, 0, 0, 1]) };
    pasteMask(dst, crop, { x: 1, y: 1, width: 2, height: 2 }, 'max');
    expect(dst.data[1 * 6 + 1]).toBe(1);
    expect(dst.data[1 * 6 + 2]).toBe(0.5); // max keeps what was there
    pasteMask(dst, crop, { x: 1, y: 1, width: 2, height: 2 }, 'replace');
    expect(dst.data[1 * 6 + 2]).toBe(0);
    pasteMask(dst, crop, { x: 5, y: 3, width: 2, height: 2 }, 'replace'); // only the top-left pixel is inside
    expect(dst.data[3 * 6 + 5]).toBe(1);
    expect(dst.data[0]).toBe(0.5);
    pasteMask(dst, crop, { x: -1, y: -1, width: 2, height: 2 }, 'replace'); // only the bottom-right pixel is inside
    expect(dst.data[0]).toBe(1);
    pasteMask(dst, crop, { x: 9, y: 0, width: 2, height: 2 }); // fully outside: no-op
  });

  it('clamps and expands boxes, crops frames', () => {
    expect(clampBox({ x: -3, y: 2.5, width: 10, height: 100 }, 8, 6)).toEqual({
      x: 0,
      y: 2,
      width: 7,
      height: 4,
    });
    expect(expandBox({ x: 2, y: 2, width: 2, height: 2 }, 2, 8, 8)).toEqual({
      x: 1,
      y: 1,
      width: 4,
      height: 4,
    });
    const f = paddedFrame(5, 4, px);
    const c = cropFrame(f, { x: 1, y: 2, width: 3, height: 2 });
    expect(c.stride).toBe(12);
    expect(c.data[4]).toBeCloseTo(px(2, 2)[0]!, 6);
  });

  it('writes a mask into alpha (straight or premultiplied) from a padded frame', () => {
    const f = paddedFrame(2, 2, () => [0.8, 0.6, 0.4, 1]);
    const mask: Mask = { width: 2, height: 2, data: new Float32Array([0, 0.5, 1, 2]) };
    const straight = applyMaskAsAlpha(f, mask);
    expect(Array.from(straight.data.subarray(4, 8))).toEqual([0.8, 0.6, 0.4, 0.5].map(Math.fround));
    expect(straight.data[15]).toBe(1); // clamped
    const pre = applyMaskAsAlpha(f, mask, { premultiply: true });
    expect(pre.data[4]).toBeCloseTo(0.4, 6);
    expect(pre.data[0]).toBe(0);
    expect(() => applyMaskAsAlpha(f, { width: 1, height: 1, data: new Float32Array(1) })).toThrow(
      /mask is 1x1/,
    );
  });
});
