/**
 * One output frame of a parallax move: the photo re-projected for a camera pose (camera.ts) with its depth.
 *
 * 1. Forward splat of *depth* with a z-buffer: each source pixel lands where the camera sees it, covering
 *    its own magnified footprint (computed from its own depth only, so no triangle is ever stretched across
 *    a depth edge: no rubber sheets). Nearer wins.
 * 2. Covered output pixels take their colour by exact inverse mapping at the splatted depth (bilinear, so a
 *    slow move does not shimmer as nearest-neighbour splats would).
 * 3. Uncovered pixels are disocclusions (background that was hidden behind something near) or nothing else:
 *    they are filled from the *background* around them by a pull-push pyramid (Gortler et al. 1996) whose
 *    weights favour far pixels, so a gap behind a person fills with the wall, not with the person's edge.
 *    On a clip, a background plate (what the clip's other frames showed there, plate.ts) seen from the same
 *    camera fills them first, and only what it does not cover goes to the pull-push.
 * Every output pixel is set (the test counts them); alpha is 1.
 */
import { createFrame, type F32Frame } from '../frame.ts';
import { sample } from '../shared/optical-flow.ts';
import { dilate, erode, type Mask } from '../../runtime/mask-ops.ts';
import { FAR_D, inverseDepth, magnification, project, unproject, type CameraPose } from './camera.ts';

export interface ViewResult {
  frame: F32Frame;
  /** Pixels no source pixel landed on (filled from the background). */
  disoccluded: number;
  /** Of those, the pixels filled from the clip's other frames (BackgroundView); the rest by pull-push. */
  fromFrames: number;
}

/**
 * Nearness with its soft edges snapped to the nearer of the local min and max: a guided-filtered depth map
 * has ramps at object borders, and a ramp re-projects as a smear between the layers.
 */
export function snapDepthEdges(nearness: Mask, radius: number): Mask {
  const lo = erode(nearness, radius);
  const hi = dilate(nearness, radius);
  const out = {
    width: nearness.width,
    height: nearness.height,
    data: new Float32Array(nearness.data.length),
  };
  for (let i = 0; i < out.data.length; i++) {
    const v = nearness.data[i]!;
    const a = lo.data[i]!;
    const b = hi.data[i]!;
    out.data[i] = b - a < 0.05 ? v : v - a < b - v ? a : b;
  }
  return out;
}

/** What a clip showed behind the current frame (plate.ts): used for disocclusions before the pull-push. */
export interface BackgroundView {
  image: F32Frame;
  nearness: Mask;
}

export function renderView(
  image: F32Frame,
  nearness: Mask,
  pose: CameraPose,
  background?: BackgroundView,
): ViewResult {
  const view = splat(image, nearness, pose);
  let fromFrames = 0;
  if (background && view.disoccluded > 0) {
    // Holes first take what the clip's other frames showed there (the plate seen from the same camera).
    const bg = splat(background.image, background.nearness, pose);
    for (let i = 0; i < view.weight.length; i++)
      if (!(view.weight[i]! > 0) && bg.weight[i]! > 0) {
        for (let c = 0; c < 3; c++) view.frame.data[i * 4 + c] = bg.frame.data[i * 4 + c]!;
        view.weight[i] = bg.weight[i]!;
        fromFrames++;
      }
  }
  if (view.disoccluded > fromFrames) pullPushFill(view.frame, view.weight);
  for (let i = 0; i < view.weight.length; i++) view.frame.data[i * 4 + 3] = 1;
  return { frame: view.frame, disoccluded: view.disoccluded, fromFrames };
}

