/**
 * Temporal stabilisation of the alpha matte (method written down in docs/matte.md).
 *
 * Per pixel, a motion-gated moving average of alpha over a FINITE window of the last WINDOW frames:
 *   s = a_{N-W+1};  for t = N-W+2 .. N:  s = s + k_t * (a_t - s),   k_t = k_static + (1 - k_static) * m_t
 * where a_t is the model's alpha, m_t in 0..1 says how much the picture changed at that pixel between
 * frames t-1 and t (luma difference, box-blurred to ignore sensor noise, then dilated so the band just
 * around a moving edge counts as moving), and k_static = 1 - 0.95 * strength. Where the picture is
 * static the matte changes slowly (model noise, compression noise and one-frame detector dropouts are
 * averaged away); where something moves the matte follows the model immediately, so moving people do
 * not leave trails. strength 0 turns it off (k = 1 everywhere).
 *
 * Why a finite window and not the recursive average it replaces: frame N's output must depend on input
 * frames N-PRE_ROLL..N only, so a host that renders out of order (OFX) or a farm chunk can reset and feed
 * those frames and get exactly the pixels of a continuous run (the descriptor's `preRoll`). The recursion
 * restarted at the window's first frame gives that frame the weight the infinite average gave to
 * everything before it.
 */
import { SAMPLE_MAX, toFloat32, type Frame } from '../../contract/frame.ts';
import type { Mask } from '../../runtime/mask-ops.ts';
import { linearToSrgb } from '../../runtime/srgb.ts';
import { nativeAddon } from '../../native/addon.ts';
import { reusedOrNew } from '../../runtime/tensor.ts';

/** Luma differences (0..1 display-referred) below LOW count as static, above HIGH as moving. */
const LOW = 0.025;
const HIGH = 0.08;
const NOISE_BLUR_PX = 2;
const EDGE_GROW_PX = 3;
/**
 * Frames before N that frame N's stabilised alpha depends on. At the default strength (k_static 0.24) the
 * window's first frame keeps 0.76^8 ≈ 11 % of the weight where nothing moves.
 */
export const STABILIZER_PRE_ROLL = 8;

/** Rec.709 luma of the display-referred picture (a linear frame's luminance is sRGB-encoded first, so
 * the noise thresholds mean the same thing in shadows and highlights either way). */
export function lumaOf(input: Frame, reuse?: Float32Array): Float32Array {
  // Display-referred integer samples are read as they are, 1/max folded into the weights (no float frame).
  if ((input.format === 'u8' || input.format === 'u16') && input.colorSpace === 'display') {
    const addon = nativeAddon();
    if (!addon) return lumaOfIntegerTypeScript(input);
    const out = reusedOrNew(reuse, input.width * input.height);
    const [kr, kg, kb] = integerLumaWeights(input.format);
    addon.lumaOfInteger(
      input.data as Uint8Array | Uint16Array,
      input.width,
      input.height,
      input.stride,
      kr,
      kg,
      kb,
      out,
    );
    return out;
  }
  const frame = toFloat32(input);
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

function integerLumaWeights(format: 'u8' | 'u16'): [number, number, number] {
  const unit = 1 / SAMPLE_MAX[format];
  return [0.2126 * unit, 0.7152 * unit, 0.0722 * unit];
}

/** lumaOf of display-referred u8/u16 samples in TypeScript (the native twin's reference). */
export function lumaOfIntegerTypeScript(input: Frame): Float32Array {
  if (input.format !== 'u8' && input.format !== 'u16')
    throw new TypeError('lumaOfIntegerTypeScript: u8 or u16');
  const { width: w, height: h, stride, data } = input;
  const [kr, kg, kb] = integerLumaWeights(input.format);
  const out = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0, i = y * stride, o = y * w; x < w; x++, i += 4, o++) {
      out[o] = kr * data[i]! + kg * data[i + 1]! + kb * data[i + 2]!;
    }
  }
  return out;
}

/**
 * 0..1 motion map between two luma planes of the same size: |difference|, box blur of radius NOISE_BLUR_PX,
 * dilation (local max) of radius EDGE_GROW_PX, then the LOW..HIGH ramp. The same arithmetic as
 * runtime/mask-ops' boxBlur and dilate, bit for bit (test/engine/integer-paths.test.ts checks it), but every
 * pass walks rows, so the vertical passes read memory in order instead of striding a column at a time
 * through a 1080p plane (the stabiliser's largest cost per frame). Runs in the native addon when it is built
 * (the same arithmetic; test/engine/native-pixels.test.ts).
 */
