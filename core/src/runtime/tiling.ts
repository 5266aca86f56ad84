/**
 * Tiled inference for image-to-image models that enlarge (super-resolution), so memory is bounded by the tile
 * size rather than the frame size: each tile is cut from the input with `overlap` pixels of context on every
 * side, run through the model, optionally resampled to the requested scale, and added straight into the
 * output frame with feathered weights. No full-size intermediate (no weight buffer, no full model-scale image)
 * is ever held, so a 4K result needs only the output frame plus one tile's worth of tensors.
 *
 * Blending: along each axis, every interior tile boundary b gets a band [b - h, b + h) with h = overlap / 2.
 * In the band the left tile's weight falls linearly 1 → 0 while the right tile's rises 0 → 1; outside bands a
 * pixel belongs to exactly one tile with weight 1. The 2-D weight is the product of the axis weights, so the
 * weights of all tiles sum to exactly 1 everywhere (a partition of unity) and values can be accumulated
 * directly. The outer half of each overlap is context only (weight 0): the model's border effects land there.
 *
 * Alpha is not run through the model: it is resampled (bilinear when enlarging) straight into the output.
 */
import { createFrame, toFloat32, type Frame, type F32Frame } from '../effects/frame.ts';
import { resampleRows, type Box } from './resample.ts';

/** One model run: planar RGB [3, h, w] in → planar RGB [3, h * modelScale, w * modelScale] out, 0..1. */
export type TileRunner = (rgb: Float32Array, width: number, height: number) => Promise<Float32Array>;

export interface TiledUpscaleOptions {
  /** The model's fixed enlargement factor (4 for Real-ESRGAN x4 nets). */
  modelScale: number;
  /** Output scale, an integer 1..modelScale; below modelScale each tile is area-resampled down. */
  outputScale: number;
  /** Input pixels per tile side, excluding the overlap; >= the frame side means a single tile. */
  tileSize: number;
  /** Input pixels of context added on each side of a tile; half of it is blended, half discarded. */
  overlap: number;
  signal?: AbortSignal;
  /** Called after each tile (progress, benchmarks). */
  onTile?: (done: number, total: number) => void;
}

/** One tile along one axis: the core it owns and the region (core + context) fed to the model. */
export interface AxisTile {
  coreStart: number;
  coreEnd: number;
  regionStart: number;
  regionEnd: number;
}

/** Splits `length` into equal-ish cores of at most `tileSize`, each with `overlap` context, clamped. */
export function planAxis(length: number, tileSize: number, overlap: number): AxisTile[] {
  if (!Number.isInteger(tileSize) || tileSize < 1)
    throw new RangeError(`tile size must be a positive integer, got ${tileSize}`);
  if (!Number.isInteger(overlap) || overlap < 0)
    throw new RangeError(`tile overlap must be a non-negative integer, got ${overlap}`);
  const count = Math.ceil(length / tileSize);
  const core = Math.ceil(length / count);
  if (count > 1 && overlap > core)
    throw new RangeError(`tile overlap ${overlap} must not exceed the tile size ${core}`);
  const tiles: AxisTile[] = [];
  for (let i = 0; i < count; i++) {
    const coreStart = i * core;
    const coreEnd = Math.min(length, coreStart + core);
    tiles.push({
      coreStart,
      coreEnd,
      regionStart: Math.max(0, coreStart - overlap),
      regionEnd: Math.min(length, coreEnd + overlap),
    });
  }
  return tiles;
}

/**
 * Weight of output samples [start, end) (output pixels, scale `s`) for a tile: a linear ramp across the band
 * of half-width `h` (input pixels) around each interior boundary, 1 inside the core.
 */
export function axisWeights(
  tile: AxisTile,
  length: number,
  h: number,
  s: number,
  start: number,
  end: number,
): Float32Array {
  const w = new Float32Array(end - start);
  for (let X = start; X < end; X++) {
    const u = (X + 0.5) / s; // centre of output pixel X in input coordinates
    let v = 1;
    if (tile.coreStart > 0)
      v *= h > 0 ? clamp01((u - (tile.coreStart - h)) / (2 * h)) : u >= tile.coreStart ? 1 : 0;
    if (tile.coreEnd < length)
      v *= h > 0 ? clamp01((tile.coreEnd + h - u) / (2 * h)) : u < tile.coreEnd ? 1 : 0;
    w[X - start] = v;
  }
  return w;
}

function clamp01(v: number): number {
  return v < 0 ? 0 : v > 1 ? 1 : v;
}

