/**
 * Temporal consistency of per-frame depth (method in docs/depth.md). Relative depth from one frame has its
 * own scale and shift (the nets are trained scale-and-shift invariant; the layered depth's objects come and
 * go with the detectors), so the same wall reads at a different grey every frame: flicker.
 *
 * For frame N, over the window of frames N-K..N of the current shot (K = DEPTH_PRE_ROLL):
 * 1. Static, confident pixels of frame j: the picture did not change there since frame j-1 (|Δluma| below
 *    STATIC_LUMA on the working grid) and the depth is not on an edge (|∇depth| below EDGE), where a one-pixel
 *    shift of the prediction would read as a large change.
 * 2. Scale and shift: depth_j is mapped by a·d + b, with (a, b) the least-squares fit of depth_j to the running
 *    reference on those pixels (Ranftl et al.'s scale-and-shift alignment, here frame to reference).
 * 3. Deflicker: on static pixels the reference keeps `strength` of itself and takes the rest from the aligned
 *    frame; moving pixels take the aligned frame as it is (a person walking is not held back).
 * The reference is rebuilt from the window each frame, so frame N depends on frames N-K..N only (the effect
 * declares preRoll = K: any render order and farm chunk give the same pixels). A scene cut (the interpolate
 * effect's detector, scene-cut.ts) empties the window: depth never carries across a cut.
 */
import { toFloat32, type Frame } from '../frame.ts';
import { resizeMask } from '../../runtime/tensor.ts';
import { createMask, type Mask } from '../../runtime/mask-ops.ts';
import { frameSignature, sceneChangeScore, type FrameSignature } from '../interpolate/scene-cut.ts';
import { lumaMask, type DepthMap } from './depth-map.ts';

export const DEPTH_PRE_ROLL = 8;
const STATIC_LUMA = 0.03;
const EDGE = 0.08;
const CUT_THRESHOLD = 0.3;
/** Fewer static pixels than this share: no fit (a moving camera), the frame keeps its own normalisation. */
const MIN_STATIC_SHARE = 0.02;

interface Entry {
  depth: DepthMap;
  luma: Mask;
  sig: FrameSignature;
}

export class DepthStabilizer {
  private window: Entry[] = [];
  /** Whether the last frame pushed started a new shot (a cut or the first frame): for tests and logs. */
  lastWasCut = false;
  /** Scale and shift applied to the last frame. */
  lastFit = { a: 1, b: 0 };

  reset(): void {
    this.window = [];
  }

  apply(input: Frame, depth: DepthMap, strength: number): DepthMap {
    const frame = toFloat32(input);
    const sig = frameSignature(frame);
    const luma = resizeMask(lumaMask(frame), depth.width, depth.height);
    const last = this.window[this.window.length - 1];
    const cut =
      !last ||
      last.depth.width !== depth.width ||
      last.depth.height !== depth.height ||
      sceneChangeScore(last.sig, sig) >= CUT_THRESHOLD;
    if (cut) this.window = [];
    this.lastWasCut = cut;
    this.window.push({ depth, luma, sig });
    if (this.window.length > DEPTH_PRE_ROLL + 1) this.window.shift();
    this.lastFit = { a: 1, b: 0 };
    if (strength <= 0 || this.window.length === 1) return depth;
    let ref = this.window[0]!.depth;
    for (let j = 1; j < this.window.length; j++) {
      const cur = this.window[j]!;
      const mask = staticMask(this.window[j - 1]!.luma, cur.luma, cur.depth);
      const fit = fitScaleShift(cur.depth, ref, mask);
      ref = blendStatic(ref, cur.depth, fit, mask, strength);
      if (j === this.window.length - 1) this.lastFit = fit;
    }
    return ref;
  }
}

/** 1 where the picture is still and the depth is away from edges, else 0. */
export function staticMask(prevLuma: Mask, luma: Mask, depth: DepthMap): Uint8Array {
  const { width: w, height: h } = depth;
  const m = new Uint8Array(w * h);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      if (Math.abs(luma.data[i]! - prevLuma.data[i]!) >= STATIC_LUMA) continue;
      const gx = x + 1 < w ? depth.data[i + 1]! - depth.data[i]! : 0;
      const gy = y + 1 < h ? depth.data[i + w]! - depth.data[i]! : 0;
      if (Math.abs(gx) + Math.abs(gy) < EDGE) m[i] = 1;
    }
  return m;
}

/**
 * Least squares a, b minimising Σ (a·cur + b − ref)² over the mask, trimmed: after a first fit the pixels
 * with the largest residuals (TRIM of them: depth that really changed although the picture did not, e.g. a
 * detector's region growing by a few pixels) are dropped and the fit is redone, so they cannot tilt the
 * whole frame. Identity when the problem is ill-posed.
 */
export function fitScaleShift(cur: DepthMap, ref: DepthMap, mask: Uint8Array): { a: number; b: number } {
  const first = leastSquares(cur, ref, mask);
  if (!first) return { a: 1, b: 0 };
  const residuals: number[] = [];
  for (let i = 0; i < mask.length; i++)
    if (mask[i]) residuals.push(Math.abs(first.a * cur.data[i]! + first.b - ref.data[i]!));
  residuals.sort((x, y) => x - y);
  const limit = residuals[Math.floor((1 - TRIM) * (residuals.length - 1))]!;
  const kept = new Uint8Array(mask.length);
  for (let i = 0; i < mask.length; i++)
    if (mask[i] && Math.abs(first.a * cur.data[i]! + first.b - ref.data[i]!) <= limit) kept[i] = 1;
  return leastSquares(cur, ref, kept) ?? first;
}

const TRIM = 0.2;

function leastSquares(cur: DepthMap, ref: DepthMap, mask: Uint8Array): { a: number; b: number } | null {
  let n = 0;
  let sx = 0;
  let sy = 0;
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < mask.length; i++) {
    if (!mask[i]) continue;
    const x = cur.data[i]!;
    const y = ref.data[i]!;
    n++;
    sx += x;
    sy += y;
    sxx += x * x;
    sxy += x * y;
  }
  if (n < Math.max(16, MIN_STATIC_SHARE * mask.length)) return null;
  const varX = sxx / n - (sx / n) ** 2;
  if (varX < 1e-6) return { a: 1, b: sy / n - sx / n };
  // The scale is bounded: a fit on a few static pixels must not flip or blow up the map.
  const a = Math.min(2, Math.max(0.5, (sxy / n - (sx / n) * (sy / n)) / varX));
  return { a, b: sy / n - a * (sx / n) };
}

function blendStatic(
  ref: DepthMap,
  cur: DepthMap,
  fit: { a: number; b: number },
  mask: Uint8Array,
  strength: number,
): DepthMap {
  const out = createMask(cur.width, cur.height);
  for (let i = 0; i < out.data.length; i++) {
    const aligned = fit.a * cur.data[i]! + fit.b;
    out.data[i] = mask[i] ? strength * ref.data[i]! + (1 - strength) * aligned : aligned;
  }
  return out;
}