export function motionMap(
  prev: Float32Array,
  cur: Float32Array,
  width: number,
  height: number,
  reuse?: Float32Array,
): Mask {
  const addon = nativeAddon();
  if (!addon) return motionMapTypeScript(prev, cur, width, height);
  const out = reusedOrNew(reuse, width * height);
  addon.motionMap(prev, cur, width, height, NOISE_BLUR_PX, EDGE_GROW_PX, LOW, HIGH, out);
  return { width, height, data: out };
}

/** motionMap in TypeScript: what runs without the addon, and the reference its native twin must equal. */
export function motionMapTypeScript(
  prev: Float32Array,
  cur: Float32Array,
  width: number,
  height: number,
): Mask {
  const w = width;
  const h = height;
  const a = new Float32Array(w * h);
  const b = new Float32Array(w * h);
  for (let i = 0; i < a.length; i++) a[i] = Math.abs(cur[i]! - prev[i]!);
  blurRows(a, b, w, h, NOISE_BLUR_PX);
  blurColumns(b, a, w, h, NOISE_BLUR_PX);
  maxRows(a, b, w, h, EDGE_GROW_PX);
  maxColumns(b, a, w, h, EDGE_GROW_PX);
  for (let i = 0; i < a.length; i++) a[i] = Math.min(1, Math.max(0, (a[i]! - LOW) / (HIGH - LOW)));
  return { width, height, data: a };
}

/** Running-sum box blur along each row, edges clamped (mask-ops' blurLines on rows). */
function blurRows(src: Float32Array, dst: Float32Array, w: number, h: number, r: number): void {
  const norm = 1 / (2 * r + 1);
  const last = w - 1;
  for (let y = 0; y < h; y++) {
    const base = y * w;
    let sum = 0;
    for (let i = -r; i <= r; i++) sum += src[base + Math.min(last, Math.max(0, i))]!;
    for (let i = 0; i < w; i++) {
      dst[base + i] = sum * norm;
      sum += src[base + Math.min(last, i + r + 1)]! - src[base + Math.max(0, i - r)]!;
    }
  }
}

/** The same running sum down each column, all columns at once, one row at a time. */
function blurColumns(src: Float32Array, dst: Float32Array, w: number, h: number, r: number): void {
  const norm = 1 / (2 * r + 1);
  const last = h - 1;
  const sums = new Float64Array(w);
  for (let i = -r; i <= r; i++) {
    const row = Math.min(last, Math.max(0, i)) * w;
    for (let x = 0; x < w; x++) sums[x] = sums[x]! + src[row + x]!;
  }
  for (let y = 0; y < h; y++) {
    const out = y * w;
    const add = Math.min(last, y + r + 1) * w;
    const sub = Math.max(0, y - r) * w;
    for (let x = 0; x < w; x++) {
      dst[out + x] = sums[x]! * norm;
      sums[x] = sums[x]! + (src[add + x]! - src[sub + x]!);
    }
  }
}

/** Local max over [x-r, x+r] along each row, the window clipped to the row. */
function maxRows(src: Float32Array, dst: Float32Array, w: number, h: number, r: number): void {
  for (let y = 0; y < h; y++) {
    const base = y * w;
    for (let x = 0; x < w; x++) {
      const end = base + Math.min(w - 1, x + r);
      let m = -Infinity;
      for (let k = base + Math.max(0, x - r); k <= end; k++) if (src[k]! > m) m = src[k]!;
      dst[base + x] = m;
    }
  }
}

/** Local max over rows [y-r, y+r] (clipped), one output row at a time. */
function maxColumns(src: Float32Array, dst: Float32Array, w: number, h: number, r: number): void {
  for (let y = 0; y < h; y++) {
    const out = y * w;
    dst.set(src.subarray(Math.max(0, y - r) * w, Math.max(0, y - r) * w + w), out);
    for (let yy = Math.max(0, y - r) + 1, end = Math.min(h - 1, y + r); yy <= end; yy++) {
      const row = yy * w;
      for (let x = 0; x < w; x++) if (src[row + x]! > dst[out + x]!) dst[out + x] = src[row + x]!;
    }
  }
}

