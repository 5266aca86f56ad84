/**
 * Tensor packing helpers used by every effect: frame (float RGBA with row stride) -> normalised model input
 * per a manifest's `input` (NCHW/NHWC, RGB/BGR/RGBA, scale/mean/std), resized to the model size; model output
 * -> mask at frame size; mask -> alpha; crop boxes and pasting masks back (per-person crops).
 * Resampling filter (resample.ts): area average when shrinking, bilinear when enlarging.
 */
import { createFrame, toFloat32, SAMPLE_MAX, type Frame, type F32Frame } from '../effects/frame.ts';
import type { ModelManifest } from '../models/manifest.ts';
import { resampleRows, resampleToPlanes, writePlanes, type Box } from './resample.ts';
import { srgbEncode } from './srgb.ts';

export type { Box } from './resample.ts';

/** What of a manifest's `input` the packer needs. */
export type TensorInputSpec = Pick<ModelManifest['input'], 'layout' | 'channels' | 'normalize'> &
  Partial<Pick<ModelManifest['input'], 'size' | 'multipleOf'>>;

/** A single-channel float image, tightly packed (same shape as mask-ops' Mask). */
export interface Mask {
  readonly width: number;
  readonly height: number;
  readonly data: Float32Array;
}

/** Maps tensor pixel coordinates back to frame coordinates: frameX = offsetX + tensorX * scaleX. */
export interface TensorTransform {
  scaleX: number;
  scaleY: number;
  offsetX: number;
  offsetY: number;
}

export interface PackedTensor {
  data: Float32Array;
  /** [1, C, H, W] (NCHW) or [1, H, W, C] (NHWC). */
  dims: number[];
  width: number;
  height: number;
  /** The part of the tensor that holds the image (all of it unless letterboxed). */
  content: Box;
  transform: TensorTransform;
}

export interface PackOptions {
  /** Tensor size; default the manifest's fixed size, else the region size rounded up to `multipleOf`. */
  width?: number;
  height?: number;
  /** Part of the frame to pack (a person crop); default the whole frame. Clamped to the frame. */
  region?: Box;
  /** stretch (default): fill the tensor; letterbox: keep the aspect ratio and pad, centred. */
  fit?: 'stretch' | 'letterbox';
  /** Pad colour before normalisation, 0..1 (default 0). */
  padValue?: number;
  /** Reuse this buffer (length must match) to avoid an allocation per frame. */
  out?: Float32Array;
  /** Like `out` when its length matches, else ignored (a new buffer). Every sample is written either way. */
  reuse?: Float32Array;
}

function channelOffsets(channels: TensorInputSpec['channels']): number[] {
  switch (channels) {
    case 'RGB':
      return [0, 1, 2];
    case 'BGR':
      return [2, 1, 0];
    case 'RGBA':
      return [0, 1, 2, 3];
    default:
      throw new Error(`input channels "${channels}" is not an image layout`);
  }
}

function roundUp(n: number, multiple: number | undefined): number {
  return multiple ? Math.ceil(n / multiple) * multiple : n;
}

/**
 * `reuse` when it holds exactly `length` floats, else a new array: for callers that overwrite every element
 * and keep a spare plane to avoid a fresh allocation (and its page faults) per frame.
 */
export function reusedOrNew(reuse: Float32Array | undefined, length: number): Float32Array {
  return reuse?.length === length ? reuse : new Float32Array(length);
}

export function clampBox(box: Box, width: number, height: number): Box {
  const x0 = Math.max(0, Math.min(width - 1, Math.floor(box.x)));
  const y0 = Math.max(0, Math.min(height - 1, Math.floor(box.y)));
  const x1 = Math.max(x0 + 1, Math.min(width, Math.ceil(box.x + box.width)));
  const y1 = Math.max(y0 + 1, Math.min(height, Math.ceil(box.y + box.height)));
  return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}

/** Grows a box around its centre by `factor` (1.2 = 20 % margin), clamped to the image. */
export function expandBox(box: Box, factor: number, width: number, height: number): Box {
  const cx = box.x + box.width / 2;
  const cy = box.y + box.height / 2;
  const w = box.width * factor;
  const h = box.height * factor;
  return clampBox({ x: cx - w / 2, y: cy - h / 2, width: w, height: h }, width, height);
}

/** sRGB encoding (IEC 61966-2-1) sampled on [0, 1]; linear interpolation between samples is < 1e-4 off. */
const SRGB_LUT_SIZE = 4096;
let srgbLut: Float32Array | undefined;

