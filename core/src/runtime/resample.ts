/**
 * Separable image resampling on interleaved float data, shared by every tensor helper.
 *
 * Filter (per axis, chosen by the scale on that axis):
 * - shrinking: area (box) average — each output sample is the mean of the source interval it covers, weighted
 *   by overlap. No aliasing, which matters when a 1080p frame becomes a 256² or 1024² model input.
 * - enlarging or same size: bilinear with half-pixel centres (the convention of ONNX Resize
 *   `half_pixel` and of sharp/OpenCV), edges clamped.
 *
 * The loops run in the native addon when it is built (core/native/src/pixels.cc: the same arithmetic, bit for
 * bit, about 5x faster: packing a 1080p frame for a 1024x1024 model is the largest pixel cost of a matte frame),
 * else in TypeScript (`resampleRowsTypeScript`).
 */
import { nativeAddon, type NativeAddon } from '../native/addon.ts';

/** An axis-aligned pixel box (integers, inside the image it refers to). */
export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

interface Taps {
  /** Source index of tap k of output i: index[i * maxTaps + k]. */
  index: Int32Array;
  weight: Float32Array;
  count: Int32Array;
  maxTaps: number;
}

/** Tap table mapping `srcLen` samples starting at `srcStart` onto `dstLen` samples. */
export function computeTaps(srcStart: number, srcLen: number, dstLen: number): Taps {
  const scale = srcLen / dstLen;
  if (scale > 1) {
    const maxTaps = Math.ceil(scale) + 1;
    const index = new Int32Array(dstLen * maxTaps);
    const weight = new Float32Array(dstLen * maxTaps);
    const count = new Int32Array(dstLen);
    for (let i = 0; i < dstLen; i++) {
      const lo = i * scale;
      const hi = Math.min(srcLen, (i + 1) * scale);
      let n = 0;
      for (let j = Math.floor(lo); j < hi; j++) {
        const w = Math.min(hi, j + 1) - Math.max(lo, j);
        if (w <= 1e-9) continue;
        index[i * maxTaps + n] = srcStart + j;
        weight[i * maxTaps + n] = w / scale;
        n++;
      }
      count[i] = n;
    }
    return { index, weight, count, maxTaps };
  }
  const maxTaps = 2;
  const index = new Int32Array(dstLen * 2);
  const weight = new Float32Array(dstLen * 2);
  const count = new Int32Array(dstLen);
  for (let i = 0; i < dstLen; i++) {
    const s = Math.min(Math.max((i + 0.5) * scale - 0.5, 0), srcLen - 1);
    const j0 = Math.floor(s);
    const f = s - j0;
    index[i * 2] = srcStart + j0;
    weight[i * 2] = 1 - f;
    if (f > 0 && j0 + 1 < srcLen) {
      index[i * 2 + 1] = srcStart + j0 + 1;
      weight[i * 2 + 1] = f;
      count[i] = 2;
    } else {
      count[i] = 1;
    }
  }
  return { index, weight, count, maxTaps };
}

export interface SourceImage {
  /** Float samples, or a frame's integer samples (the caller folds 1/max into what it does with the rows). */
  data: Float32Array | Uint8Array | Uint16Array;
  /** Floats per row. */
  rowStride: number;
  /** Floats per pixel (4 for RGBA frames, 1 for masks). */
  pixelStride: number;
}

type EmitRow = (y: number, row: Float32Array) => void;

type ResampleRows = (
  src: SourceImage,
  channelOffsets: readonly number[],
  region: Box,
  dstW: number,
  dstH: number,
  emit: EmitRow,
) => void;

/**
 * Resamples `region` of `src` (channels picked by `channelOffsets`, e.g. [2,1,0] for BGR) to dstW x dstH and
 * hands each finished output row to `emit` as interleaved floats (dstW * channels). The row buffer may be
 * reused between calls: copy what you need before returning.
 */
export const resampleRows: ResampleRows = (src, channelOffsets, region, dstW, dstH, emit) => {
  const nc = checkChannels(channelOffsets);
  const addon = nativeAddon();
  if (!addon) {
    resampleRowsTypeScript(src, channelOffsets, region, dstW, dstH, emit);
    return;
  }
  const rowLen = dstW * nc;
  const out = new Float32Array(dstH * rowLen);
  resampleNative(addon, src, channelOffsets, region, dstW, dstH, out);
  for (let y = 0; y < dstH; y++) emit(y, out.subarray(y * rowLen, (y + 1) * rowLen));
};

/** Where resampleToPlanes writes: tensor[c * plane + (y0 + y) * width + x0 + x] = value * scale[c] + bias[c]. */
export interface PlanesTarget {
  data: Float32Array;
  plane: number;
  width: number;
  x0: number;
  y0: number;
  scale: Float32Array;
  bias: Float32Array;
}

/**
 * resampleRows straight into a model tensor's planes (NCHW) with the per-channel normalisation applied, in
 * one native call when the addon is built (no interleaved rows handed back to JavaScript).
 */
export function resampleToPlanes(
  src: SourceImage,
  channelOffsets: readonly number[],
  region: Box,
  dstW: number,
  dstH: number,
  target: PlanesTarget,
): void {
  const nc = checkChannels(channelOffsets);
  const addon = nativeAddon();
  if (!addon) {
    resampleRowsTypeScript(src, channelOffsets, region, dstW, dstH, writePlanes(target, nc, dstW));
    return;
  }
  resampleNative(addon, src, channelOffsets, region, dstW, dstH, target.data, target);
}

