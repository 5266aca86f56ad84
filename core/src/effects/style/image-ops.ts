/**
 * Small whole-frame operations the style effect composes: resizing (area down, bilinear up), sRGB encoding
 * for models trained on sRGB images, luminance-only transfer and blending.
 */
import { createFrame, type F32Frame } from '../frame.ts';
import { resampleRows } from '../../runtime/resample.ts';
import { linearToSrgb, srgbToLinear } from '../../runtime/srgb.ts';

export function resizeFrame(frame: F32Frame, width: number, height: number): F32Frame {
  if (frame.width === width && frame.height === height) return frame;
  const out = createFrame(width, height, 'f32', frame.colorSpace);
  resampleRows(
    { data: frame.data, rowStride: frame.stride, pixelStride: 4 },
    [0, 1, 2, 3],
    { x: 0, y: 0, width: frame.width, height: frame.height },
    width,
    height,
    (y, row) => out.data.set(row, y * out.stride),
  );
  return out;
}

/** A display-referred (sRGB-encoded) copy of a linear frame; display frames are returned as they are. */
export function toDisplay(frame: F32Frame): F32Frame {
  if (frame.colorSpace === 'display') return frame;
  const out = createFrame(frame.width, frame.height, 'f32', 'display');
  mapRgb(frame, out, linearToSrgb);
  return out;
}

/** Back to the colour space of `like` (decodes sRGB when `like` is linear). */
export function toColorSpaceOf(frame: F32Frame, like: F32Frame): F32Frame {
  if (like.colorSpace === frame.colorSpace) return frame;
  const out = createFrame(frame.width, frame.height, 'f32', like.colorSpace);
  mapRgb(frame, out, srgbToLinear);
  return out;
}

function mapRgb(src: F32Frame, out: F32Frame, f: (v: number) => number): void {
  for (let y = 0; y < src.height; y++)
    for (let x = 0; x < src.width; x++) {
      const s = y * src.stride + x * 4;
      const o = y * out.stride + x * 4;
      for (let c = 0; c < 3; c++) out.data[o + c] = f(src.data[s + c]!);
      out.data[o + 3] = src.data[s + 3]!;
    }
}

// BT.709 luma weights (the frames are BT.709/sRGB display-referred).
const KR = 0.2126;
const KG = 0.7152;
const KB = 0.0722;

/**
 * Luminance-only transfer ("preserving colour", Gatys et al. 2016): the stylised frame's luma with the
 * original's chroma, i.e. out = styled + (Y_orig-chroma offsets): out_c = orig_c - Y_orig + Y_styled.
 */
export function keepOriginalColors(styled: F32Frame, original: F32Frame): void {
  for (let y = 0; y < styled.height; y++)
    for (let x = 0; x < styled.width; x++) {
      const s = y * styled.stride + x * 4;
      const o = y * original.stride + x * 4;
      const ys = KR * styled.data[s]! + KG * styled.data[s + 1]! + KB * styled.data[s + 2]!;
      const yo = KR * original.data[o]! + KG * original.data[o + 1]! + KB * original.data[o + 2]!;
      for (let c = 0; c < 3; c++) styled.data[s + c] = clamp01(original.data[o + c]! - yo + ys);
    }
}

/** a ← a·t + b·(1−t) on RGB, per pixel weight `t` (a number or a per-pixel array). */
export function blendInto(a: F32Frame, b: F32Frame, t: number | Float32Array): void {
  for (let y = 0; y < a.height; y++)
    for (let x = 0; x < a.width; x++) {
      const w = typeof t === 'number' ? t : t[y * a.width + x]!;
      if (w === 1) continue;
      const s = y * a.stride + x * 4;
      const o = y * b.stride + x * 4;
      for (let c = 0; c < 3; c++) a.data[s + c] = a.data[s + c]! * w + b.data[o + c]! * (1 - w);
    }
}

export function clamp01(v: number): number {
  return v < 0 ? 0 : v > 1 ? 1 : v;
}

/** Copies the alpha channel of `from` into `to` (same size): style changes colour, never coverage. */
export function copyAlpha(to: F32Frame, from: F32Frame): void {
  for (let y = 0; y < to.height; y++)
    for (let x = 0; x < to.width; x++)
      to.data[y * to.stride + x * 4 + 3] = from.data[y * from.stride + x * 4 + 3]!;
}