interface WindowEntry {
  alpha: Float32Array;
  /** Motion between the previous frame and this one; null for the first frame after a reset. */
  motion: Float32Array | null;
}

export class MatteStabilizer {
  private window: WindowEntry[] = [];
  private prevLuma: Float32Array | null = null;
  /** Planes of this size that nothing reads any more, to be overwritten instead of allocated. */
  private spare: { luma?: Float32Array; alpha?: Float32Array; motion?: Float32Array; output?: Float32Array } =
    {};
  private width = 0;
  private height = 0;

  constructor(private readonly preRoll = STABILIZER_PRE_ROLL) {}

  /** Returns the stabilised alpha (a new mask); `alpha` is left unchanged. */
  apply(frame: Frame, alpha: Mask, strength: number): Mask {
    const sameSize = this.width === alpha.width && this.height === alpha.height;
    if (!sameSize) this.reset();
    this.width = alpha.width;
    this.height = alpha.height;
    // The window is kept even with strength 0 so that turning it on mid-clip behaves like a fresh run would.
    // Planes leaving the window (and the luma before last) are written again for the next frames instead of
    // allocating three new full-frame planes per frame: fresh memory costs its page faults on first touch
    // (~22 ms per 1080p plane on the 2-core test VM, docs/engine.md).
    const spare = this.spare;
    this.spare = {};
    const luma = lumaOf(frame, spare.luma);
    const motion = this.prevLuma
      ? motionMap(this.prevLuma, luma, alpha.width, alpha.height, spare.motion).data
      : null;
    this.spare.luma = this.prevLuma ?? undefined;
    this.prevLuma = luma;
    const kept = reusedOrNew(spare.alpha, alpha.data.length);
    kept.set(alpha.data);
    this.window.push({ alpha: kept, motion });
    if (this.window.length > this.preRoll + 1) {
      const leaving = this.window.shift()!;
      this.spare.alpha = leaving.alpha;
      this.spare.motion = leaving.motion ?? undefined;
    }
    const out = spare.output;
    if (strength <= 0) {
      const copy = reusedOrNew(out, alpha.data.length);
      copy.set(alpha.data);
      return { width: alpha.width, height: alpha.height, data: copy };
    }

    const kStatic = 1 - 0.95 * Math.min(1, strength);
    const alphas = this.window.map((entry) => entry.alpha);
    const motions = this.window.slice(1).map((entry) => entry.motion!);
    return { width: alpha.width, height: alpha.height, data: averageWindow(alphas, motions, kStatic, out) };
  }

  /**
   * Hands back a mask this stabiliser returned, once the caller no longer reads it: the next apply() writes
   * its result there instead of into a new plane. Optional; a mask of another size is ignored.
   */
  recycle(mask: Mask): void {
    if (mask.width === this.width && mask.height === this.height) this.spare.output = mask.data;
  }

  reset(): void {
    this.window = [];
    this.prevLuma = null;
    this.spare = {};
    this.width = this.height = 0;
  }
}

/**
 * The motion-gated average over the window, oldest first: motions[i] is the motion map of alphas[i + 1].
 * Native when the addon is built (the same arithmetic, bit for bit).
 */
export function averageWindow(
  alphas: Float32Array[],
  motions: Float32Array[],
  kStatic: number,
  reuse?: Float32Array,
): Float32Array {
  const addon = nativeAddon();
  if (addon) {
    const out = reusedOrNew(reuse, alphas[0]!.length);
    addon.stabiliseWindow(alphas, motions, kStatic, out);
    return out;
  }
  return averageWindowTypeScript(alphas, motions, kStatic);
}

/** averageWindow in TypeScript: what runs without the addon, and the reference its native twin must equal. */
export function averageWindowTypeScript(
  alphas: Float32Array[],
  motions: Float32Array[],
  kStatic: number,
): Float32Array {
  const s = alphas[0]!.slice();
  for (let w = 1; w < alphas.length; w++) {
    const a = alphas[w]!;
    const m = motions[w - 1]!;
    for (let i = 0; i < s.length; i++) {
      const k = kStatic + (1 - kStatic) * m[i]!;
      s[i] = s[i]! + k * (a[i]! - s[i]!);
    }
  }
  return s;
}
