/**
 * Single-channel float mask operations (alpha mattes, confidence maps, motion maps): box blur,
 * grey-level erode/dilate, levels. (Resizing, cropping and pasting masks live in tensor.ts.) Masks are row-major Float32Array,
 * tightly packed (width * height). Everything here is separable and O(pixels) per pass, independent
 * of the radius, so edge controls stay cheap at 4K.
 */

export interface Mask {
  readonly width: number;
  readonly height: number;
  readonly data: Float32Array;
}

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
 * Grey-level morphology with a square (2r+1)² window: dilate = local max (grows the matte), erode = local
 * min (shrinks it). Van Herk/Gil-Werman would be O(1) per pixel; the plain window is O(r) but r is a few
 * pixels for `choke`, and this stays obviously correct.
 */
export function dilate(mask: Mask, radius: number): Mask {
  return morph(mask, radius, Math.max);
}
export function erode(mask: Mask, radius: number): Mask {
  return morph(mask, radius, Math.min);
}

function morph(mask: Mask, radius: number, pick: (a: number, b: number) => number): Mask {
  const r = Math.round(radius);
  if (r <= 0) return mask;
  const { width: w, height: h, data } = mask;
  const tmp = new Float32Array(w * h);
  const out = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    const row = y * w;
    for (let x = 0; x < w; x++) {
      let v = data[row + x]!;
      const x0 = Math.max(0, x - r);
      const x1 = Math.min(w - 1, x + r);
      for (let i = x0; i <= x1; i++) v = pick(v, data[row + i]!);
      tmp[row + x] = v;
    }
  }
  for (let y = 0; y < h; y++) {
    const y0 = Math.max(0, y - r);
    const y1 = Math.min(h - 1, y + r);
    for (let x = 0; x < w; x++) {
      let v = tmp[y * w + x]!;
      for (let j = y0; j <= y1; j++) v = pick(v, tmp[j * w + x]!);
      out[y * w + x] = v;
    }
  }
  return { width: w, height: h, data: out };
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
