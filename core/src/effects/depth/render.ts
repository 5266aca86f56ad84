/**
 * From nearness (0 = far, 1 = near) to what the user asked for, the controls colorists know from depth
 * tools: near/far limits, gamma, near = white or black, and a depth range isolated as alpha.
 */
import { createFrame, toFloat32, type F32Frame, type Frame } from '../frame.ts';
import { ParamError } from '../params.ts';
import { resizeMask } from '../../runtime/tensor.ts';
import type { DepthMap } from './depth-map.ts';

export interface PassControls {
  /** Nearness mapped to the nearest grey (1 = the nearest thing in the shot). */
  near: number;
  /** Nearness mapped to the farthest grey; must be below `near`. */
  far: number;
  gamma: number;
  nearIs: 'white' | 'black';
}

export interface IsolateControls {
  /** Depth to keep, on the shaped scale (after limits and gamma): 1 = near limit, 0 = far limit. */
  target: number;
  tolerance: number;
  softness: number;
  invert: boolean;
}

/** Nearness → shaped depth 0..1 (1 = near): limits, then gamma (>1 lifts the middle distances). */
export function shapeDepth(v: number, c: Pick<PassControls, 'near' | 'far' | 'gamma'>): number {
  const t = Math.min(1, Math.max(0, (v - c.far) / (c.near - c.far)));
  return c.gamma === 1 ? t : t ** (1 / c.gamma);
}

export function assertLimits(c: Pick<PassControls, 'near' | 'far'>): void {
  if (!(c.near > c.far)) {
    throw new ParamError(`depth: near (${c.near}) must be greater than far (${c.far})`, 'near');
  }
}

/** Alpha of the isolated range: 1 within tolerance of target, smooth falloff over softness, 0 beyond. */
export function isolateAlpha(shaped: number, c: IsolateControls): number {
  const d = Math.abs(shaped - c.target) - c.tolerance;
  let a: number;
  if (d <= 0) a = 1;
  else if (d >= c.softness) a = 0;
  else {
    const s = 1 - d / c.softness;
    a = s * s * (3 - 2 * s); // smoothstep: no visible kink at either end of the ramp
  }
  return c.invert ? 1 - a : a;
}

export type DepthOutput = 'depth' | 'matte' | 'isolate';

/**
 * The output frame at the picture's size: `depth` a grey pass (opaque), `matte` the isolated range as a grey
 * matte (opaque), `isolate` the picture with the range as straight alpha. Same colour space tag as the input,
 * so the writer stores the values as computed.
 */
export function renderDepth(
  input: Frame,
  nearness: DepthMap,
  output: DepthOutput,
  pass: PassControls,
  iso: IsolateControls,
): F32Frame {
  assertLimits(pass);
  const { width, height } = input;
  const map =
    nearness.width === width && nearness.height === height ? nearness : resizeMask(nearness, width, height);
  const src = output === 'isolate' ? toFloat32(input) : undefined;
  const out = createFrame(width, height, 'f32', input.colorSpace);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const shaped = shapeDepth(map.data[y * width + x]!, pass);
      const o = (y * width + x) * 4;
      if (output === 'depth') {
        const g = pass.nearIs === 'white' ? shaped : 1 - shaped;
        out.data[o] = out.data[o + 1] = out.data[o + 2] = g;
        out.data[o + 3] = 1;
      } else if (output === 'matte') {
        const a = isolateAlpha(shaped, iso);
        out.data[o] = out.data[o + 1] = out.data[o + 2] = a;
        out.data[o + 3] = 1;
      } else {
        const s = y * src!.stride + x * 4;
        out.data[o] = src!.data[s]!;
        out.data[o + 1] = src!.data[s + 1]!;
        out.data[o + 2] = src!.data[s + 2]!;
        out.data[o + 3] = src!.data[s + 3]! * isolateAlpha(shaped, iso);
      }
    }
  return out;
}
