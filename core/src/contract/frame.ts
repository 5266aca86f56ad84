/**
 * The frame every effect consumes and produces (contract v2): RGBA, row-major, with an explicit row stride
 * (in samples, >= width * 4) so hosts that pad rows (OFX rowBytes) need no copy. Samples are u8, u16, f16
 * (half floats stored as their bit patterns in a Uint16Array) or f32. Integer samples map 0..max to 0..1;
 * float samples are nominally 0..1. `colorSpace` says whether values are display-referred (sRGB/BT.709
 * transfer) or linear.
 *
 * Why integer frames: an 8-bit source decoded to float costs 4x the memory and a full-frame pass before the
 * effect even starts; most effects only need floats inside the model's (much smaller) input tensor, where
 * the conversion is fused with the resize and normalisation (runtime/tensor.ts).
 */
export type ColorSpace = 'display' | 'linear';
export type SampleFormat = 'u8' | 'u16' | 'f16' | 'f32';

interface FrameBase {
  readonly width: number;
  readonly height: number;
  /** Samples per row; >= width * 4. */
  readonly stride: number;
  readonly colorSpace: ColorSpace;
}
export interface U8Frame extends FrameBase {
  readonly format: 'u8';
  readonly data: Uint8Array;
}
export interface U16Frame extends FrameBase {
  readonly format: 'u16';
  readonly data: Uint16Array;
}
/** Half floats as IEEE 754 binary16 bit patterns (Node 20 has no Float16Array). */
export interface F16Frame extends FrameBase {
  readonly format: 'f16';
  readonly data: Uint16Array;
}
export interface F32Frame extends FrameBase {
  readonly format: 'f32';
  readonly data: Float32Array;
}
export type Frame = U8Frame | U16Frame | F16Frame | F32Frame;
export type FrameOf<F extends SampleFormat> = Extract<Frame, { format: F }>;

/** Largest sample value per format (integer formats map it to 1.0). */
export const SAMPLE_MAX: Readonly<Record<SampleFormat, number>> = { u8: 255, u16: 65535, f16: 1, f32: 1 };

export function assertDimensions(width: number, height: number): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new RangeError(`frame dimensions must be positive integers, got ${width}x${height}`);
  }
}

const BYTES_PER_SAMPLE: Readonly<Record<SampleFormat, number>> = { u8: 1, u16: 2, f16: 2, f32: 4 };

/**
 * Where createFrame gets the memory for its samples: fresh by default. An engine worker installs its pool of
 * buffers the main thread handed back after encoding them (engine/worker.ts), because a fresh buffer costs
 * its page faults on every frame (~45 ms for a 1080p u16 output on this project's VMs). A source must return
 * a buffer of exactly `bytes` that nobody else holds, all zero like a fresh one.
 */
export type SampleBufferSource = (bytes: number) => ArrayBuffer;
let bufferSource: SampleBufferSource | undefined;

/** Installs (or with undefined removes) this thread's sample buffer source. */
export function setSampleBufferSource(source: SampleBufferSource | undefined): void {
  bufferSource = source;
}

function samples(format: SampleFormat, length: number): Frame['data'] {
  const buffer = bufferSource?.(length * BYTES_PER_SAMPLE[format]);
  switch (format) {
    case 'u8':
      return buffer ? new Uint8Array(buffer) : new Uint8Array(length);
    case 'u16':
    case 'f16':
      return buffer ? new Uint16Array(buffer) : new Uint16Array(length);
    case 'f32':
      return buffer ? new Float32Array(buffer) : new Float32Array(length);
  }
}

/** A zeroed, tightly packed frame. Default format f32, display-referred. */
export function createFrame(width: number, height: number): F32Frame;
export function createFrame<F extends SampleFormat>(
  width: number,
  height: number,
  format: F,
  colorSpace?: ColorSpace,
): FrameOf<F>;
export function createFrame(
  width: number,
  height: number,
  format: SampleFormat = 'f32',
  colorSpace: ColorSpace = 'display',
): Frame {
  assertDimensions(width, height);
  return frameOver(width, height, format, colorSpace, samples(format, width * height * 4));
}

/** A frame over existing samples (a pooled buffer, a shared-memory view). Checks the length. */
export function frameOver<F extends SampleFormat>(
  width: number,
  height: number,
  format: F,
  colorSpace: ColorSpace,
  data: FrameOf<F>['data'],
  stride = width * 4,
): FrameOf<F> {
  assertDimensions(width, height);
  if (stride < width * 4 || data.length < stride * (height - 1) + width * 4) {
    throw new RangeError(
      `frame ${width}x${height} (stride ${stride}) needs ${stride * (height - 1) + width * 4} samples, got ${data.length}`,
    );
  }
  return { width, height, stride, format, colorSpace, data } as FrameOf<F>;
}

