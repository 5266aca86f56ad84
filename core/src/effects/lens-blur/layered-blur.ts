/**
 * Depth of field from a depth map by layered blurring (the "scatter as gather per layer" method of layered
 * DOF renderers; Kraus & Strengert 2007, Lee et al. 2008):
 *
 * 1. Circle of confusion. For a thin lens the blur diameter is proportional to |1/Z − 1/Z_focus|, i.e. to the
 *    difference of *inverse* depths, which is what relative depth maps hold (nearness). So a pixel's bokeh
 *    radius is aperture · |n − focus| (px), signed: in front of or behind the focus plane.
 * 2. Layers. Signed CoC is cut into layers whose radii step by at most LAYER_STEP_PX; each pixel is split
 *    linearly between its two nearest layers (no banding). The layer at the focus depth has radius 0: pixels
 *    exactly at the focus depth are copied, untouched.
 * 3. Each layer (premultiplied colour + coverage) is blurred with the bokeh kernel of its own radius only, so
 *    a sharp subject never smears into the blurred background behind it, and the background never blurs into
 *    the subject (no halo either way), while a blurred foreground correctly spreads over what is behind it.
 * 4. Front-to-back "over" compositing, then division by the accumulated coverage: where the background
 *    behind a blurred foreground edge was never seen, the visible neighbours fill in instead of black.
 */
import { createFrame, packed, toFloat32, type F32Frame, type Frame } from '../frame.ts';
import type { Mask } from '../../runtime/mask-ops.ts';

export type BokehShape = 'disc' | 'hexagon';

/** Radius step between layers: fine enough that neighbouring layers differ by a barely visible blur. */
const LAYER_STEP_PX = 1.5;
const MAX_LAYERS = 32;

/** Half-width of the kernel's row at offset dy from its centre (the kernel is a stack of row spans). */
function spanHalfWidth(shape: BokehShape, r: number, dy: number): number {
  const a = Math.abs(dy);
  if (a > r) return -1;
  if (shape === 'disc') return Math.floor(Math.sqrt(r * r - a * a) + 0.5);
  // Hexagon with a vertex up (six aperture blades): full width over the middle half, narrowing linearly.
  const flat = (r * Math.sqrt(3)) / 2;
  return Math.floor((a <= r / 2 ? flat : ((r - a) / (r / 2)) * flat) + 0.5);
}

/**
 * Blurs `planes` (each w×h) by the bokeh kernel of radius r, normalised by the kernel's area, edges clamped to
 * zero outside the frame (coverage is blurred the same way, so the division in compositing renormalises).
 * O(pixels × r) with row prefix sums.
 */
export function bokehBlur(
  planes: Float32Array[],
  w: number,
  h: number,
  r: number,
  shape: BokehShape,
): Float32Array[] {
  const R = Math.round(r);
  if (R <= 0) return planes;
  const spans: number[] = [];
  let area = 0;
  for (let dy = -R; dy <= R; dy++) {
    const hw = spanHalfWidth(shape, R, dy);
    spans.push(hw);
    if (hw >= 0) area += 2 * hw + 1;
  }
  return planes.map((src) => {
    // prefix[y][x+1] = sum of src[y][0..x]
    const prefix = new Float64Array(h * (w + 1));
    for (let y = 0; y < h; y++) {
      let acc = 0;
      const o = y * (w + 1);
      for (let x = 0; x < w; x++) {
        acc += src[y * w + x]!;
        prefix[o + x + 1] = acc;
      }
    }
    const out = new Float32Array(w * h);
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        let sum = 0;
        for (let k = 0; k < spans.length; k++) {
          const hw = spans[k]!;
          const yy = y + k - R;
          if (hw < 0 || yy < 0 || yy >= h) continue;
          const x0 = Math.max(0, x - hw);
          const x1 = Math.min(w - 1, x + hw);
          const o = yy * (w + 1);
          sum += prefix[o + x1 + 1]! - prefix[o + x0]!;
        }
        out[y * w + x] = sum / area;
      }
    return out;
  });
}

export interface LensBlurOptions {
  /** Nearness (0 far .. 1 near) that is in focus. */
  focus: number;
  /** Bokeh radius in px for a nearness difference of 1 (the whole depth range). */
  aperture: number;
  shape: BokehShape;
}

/** The picture with depth of field; `nearness` at the picture's size. Alpha is kept from the input. */
export function lensBlur(input: Frame, nearness: Mask, o: LensBlurOptions): F32Frame {
  const frame = packed(toFloat32(input));
  const { width: w, height: h } = frame;
  const n = w * h;
  const out = createFrame(w, h, 'f32', frame.colorSpace);
  // Signed defocus in nearness units; layer k sits at k·step (k < 0 behind the focus plane).
  let lo = 0;
  let hi = 0;
  for (let i = 0; i < n; i++) {
    const s = nearness.data[i]! - o.focus;
    lo = Math.min(lo, s);
    hi = Math.max(hi, s);
  }
  const step = Math.max(LAYER_STEP_PX / Math.max(o.aperture, 1e-6), (hi - lo) / (MAX_LAYERS - 1));
  const kLo = Math.floor(lo / step);
  const kHi = Math.ceil(hi / step);
  // Front to back: nearest layer first.
  const cr = new Float32Array(n);
  const cg = new Float32Array(n);
  const cb = new Float32Array(n);
  const transmit = new Float32Array(n).fill(1);
  for (let k = kHi; k >= kLo; k--) {
    const wgt = new Float32Array(n);
    let any = false;
    for (let i = 0; i < n; i++) {
      const t = (nearness.data[i]! - o.focus) / step - k;
      const v = Math.max(0, 1 - Math.abs(t));
      if (v > 0) {
        wgt[i] = v;
        any = true;
      }
    }
    if (!any) continue;
    const planes = [wgt, new Float32Array(n), new Float32Array(n), new Float32Array(n)];
    for (let i = 0; i < n; i++)
      for (let c = 0; c < 3; c++) planes[c + 1]![i] = frame.data[i * 4 + c]! * wgt[i]!;
    const radius = o.aperture * Math.abs(k * step);
    const [a, r, g, b] = bokehBlur(planes, w, h, radius, o.shape) as [
      Float32Array,
      Float32Array,
      Float32Array,
      Float32Array,
    ];
    for (let i = 0; i < n; i++) {
      const t = transmit[i]!;
      if (t <= 0) continue;
      cr[i] = cr[i]! + t * r[i]!;
      cg[i] = cg[i]! + t * g[i]!;
      cb[i] = cb[i]! + t * b[i]!;
      transmit[i] = t * (1 - Math.min(1, a[i]!));
    }
  }
  for (let i = 0; i < n; i++) {
    const cover = 1 - transmit[i]!;
    const sums = [cr[i]!, cg[i]!, cb[i]!];
    for (let c = 0; c < 3; c++)
      out.data[i * 4 + c] = cover > 1e-6 ? sums[c]! / cover : frame.data[i * 4 + c]!;
    out.data[i * 4 + 3] = frame.data[i * 4 + 3]!;
  }
  return out;
}
