/**
 * Temporal stabilisation of the alpha matte (method written down in docs/matte.md).
 *
 * Per pixel, an exponential moving average of alpha whose rate is gated by image motion:
 *   s_t = s_{t-1} + k_t * (a_t - s_{t-1}),   k_t = k_static + (1 - k_static) * m_t
 * where a_t is the model's alpha, m_t in 0..1 says how much the picture changed at that pixel since the
 * previous frame (luma difference, box-blurred to ignore sensor noise, then dilated so the band just
 * around a moving edge counts as moving), and k_static = 1 - 0.95 * strength. Where the picture is
 * static the matte changes slowly (model noise, compression noise and one-frame detector dropouts are
 * averaged away); where something moves the matte follows the model immediately, so moving people do
 * not leave trails. strength 0 turns it off (k = 1 everywhere).
 */
import type { Frame } from '../frame.ts';
import { boxBlur, dilate, type Mask } from '../../runtime/mask-ops.ts';
import { linearToSrgb } from '../../runtime/srgb.ts';

/** Luma differences (0..1 display-referred) below LOW count as static, above HIGH as moving. */
const LOW = 0.025;
const HIGH = 0.08;
const NOISE_BLUR_PX = 2;
const EDGE_GROW_PX = 3;

/** Rec.709 luma of the display-referred picture (a linear frame's luminance is sRGB-encoded first, so
 * the noise thresholds mean the same thing in shadows and highlights either way). */
export function lumaOf(frame: Frame): Float32Array {
  const { width: w, height: h, stride, data } = frame;
  const out = new Float32Array(w * h);
  const linear = frame.colorSpace === 'linear';
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * stride + x * 4;
      const v = 0.2126 * data[i]! + 0.7152 * data[i + 1]! + 0.0722 * data[i + 2]!;
      out[y * w + x] = linear ? linearToSrgb(v) : v;
    }
  }
  return out;
}

/** 0..1 motion map between two luma planes of the same size. */
export function motionMap(prev: Float32Array, cur: Float32Array, width: number, height: number): Mask {
  const diff = new Float32Array(width * height);
  for (let i = 0; i < diff.length; i++) diff[i] = Math.abs(cur[i]! - prev[i]!);
  const smooth = boxBlur({ width, height, data: diff }, NOISE_BLUR_PX);
  const grown = dilate(smooth, EDGE_GROW_PX);
  const m = grown.data;
  for (let i = 0; i < m.length; i++) m[i] = Math.min(1, Math.max(0, (m[i]! - LOW) / (HIGH - LOW)));
  return grown;
}

export class MatteStabilizer {
  private prevLuma: Float32Array | null = null;
  private state: Float32Array | null = null;
  private width = 0;
  private height = 0;

  /** Returns the stabilised alpha (a new mask); `alpha` is left unchanged. */
  apply(frame: Frame, alpha: Mask, strength: number): Mask {
    const luma = lumaOf(frame);
    const sameSize = this.width === alpha.width && this.height === alpha.height;
    if (strength <= 0 || !this.prevLuma || !this.state || !sameSize) {
      this.remember(luma, alpha.data.slice(), alpha.width, alpha.height);
      return { width: alpha.width, height: alpha.height, data: alpha.data.slice() };
    }
    const motion = motionMap(this.prevLuma, luma, alpha.width, alpha.height).data;
    const kStatic = 1 - 0.95 * Math.min(1, strength);
    const s = this.state;
    for (let i = 0; i < s.length; i++) {
      const k = kStatic + (1 - kStatic) * motion[i]!;
      s[i] = s[i]! + k * (alpha.data[i]! - s[i]!);
    }
    this.prevLuma = luma;
    return { width: alpha.width, height: alpha.height, data: s.slice() };
  }

  reset(): void {
    this.prevLuma = null;
    this.state = null;
    this.width = this.height = 0;
  }

  private remember(luma: Float32Array, state: Float32Array, w: number, h: number): void {
    this.prevLuma = luma;
    this.state = state;
    this.width = w;
    this.height = h;
  }
}
