/**
 * Dense optical flow between two frames from RIFE v4.6's internal flow (one model, `rife-v4.6-flow-final`), plus the
 * lookups every flow user needs: bilinear flow/pixel sampling and a per-pixel reliability mask. Shared by the
 * style effect's temporal blender and by any effect that carries pixels or values along motion (depth
 * alignment, colour propagation), so there is one definition of "where did this pixel come from".
 */
import { Tensor } from 'onnxruntime-node';
import type { F32Frame as Frame } from '../frame.ts';
import type { LoadedSession } from '../../runtime/types.ts';
import { padToPlanar, paddedSize } from '../interpolate/rife.ts';

export const FLOW_MODEL = 'rife-v4.6-flow-final';
/** The output holding IFNet's accumulated flow (manifest `extraOutputs`), the one its last warp uses. */
const FINAL_FLOW = '327';

/** Photometric tolerance: mean |Δ| of the RGB (0..1) between the warped previous input and the current one. */
const PHOTOMETRIC_TOLERANCE = 0.06;

export interface Flow {
  /** [2, ph, pw] in pixels: x displacement then y. */
  data: Float32Array;
  pw: number;
  ph: number;
}

/**
 * Flow from frame `to`'s pixels back to `from`: pixel (x, y) of `to` shows what `from` holds at
 * (x, y) + flowAt(result, x, y). RIFE estimates flows from the middle frame: with in0 = from,
 * in1 = to and t = 0.5, the graph's final flow (ncnn blob "327", FINAL_FLOW) holds mid→from (channels 0-1) and
 * mid→to (2-3). (Blob "flow3", read here before, is only the last block's residual correction: near zero
 * whatever the motion; a synthetic 16 px shift read as < 0.3 px.) Under locally linear motion,
 * the displacement from `to` to `from` is their difference (read at the mid position, a sub-pixel
 * approximation for the small motions the reliability check accepts). Runs at t = 0 or 1 were measured to be
 * worse: the network was trained for in-between times, its flows at the ends did not lower the warp error.
 */
export async function estimateFlow(rife: LoadedSession, from: Frame, to: Frame): Promise<Flow> {
  const pw = paddedSize(from.width);
  const ph = paddedSize(from.height);
  const n = pw * ph;
  const feeds = {
    in0: new Tensor('float32', padToPlanar(from, pw, ph), [1, 3, ph, pw]),
    in1: new Tensor('float32', padToPlanar(to, pw, ph), [1, 3, ph, pw]),
    in2: new Tensor('float32', new Float32Array(n).fill(0.5), [1, 1, ph, pw]),
  };
  // Only the flow: the interpolated frame (the graph's other output) would be copied to JS for nothing.
  const res = await rife.run(feeds, [FINAL_FLOW]);
  const f = res[FINAL_FLOW]!.data as Float32Array;
  const data = new Float32Array(2 * n);
  for (let i = 0; i < 2 * n; i++) data[i] = f[i]! - f[2 * n + i]!;
  return { data, pw, ph };
}

export function flowAt(f: Flow, x: number, y: number): [number, number] {
  const i = y * f.pw + x;
  return [f.data[i]!, f.data[f.pw * f.ph + i]!];
}

/** Bilinear flow lookup at a fractional position (clamped to the frame). */
export function flowBilinear(f: Flow, x: number, y: number, w: number, h: number): [number, number] {
  const cx = Math.min(w - 1, Math.max(0, x));
  const cy = Math.min(h - 1, Math.max(0, y));
  const x0 = Math.floor(cx);
  const y0 = Math.floor(cy);
  const x1 = Math.min(w - 1, x0 + 1);
  const y1 = Math.min(h - 1, y0 + 1);
  const ax = cx - x0;
  const ay = cy - y0;
  const plane = f.pw * f.ph;
  const out: [number, number] = [0, 0];
  for (let c = 0; c < 2; c++) {
    const g = (xx: number, yy: number): number => f.data[c * plane + yy * f.pw + xx]!;
    out[c] =
      (1 - ay) * ((1 - ax) * g(x0, y0) + ax * g(x1, y0)) + ay * ((1 - ax) * g(x0, y1) + ax * g(x1, y1));
  }
  return out;
}

