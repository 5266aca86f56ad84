/**
 * Global camera motion between consecutive small frames by block matching: the whole-frame translation
 * (exhaustive search, sub-pixel by a parabola through the best cost and its neighbours), then the same search
 * around it in four quadrants, whose spread gives the zoom. What the global model leaves unexplained (the
 * residual) is the subject motion.
 *
 * A shot's motion class comes from the per-frame series: steady translation = pan/tilt, steady spread = zoom,
 * fast sign-alternating translation = handheld, none of it = static.
 */
import { halve, type Gray } from './small-image.ts';

export interface FrameMotion {
  /** Translation of the picture content in frame widths (dx) and heights (dy) per frame. */
  dx: number;
  dy: number;
  /** Relative scale change per frame (> 0: content grows, i.e. zoom in / push in). */
  zoom: number;
  /** Mean absolute difference after compensating the translation, 0..1 (moving subjects, noise, cuts). */
  residual: number;
}

const SEARCH = 6;

/** Mean absolute difference of `b` shifted by (sx, sy) against `a` over an inner window. */
function costAt(
  a: Gray,
  b: Gray,
  sx: number,
  sy: number,
  x0: number,
  y0: number,
  x1: number,
  y1: number,
): number {
  const w = a.width;
  let s = 0;
  for (let y = y0; y < y1; y++) {
    const ra = y * w;
    const rb = (y + sy) * w + sx;
    for (let x = x0; x < x1; x++) s += Math.abs(a.data[ra + x]! - b.data[rb + x]!);
  }
  return s / ((x1 - x0) * (y1 - y0) * 255);
}

interface Match {
  sx: number;
  sy: number;
  cost: number;
  /** Sub-pixel refinement of sx, sy. */
  fx: number;
  fy: number;
}

function search(
  a: Gray,
  b: Gray,
  cx: number,
  cy: number,
  range: number,
  x0: number,
  y0: number,
  x1: number,
  y1: number,
): Match {
  const side = 2 * range + 1;
  const costs = new Float64Array(side * side);
  let best = { sx: cx, sy: cy, cost: Infinity };
  for (let sy = cy - range; sy <= cy + range; sy++) {
    for (let sx = cx - range; sx <= cx + range; sx++) {
      const c = costAt(a, b, sx, sy, x0, y0, x1, y1);
      costs[(sy - cy + range) * side + (sx - cx + range)] = c;
      // Ties go to the smaller shift: a flat picture should read as still, not as moving.
      const tie = Math.abs(c - best.cost) <= 1e-9 && sx * sx + sy * sy < best.sx ** 2 + best.sy ** 2;
      if (c < best.cost - 1e-9 || tie) best = { sx, sy, cost: c };
    }
  }
  const at = (sx: number, sy: number) =>
    Math.abs(sx - cx) > range || Math.abs(sy - cy) > range
      ? undefined
      : costs[(sy - cy + range) * side + (sx - cx + range)];
  const sub = (m: number | undefined, c: number, p: number | undefined) => {
    if (m === undefined || p === undefined) return 0;
    const den = m - 2 * c + p;
    return den > 1e-9 ? Math.max(-0.5, Math.min(0.5, (0.5 * (m - p)) / den)) : 0;
  };
  const { sx, sy, cost } = best;
  const fx = sx + sub(at(sx - 1, sy), cost, at(sx + 1, sy));
  const fy = sy + sub(at(sx, sy - 1), cost, at(sx, sy + 1));
  return { sx, sy, cost, fx, fy };
}

/**
 * Motion from `prev` to `next`. Content that moves right by d pixels is found at b(x + d) = a(x), i.e. the
 * shift of `next` that best matches `prev` is +d.
 */