/** One call into the addon: interleaved rows into `out`, or a tensor's planes when `planes` is given. */
function resampleNative(
  addon: NativeAddon,
  src: SourceImage,
  channelOffsets: readonly number[],
  region: Box,
  dstW: number,
  dstH: number,
  out: Float32Array,
  planes?: PlanesTarget,
): void {
  const nc = channelOffsets.length;
  const h = computeTaps(region.x, region.width, dstW);
  const v = computeTaps(region.y, region.height, dstH);
  const affine = planes
    ? Float32Array.of(...planes.scale.subarray(0, nc), ...planes.bias.subarray(0, nc))
    : undefined;
  addon.resampleRows(
    src.data,
    src.rowStride,
    src.pixelStride,
    Int32Array.from(channelOffsets),
    region.x,
    region.y,
    region.width,
    region.height,
    h.index,
    h.weight,
    h.count,
    h.maxTaps,
    v.index,
    v.weight,
    v.count,
    v.maxTaps,
    dstW,
    dstH,
    out,
    affine,
    planes?.plane,
    planes?.width,
    planes?.x0,
    planes?.y0,
  );
}

/** The row consumer that writes normalised planes (what the native planar target does). */
export function writePlanes(target: PlanesTarget, nc: number, dstW: number): EmitRow {
  const { data, plane, width, x0, y0, scale, bias } = target;
  return (y, row) => {
    for (let c = 0; c < nc; c++) {
      const base = c * plane + (y0 + y) * width + x0;
      const k = scale[c]!;
      const b = bias[c]!;
      for (let x = 0; x < dstW; x++) data[base + x] = row[x * nc + c]! * k + b;
    }
  };
}

function checkChannels(channelOffsets: readonly number[]): number {
  const nc = channelOffsets.length;
  if (nc !== 1 && nc !== 3 && nc !== 4)
    throw new RangeError(`resampleRows handles 1, 3 or 4 channels, got ${nc}`);
  return nc;
}

/** resampleRows in TypeScript: what runs without the addon, and the reference its native twin must equal. */
export const resampleRowsTypeScript: ResampleRows = (src, channelOffsets, region, dstW, dstH, emit) => {
  const nc = checkChannels(channelOffsets);
  const { data, rowStride, pixelStride } = src;
  const h = computeTaps(region.x, region.width, dstW);
  const v = computeTaps(region.y, region.height, dstH);
  const rowLen = dstW * nc;
  // Horizontal pass over the source rows the vertical taps actually use.
  const tmp = new Float32Array(region.height * rowLen);
  const used = new Uint8Array(region.height);
  for (let i = 0; i < v.index.length; i++) {
    if (v.weight[i]! !== 0) used[v.index[i]! - region.y] = 1;
  }
  const o0 = channelOffsets[0]!;
  const o1 = channelOffsets[1] ?? 0;
  const o2 = channelOffsets[2] ?? 0;
  const o3 = channelOffsets[3] ?? 0;
  for (let ry = 0; ry < region.height; ry++) {
    if (!used[ry]) continue;
    const srcRow = (region.y + ry) * rowStride;
    let o = ry * rowLen;
    if (nc === 3) {
      // The common case (an RGB model input from an RGBA frame): no per-tap channel-count branches.
      for (let x = 0; x < dstW; x++) {
        const tBase = x * h.maxTaps;
        const tEnd = tBase + h.count[x]!;
        let a0 = 0;
        let a1 = 0;
        let a2 = 0;
        for (let k = tBase; k < tEnd; k++) {
          const p = srcRow + h.index[k]! * pixelStride;
          const w = h.weight[k]!;
          a0 += data[p + o0]! * w;
          a1 += data[p + o1]! * w;
          a2 += data[p + o2]! * w;
        }
        tmp[o] = a0;
        tmp[o + 1] = a1;
        tmp[o + 2] = a2;
        o += 3;
      }
      continue;
    }
    for (let x = 0; x < dstW; x++) {
      const tBase = x * h.maxTaps;
      const tEnd = tBase + h.count[x]!;
      // Up to 4 channels accumulate in locals: one pass over the taps per pixel, not one per channel.
      let a0 = 0;
      let a1 = 0;
      let a2 = 0;
      let a3 = 0;
      for (let k = tBase; k < tEnd; k++) {
        const p = srcRow + h.index[k]! * pixelStride;
        const w = h.weight[k]!;
        a0 += data[p + o0]! * w;
        if (nc > 1) {
          a1 += data[p + o1]! * w;
          a2 += data[p + o2]! * w;
          if (nc > 3) a3 += data[p + o3]! * w;
        }
      }
      tmp[o++] = a0;
      if (nc > 1) {
        tmp[o++] = a1;
        tmp[o++] = a2;
        if (nc > 3) tmp[o++] = a3;
      }
    }
  }
  const row = new Float32Array(rowLen);
  for (let y = 0; y < dstH; y++) {
    const tBase = y * v.maxTaps;
    const n = v.count[y]!;
    row.fill(0);
    for (let k = 0; k < n; k++) {
      const base = (v.index[tBase + k]! - region.y) * rowLen;
      const w = v.weight[tBase + k]!;
      for (let i = 0; i < rowLen; i++) row[i] = row[i]! + tmp[base + i]! * w;
    }
    emit(y, row);
  }
};
