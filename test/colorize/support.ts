/**
 * Measurement helpers for the colorize tests and bench: CIELAB through libvips (sharp), not through the
 * effect's own colour code, so the figures are checked by something the effect did not write.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { createFrame, type U8Frame } from '../../core/src/effects/frame.ts';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** a*, b* planes (and L*) of an RGBA u8 frame, computed by libvips (D65 sRGB → CIELAB). */
export async function labOf(frame: U8Frame): Promise<{ l: Float32Array; a: Float32Array; b: Float32Array }> {
  const n = frame.width * frame.height;
  const rgb = Buffer.alloc(n * 3);
  for (let i = 0; i < n; i++)
    for (let c = 0; c < 3; c++)
      rgb[i * 3 + c] = frame.data[((i / frame.width) | 0) * frame.stride + (i % frame.width) * 4 + c]!;
  const buf = await sharp(rgb, { raw: { width: frame.width, height: frame.height, channels: 3 } })
    .toColourspace('lab')
    .raw({ depth: 'float' })
    .toBuffer();
  const f = new Float32Array(buf.buffer, buf.byteOffset, n * 3);
  const l = new Float32Array(n);
  const a = new Float32Array(n);
  const b = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    l[i] = f[i * 3]!;
    a[i] = f[i * 3 + 1]!;
    b[i] = f[i * 3 + 2]!;
  }
  return { l, a, b };
}

/** RMSE over the a* and b* channels together: sqrt(mean((Δa² + Δb²) / 2)), optionally inside a mask. */
export function chromaRmse(
  x: { a: Float32Array; b: Float32Array },
  truth: { a: Float32Array; b: Float32Array },
  mask?: Uint8Array,
): number {
  let s = 0;
  let k = 0;
  for (let i = 0; i < x.a.length; i++) {
    if (mask && !mask[i]) continue;
    const da = x.a[i]! - truth.a[i]!;
    const db = x.b[i]! - truth.b[i]!;
    s += (da * da + db * db) / 2;
    k++;
  }
  return Math.sqrt(s / Math.max(1, k));
}

/** BT.709 Y' of every pixel (0..255 scale). */
export function lumaOf(frame: U8Frame): Float64Array {
  const out = new Float64Array(frame.width * frame.height);
  for (let y = 0; y < frame.height; y++)
    for (let x = 0; x < frame.width; x++) {
      const o = y * frame.stride + x * 4;
      out[y * frame.width + x] =
        0.2126 * frame.data[o]! + 0.7152 * frame.data[o + 1]! + 0.0722 * frame.data[o + 2]!;
    }
  return out;
}

export function psnr(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i]! - b[i]!) ** 2;
  const mse = s / a.length;
  return mse === 0 ? Infinity : 10 * Math.log10((255 * 255) / mse);
}

/** A grey copy (R = G = B = rounded BT.709 Y') of a colour frame: what a black-and-white transfer holds. */
export function toGrey(frame: U8Frame): U8Frame {
  const out = createFrame(frame.width, frame.height, 'u8');
  const y = lumaOf(frame);
  for (let i = 0; i < y.length; i++) {
    const v = Math.round(y[i]!);
    out.data[i * 4] = v;
    out.data[i * 4 + 1] = v;
    out.data[i * 4 + 2] = v;
    out.data[i * 4 + 3] = 255;
  }
  return out;
}

/** Baseline "copy without motion": frame `lumaFrom`'s Y' with `chromaFrom`'s Cb/Cr (BT.709), gamut-clipped. */
export function copyChroma(lumaFrom: U8Frame, chromaFrom: U8Frame): U8Frame {
  const out = createFrame(lumaFrom.width, lumaFrom.height, 'u8');
  const y = lumaOf(lumaFrom);
  const yc = lumaOf(chromaFrom);
  for (let i = 0; i < y.length; i++)
    for (let c = 0; c < 3; c++) {
      const v = chromaFrom.data[i * 4 + c]! - yc[i]! + y[i]!;
      out.data[i * 4 + c] = Math.max(0, Math.min(255, Math.round(v)));
    }
  for (let i = 0; i < y.length; i++) out.data[i * 4 + 3] = 255;
  return out;
}

export async function writePng(frame: U8Frame, file: string): Promise<void> {
  await sharp(Buffer.from(frame.data.buffer, frame.data.byteOffset, frame.data.byteLength), {
    raw: { width: frame.width, height: frame.height, channels: 4 },
  })
    .png()
    .toFile(file);
}
