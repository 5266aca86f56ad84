/**
 * A driving clip for face-puppet tests, MADE from a real photo (Grace Hopper's official portrait, public
 * domain, Debian python-matplotlib-data): the head turns left and right (a cylinder warp about the head's
 * vertical axis) while the mouth opens and closes (the jaw below the inner-lip line is pushed down and the gap
 * filled with a dark cavity), and for a stretch of frames a black box hides the face. The warps here are
 * plain displacement fields, independent of the puppet's mesh warp; the motion the tests compare against is
 * measured on the rendered clip with FaceMesh, not taken from these numbers.
 */
import { createFrame, type F32Frame } from '../../core/src/effects/frame.ts';
import { LANDMARK } from '../../core/src/effects/faces/mesh-topology.ts';
import { sampleRgb } from '../../core/src/effects/face-puppet/mesh-warp.ts';

export const DRIVER_PHOTO = '/usr/share/matplotlib/mpl-data/sample_data/grace_hopper.jpg';

export interface DriverPlan {
  frames: number;
  /** Head turn per frame, degrees (positive: the face turns towards image right). */
  yaw: (t: number) => number;
  /** Jaw drop per frame as a fraction of face height. */
  jaw: (t: number) => number;
  /** Frames on which a black box hides the face. */
  hidden: ReadonlySet<number>;
}

/** Two slow head turns and three mouth openings over `frames`, the face hidden on `hidden`. */
export function defaultPlan(frames: number, hidden: Iterable<number>): DriverPlan {
  return {
    frames,
    yaw: (t) => 22 * Math.sin((2 * Math.PI * t) / frames),
    jaw: (t) => 0.09 * Math.max(0, Math.sin((3 * 2 * Math.PI * t) / frames)) ** 1.5,
    hidden: new Set(hidden),
  };
}

/**
 * Frame t of the driver, from the photo and its FaceMesh (used only to place the head and the lip line).
 */
export function driverFrame(photo: F32Frame, mesh: Float32Array, plan: DriverPlan, t: number): F32Frame {
  const p = (i: number) => [mesh[i * 3]!, mesh[i * 3 + 1]!] as const;
  const [, fy] = p(LANDMARK.forehead);
  const [, cy] = p(LANDMARK.chin);
  const [lx] = p(LANDMARK.rightCheek);
  const [rx] = p(LANDMARK.leftCheek);
  const faceH = cy - fy;
  const headCx = (lx + rx) / 2;
  const headR = ((rx - lx) / 2) * 1.25;
  const headTop = fy - faceH * 0.45;
  const headBottom = cy + faceH * 0.15;
  const [mlx, mly] = p(LANDMARK.mouthRight);
  const [mrx, mry] = p(LANDMARK.mouthLeft);
  const lipY = (x: number) => mly + ((x - mlx) / (mrx - mlx)) * (mry - mly);
  const mouthCx = (mlx + mrx) / 2;
  const mouthHalf = (mrx - mlx) / 2;
  const gap = plan.jaw(t) * faceH;
  const theta = (plan.yaw(t) * Math.PI) / 180;
  const out = createFrame(photo.width, photo.height);
  const rgb = new Float32Array(3);
  for (let y = 0; y < photo.height; y++) {
    for (let x = 0; x < photo.width; x++) {
      // Head turn: inverse cylinder map inside the head, faded out over a band around it.
      let sx = x;
      const ny = (y - (headTop + headBottom) / 2) / ((headBottom - headTop) / 2);
      const u = (x - headCx) / headR;
      const inHead = Math.hypot(u, ny);
      if (inHead < 1.35 && Math.abs(u) < 1) {
        const phi = Math.asin(u) - theta;
        const turned = Math.abs(phi) < Math.PI / 2 ? headCx + headR * Math.sin(phi) : x;
        const weight = inHead <= 1 ? 1 : 1 - (inHead - 1) / 0.35;
        sx = x + (turned - x) * weight;
      }
      // Jaw drop: below the lip line, inside the mouth's width, content moves down by up to `gap`.
      let sy = y;
      const e = Math.max(0, 1 - ((x - mouthCx) / (mouthHalf * 1.1)) ** 2);
      const below = y - lipY(x);
      let cavity = false;
      if (gap > 0 && e > 0 && below >= 0) {
        const fade = Math.max(0, Math.min(1, 1 - (y - cy) / (faceH * 0.3)));
        const d = gap * e * fade;
        if (below < gap * e) cavity = true;
        else sy = y - d;
      }
      const o = y * out.stride + x * 4;
      if (cavity) {
        const depth = Math.min(1, below / Math.max(1, gap * e));
        out.data[o] = 0.16 - 0.08 * Math.sin(Math.PI * depth);
        out.data[o + 1] = 0.05;
        out.data[o + 2] = 0.05;
      } else {
        sampleRgb(photo, sx, sy, rgb);
        out.data.set(rgb, o);
      }
      out.data[o + 3] = 1;
    }
  }
  if (plan.hidden.has(t)) {
    const x0 = Math.max(0, Math.floor(headCx - headR * 1.3));
    const x1 = Math.min(out.width, Math.ceil(headCx + headR * 1.3));
    const y0 = Math.max(0, Math.floor(headTop));
    const y1 = Math.min(out.height, Math.ceil(headBottom + faceH * 0.2));
    for (let y = y0; y < y1; y++)
      for (let x = x0; x < x1; x++) out.data.fill(0, y * out.stride + x * 4, y * out.stride + x * 4 + 3);
  }
  return out;
}
