/**
 * Gaze transfer's pixel step: the iris moves inside the eye opening while the lids and everything outside
 * stay put.
 *
 * A star-shaped warp of the opening onto itself. Along every ray from the new iris centre to the rim, the
 * iris disc (radius `radius`, or 0.7 of the way to the rim where a lid covers part of it) is moved rigidly
 * (its pixels are the old disc's, shifted), and the sclera between the disc and the rim is stretched or
 * squeezed to meet the rim, which maps to itself, so the warp is continuous into the untouched lids (no
 * seam). A plain radial warp without the rigid disc measured only ~half the requested shift (the trailing
 * half of the iris stretched back towards the old place). Needs the opening star-shaped from the new centre,
 * which an eye outline is for any point well inside it (the target is kept inside, see `insideTarget`).
 */
import { createFrame, type F32Frame } from '../frame.ts';
import { sampleRgb } from './mesh-warp.ts';

type Point = readonly [number, number];

/** Even-odd rule: whether (x, y) is inside the polygon (x, y pairs). */
export function insidePolygon(poly: Float32Array, x: number, y: number): boolean {
  let inside = false;
  const n = poly.length / 2;
  for (let i = 0, j = n - 1; i < n; j = i++) {
    const xi = poly[i * 2]!;
    const yi = poly[i * 2 + 1]!;
    const xj = poly[j * 2]!;
    const yj = poly[j * 2 + 1]!;
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** Smallest s > 0 with o + s*d on the polygon's rim (Infinity when the ray leaves no edge). */
function rayToRim(poly: Float32Array, ox: number, oy: number, dx: number, dy: number): number {
  let best = Infinity;
  const n = poly.length / 2;
  for (let i = 0, j = n - 1; i < n; j = i++) {
    const ax = poly[j * 2]!;
    const ay = poly[j * 2 + 1]!;
    const ex = poly[i * 2]! - ax;
    const ey = poly[i * 2 + 1]! - ay;
    const den = dx * ey - dy * ex;
    if (Math.abs(den) < 1e-12) continue;
    const s = ((ax - ox) * ey - (ay - oy) * ex) / den;
    const e = ((ax - ox) * dy - (ay - oy) * dx) / den;
    if (s > 1e-9 && e >= -1e-9 && e <= 1 + 1e-9) best = Math.min(best, s);
  }
  return best;
}

/**
 * The target moved back towards `from` until it lies inside the opening shrunk by `keep` about its centroid
 * (an iris pushed into a corner would leave the star-shaped region and look torn). Undefined when `from`
 * itself is outside the opening (the iris was not found in this eye).
 */
export function insideTarget(poly: Float32Array, from: Point, to: Point, keep = 0.6): Point | undefined {
  if (!insidePolygon(poly, from[0], from[1])) return undefined;
  const n = poly.length / 2;
  let cx = 0;
  let cy = 0;
  for (let i = 0; i < n; i++) {
    cx += poly[i * 2]! / n;
    cy += poly[i * 2 + 1]! / n;
  }
  const shrunk = poly.map((v, i) => (i % 2 === 0 ? cx : cy) + (v - (i % 2 === 0 ? cx : cy)) * keep);
  let k = 1;
  for (let step = 0; step < 8; step++, k /= 2) {
    const x = from[0] + (to[0] - from[0]) * k;
    const y = from[1] + (to[1] - from[1]) * k;
    if (insidePolygon(shrunk, x, y) || k < 1e-3) return [x, y];
  }
  return from;
}

/** Moves the iris at `from` to `to` inside the opening `rim` (x, y pairs, frame pixels), in place. */
export function moveIris(frame: F32Frame, rim: Float32Array, from: Point, to: Point, radius: number): void {
  if (Math.hypot(to[0] - from[0], to[1] - from[1]) < 1e-3) return;
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (let i = 0; i < rim.length; i += 2) {
    x0 = Math.min(x0, rim[i]!);
    x1 = Math.max(x1, rim[i]!);
    y0 = Math.min(y0, rim[i + 1]!);
    y1 = Math.max(y1, rim[i + 1]!);
  }
  x0 = Math.max(0, Math.floor(x0));
  y0 = Math.max(0, Math.floor(y0));
  x1 = Math.min(frame.width - 1, Math.ceil(x1));
  y1 = Math.min(frame.height - 1, Math.ceil(y1));
  if (x1 < x0 || y1 < y0) return;
  // Sample from an untouched copy of the eye's box (+1 px for the bilinear neighbours).
  const bx = Math.max(0, x0 - 1);
  const by = Math.max(0, y0 - 1);
  const bw = Math.min(frame.width, x1 + 2) - bx;
  const bh = Math.min(frame.height, y1 + 2) - by;
  const copy = createFrame(bw, bh);
  for (let y = 0; y < bh; y++)
    copy.data.set(
      frame.data.subarray((by + y) * frame.stride + bx * 4, (by + y) * frame.stride + (bx + bw) * 4),
      y * bw * 4,
    );
  const rgb = new Float32Array(3);
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      if (!insidePolygon(rim, x, y)) continue;
      const dx = x - to[0];
      const dy = y - to[1];
      let sx = from[0];
      let sy = from[1];
      const dist = Math.hypot(dx, dy);
      if (dist > 1e-9) {
        const ex = dx / dist;
        const ey = dy / dist;
        const rimDist = rayToRim(rim, to[0], to[1], ex, ey);
        if (!Number.isFinite(rimDist)) continue;
        const disc = Math.min(radius, 0.7 * rimDist);
        if (dist <= disc) {
          sx = from[0] + dx;
          sy = from[1] + dy;
        } else {
          // From the disc's edge (shifted) to the rim point, linearly.
          const k = Math.min(1, (dist - disc) / (rimDist - disc));
          const ax = from[0] + disc * ex;
          const ay = from[1] + disc * ey;
          sx = ax + k * (to[0] + rimDist * ex - ax);
          sy = ay + k * (to[1] + rimDist * ey - ay);
        }
      }
      sampleRgb(copy, sx - bx, sy - by, rgb);
      frame.data.set(rgb, y * frame.stride + x * 4);
    }
  }
}
