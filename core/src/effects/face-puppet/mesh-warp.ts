/**
 * Piecewise-affine warp of a portrait by its face mesh: every triangle of the source mesh is mapped onto the
 * same triangle of the destination mesh (each destination pixel takes the bilinear source sample at the same
 * barycentric position).
 *
 * Seamless by construction: two rings of extra points around the face oval carry the head's motion out into
 * the hair and neck and fade it to nothing (the inner ring moves with the oval, the outer ring stays where
 * it is), so the displacement field is continuous and the portrait's background beyond the outer ring is
 * copied untouched. Triangles are drawn far to near (mesh z), so a turned head's near cheek covers the far one.
 */
import type { F32Frame } from '../frame.ts';
import { SILHOUETTE, TRI468 } from '../faces/mesh-topology.ts';

/** How far out the two rings sit, as multiples of the oval's distance from the face centre. */
const INNER_RING = 1.3;
const OUTER_RING = 2.0;

export interface WarpMesh {
  /** 2D source points (portrait pixels) and destination points (output pixels), same length and order. */
  src: Float32Array;
  dst: Float32Array;
  /** Triangles as point indices, in drawing order (far to near). */
  triangles: Uint32Array;
}

/**
 * The full warp mesh: the 468 face points plus the two rings, with triangles ordered for drawing.
 * `srcMesh`/`dstMesh` are 468 x (x, y, z); the destination's z orders the face triangles.
 */
export function buildWarpMesh(srcMesh: Float32Array, dstMesh: Float32Array): WarpMesh {
  const n = srcMesh.length / 3;
  const ring = SILHOUETTE.length;
  const src = new Float32Array((n + 2 * ring) * 2);
  const dst = new Float32Array((n + 2 * ring) * 2);
  for (let i = 0; i < n; i++) {
    src[i * 2] = srcMesh[i * 3]!;
    src[i * 2 + 1] = srcMesh[i * 3 + 1]!;
    dst[i * 2] = dstMesh[i * 3]!;
    dst[i * 2 + 1] = dstMesh[i * 3 + 1]!;
  }
  let cx = 0;
  let cy = 0;
  for (const i of SILHOUETTE) {
    cx += srcMesh[i * 3]! / ring;
    cy += srcMesh[i * 3 + 1]! / ring;
  }
  SILHOUETTE.forEach((i, k) => {
    const ox = srcMesh[i * 3]! - cx;
    const oy = srcMesh[i * 3 + 1]! - cy;
    const inner = n + k;
    const outer = n + ring + k;
    src[inner * 2] = cx + ox * INNER_RING;
    src[inner * 2 + 1] = cy + oy * INNER_RING;
    // The inner ring moves as the oval point it extends; the outer ring is anchored.
    dst[inner * 2] = src[inner * 2]! + (dstMesh[i * 3]! - srcMesh[i * 3]!);
    dst[inner * 2 + 1] = src[inner * 2 + 1]! + (dstMesh[i * 3 + 1]! - srcMesh[i * 3 + 1]!);
    src[outer * 2] = dst[outer * 2] = cx + ox * OUTER_RING;
    src[outer * 2 + 1] = dst[outer * 2 + 1] = cy + oy * OUTER_RING;
  });
  const tris: number[] = [];
  for (let k = 0; k < ring; k++) {
    const k1 = (k + 1) % ring;
    const [a, b] = [SILHOUETTE[k]!, SILHOUETTE[k1]!];
    tris.push(n + ring + k, n + ring + k1, n + k1, n + ring + k, n + k1, n + k); // outer band
    tris.push(n + k, n + k1, b, n + k, b, a); // inner band
  }
  const face = Array.from({ length: TRI468.length / 3 }, (_, t) => t);
  const depth = (t: number) =>
    dstMesh[TRI468[t * 3]! * 3 + 2]! +
    dstMesh[TRI468[t * 3 + 1]! * 3 + 2]! +
    dstMesh[TRI468[t * 3 + 2]! * 3 + 2]!;
  face.sort((a, b) => depth(b) - depth(a));
  for (const t of face) tris.push(TRI468[t * 3]!, TRI468[t * 3 + 1]!, TRI468[t * 3 + 2]!);
  return { src, dst, triangles: Uint32Array.from(tris) };
}

