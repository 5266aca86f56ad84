/**
 * Scene-cut detection between consecutive frames, so interpolation never blends two different shots.
 * A frame is summarised by a small signature (per-channel 16-bin histograms and a 32x18 thumbnail, cheap
 * enough for every frame); two frames belong to different shots when
 *   score = max(histogram distance, mean absolute thumbnail difference) >= threshold,
 * histogram distance being half the L1 distance of normalised histograms averaged over R, G, B (0 = same
 * colour distribution, 1 = disjoint). Camera and subject motion move pixels but keep the histogram, and the
 * thumbnail difference stays small at 32x18; a cut changes one or both. Default threshold 0.3.
 */
import { toFloat32, type Frame } from '../frame.ts';

const BINS = 16;
const THUMB_W = 32;
const THUMB_H = 18;

export interface FrameSignature {
  histogram: Float32Array; // 3 * BINS, each channel sums to 1
  thumbnail: Float32Array; // THUMB_W * THUMB_H * 3, box-averaged
}

export function frameSignature(input: Frame): FrameSignature {
  const frame = toFloat32(input);
  const histogram = new Float32Array(3 * BINS);
  const thumbnail = new Float32Array(THUMB_W * THUMB_H * 3);
  const counts = new Float32Array(THUMB_W * THUMB_H);
  for (let y = 0; y < frame.height; y++) {
    const ty = Math.min(THUMB_H - 1, Math.floor((y * THUMB_H) / frame.height));
    for (let x = 0; x < frame.width; x++) {
      const tx = Math.min(THUMB_W - 1, Math.floor((x * THUMB_W) / frame.width));
      const t = ty * THUMB_W + tx;
      const s = y * frame.stride + x * 4;
      counts[t]!++;
      for (let c = 0; c < 3; c++) {
        const v = Math.min(1, Math.max(0, frame.data[s + c]!));
        histogram[c * BINS + Math.min(BINS - 1, Math.floor(v * BINS))]!++;
        thumbnail[t * 3 + c]! += v;
      }
    }
  }
  const n = frame.width * frame.height;
  for (let i = 0; i < histogram.length; i++) histogram[i]! /= n;
  for (let t = 0; t < counts.length; t++)
    for (let c = 0; c < 3; c++) thumbnail[t * 3 + c]! /= Math.max(1, counts[t]!);
  return { histogram, thumbnail };
}

/** 0 (identical) .. 1 (unrelated). */
export function sceneChangeScore(a: FrameSignature, b: FrameSignature): number {
  let hist = 0;
  for (let i = 0; i < a.histogram.length; i++) hist += Math.abs(a.histogram[i]! - b.histogram[i]!);
  hist /= 2 * 3;
  let mad = 0;
  for (let i = 0; i < a.thumbnail.length; i++) mad += Math.abs(a.thumbnail[i]! - b.thumbnail[i]!);
  mad /= a.thumbnail.length;
  return Math.max(hist, mad);
}