/** In place: encodes the colour channels (not alpha, the 4th of 4) of an interleaved row to sRGB. */
function encodeSrgbRow(row: Float32Array, nc: number): void {
  if (!srgbLut) {
    srgbLut = new Float32Array(SRGB_LUT_SIZE + 2);
    for (let i = 0; i <= SRGB_LUT_SIZE + 1; i++) srgbLut[i] = srgbEncode(Math.min(1, i / SRGB_LUT_SIZE));
  }
  const lut = srgbLut;
  const colour = Math.min(nc, 3);
  for (let i = 0; i < row.length; i += nc) {
    for (let c = 0; c < colour; c++) {
      const v = row[i + c]!;
      if (v <= 0) row[i + c] = v * 12.92;
      else if (v >= 1) row[i + c] = srgbEncode(v);
      else {
        const p = v * SRGB_LUT_SIZE;
        const k = p | 0;
        row[i + c] = lut[k]! + (lut[k + 1]! - lut[k]!) * (p - k);
      }
    }
  }
}

/**
 * Frame (or a region of it) -> normalised tensor for a model input. Linear-light frames are encoded to
 * display-referred sRGB first, the convention models are trained with.
 */
export function frameToTensor(input: Frame, spec: TensorInputSpec, options: PackOptions = {}): PackedTensor {
  // Display-referred integer frames are resampled from their own samples, with 1/max folded into the
  // normalisation below: the conversion happens once, at the model's (usually much smaller) size, instead of
  // a full-frame float pass first (a 1080p frame: 8.3 M samples). Linear ones need floats for the sRGB curve.
  const integer = (input.format === 'u8' || input.format === 'u16') && input.colorSpace === 'display';
  const frame = integer ? input : toFloat32(input);
  const unit = integer ? 1 / SAMPLE_MAX[input.format] : 1;
  const offsets = channelOffsets(spec.channels);
  const nc = offsets.length;
  const region = clampBox(
    options.region ?? { x: 0, y: 0, width: frame.width, height: frame.height },
    frame.width,
    frame.height,
  );
  const width = options.width ?? spec.size?.[1] ?? roundUp(region.width, spec.multipleOf);
  const height = options.height ?? spec.size?.[0] ?? roundUp(region.height, spec.multipleOf);
  const length = nc * width * height;
  if (options.out && options.out.length !== length) {
    throw new RangeError(`out buffer has ${options.out.length} floats, the tensor needs ${length}`);
  }
  const data = options.out ?? reusedOrNew(options.reuse, length);

  // value' = (value * scale - mean) / std  ==  value * a[c] + b[c]
  const { scale, mean, std } = spec.normalize;
  const a = new Float32Array(nc);
  const b = new Float32Array(nc);
  for (let c = 0; c < nc; c++) {
    const m = mean[c] ?? mean[0] ?? 0;
    const s = std[c] ?? std[0] ?? 1;
    a[c] = (scale * unit) / s;
    b[c] = -m / s;
  }

  let content: Box = { x: 0, y: 0, width, height };
  if (options.fit === 'letterbox') {
    const s = Math.min(width / region.width, height / region.height);
    const cw = Math.max(1, Math.min(width, Math.round(region.width * s)));
    const ch = Math.max(1, Math.min(height, Math.round(region.height * s)));
    content = { x: Math.floor((width - cw) / 2), y: Math.floor((height - ch) / 2), width: cw, height: ch };
    const pad = options.padValue ?? 0;
    for (let c = 0; c < nc; c++) {
      const v = (pad / unit) * a[c]! + b[c]!;
      if (spec.layout === 'NCHW') data.fill(v, c * width * height, (c + 1) * width * height);
      else for (let i = c; i < length; i += nc) data[i] = v;
    }
  }

  const plane = width * height;
  // Models are trained on display-referred (sRGB-encoded) pictures. A linear-light frame is resampled as is
  // (averaging in linear light is the physically right way to shrink) and encoded afterwards.
  const toDisplay = frame.colorSpace === 'linear';
  const cx = content.x;
  const cw = content.width;
  const source = { data: frame.data, rowStride: frame.stride, pixelStride: 4 };
  const planes = { data, plane, width, x0: cx, y0: content.y, scale: a, bias: b };
  if (spec.layout === 'NCHW' && !toDisplay) {
    // The common case (an RGB model input): resampled and normalised into the planes in one pass.
    resampleToPlanes(source, offsets, region, cw, content.height, planes);
  } else {
    const toPlanes = writePlanes(planes, nc, cw);
    resampleRows(source, offsets, region, cw, content.height, (y, row) => {
      const ty = y + content.y;
      if (toDisplay) encodeSrgbRow(row, nc);
      if (spec.layout === 'NCHW') toPlanes(y, row);
      else {
        const base = (ty * width + cx) * nc;
        for (let x = 0; x < cw; x++) {
          for (let c = 0; c < nc; c++) data[base + x * nc + c] = row[x * nc + c]! * a[c]! + b[c]!;
        }
      }
    });
  }

  return {
    data,
    dims: spec.layout === 'NCHW' ? [1, nc, height, width] : [1, height, width, nc],
    width,
    height,
    content,
    transform: {
      scaleX: region.width / content.width,
      scaleY: region.height / content.height,
      offsetX: region.x - content.x * (region.width / content.width),
      offsetY: region.y - content.y * (region.height / content.height),
    },
  };
}

