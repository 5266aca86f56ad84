/**
 * Shared measurement code for the matte tests and the matte bench: decoding a fixture, the
 * median-background people reference for static-camera clips, IoU / SAD, and the flicker figure.
 */
import path from 'node:path';
import sharp from 'sharp';
import type { F32Frame, Frame } from '../../core/src/effects/frame.ts';
import { resolveParams } from '../../core/src/effects/params.ts';
import { matteEffect, type MatteParams } from '../../core/src/effects/matte/descriptor.ts';
import { decodeFrames } from '../../core/src/media/decode.ts';
import { dilate, erode, type Mask } from '../../core/src/runtime/mask-ops.ts';
import { fixture, repoRoot } from '../support/paths.ts';

export { fixture };

export const reference = (name: string): string => path.join(repoRoot, 'test', 'matte', 'reference', name);

/** Matte params as the processor sees them: the given ones validated, the rest at their defaults. */
export const matteParams = (p: Record<string, unknown> = {}): MatteParams =>
  resolveParams(matteEffect.params, p) as MatteParams;

export async function decodeAll(file: string, range?: { start: number; end?: number }): Promise<F32Frame[]> {
  const frames: F32Frame[] = [];
  for await (const f of decodeFrames(file, range ? { range } : {})) frames.push(f);
  return frames;
}

/** Per-pixel, per-channel median of RGB over the frames: the empty scene when people keep moving. */
export function medianBackground(frames: readonly Frame[]): Float32Array {
  const { width: w, height: h } = frames[0]!;
  const out = new Float32Array(w * h * 3);
  const col = new Float32Array(frames.length);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (let c = 0; c < 3; c++) {
        frames.forEach((f, k) => (col[k] = f.data[y * f.stride + x * 4 + c]!));
        col.sort();
        out[(y * w + x) * 3 + c] = col[col.length >> 1]!;
      }
    }
  }
  return out;
}

/**
 * The people reference on a static-camera clip: pixels whose colour differs from the median background by
 * more than `threshold` in some channel, cleaned by a 3x3 opening (drops noise specks and the 1-2 px
 * flapping tape) and a 5x5 closing (fills holes inside bodies). Independent of every model in the matte.
 */
export function motionReference(frame: Frame, background: Float32Array, threshold = 40 / 255): Mask {
  const { width: w, height: h } = frame;
  const m: Mask = { width: w, height: h, data: new Float32Array(w * h) };
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let d = 0;
      for (let c = 0; c < 3; c++) {
        d = Math.max(
          d,
          Math.abs(frame.data[y * frame.stride + x * 4 + c]! - background[(y * w + x) * 3 + c]!),
        );
      }
      m.data[y * w + x] = d > threshold ? 1 : 0;
    }
  }
  return erode(dilate(dilate(erode(m, 1), 1), 2), 2);
}

/** The people reference for every frame of a static-camera clip, against the clip's own median background. */
export function motionReferences(frames: readonly Frame[]): Mask[] {
  const background = medianBackground(frames);
  return frames.map((f) => motionReference(f, background));
}

/** Intersection over union of two masks binarised at 0.5. */
export function iou(a: Mask, b: Mask): number {
  let inter = 0;
  let union = 0;
  for (let i = 0; i < a.data.length; i++) {
    const x = a.data[i]! >= 0.5;
    const y = b.data[i]! >= 0.5;
    if (x && y) inter++;
    if (x || y) union++;
  }
  return union === 0 ? 1 : inter / union;
}

/** Mean absolute difference of two soft mattes (SAD / pixels). */
export function meanAbsDiff(a: Mask, b: Mask): number {
  let s = 0;
  for (let i = 0; i < a.data.length; i++) s += Math.abs(a.data[i]! - b.data[i]!);
  return s / a.data.length;
}

/** Alpha of an effect output frame (output=rgba-*: channel 3). */
export function alphaOf(frame: Frame): Mask {
  const m: Mask = {
    width: frame.width,
    height: frame.height,
    data: new Float32Array(frame.width * frame.height),
  };
  for (let y = 0; y < frame.height; y++) {
    for (let x = 0; x < frame.width; x++)
      m.data[y * frame.width + x] = frame.data[y * frame.stride + x * 4 + 3]!;
  }
  return m;
}

export async function loadMaskPng(file: string): Promise<Mask> {
  const { data, info } = await sharp(file).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
  const m: Mask = {
    width: info.width,
    height: info.height,
    data: new Float32Array(info.width * info.height),
  };
  for (let i = 0; i < m.data.length; i++) m.data[i] = data[i]! / 255;
  return m;
}

// Wrong mattes, to prove the metrics reject them.
/** The reference matte of close-up frame `n` (test/matte/reference/README.md). */
export const closeupReference = (n: number): Promise<Mask> =>
  loadMaskPng(reference(`closeup-2398-f${String(n).padStart(3, '0')}.png`));

export const inverted = (m: Mask): Mask => ({ ...m, data: m.data.map((v) => 1 - v) });
/** Where a matte is active (alpha > 0.01), grown by `grow` px: the region a flicker figure should look at. */
export function activeRegion(m: Mask, grow = 2): Mask {
  return dilate({ ...m, data: m.data.map((v) => (v > 0.01 ? 1 : 0)) }, grow);
}
export const allForeground = (m: Mask): Mask => ({ ...m, data: new Float32Array(m.data.length).fill(1) });
export function shifted(m: Mask, dx: number, dy: number): Mask {
  const out = new Float32Array(m.data.length);
  for (let y = 0; y < m.height; y++) {
    for (let x = 0; x < m.width; x++) {
      const sx = x - dx;
      const sy = y - dy;
      if (sx >= 0 && sy >= 0 && sx < m.width && sy < m.height)
        out[y * m.width + x] = m.data[sy * m.width + sx]!;
    }
  }
  return { ...m, data: out };
}

/**
 * Flicker: mean |alpha_t - alpha_{t-1}| over pixels that are static in both frames, where static means
 * farther than `margin` px from anything the motion reference marks (people, and whatever else moved).
 * `within` (one mask per frame) further restricts it, e.g. to where the unstabilised matte is non-zero, so
 * the figure is not diluted by the empty sky; pass the same `within` when comparing two runs.
 */
export function flicker(
  alphas: readonly Mask[],
  references: readonly Mask[],
  options: { margin?: number; within?: readonly Mask[] } = {},
): number {
  const margin = options.margin ?? 6;
  let sum = 0;
  let n = 0;
  for (let t = 1; t < alphas.length; t++) {
    const near0 = dilate(references[t - 1]!, margin).data;
    const near1 = dilate(references[t]!, margin).data;
    const w0 = options.within?.[t - 1]?.data;
    const w1 = options.within?.[t]?.data;
    const a0 = alphas[t - 1]!.data;
    const a1 = alphas[t]!.data;
    for (let i = 0; i < a1.length; i++) {
      if (near0[i]! > 0 || near1[i]! > 0) continue;
      if (w0 && w1 && w0[i]! < 0.5 && w1[i]! < 0.5) continue;
      sum += Math.abs(a1[i]! - a0[i]!);
      n++;
    }
  }
  return n === 0 ? 0 : sum / n;
}
