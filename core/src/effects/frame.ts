/**
 * The frame every effect consumes and produces: float RGBA, row-major, with an explicit row stride
 * (in floats, >= width * 4) so hosts that pad rows (OFX rowBytes) need no copy. Values are nominally
 * 0..1; `colorSpace` says whether they are display-referred (sRGB/BT.709 transfer) or linear.
 */
export type ColorSpace = 'display' | 'linear';

export interface Frame {
  readonly width: number;
  readonly height: number;
  /** Floats per row; >= width * 4. */
  readonly stride: number;
  readonly data: Float32Array;
  readonly colorSpace: ColorSpace;
}

export function createFrame(width: number, height: number, colorSpace: ColorSpace = 'display'): Frame {
  assertDimensions(width, height);
  return { width, height, stride: width * 4, data: new Float32Array(width * height * 4), colorSpace };
}

export function assertDimensions(width: number, height: number): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new RangeError(`frame dimensions must be positive integers, got ${width}x${height}`);
  }
}

/** Returns a tightly packed copy (stride = width * 4) unless the frame already is one. */
export function packed(frame: Frame): Frame {
  if (frame.stride === frame.width * 4) return frame;
  const out = createFrame(frame.width, frame.height, frame.colorSpace);
  for (let y = 0; y < frame.height; y++) {
    out.data.set(
      frame.data.subarray(y * frame.stride, y * frame.stride + frame.width * 4),
      y * frame.width * 4,
    );
  }
  return out;
}

/** Index of the first non-finite sample, or -1. Used to reject NaN/Inf input with a clear error. */
export function firstNonFinite(frame: Frame): number {
  const rowLen = frame.width * 4;
  for (let y = 0; y < frame.height; y++) {
    const base = y * frame.stride;
    for (let i = 0; i < rowLen; i++) {
      if (!Number.isFinite(frame.data[base + i]!)) return base + i;
    }
  }
  return -1;
}