/** Steps 1-2: the covered pixels and their colour; weight 0 marks a hole (uncovered). */
function splat(
  image: F32Frame,
  nearness: Mask,
  pose: CameraPose,
): { frame: F32Frame; weight: Float32Array; disoccluded: number } {
  const { width: w, height: h } = image;
  const f = w;
  const zbuf = new Float32Array(w * h).fill(-1);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const d = inverseDepth(nearness.data[y * w + x]!);
      const [ox, oy] = project(pose, f, x + 0.5 - w / 2, y + 0.5 - h / 2, d);
      const px = ox + w / 2 - 0.5;
      const py = oy + h / 2 - 0.5;
      const half = Math.max(0.5, magnification(pose, d) / 2) + 0.01;
      const x0 = Math.max(0, Math.ceil(px - half));
      const x1 = Math.min(w - 1, Math.ceil(px + half) - 1);
      const y0 = Math.max(0, Math.ceil(py - half));
      const y1 = Math.min(h - 1, Math.ceil(py + half) - 1);
      for (let yy = y0; yy <= y1; yy++)
        for (let xx = x0; xx <= x1; xx++) {
          const i = yy * w + xx;
          if (d > zbuf[i]!) zbuf[i] = d;
        }
    }
  const out = createFrame(w, h, 'f32', image.colorSpace);
  const weight = new Float32Array(w * h);
  let disoccluded = 0;
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      const d = zbuf[i]!;
      if (d < 0) {
        disoccluded++;
        continue;
      }
      const [sx, sy] = unproject(pose, f, x + 0.5 - w / 2, y + 0.5 - h / 2, d);
      for (let c = 0; c < 3; c++) out.data[i * 4 + c] = sample(image, sx + w / 2 - 0.5, sy + h / 2 - 0.5, c);
      // Background first: weight falls steeply with nearness (0 far .. 1 near).
      const n = (d - FAR_D) / (1 - FAR_D);
      weight[i] = (1.02 - n) ** 4;
    }
  return { frame: out, weight, disoccluded };
}

/**
 * Fills the pixels of weight 0 with a weighted average of the known pixels around them at the scale the hole
 * needs: weighted sums are halved into a pyramid until every cell has weight, then pushed back down (bilinear
 * from the coarser level), replacing only the unknown pixels. O(pixels), whatever the hole size.
 */
export function pullPushFill(frame: F32Frame, weight: Float32Array): void {
  interface Level {
    w: number;
    h: number;
    rgb: Float32Array; // premultiplied by weight
    wt: Float32Array;
  }
  const base: Level = {
    w: frame.width,
    h: frame.height,
    rgb: new Float32Array(frame.width * frame.height * 3),
    wt: weight,
  };
  for (let i = 0; i < base.w * base.h; i++)
    for (let c = 0; c < 3; c++) base.rgb[i * 3 + c] = frame.data[i * 4 + c]! * weight[i]!;
  const levels: Level[] = [base];
  while (levels[levels.length - 1]!.w > 1 || levels[levels.length - 1]!.h > 1) {
    const a = levels[levels.length - 1]!;
    const w = Math.max(1, Math.ceil(a.w / 2));
    const h = Math.max(1, Math.ceil(a.h / 2));
    const next: Level = { w, h, rgb: new Float32Array(w * h * 3), wt: new Float32Array(w * h) };
    for (let y = 0; y < a.h; y++)
      for (let x = 0; x < a.w; x++) {
        const s = y * a.w + x;
        const o = (y >> 1) * w + (x >> 1);
        next.wt[o] = next.wt[o]! + a.wt[s]!;
        for (let c = 0; c < 3; c++) next.rgb[o * 3 + c] = next.rgb[o * 3 + c]! + a.rgb[s * 3 + c]!;
      }
    levels.push(next);
  }
  // Colour per level (normalised); push: a cell without weight takes the coarser level's colour, sampled
  // bilinearly at its centre ((x + 0.5) / 2 - 0.5 in the coarser grid).
  let coarse: F32Frame | undefined;
  for (let l = levels.length - 1; l >= 0; l--) {
    const L = levels[l]!;
    const colour = createFrame(L.w, L.h);
    for (let y = 0; y < L.h; y++)
      for (let x = 0; x < L.w; x++) {
        const i = y * L.w + x;
        for (let c = 0; c < 3; c++)
          colour.data[i * 4 + c] =
            L.wt[i]! > 1e-12
              ? L.rgb[i * 3 + c]! / L.wt[i]!
              : coarse
                ? sample(coarse, (x + 0.5) / 2 - 0.5, (y + 0.5) / 2 - 0.5, c)
                : 0;
      }
    coarse = colour;
  }
  for (let i = 0; i < frame.width * frame.height; i++)
    if (!(weight[i]! > 0)) for (let c = 0; c < 3; c++) frame.data[i * 4 + c] = coarse!.data[i * 4 + c]!;
}
