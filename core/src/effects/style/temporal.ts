/**
 * Temporal consistency for per-frame stylisation (method in docs/style.md). A style network repaints each
 * frame on its own, so strokes flicker. Here the previous stylised frame is carried to the current one along
 * RIFE's optical flow and blended in where that flow can be trusted:
 *
 * 1. Flow both ways with RIFE v4.6 (its internal flow3 output, see flow()): current→previous and
 *    previous→current.
 * 2. Occlusion / unreliable flow (forward-backward check, Sundaram et al. 2010, as used for video style
 *    transfer by Ruder et al. 2016): with b = F(cur→prev)(x) and f = F(prev→cur)(x + b), the flow is reliable
 *    where |b + f|² ≤ 0.01 (|b|² + |f|²) + 0.5; a photometric check (the warped previous *input* must match the
 *    current input) catches the remaining errors.
 * 3. out = w·m·warp(prevStylised) + (1 − w·m)·stylised, with m the reliability mask and w the user's weight;
 *    the blended result is what the next frame warps (the consistency propagates).
 */
import { Tensor } from 'onnxruntime-node';
import { createFrame, type F32Frame as Frame } from '../frame.ts';
import type { LoadedSession } from '../../runtime/types.ts';
import { padToPlanar, paddedSize } from '../interpolate/rife.ts';

export const FLOW_MODEL = 'rife-v4.6-flow';

/** Photometric tolerance: mean |Δ| of the RGB (0..1) between the warped previous input and the current one. */
const PHOTOMETRIC_TOLERANCE = 0.06;

interface Flow {
  /** [2, ph, pw] in pixels: x displacement then y. */
  data: Float32Array;
  pw: number;
  ph: number;
}

export class TemporalBlender {
  private prevInput: Frame | undefined;
  private prevStyled: Frame | undefined;
  /** Last reliability mask (width × height, 0..1), for tests and the docs' figures. */
  lastMask: Float32Array | undefined;

  constructor(private readonly rife: LoadedSession) {}

  reset(): void {
    this.prevInput = undefined;
    this.prevStyled = undefined;
    this.lastMask = undefined;
  }

  /** Blends the warped previous stylised frame into `styled` (in place); `input` is the unstylised frame. */
  async stabilise(input: Frame, styled: Frame, weight: number): Promise<void> {
    const prev = this.prevInput;
    const prevStyled = this.prevStyled;
    if (prev && prevStyled && prev.width === input.width && prev.height === input.height && weight > 0) {
      const back = await this.flow(prev, input); // current → previous
      const fwd = await this.flow(input, prev); // previous → current
      const mask = reliability(back, fwd, prev, input);
      this.lastMask = mask;
      const w = input.width;
      for (let y = 0; y < input.height; y++)
        for (let x = 0; x < w; x++) {
          const m = weight * mask[y * w + x]!;
          if (m === 0) continue;
          const [bx, by] = flowAt(back, x, y);
          const o = y * styled.stride + x * 4;
          for (let c = 0; c < 3; c++) {
            const warped = sample(prevStyled, x + bx, y + by, c);
            styled.data[o + c] = m * warped + (1 - m) * styled.data[o + c]!;
          }
        }
    }
    this.prevInput = copy(input);
    this.prevStyled = copy(styled);
  }

  /**
   * Flow from frame `to`'s pixels back to `from`. RIFE estimates flows from the middle frame: with in0 = from,
   * in1 = to and t = 0.5, flow3 holds mid→from (channels 0-1) and mid→to (2-3). Under locally linear motion,
   * the displacement from `to` to `from` is their difference (read at the mid position, a sub-pixel
   * approximation for the small motions this check accepts). Runs at t = 0 or 1 were measured to be worse: the
   * network was trained for in-between times, its flows at the ends did not lower the warp error.
   */
  private async flow(from: Frame, to: Frame): Promise<Flow> {
    const pw = paddedSize(from.width);
    const ph = paddedSize(from.height);
    const n = pw * ph;
    const res = await this.rife.run({
      in0: new Tensor('float32', padToPlanar(from, pw, ph), [1, 3, ph, pw]),
      in1: new Tensor('float32', padToPlanar(to, pw, ph), [1, 3, ph, pw]),
      in2: new Tensor('float32', new Float32Array(n).fill(0.5), [1, 1, ph, pw]),
    });
    const f = res.flow3!.data as Float32Array;
    const data = new Float32Array(2 * n);
    for (let i = 0; i < 2 * n; i++) data[i] = f[i]! - f[2 * n + i]!;
    return { data, pw, ph };
  }
}

function flowAt(f: Flow, x: number, y: number): [number, number] {
  const i = y * f.pw + x;
  return [f.data[i]!, f.data[f.pw * f.ph + i]!];
}

/** Bilinear flow lookup at a fractional position (clamped to the frame). */
function flowBilinear(f: Flow, x: number, y: number, w: number, h: number): [number, number] {
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
function sample(frame: Frame, x: number, y: number, c: number): number {
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

/** Per-pixel reliability 0..1 of the backward flow: forward-backward consistent, inside, photometric match. */
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

function copy(frame: Frame): Frame {
  const out = createFrame(frame.width, frame.height, 'f32', frame.colorSpace);
  for (let y = 0; y < frame.height; y++)
    out.data.set(frame.data.subarray(y * frame.stride, y * frame.stride + frame.width * 4), y * out.stride);
  return out;
}
