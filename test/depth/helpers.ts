/** Shared by the depth tests: real pictures as frames, the Middlebury aloe pair and its ground truth. */
import sharp from 'sharp';
import type { F32Frame } from '../../core/src/effects/frame.ts';
import { imageFrame } from '../support/images.ts';
import type { Mask } from '../../core/src/runtime/mask-ops.ts';
import { resizeMask } from '../../core/src/runtime/tensor.ts';
import { lumaMask, type DepthMap } from '../../core/src/effects/depth/depth-map.ts';

export const OPENCV_DATA = '/usr/share/doc/opencv-doc/examples/data';
export const ALOE_LEFT = `${OPENCV_DATA}/aloeL.jpg`;
/** Middlebury 2006 "Aloe" ground-truth disparity of the left view (larger = nearer; 0 = unknown). */
export const ALOE_GT = `${OPENCV_DATA}/aloeGT.png`;

/** A picture as a frame, `width` wide with its aspect kept (the shared test loader does the decoding). */
export async function loadFrame(file: string, width?: number): Promise<F32Frame> {
  if (!width) return imageFrame(file);
  const meta = await sharp(file).metadata();
  return imageFrame(file, { width, height: Math.round((meta.height! * width) / meta.width!) });
}

/**
 * The Aloe ground truth as nearness at `width` (known disparities spread over 0..1, unknown = 0 = far), and
 * written as an 8-bit grey depth file when `file` is given.
 */
export async function aloeNearness(width: number, file?: string): Promise<Mask> {
  const gt = await loadDisparity(ALOE_GT, width);
  let min = Infinity;
  let max = 0;
  for (const v of gt.data) {
    if (v === 0) continue;
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  const data = gt.data.map((v) => (v > 0 ? (v - min) / (max - min) : 0));
  if (file) {
    const grey = Buffer.from(data.map((v) => Math.round(v * 255)));
    await sharp(grey, { raw: { width: gt.width, height: gt.height, channels: 1 } })
      .png()
      .toFile(file);
  }
  return { width: gt.width, height: gt.height, data };
}

/** Ground-truth disparity at `width` (nearest neighbour: unknown pixels stay 0, no blending across edges). */
export async function loadDisparity(file: string, width: number): Promise<Mask> {
  const { data, info } = await sharp(file)
    .resize({ width, kernel: 'nearest' })
    .extractChannel(0)
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: Float32Array.from(data) };
}

/** Luma of a frame (BT.709), tightly packed. */
export function lumaOf(f: F32Frame): Float32Array {
  const out = new Float32Array(f.width * f.height);
  for (let y = 0; y < f.height; y++)
    for (let x = 0; x < f.width; x++) {
      const s = y * f.stride + x * 4;
      out[y * f.width + x] = 0.2126 * f.data[s]! + 0.7152 * f.data[s + 1]! + 0.0722 * f.data[s + 2]!;
    }
  return out;
}

/** The red channel of a grey frame (a depth pass) as a plain array. */
export function greyOf(f: F32Frame): Float32Array {
  const out = new Float32Array(f.width * f.height);
  for (let i = 0; i < out.length; i++) out[i] = f.data[i * 4]!;
  return out;
}

/** Mean |Δ depth| between consecutive frames where the picture is still (|Δ luma| < 0.01 on the grid). */
export function flicker(fs: readonly F32Frame[], maps: readonly DepthMap[]): number {
  let sum = 0;
  let n = 0;
  for (let t = 1; t < maps.length; t++) {
    const { width, height } = maps[t]!;
    const a = resizeMask(lumaMask(fs[t - 1]!), width, height);
    const b = resizeMask(lumaMask(fs[t]!), width, height);
    for (let i = 0; i < width * height; i++) {
      if (Math.abs(a.data[i]! - b.data[i]!) >= 0.01) continue;
      const d = (v: number) => Math.min(1, Math.max(0, v));
      sum += Math.abs(d(maps[t]!.data[i]!) - d(maps[t - 1]!.data[i]!));
      n++;
    }
  }
  return sum / n;
}

/**
 * Displacement (px) of the 11x11 block around (x, y) of luma plane `a` to its best match in `b` (SSD within
 * ±r px): how far a picture point moved between two parallax frames.
 */
export function trackBlock(
  a: Float32Array,
  b: Float32Array,
  w: number,
  h: number,
  x: number,
  y: number,
  r: number,
): number {
  const R = 5;
  let best = Infinity;
  let at: [number, number] = [x, y];
  for (let dy = -r; dy <= r; dy++)
    for (let dx = -r; dx <= r; dx++) {
      const bx = x + dx;
      const by = y + dy;
      if (bx < R || by < R || bx >= w - R || by >= h - R) continue;
      let ssd = 0;
      for (let v = -R; v <= R && ssd < best; v++)
        for (let u = -R; u <= R; u++) {
          const d = a[(y + v) * w + x + u]! - b[(by + v) * w + bx + u]!;
          ssd += d * d;
        }
      if (ssd < best) {
        best = ssd;
        at = [bx, by];
      }
    }
  return Math.hypot(at[0] - x, at[1] - y);
}

/** The upper median (the element at n/2 once sorted). */
export function median(xs: readonly number[]): number {
  return [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
}
