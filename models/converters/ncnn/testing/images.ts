/**
 * Test-only image helpers for the ncnn / upscale / interpolate tests: real photos (PNG fixtures) as planar
 * RGB [3,H,W] floats in 0..1 (the layout the converted models take), resizing with sharp, and PSNR.
 */
import sharp from 'sharp';
import { createFrame, type Frame } from '../../../../core/src/effects/frame.ts';

export interface PlanarImage {
  width: number;
  height: number;
  /** [3, H, W], 0..1. */
  data: Float32Array;
}

function toPlanar(raw: Buffer, width: number, height: number): PlanarImage {
  const n = width * height;
  const data = new Float32Array(3 * n);
  for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) data[c * n + i] = raw[i * 3 + c]! / 255;
  return { width, height, data };
}

function toInterleaved(img: PlanarImage): Buffer {
  const n = img.width * img.height;
  const out = Buffer.alloc(3 * n);
  for (let i = 0; i < n; i++)
    for (let c = 0; c < 3; c++)
      out[i * 3 + c] = Math.round(Math.min(1, Math.max(0, img.data[c * n + i]!)) * 255);
  return out;
}

/** Loads an image file (grey or colour) as planar RGB, optionally cropped. */
export async function loadPlanar(
  file: string,
  crop?: { left: number; top: number; width: number; height: number },
): Promise<PlanarImage> {
  let s = sharp(file).removeAlpha().toColourspace('srgb');
  if (crop) s = s.extract(crop);
  const { data, info } = await s.raw().toBuffer({ resolveWithObject: true });
  if (info.channels !== 3)
    throw new Error(`${file}: expected 3 channels after conversion, got ${info.channels}`);
  return toPlanar(data, info.width, info.height);
}

/** Resizes with sharp's filters ('cubic' = Catmull-Rom, antialiased when shrinking). Quantises to 8 bit. */
export async function resizePlanar(
  img: PlanarImage,
  width: number,
  height: number,
  kernel: 'cubic' | 'lanczos3' | 'nearest' | 'linear' = 'cubic',
): Promise<PlanarImage> {
  const raw = await sharp(toInterleaved(img), { raw: { width: img.width, height: img.height, channels: 3 } })
    .resize(width, height, { kernel, fit: 'fill' })
    .raw()
    .toBuffer();
  return toPlanar(raw, width, height);
}

/** PSNR in dB of `a` against reference `b` over all samples (values clamped to 0..1 first). */
export function psnr(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new Error(`psnr: sizes differ (${a.length} vs ${b.length})`);
  let se = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.min(1, Math.max(0, a[i]!)) - Math.min(1, Math.max(0, b[i]!));
    se += d * d;
  }
  return 10 * Math.log10(1 / Math.max(se / a.length, 1e-12));
}

/** Planar RGB → Frame (RGBA float, alpha 1 unless given). */
export function planarToFrame(img: PlanarImage, alpha?: (x: number, y: number) => number): Frame {
  const f = createFrame(img.width, img.height);
  const n = img.width * img.height;
  for (let i = 0; i < n; i++) {
    f.data[i * 4] = img.data[i]!;
    f.data[i * 4 + 1] = img.data[n + i]!;
    f.data[i * 4 + 2] = img.data[2 * n + i]!;
    f.data[i * 4 + 3] = alpha ? alpha(i % img.width, Math.floor(i / img.width)) : 1;
  }
  return f;
}

/** Frame RGB → planar (alpha dropped). */
export function frameToPlanar(frame: Frame): PlanarImage {
  const n = frame.width * frame.height;
  const data = new Float32Array(3 * n);
  for (let y = 0; y < frame.height; y++)
    for (let x = 0; x < frame.width; x++) {
      const s = y * frame.stride + x * 4;
      const i = y * frame.width + x;
      data[i] = frame.data[s]!;
      data[n + i] = frame.data[s + 1]!;
      data[2 * n + i] = frame.data[s + 2]!;
    }
  return { width: frame.width, height: frame.height, data };
}
