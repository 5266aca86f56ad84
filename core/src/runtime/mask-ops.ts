/**
 * Single-channel float mask operations (alpha mattes, confidence maps, motion maps): box blur,
 * grey-level erode/dilate, levels (resizing, cropping and pasting masks live in tensor.ts). Masks are
 * row-major Float32Array, tightly packed (width * height). Blur and morphology are separable and
 * O(pixels) per pass whatever the radius, so edge controls stay cheap at 4K.
 */

import type { Mask } from './tensor.ts';

// One Mask type for the runtime: tensor.ts defines it (model output -> mask, resize, paste).
export type { Mask };

export function createMask(width: number, height: number, fill = 0): Mask {
  const data = new Float32Array(width * height);
  if (fill !== 0) data.fill(fill);
  return { width, height, data };
}

/**
 * Box blur of radius r (window 2r+1) along rows then columns, edges clamped. Three passes approximate a
 * Gaussian of sigma ~ r (central limit), which is what `feather` uses.
 */
export function boxBlur(mask: Mask, radius: number, passes = 1): Mask {
  const r = Math.round(radius);
  if (r <= 0) return mask;
  const { width: w, height: h } = mask;
  let src = mask.data;
  const tmp = new Float32Array(w * h);
  const out = new Float32Array(w * h);
  for (let p = 0; p < passes; p++) {
    blurLines(src, tmp, w, h, 1, w, r); // rows
    blurLines(tmp, out, h, w, w, 1, r); // columns
    src = out;
  }
  return { width: w, height: h, data: out };
}

/** Running-sum blur of `lines` lines of length `len`; element i of line l is at l*lineStep + i*step. */
function blurLines(
  src: Float32Array,
  dst: Float32Array,
  len: number,
  lines: number,
  step: number,
  lineStep: number,
  r: number,
): void {
  const norm = 1 / (2 * r + 1);
  const at = (base: number, i: number) => src[base + Math.min(len - 1, Math.max(0, i)) * step]!;
  // Copy each line first so dst may alias src across passes without corrupting the running sum.
  const line = new Float32Array(len);
  for (let l = 0; l < lines; l++) {
    const base = l * lineStep;
    let sum = 0;
    for (let i = -r; i <= r; i++) sum += at(base, i);
    for (let i = 0; i < len; i++) {
      line[i] = sum * norm;
      sum += at(base, i + r + 1) - at(base, i - r);
    }
    for (let i = 0; i < len; i++) dst[base + i * step] = line[i]!;
  }
}

/**
 * Grey-level morphology with a square (2r+1)² window, separable: dilate = local max (grows the matte),
 * erode = local min (shrinks it). Each line uses the van Herk/Gil-Werman algorithm (block prefix and
 * suffix extrema, 3 comparisons per pixel whatever the radius), so a 50 px choke on 4K stays cheap.
 */
export function dilate(mask: Mask, radius: number): Mask {
  return morph(mask, radius, true);
}
export function erode(mask: Mask, radius: number): Mask {
  return morph(mask, radius, false);
}

function morph(mask: Mask, radius: number, isMax: boolean): Mask {
  const r = Math.round(radius);
  if (r <= 0) return mask;
  const { width: w, height: h } = mask;
  const tmp = new Float32Array(w * h);
  const out = new Float32Array(w * h);
  const scratch = new LineScratch(Math.max(w, h), r);
  for (let y = 0; y < h; y++) scratch.run(mask.data, tmp, y * w, 1, w, isMax);
  for (let x = 0; x < w; x++) scratch.run(tmp, out, x, w, h, isMax);
  return { width: w, height: h, data: out };
}

/** Buffers for one van Herk/Gil-Werman line pass, reused across lines. */
class LineScratch {
  private readonly padded: Float32Array;
  private readonly prefix: Float32Array;
  private readonly suffix: Float32Array;
  constructor(
    maxLen: number,
    private readonly r: number,
  ) {
    const n = maxLen + 2 * r;
    this.padded = new Float32Array(n);
    this.prefix = new Float32Array(n);
    this.suffix = new Float32Array(n);
  }

  /** dst[i] = extremum of src over [i-r, i+r] (clipped to the line) along one line. */
  run(src: Float32Array, dst: Float32Array, base: number, step: number, len: number, isMax: boolean): void {
    const { r, padded: p, prefix: g, suffix: hs } = this;
    const k = 2 * r + 1;
    const n = len + 2 * r;
    // Padding with the identity element (-inf for max, +inf for min) equals clipping the window.
    const pad = isMax ? -Infinity : Infinity;
    p.fill(pad, 0, r);
    for (let i = 0; i < len; i++) p[r + i] = src[base + i * step]!;
    p.fill(pad, r + len, n);
    for (let j = 0; j < n; j++) {
      const v = p[j]!;
      g[j] = j % k === 0 ? v : isMax ? Math.max(g[j - 1]!, v) : Math.min(g[j - 1]!, v);
    }
    for (let j = n - 1; j >= 0; j--) {
      const v = p[j]!;
      hs[j] =
        j === n - 1 || (j + 1) % k === 0 ? v : isMax ? Math.max(hs[j + 1]!, v) : Math.min(hs[j + 1]!, v);
    }
    for (let i = 0; i < len; i++) {
      const a = hs[i]!;
      const b = g[i + k - 1]!;
      dst[base + i * step] = isMax ? Math.max(a, b) : Math.min(a, b);
    }
  }
}

/** Positive `px` shrinks the matte (erode), negative grows it (dilate): the compositor's "choke". */
export function choke(mask: Mask, px: number): Mask {
  return px > 0 ? erode(mask, px) : px < 0 ? dilate(mask, -px) : mask;
}

/**
 * Linear remap of a soft mask around `threshold` with half-width `softness` (0 = hard step). With
 * threshold 0.5 and softness 0.5 it is the identity, so it is a safe default.
 */
export function levels(mask: Mask, threshold: number, softness: number): Mask {
  const out = createMask(mask.width, mask.height);
  const lo = threshold - softness;
  const hi = threshold + softness;
  for (let i = 0; i < mask.data.length; i++) {
    const v = mask.data[i]!;
    if (hi <= lo) out.data[i] = v >= threshold ? 1 : 0;
    else {
      out.data[i] = Math.min(1, Math.max(0, (v - lo) / (hi - lo)));
    }
  }
  return out;
}