/** Returns a tightly packed copy (stride = width * 4) unless the frame already is one. */
export function packed<T extends Frame>(frame: T): T {
  if (frame.stride === frame.width * 4) return frame;
  const out = createFrame(frame.width, frame.height, frame.format, frame.colorSpace);
  const row = frame.width * 4;
  for (let y = 0; y < frame.height; y++) {
    (out.data as Float32Array).set(
      (frame.data as Float32Array).subarray(y * frame.stride, y * frame.stride + row),
      y * row,
    );
  }
  return out as T;
}

/** Index of the first non-finite sample, or -1 (integer frames have none). Rejects NaN/Inf input clearly. */
export function firstNonFinite(frame: Frame): number {
  if (frame.format === 'u8' || frame.format === 'u16') return -1;
  const rowLen = frame.width * 4;
  const f16 = frame.format === 'f16';
  for (let y = 0; y < frame.height; y++) {
    const base = y * frame.stride;
    for (let i = 0; i < rowLen; i++) {
      const s = frame.data[base + i]!;
      // binary16: exponent bits all ones = Inf or NaN.
      if (f16 ? (s & 0x7c00) === 0x7c00 : !Number.isFinite(s)) return base + i;
    }
  }
  return -1;
}

/**
 * The frame as f32 (a new packed frame; the same object when it already is f32). Effects that do float math
 * at full resolution call this once at their entry; effects that only feed a model should pack tensors
 * straight from the integer samples instead (runtime/tensor.ts does).
 */
export function toFloat32(frame: Frame): F32Frame {
  if (frame.format === 'f32') return frame;
  const { width, height, stride } = frame;
  const out = createFrame(width, height, 'f32', frame.colorSpace);
  const row = width * 4;
  const d = out.data;
  if (frame.format === 'f16') {
    for (let y = 0; y < height; y++)
      for (let i = 0, s = y * stride, o = y * row; i < row; i++) d[o + i] = halfToFloat(frame.data[s + i]!);
    return out;
  }
  const scale = 1 / SAMPLE_MAX[frame.format];
  const src = frame.data;
  for (let y = 0; y < height; y++)
    for (let i = 0, s = y * stride, o = y * row; i < row; i++) d[o + i] = src[s + i]! * scale;
  return out;
}

/**
 * An f32 frame in another format (a new packed frame; the same object for f32 → f32). Integer formats round
 * to nearest and clamp to 0..1 (the encoders did the same); f16 keeps out-of-range values.
 */
export function fromFloat32<F extends SampleFormat>(frame: F32Frame, format: F): FrameOf<F> {
  if (format === 'f32') return frame as FrameOf<F>;
  const { width, height, stride } = frame;
  const out = createFrame(width, height, format, frame.colorSpace);
  const row = width * 4;
  const src = frame.data;
  const d = out.data;
  if (format === 'f16') {
    for (let y = 0; y < height; y++)
      for (let i = 0, s = y * stride, o = y * row; i < row; i++) d[o + i] = floatToHalf(src[s + i]!);
    return out;
  }
  const max = SAMPLE_MAX[format];
  for (let y = 0; y < height; y++) {
    for (let i = 0, s = y * stride, o = y * row; i < row; i++) {
      const v = src[s + i]!;
      // NaN compares false both ways and lands on 0.
      d[o + i] = v > 0 ? (v < 1 ? Math.round(v * max) : max) : 0;
    }
  }
  return out;
}

/** The frame in `format` through f32 when needed (f32 → x and x → f32 are one pass). */
export function convertFrame<F extends SampleFormat>(frame: Frame, format: F): FrameOf<F> {
  if (frame.format === format) return frame as FrameOf<F>;
  return fromFloat32(toFloat32(frame), format);
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** IEEE 754 binary16 bits → number. */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** number → IEEE 754 binary16 bits, round to nearest even (as GPUs and OpenEXR do). */
export function floatToHalf(v: number): number {
  f32[0] = v;
  const x = u32[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    const rem = mant & ((1 << shift) - 1);
    let r = mant >>> shift;
    if (rem > half || (rem === half && r & 1)) r++;
    return sign | r;
  }
  let r = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && r & 1)) r++;
  return sign | r;
}