/** Bilinear RGB sample of a frame at (x, y), clamped to the frame. */
export function sampleRgb(frame: F32Frame, x: number, y: number, out: Float32Array): void {
  const fx = Math.min(frame.width - 1, Math.max(0, x));
  const fy = Math.min(frame.height - 1, Math.max(0, y));
  const x0 = Math.floor(fx);
  const y0 = Math.floor(fy);
  const x1 = Math.min(frame.width - 1, x0 + 1);
  const y1 = Math.min(frame.height - 1, y0 + 1);
  const ax = fx - x0;
  const ay = fy - y0;
  const d = frame.data;
  const s = frame.stride;
  for (let c = 0; c < 3; c++) {
    const top = d[y0 * s + x0 * 4 + c]! * (1 - ax) + d[y0 * s + x1 * 4 + c]! * ax;
    const bottom = d[y1 * s + x0 * 4 + c]! * (1 - ax) + d[y1 * s + x1 * 4 + c]! * ax;
    out[c] = top * (1 - ay) + bottom * ay;
  }
}

/**
 * Draws one destination triangle (a, b, c indices into `dst`) with the source triangle's pixels. Pixel
 * centres on a shared edge belong to both triangles (small tolerance), so the mesh leaves no cracks.
 */
export function drawTriangle(
  out: F32Frame,
  source: F32Frame,
  src: Float32Array,
  dst: Float32Array,
  a: number,
  b: number,
  c: number,
): void {
  const [ax, ay, bx, by, cx, cy] = [
    dst[a * 2]!,
    dst[a * 2 + 1]!,
    dst[b * 2]!,
    dst[b * 2 + 1]!,
    dst[c * 2]!,
    dst[c * 2 + 1]!,
  ];
  const det = (bx - ax) * (cy - ay) - (cx - ax) * (by - ay);
  if (Math.abs(det) < 1e-9) return;
  const x0 = Math.max(0, Math.floor(Math.min(ax, bx, cx)));
  const x1 = Math.min(out.width - 1, Math.ceil(Math.max(ax, bx, cx)));
  const y0 = Math.max(0, Math.floor(Math.min(ay, by, cy)));
  const y1 = Math.min(out.height - 1, Math.ceil(Math.max(ay, by, cy)));
  const eps = -1e-4;
  const rgb = new Float32Array(3);
  for (let y = y0; y <= y1; y++) {
    const py = y + 0.5;
    for (let x = x0; x <= x1; x++) {
      const px = x + 0.5;
      const wb = ((px - ax) * (cy - ay) - (cx - ax) * (py - ay)) / det;
      const wc = ((bx - ax) * (py - ay) - (px - ax) * (by - ay)) / det;
      const wa = 1 - wb - wc;
      if (wa < eps || wb < eps || wc < eps) continue;
      const sx = wa * src[a * 2]! + wb * src[b * 2]! + wc * src[c * 2]! - 0.5;
      const sy = wa * src[a * 2 + 1]! + wb * src[b * 2 + 1]! + wc * src[c * 2 + 1]! - 0.5;
      sampleRgb(source, sx, sy, rgb);
      const o = y * out.stride + x * 4;
      out.data[o] = rgb[0]!;
      out.data[o + 1] = rgb[1]!;
      out.data[o + 2] = rgb[2]!;
    }
  }
}

/** The portrait warped by the mesh: a copy of `source` with every triangle redrawn, far to near. */
export function warpByMesh(source: F32Frame, mesh: WarpMesh): F32Frame {
  const out: F32Frame = { ...source, data: source.data.slice() };
  const t = mesh.triangles;
  for (let i = 0; i < t.length; i += 3)
    drawTriangle(out, source, mesh.src, mesh.dst, t[i]!, t[i + 1]!, t[i + 2]!);
  return out;
}