/** Upscales `frame` by `outputScale` with a tiled model run; RGB through the model, alpha resampled. */
export async function upscaleTiled(
  input: Frame,
  run: TileRunner,
  options: TiledUpscaleOptions,
): Promise<F32Frame> {
  const frame = toFloat32(input);
  const { modelScale, outputScale: s } = options;
  if (!Number.isInteger(s) || s < 1 || s > modelScale)
    throw new RangeError(`output scale must be an integer from 1 to the model scale ${modelScale}, got ${s}`);
  const outW = frame.width * s;
  const outH = frame.height * s;
  const out = createFrame(outW, outH, 'f32', frame.colorSpace);
  const xs = planAxis(frame.width, options.tileSize, options.overlap);
  const ys = planAxis(frame.height, options.tileSize, options.overlap);
  const h = options.overlap / 2;
  const total = xs.length * ys.length;
  let done = 0;
  for (const ty of ys) {
    for (const tx of xs) {
      options.signal?.throwIfAborted();
      const region: Box = {
        x: tx.regionStart,
        y: ty.regionStart,
        width: tx.regionEnd - tx.regionStart,
        height: ty.regionEnd - ty.regionStart,
      };
      const rgb = await run(extractPlanarRgb(frame, region), region.width, region.height);
      const expected = 3 * region.width * modelScale * region.height * modelScale;
      if (rgb.length !== expected)
        throw new Error(
          `tile model returned ${rgb.length} values for a ${region.width}x${region.height} tile; expected ${expected} (scale ${modelScale})`,
        );
      // Output pixels this tile can contribute to (its whole region, at output scale).
      const ox0 = region.x * s;
      const oy0 = region.y * s;
      const ow = region.width * s;
      const oh = region.height * s;
      const planes =
        s === modelScale
          ? rgb
          : resamplePlanes(rgb, region.width * modelScale, region.height * modelScale, ow, oh);
      const wx = axisWeights(tx, frame.width, h, s, ox0, ox0 + ow);
      const wy = axisWeights(ty, frame.height, h, s, oy0, oy0 + oh);
      const plane = ow * oh;
      for (let y = 0; y < oh; y++) {
        const wyv = wy[y]!;
        if (wyv === 0) continue;
        const rowBase = (oy0 + y) * out.stride + ox0 * 4;
        for (let x = 0; x < ow; x++) {
          const wv = wyv * wx[x]!;
          if (wv === 0) continue;
          const o = rowBase + x * 4;
          const i = y * ow + x;
          out.data[o] = out.data[o]! + wv * planes[i]!;
          out.data[o + 1] = out.data[o + 1]! + wv * planes[plane + i]!;
          out.data[o + 2] = out.data[o + 2]! + wv * planes[2 * plane + i]!;
        }
      }
      options.onTile?.(++done, total);
    }
  }
  resampleAlphaInto(frame, out);
  return out;
}

/** Planar RGB [3, h, w] of a region of a frame (the layout the super-resolution models take). */
export function extractPlanarRgb(input: Frame, region: Box): Float32Array {
  const frame = toFloat32(input);
  const { width, height } = region;
  const plane = width * height;
  const rgb = new Float32Array(3 * plane);
  for (let y = 0; y < height; y++) {
    const src = (region.y + y) * frame.stride + region.x * 4;
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const s = src + x * 4;
      rgb[i] = frame.data[s]!;
      rgb[plane + i] = frame.data[s + 1]!;
      rgb[2 * plane + i] = frame.data[s + 2]!;
    }
  }
  return rgb;
}

/** Resamples each of the 3 planes (area average when shrinking, bilinear when enlarging). */
export function resamplePlanes(
  rgb: Float32Array,
  w: number,
  h: number,
  dstW: number,
  dstH: number,
): Float32Array {
  const out = new Float32Array(3 * dstW * dstH);
  for (let c = 0; c < 3; c++) {
    const plane = rgb.subarray(c * w * h, (c + 1) * w * h);
    const base = c * dstW * dstH;
    resampleRows(
      { data: plane, rowStride: w, pixelStride: 1 },
      [0],
      { x: 0, y: 0, width: w, height: h },
      dstW,
      dstH,
      (y, row) => out.set(row, base + y * dstW),
    );
  }
  return out;
}

function resampleAlphaInto(src: F32Frame, out: F32Frame): void {
  resampleRows(
    { data: src.data, rowStride: src.stride, pixelStride: 4 },
    [3],
    { x: 0, y: 0, width: src.width, height: src.height },
    out.width,
    out.height,
    (y, row) => {
      const base = y * out.stride + 3;
      for (let x = 0; x < out.width; x++) out.data[base + x * 4] = row[x]!;
    },
  );
}