/** Bilinear sample of channel c of a frame; positions outside the frame are clamped to its edge. */
export function sample(frame: Frame, x: number, y: number, c: number): number {
  const cx = Math.min(frame.width - 1, Math.max(0, x));
  const cy = Math.min(frame.height - 1, Math.max(0, y));
  const x0 = Math.floor(cx);
  const y0 = Math.floor(cy);
  const x1 = Math.min(frame.width - 1, x0 + 1);
  const y1 = Math.min(frame.height - 1, y0 + 1);
  const ax = cx - x0;
  const ay = cy - y0;
  const g = (xx: number, yy: number): number => frame.data[yy * frame.stride + xx * 4 + c]!;
  return (1 - ay) * ((1 - ax) * g(x0, y0) + ax * g(x1, y0)) + ay * ((1 - ax) * g(x0, y1) + ax * g(x1, y1));
}

/**
 * Per-pixel reliability 0..1 of the backward flow `back` (cur→prev), checked against `fwd` (prev→cur)
 * (forward-backward consistent: Sundaram et al. 2010), inside the frame, and photometrically matching.
 */
export function reliability(back: Flow, fwd: Flow, prev: Frame, cur: Frame): Float32Array {
  const w = cur.width;
  const h = cur.height;
  const mask = new Float32Array(w * h);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const [bx, by] = flowAt(back, x, y);
      const px = x + bx;
      const py = y + by;
      if (px < 0 || py < 0 || px > w - 1 || py > h - 1) continue; // came from outside the previous frame
      const [fx, fy] = flowBilinear(fwd, px, py, w, h);
      const sx = bx + fx;
      const sy = by + fy;
      if (sx * sx + sy * sy > 0.01 * (bx * bx + by * by + fx * fx + fy * fy) + 0.5) continue; // occluded
      let diff = 0;
      for (let c = 0; c < 3; c++)
        diff += Math.abs(sample(prev, px, py, c) - cur.data[y * cur.stride + x * 4 + c]!);
      diff /= 3;
      mask[y * w + x] = Math.max(0, 1 - diff / PHOTOMETRIC_TOLERANCE);
    }
  return mask;
}

/** Bilinear sample of a single-channel plane (width × height, row-major); positions are clamped to its edge. */
export function samplePlane(
  plane: Float32Array,
  width: number,
  height: number,
  x: number,
  y: number,
): number {
  const cx = Math.min(width - 1, Math.max(0, x));
  const cy = Math.min(height - 1, Math.max(0, y));
  const x0 = Math.floor(cx);
  const y0 = Math.floor(cy);
  const x1 = Math.min(width - 1, x0 + 1);
  const y1 = Math.min(height - 1, y0 + 1);
  const ax = cx - x0;
  const ay = cy - y0;
  const r0 = y0 * width;
  const r1 = y1 * width;
  return (
    (1 - ay) * ((1 - ax) * plane[r0 + x0]! + ax * plane[r0 + x1]!) +
    ay * ((1 - ax) * plane[r1 + x0]! + ax * plane[r1 + x1]!)
  );
}

/**
 * Backward warp of single-channel planes along `back` (the flow from the target frame's pixels to the source
 * frame, as estimateFlow(rife, source, target) returns): out(x, y) = plane(x + bx, y + by), bilinear. Used
 * to carry values that are not pixels (chroma, depth, confidence) from one frame onto another.
 */
export function warpPlanes(
  back: Flow,
  planes: readonly Float32Array[],
  width: number,
  height: number,
): Float32Array[] {
  const out = planes.map(() => new Float32Array(width * height));
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const [bx, by] = flowAt(back, x, y);
      const i = y * width + x;
      for (let p = 0; p < planes.length; p++)
        out[p]![i] = samplePlane(planes[p]!, width, height, x + bx, y + by);
    }
  return out;
}
