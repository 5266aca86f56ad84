/**
 * Tiny grey and colour summaries of a small RGB frame, the raw material of shot and motion detection.
 */
import type { SmallFrame } from './frame-source.ts';

/** A single-channel 8-bit image. */
export interface Gray {
  width: number;
  height: number;
  data: Uint8Array;
}

/** BT.709 luma of a packed RGB frame (display-referred, as the eye weighs it). */
export function lumaOf(frame: SmallFrame): Gray {
  const n = frame.width * frame.height;
  const data = new Uint8Array(n);
  const rgb = frame.rgb;
  for (let i = 0, p = 0; i < n; i++, p += 3) {
    data[i] = Math.round(0.2126 * rgb[p]! + 0.7152 * rgb[p + 1]! + 0.0722 * rgb[p + 2]!);
  }
  return { width: frame.width, height: frame.height, data };
}

/** Halves a grey image (2x2 box average); odd edges dropped. */
export function halve(img: Gray): Gray {
  const w = img.width >> 1;
  const h = img.height >> 1;
  const data = new Uint8Array(w * h);
  const s = img.data;
  const W = img.width;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const p = 2 * y * W + 2 * x;
      data[y * w + x] = (s[p]! + s[p + 1]! + s[p + W]! + s[p + W + 1]! + 2) >> 2;
    }
  }
  return { width: w, height: h, data };
}

export const HIST_BINS = 4 * 4 * 4;

/** A 4x4x4 RGB histogram normalised to sum 1: coarse enough that motion barely moves it, fine enough for cuts. */
export function colourHistogram(frame: SmallFrame): Float32Array {
  const hist = new Float32Array(HIST_BINS);
  const rgb = frame.rgb;
  const n = frame.width * frame.height;
  for (let p = 0; p < rgb.length; p += 3) {
    hist[((rgb[p]! >> 6) << 4) | ((rgb[p + 1]! >> 6) << 2) | (rgb[p + 2]! >> 6)]! += 1 / n;
  }
  return hist;
}

/** Half the L1 distance between two normalised histograms: 0 (same) .. 1 (disjoint). */
export function histogramDistance(a: Float32Array, b: Float32Array): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d += Math.abs(a[i]! - b[i]!);
  return d / 2;
}

/** Mean absolute difference of two same-size grey images, 0..1. */
export function meanAbsDiff(a: Uint8Array, b: Uint8Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i]! - b[i]!);
  return s / (a.length * 255);
}

export function meanOf(img: Uint8Array): number {
  let s = 0;
  for (let i = 0; i < img.length; i++) s += img[i]!;
  return s / (img.length * 255);
}