export function estimateMotion(prev: Gray, next: Gray): FrameMotion {
  const { width: w, height: h } = prev;
  const m = SEARCH + 2;
  // Coarse to fine: the search at half size (a quarter of the pixels, half the range) finds the shift to
  // within a pixel; a +-2 search at full size pins it down. About 4x cheaper than searching at full size.
  const ha = halve(prev);
  const hb = halve(next);
  const hm = (SEARCH >> 1) + 1;
  const coarse = search(ha, hb, 0, 0, SEARCH >> 1, hm, hm, ha.width - hm, ha.height - hm);
  const whole = search(prev, next, coarse.sx * 2, coarse.sy * 2, 2, m, m, w - m, h - m);
  // Quadrants: the search continues around the global shift, so a zoom shows as quadrants moving apart.
  const mx = Math.round(w / 2);
  const my = Math.round(h / 2);
  const cx = whole.sx;
  const cy = whole.sy;
  const q = (x0: number, y0: number, x1: number, y1: number) => search(prev, next, cx, cy, 1, x0, y0, x1, y1);
  const tl = q(m, m, mx, my);
  const tr = q(mx, m, w - m, my);
  const bl = q(m, my, mx, h - m);
  const br = q(mx, my, w - m, h - m);
  // Quadrant centres are about half a frame apart horizontally and vertically.
  const zx = (tr.fx + br.fx - tl.fx - bl.fx) / 2 / (mx - m);
  const zy = (bl.fy + br.fy - tl.fy - tr.fy) / 2 / (my - m);
  return { dx: whole.fx / w, dy: whole.fy / h, zoom: (zx + zy) / 2, residual: whole.cost };
}

export type MotionClass = 'static' | 'pan' | 'tilt' | 'zoom' | 'handheld';

export interface ShotMotion {
  camera: MotionClass;
  /** Mean speed of the camera in frame widths per second (translation) and relative scale per second. */
  panPerSecond: number;
  tiltPerSecond: number;
  zoomPerSecond: number;
  /** Frame-to-frame jitter of the translation, frame sizes per second. */
  shake: number;
  /** Mean residual difference after camera compensation (0..1): how much the subjects move. */
  subjectMotion: number;
}

const median = (xs: number[]): number => {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  const i = s.length >> 1;
  return s.length % 2 ? s[i]! : (s[i - 1]! + s[i]!) / 2;
};

/**
 * Classifies a shot's camera motion from its per-frame motions (the first frame's, which spans the cut, is
 * left out by the caller). Thresholds are in screen units per second so they hold at any frame rate: a pan
 * crossing a tenth of the frame in 2.5 s (0.04 widths/s) is about the slowest an editor would call a pan.
 */
export function classifyMotion(frames: readonly FrameMotion[], fps: number): ShotMotion {
  if (frames.length === 0) {
    return {
      camera: 'static',
      panPerSecond: 0,
      tiltPerSecond: 0,
      zoomPerSecond: 0,
      shake: 0,
      subjectMotion: 0,
    };
  }
  const pan = median(frames.map((f) => f.dx)) * fps;
  const tilt = median(frames.map((f) => f.dy)) * fps;
  const zoom = median(frames.map((f) => f.zoom)) * fps;
  // Shake: how much the translation changes from frame to frame (a steady pan has none).
  let jitter = 0;
  for (let i = 1; i < frames.length; i++) {
    jitter += Math.hypot(frames[i]!.dx - frames[i - 1]!.dx, frames[i]!.dy - frames[i - 1]!.dy);
  }
  const shake = frames.length > 1 ? (jitter / (frames.length - 1)) * fps : 0;
  const subjectMotion = frames.reduce((s, f) => s + f.residual, 0) / frames.length;
  const moving = 0.04;
  let camera: MotionClass = 'static';
  if (Math.abs(zoom) >= 0.03 && Math.abs(zoom) > Math.hypot(pan, tilt)) camera = 'zoom';
  else if (Math.abs(pan) >= moving && Math.abs(pan) >= Math.abs(tilt)) camera = 'pan';
  else if (Math.abs(tilt) >= moving) camera = 'tilt';
  else if (shake >= 0.15) camera = 'handheld';
  return { camera, panPerSecond: pan, tiltPerSecond: tilt, zoomPerSecond: zoom, shake, subjectMotion };
}
