/**
 * RIFE v4.6 on a pair of frames: in0 / in1 are the frames as planar RGB 0..1, in2 a plane filled with the
 * timestep t in (0, 1); out0 is the frame at t. The network needs H and W to be multiples of 32, so frames are
 * edge-padded (replicated border: no black frame edge for the flow to latch onto) and the result is cropped.
 * Alpha does not go through the network; it is blended linearly between the two frames.
 */
import { Tensor } from 'onnxruntime-node';
import { createFrame, toFloat32, type F32Frame, type Frame } from '../frame.ts';
import type { LoadedSession } from '../../runtime/types.ts';
import { linearToSrgb, srgbToLinear } from '../../runtime/srgb.ts';

export const RIFE_MULTIPLE = 32;

export function paddedSize(n: number): number {
  return Math.ceil(n / RIFE_MULTIPLE) * RIFE_MULTIPLE;
}

/** F32Frame → planar RGB [3, ph, pw] with replicated edges (sRGB-encoded when the frame is linear). */
export function padToPlanar(frame: F32Frame, pw: number, ph: number): Float32Array {
  const plane = pw * ph;
  const out = new Float32Array(3 * plane);
  const linear = frame.colorSpace === 'linear';
  for (let y = 0; y < ph; y++) {
    const sy = Math.min(y, frame.height - 1);
    for (let x = 0; x < pw; x++) {
      const s = sy * frame.stride + Math.min(x, frame.width - 1) * 4;
      const i = y * pw + x;
      for (let c = 0; c < 3; c++) {
        const v = frame.data[s + c]!;
        out[c * plane + i] = linear ? linearToSrgb(v) : v;
      }
    }
  }
  return out;
}

export interface PairInterpolator {
  /** The frame at time t in (0, 1) between a and b. */
  at(t: number): Promise<F32Frame>;
}

/** Prepares a pair once (padding, tensors) so several timesteps (4x slow motion) reuse it. */
export function rifePair(session: LoadedSession, first: Frame, second: Frame): PairInterpolator {
  const a = toFloat32(first);
  const b = toFloat32(second);
  if (a.width !== b.width || a.height !== b.height)
    throw new RangeError(
      `interpolate: frames differ in size (${a.width}x${a.height} vs ${b.width}x${b.height})`,
    );
  const pw = paddedSize(a.width);
  const ph = paddedSize(a.height);
  const in0 = new Tensor('float32', padToPlanar(a, pw, ph), [1, 3, ph, pw]);
  const in1 = new Tensor('float32', padToPlanar(b, pw, ph), [1, 3, ph, pw]);
  return {
    async at(t: number): Promise<F32Frame> {
      const in2 = new Tensor('float32', new Float32Array(pw * ph).fill(t), [1, 1, ph, pw]);
      const result = await session.run({ in0, in1, in2 });
      const rgb = result[session.outputNames[0] ?? 'out0']!.data as Float32Array;
      return unpad(rgb, pw, ph, a, b, t);
    },
  };
}

function unpad(rgb: Float32Array, pw: number, ph: number, a: F32Frame, b: F32Frame, t: number): F32Frame {
  const out = createFrame(a.width, a.height, 'f32', a.colorSpace);
  const plane = pw * ph;
  const linear = a.colorSpace === 'linear';
  for (let y = 0; y < a.height; y++) {
    for (let x = 0; x < a.width; x++) {
      const i = y * pw + x;
      const o = y * out.stride + x * 4;
      for (let c = 0; c < 3; c++) {
        const v = Math.min(1, Math.max(0, rgb[c * plane + i]!));
        out.data[o + c] = linear ? srgbToLinear(v) : v;
      }
      out.data[o + 3] = (1 - t) * a.data[y * a.stride + x * 4 + 3]! + t * b.data[y * b.stride + x * 4 + 3]!;
    }
  }
  return out;
}