/**
 * One channel of a model output as a mask (a view when the channel is contiguous, NCHW; a copy for NHWC).
 * Accepts [H,W], [1,H,W], [1,C,H,W] (NCHW) or [1,H,W,C] (NHWC).
 */
export function outputToMask(
  data: Float32Array,
  dims: readonly number[],
  options: { layout?: 'NCHW' | 'NHWC'; channel?: number } = {},
): Mask {
  const channel = options.channel ?? 0;
  const d = dims.map(Number);
  if (d.length === 2) return { width: d[1]!, height: d[0]!, data: data.subarray(0, d[0]! * d[1]!) };
  if (d.length === 3) return { width: d[2]!, height: d[1]!, data: data.subarray(0, d[1]! * d[2]!) };
  if (d.length !== 4) throw new RangeError(`cannot read a mask from a tensor of shape [${d.join(',')}]`);
  if ((options.layout ?? 'NCHW') === 'NCHW') {
    const [, c, h, w] = d as [number, number, number, number];
    if (channel >= c) throw new RangeError(`channel ${channel} out of range for shape [${d.join(',')}]`);
    return { width: w, height: h, data: data.subarray(channel * h * w, (channel + 1) * h * w) };
  }
  const [, h, w, c] = d as [number, number, number, number];
  if (channel >= c) throw new RangeError(`channel ${channel} out of range for shape [${d.join(',')}]`);
  const out = new Float32Array(w * h);
  for (let i = 0; i < w * h; i++) out[i] = data[i * c + channel]!;
  return { width: w, height: h, data: out };
}

/**
 * Resizes (a box of) a mask to width x height: bilinear up, area average down. `from` selects the part of
 * the mask that holds the image (e.g. PackedTensor.content when letterboxed).
 */
export function resizeMask(mask: Mask, width: number, height: number, from?: Box): Mask {
  const out = new Float32Array(width * height);
  const region = from ?? { x: 0, y: 0, width: mask.width, height: mask.height };
  resampleRows(
    { data: mask.data, rowStride: mask.width, pixelStride: 1 },
    [0],
    region,
    width,
    height,
    (y, row) => out.set(row, y * width),
  );
  return { width, height, data: out };
}

/** A model's mask for a packed tensor -> a mask at the size of the region the tensor was packed from. */
export function maskToRegion(mask: Mask, packed: PackedTensor): Mask {
  const sx = mask.width / packed.width;
  const sy = mask.height / packed.height;
  const content = {
    x: Math.round(packed.content.x * sx),
    y: Math.round(packed.content.y * sy),
    width: Math.max(1, Math.round(packed.content.width * sx)),
    height: Math.max(1, Math.round(packed.content.height * sy)),
  };
  return resizeMask(
    mask,
    Math.round(packed.content.width * packed.transform.scaleX),
    Math.round(packed.content.height * packed.transform.scaleY),
    content,
  );
}

/**
 * Pastes `mask` into `dst` at `box` (the mask is resized to the box), clipped to `dst`. 'max' unions
 * overlapping crops (several people), 'replace' overwrites.
 */
