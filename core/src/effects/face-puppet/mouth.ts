/**
 * The inside of the mouth, which the portrait may not show: FaceMesh's triangulation leaves the mouth as a
 * hole bounded by the inner lips (MOUTH_INNER). When the portrait's own mouth is open (teeth visible), its
 * interior is carried into the new opening by a fan of triangles from the rim to the centre; otherwise the
 * opening is filled with a synthesised cavity: the lips' own colour darkened, deepest in the middle, with
 * its rim feathered over one pixel into the warped lips.
 */
import type { F32Frame } from '../frame.ts';
import { LANDMARK, MOUTH_INNER } from '../faces/mesh-topology.ts';
import { drawTriangle, sampleRgb } from './mesh-warp.ts';

/** Inner-lip gap over face height (forehead to chin): ~0 closed, ~0.15 wide open. */
export function mouthOpening(mesh: Float32Array): number {
  const gap = Math.hypot(
    mesh[LANDMARK.upperInnerLip * 3]! - mesh[LANDMARK.lowerInnerLip * 3]!,
    mesh[LANDMARK.upperInnerLip * 3 + 1]! - mesh[LANDMARK.lowerInnerLip * 3 + 1]!,
  );
  const face = Math.hypot(
    mesh[LANDMARK.forehead * 3]! - mesh[LANDMARK.chin * 3]!,
    mesh[LANDMARK.forehead * 3 + 1]! - mesh[LANDMARK.chin * 3 + 1]!,
  );
  return face > 0 ? gap / face : 0;
}

/** Below this opening the mouth counts as closed. */
const CLOSED = 0.008;

/** Above this opening the portrait's mouth interior (teeth) is used rather than a synthesised cavity. */
export const OPEN_PORTRAIT = 0.035;

function rim(mesh: Float32Array): { xs: number[]; ys: number[]; cx: number; cy: number } {
  const xs = MOUTH_INNER.map((i) => mesh[i * 3]!);
  const ys = MOUTH_INNER.map((i) => mesh[i * 3 + 1]!);
  return {
    xs,
    ys,
    cx: xs.reduce((a, b) => a + b, 0) / xs.length,
    cy: ys.reduce((a, b) => a + b, 0) / ys.length,
  };
}

/** Mean colour of the portrait just outside the inner-lip rim (the lips), sampled at the rim points. */
export function lipColour(portrait: F32Frame, mesh: Float32Array): [number, number, number] {
  const { xs, ys, cx, cy } = rim(mesh);
  const sum = [0, 0, 0];
  const rgb = new Float32Array(3);
  xs.forEach((x, k) => {
    // One or two pixels outward from the rim lands on the lip, not in the mouth.
    const dx = x - cx;
    const dy = ys[k]! - cy;
    const len = Math.hypot(dx, dy) || 1;
    sampleRgb(portrait, x + (dx / len) * 2, ys[k]! + (dy / len) * 2, rgb);
    for (let c = 0; c < 3; c++) sum[c]! += rgb[c]!;
  });
  return sum.map((v) => v / xs.length) as [number, number, number];
}

/**
 * Fills the destination mouth opening: the portrait's interior when it shows one (`srcMesh` open past
 * OPEN_PORTRAIT), else a cavity in the darkened `lips` colour.
 */
export function fillMouth(
  out: F32Frame,
  portrait: F32Frame,
  srcMesh: Float32Array,
  dstMesh: Float32Array,
  lips: readonly [number, number, number],
): void {
  const d = rim(dstMesh);
  // A closed mouth has no opening to fill (the warped lips meet).
  if (mouthOpening(dstMesh) < CLOSED) return;
  if (mouthOpening(srcMesh) >= OPEN_PORTRAIT) {
    const s = rim(srcMesh);
    const n = MOUTH_INNER.length;
    const src = new Float32Array((n + 1) * 2);
    const dst = new Float32Array((n + 1) * 2);
    for (let k = 0; k < n; k++) {
      [src[k * 2], src[k * 2 + 1], dst[k * 2], dst[k * 2 + 1]] = [s.xs[k]!, s.ys[k]!, d.xs[k]!, d.ys[k]!];
    }
    [src[n * 2], src[n * 2 + 1], dst[n * 2], dst[n * 2 + 1]] = [s.cx, s.cy, d.cx, d.cy];
    for (let k = 0; k < n; k++) drawTriangle(out, portrait, src, dst, k, (k + 1) % n, n);
    return;
  }
  const x0 = Math.max(0, Math.floor(Math.min(...d.xs)) - 1);
  const x1 = Math.min(out.width - 1, Math.ceil(Math.max(...d.xs)) + 1);
  const y0 = Math.max(0, Math.floor(Math.min(...d.ys)) - 1);
  const y1 = Math.min(out.height - 1, Math.ceil(Math.max(...d.ys)) + 1);
  const halfHeight = Math.max(1, (Math.max(...d.ys) - Math.min(...d.ys)) / 2);
  const n = d.xs.length;
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      const px = x + 0.5;
      const py = y + 0.5;
      const dist = signedDistance(px, py, d.xs, d.ys, n);
      if (dist <= -0.5) continue;
      // Coverage of the pixel by the opening: a one-pixel feather across the rim.
      const cover = Math.min(1, dist + 0.5);
      const depth = Math.min(1, Math.max(0, dist) / halfHeight);
      const shade = 0.3 - 0.2 * depth;
      const o = y * out.stride + x * 4;
      for (let c = 0; c < 3; c++) out.data[o + c] = out.data[o + c]! * (1 - cover) + lips[c]! * shade * cover;
    }
  }
}

/** Distance to the polygon's edge, positive inside, negative outside (even-odd rule). */
function signedDistance(px: number, py: number, xs: number[], ys: number[], n: number): number {
  let inside = false;
  let best = Infinity;
  for (let i = 0, j = n - 1; i < n; j = i++) {
    const [xi, yi, xj, yj] = [xs[i]!, ys[i]!, xs[j]!, ys[j]!];
    if (yi > py !== yj > py && px < ((xj - xi) * (py - yi)) / (yj - yi) + xi) inside = !inside;
    const ex = xj - xi;
    const ey = yj - yi;
    const len2 = ex * ex + ey * ey || 1;
    const t = Math.max(0, Math.min(1, ((px - xi) * ex + (py - yi) * ey) / len2));
    best = Math.min(best, Math.hypot(px - (xi + t * ex), py - (yi + t * ey)));
  }
  return inside ? best : -best;
}
