/**
 * Depth maps as single-channel float masks of *nearness* (relative inverse depth: larger = nearer, the
 * convention of MiDaS and Depth Anything, which predict disparity-like values), and the small operations on
 * them every depth user needs: robust normalisation, edge-aware smoothing with the picture as guide, resizing.
 */
import { boxBlur, createMask, type Mask } from '../../runtime/mask-ops.ts';
import { resizeMask } from '../../runtime/tensor.ts';
import { toFloat32, type Frame } from '../frame.ts';

export type DepthMap = Mask;
export { resizeMask as resizeDepth, createMask as createDepth };

/** Value at quantile q (0..1) of a sample of the map (every k-th pixel; exact enough for normalisation). */
export function quantiles(map: DepthMap, qs: readonly number[], maxSamples = 20000): number[] {
  const n = map.data.length;
  const step = Math.max(1, Math.floor(n / maxSamples));
  const sample: number[] = [];
  for (let i = 0; i < n; i += step) if (Number.isFinite(map.data[i]!)) sample.push(map.data[i]!);
  if (sample.length === 0) return qs.map(() => 0);
  sample.sort((a, b) => a - b);
  return qs.map(
    (q) => sample[Math.min(sample.length - 1, Math.max(0, Math.round(q * (sample.length - 1))))]!,
  );
}

/**
 * Maps the 1st..99th percentile range to 0..1 (clamped), so a handful of extreme pixels (a specular spot the
 * net read as very near) does not squash everything else. A flat map becomes 0.5 everywhere.
 */
export function normalizeRobust(map: DepthMap): DepthMap {
  const [lo, hi] = quantiles(map, [0.01, 0.99]) as [number, number];
  const out = createMask(map.width, map.height);
  const span = hi - lo;
  for (let i = 0; i < out.data.length; i++) {
    const v = map.data[i]!;
    out.data[i] = span > 1e-9 ? Math.min(1, Math.max(0, (v - lo) / span)) : 0.5;
  }
  return out;
}

/** BT.709 luma of a frame as a mask (the guide for edge-aware filtering). */
export function lumaMask(input: Frame): Mask {
  const f = toFloat32(input);
  const out = createMask(f.width, f.height);
  for (let y = 0; y < f.height; y++)
    for (let x = 0; x < f.width; x++) {
      const s = y * f.stride + x * 4;
      out.data[y * f.width + x] = 0.2126 * f.data[s]! + 0.7152 * f.data[s + 1]! + 0.0722 * f.data[s + 2]!;
    }
  return out;
}

/**
 * Guided filter (He, Sun, Tang 2010) of `src` with a grey guide: locally src ≈ a·guide + b, so depth edges
 * snap to the picture's edges and flat picture areas get smooth depth. O(pixels) whatever the radius
 * (box filters). `eps` is the regularisation (guide variance below it counts as flat).
 */
export function guidedFilter(src: Mask, guide: Mask, radius: number, eps: number): Mask {
  const { width: w, height: h } = src;
  const r = Math.max(1, Math.min(Math.round(radius), Math.floor(Math.max(w, h) / 2)));
  const n = w * h;
  const prod = createMask(w, h);
  const sq = createMask(w, h);
  for (let i = 0; i < n; i++) {
    prod.data[i] = guide.data[i]! * src.data[i]!;
    sq.data[i] = guide.data[i]! * guide.data[i]!;
  }
  const mI = boxBlur(guide, r).data;
  const mP = boxBlur(src, r).data;
  const mIP = boxBlur(prod, r).data;
  const mII = boxBlur(sq, r).data;
  const a = createMask(w, h);
  const b = createMask(w, h);
  for (let i = 0; i < n; i++) {
    const varI = mII[i]! - mI[i]! * mI[i]!;
    const cov = mIP[i]! - mI[i]! * mP[i]!;
    a.data[i] = cov / (varI + eps);
    b.data[i] = mP[i]! - a.data[i]! * mI[i]!;
  }
  const ma = boxBlur(a, r).data;
  const mb = boxBlur(b, r).data;
  const out = createMask(w, h);
  for (let i = 0; i < n; i++) out.data[i] = ma[i]! * guide.data[i]! + mb[i]!;
  return out;
}

/** Spearman rank correlation of two equally long samples (ties get their mean rank). */
export function spearman(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const ra = ranks(a);
  const rb = ranks(b);
  const n = ra.length;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += ra[i]!;
    mb += rb[i]!;
  }
  ma /= n;
  mb /= n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    const da = ra[i]! - ma;
    const db = rb[i]! - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  return saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : 0;
}

function ranks(v: ArrayLike<number>): Float64Array {
  const n = v.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => v[i]! - v[j]!);
  const out = new Float64Array(n);
  for (let i = 0; i < n;) {
    let j = i;
    while (j + 1 < n && v[order[j + 1]!] === v[order[i]!]) j++;
    const r = (i + j) / 2;
    for (let k = i; k <= j; k++) out[order[k]!] = r;
    i = j + 1;
  }
  return out;
}