export function pasteMask(dst: Mask, mask: Mask, box: Box, mode: 'max' | 'replace' = 'max'): void {
  const whole = {
    x: Math.floor(box.x),
    y: Math.floor(box.y),
    width: Math.max(1, Math.round(box.width)),
    height: Math.max(1, Math.round(box.height)),
  };
  if (
    whole.x >= dst.width ||
    whole.y >= dst.height ||
    whole.x + whole.width <= 0 ||
    whole.y + whole.height <= 0
  ) {
    return;
  }
  const b = clampBox(whole, dst.width, dst.height);
  const sized =
    mask.width === whole.width && mask.height === whole.height
      ? mask
      : resizeMask(mask, whole.width, whole.height);
  const dx = b.x - whole.x;
  const dy = b.y - whole.y;
  for (let y = 0; y < b.height; y++) {
    const srcRow = (y + dy) * sized.width + dx;
    const dstRow = (b.y + y) * dst.width + b.x;
    if (mode === 'replace') {
      dst.data.set(sized.data.subarray(srcRow, srcRow + b.width), dstRow);
    } else {
      for (let x = 0; x < b.width; x++) {
        const v = sized.data[srcRow + x]!;
        if (v > dst.data[dstRow + x]!) dst.data[dstRow + x] = v;
      }
    }
  }
}

/** Copies a box of a frame into a new tight frame. */
export function cropFrame(input: Frame, box: Box): F32Frame {
  const frame = toFloat32(input);
  const b = clampBox(box, frame.width, frame.height);
  const out = createFrame(b.width, b.height, 'f32', frame.colorSpace);
  for (let y = 0; y < b.height; y++) {
    const start = (b.y + y) * frame.stride + b.x * 4;
    out.data.set(frame.data.subarray(start, start + b.width * 4), y * b.width * 4);
  }
  return out;
}

/**
 * A copy of `frame` (tight stride) whose alpha is the mask (clamped to 0..1), multiplied with the existing
 * alpha when `multiply`. Straight (unpremultiplied) colour; `premultiply` scales RGB by the new alpha.
 */
export function applyMaskAsAlpha(
  input: Frame,
  mask: Mask,
  options: { multiply?: boolean; premultiply?: boolean } = {},
): F32Frame {
  const frame = toFloat32(input);
  if (mask.width !== frame.width || mask.height !== frame.height) {
    throw new RangeError(`mask is ${mask.width}x${mask.height}, frame is ${frame.width}x${frame.height}`);
  }
  const out = createFrame(frame.width, frame.height, 'f32', frame.colorSpace);
  const w = frame.width;
  for (let y = 0; y < frame.height; y++) {
    const src = y * frame.stride;
    const dst = y * w * 4;
    for (let x = 0; x < w; x++) {
      const m = mask.data[y * w + x]!;
      let alpha = m < 0 ? 0 : m > 1 ? 1 : m;
      if (options.multiply) alpha *= frame.data[src + x * 4 + 3]!;
      const k = options.premultiply ? alpha : 1;
      out.data[dst + x * 4] = frame.data[src + x * 4]! * k;
      out.data[dst + x * 4 + 1] = frame.data[src + x * 4 + 1]! * k;
      out.data[dst + x * 4 + 2] = frame.data[src + x * 4 + 2]! * k;
      out.data[dst + x * 4 + 3] = alpha;
    }
  }
  return out;
}

/**
 * Image-to-image output (style, upscale) -> frame: undoes the input normalisation
 * (value = (v * std + mean) / scale), clamps to 0..1, optional resize to width x height. Alpha = 1.
 */
export function tensorToFrame(
  data: Float32Array,
  dims: readonly number[],
  spec: TensorInputSpec,
  options: { width?: number; height?: number } = {},
): F32Frame {
  const offsets = channelOffsets(spec.channels);
  const nc = offsets.length;
  const [, d1, d2, d3] = dims.map(Number) as [number, number, number, number];
  const [h, w] = spec.layout === 'NCHW' ? [d2, d3] : [d1, d2];
  const tight = createFrame(w, h);
  const { scale, mean, std } = spec.normalize;
  const plane = w * h;
  for (let c = 0; c < Math.min(nc, 3); c++) {
    const m = mean[c] ?? mean[0] ?? 0;
    const s = std[c] ?? std[0] ?? 1;
    const dst = offsets[c]!;
    for (let i = 0; i < plane; i++) {
      const v = spec.layout === 'NCHW' ? data[c * plane + i]! : data[i * nc + c]!;
      const u = (v * s + m) / scale;
      tight.data[i * 4 + dst] = u < 0 ? 0 : u > 1 ? 1 : u;
    }
  }
  for (let i = 0; i < plane; i++) tight.data[i * 4 + 3] = 1;
  const tw = options.width ?? w;
  const th = options.height ?? h;
  if (tw === w && th === h) return tight;
  const out = createFrame(tw, th);
  resampleRows(
    { data: tight.data, rowStride: w * 4, pixelStride: 4 },
    [0, 1, 2, 3],
    { x: 0, y: 0, width: w, height: h },
    tw,
    th,
    (y, row) => out.data.set(row, y * tw * 4),
  );
  return out;
}
