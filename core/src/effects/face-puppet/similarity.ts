/**
 * 3D similarity transforms (rotation, uniform scale, translation) between two landmark sets, fitted by least
 * squares on chosen points (Horn 1987, "Closed-form solution of absolute orientation using unit
 * quaternions": the rotation is the eigenvector of a 4x4 symmetric matrix with the largest eigenvalue; scale
 * and translation follow). Used to take head pose out of a mesh (pose-normalised expression) and to put it
 * back onto another face.
 */

export interface Similarity {
  /** Row-major 3x3 rotation. */
  r: Float64Array;
  s: number;
  /** Centroids: y = s * R (x - from) + to. */
  from: [number, number, number];
  to: [number, number, number];
}

export const IDENTITY: Similarity = {
  r: Float64Array.of(1, 0, 0, 0, 1, 0, 0, 0, 1),
  s: 1,
  from: [0, 0, 0],
  to: [0, 0, 0],
};

function centroid(p: Float32Array, idx: readonly number[]): [number, number, number] {
  const c = [0, 0, 0];
  for (const i of idx) for (let k = 0; k < 3; k++) c[k]! += p[i * 3 + k]!;
  return c.map((v) => v / idx.length) as [number, number, number];
}

/** Eigen-decomposition of a symmetric 4x4 by Jacobi rotations; returns the eigenvector of the largest value. */
function largestEigenvector(a: number[][]): number[] {
  const n = 4;
  const v: number[][] = Array.from({ length: n }, (_, i) =>
    Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)),
  );
  for (let sweep = 0; sweep < 50; sweep++) {
    let off = 0;
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) off += a[i]![j]! ** 2;
    if (off < 1e-18) break;
    for (let p = 0; p < n; p++)
      for (let q = p + 1; q < n; q++) {
        if (Math.abs(a[p]![q]!) < 1e-30) continue;
        const theta = (a[q]![q]! - a[p]![p]!) / (2 * a[p]![q]!);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k]![p]!;
          const akq = a[k]![q]!;
          a[k]![p] = c * akp - s * akq;
          a[k]![q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p]![k]!;
          const aqk = a[q]![k]!;
          a[p]![k] = c * apk - s * aqk;
          a[q]![k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k]![p]!;
          const vkq = v[k]![q]!;
          v[k]![p] = c * vkp - s * vkq;
          v[k]![q] = s * vkp + c * vkq;
        }
      }
  }
  let best = 0;
  for (let i = 1; i < n; i++) if (a[i]![i]! > a[best]![best]!) best = i;
  return v.map((row) => row[best]!);
}

/** The similarity that maps `src` onto `dst` best (least squares over the points `idx`). */
export function fitSimilarity(src: Float32Array, dst: Float32Array, idx: readonly number[]): Similarity {
  const cs = centroid(src, idx);
  const cd = centroid(dst, idx);
  const m = [0, 0, 0, 0, 0, 0, 0, 0, 0];
  let ss = 0;
  let sd = 0;
  for (const i of idx) {
    const a = [0, 1, 2].map((k) => src[i * 3 + k]! - cs[k]!);
    const b = [0, 1, 2].map((k) => dst[i * 3 + k]! - cd[k]!);
    for (let r = 0; r < 3; r++) for (let c = 0; c < 3; c++) m[r * 3 + c]! += a[r]! * b[c]!;
    ss += a[0]! ** 2 + a[1]! ** 2 + a[2]! ** 2;
    sd += b[0]! ** 2 + b[1]! ** 2 + b[2]! ** 2;
  }
  const [sxx, sxy, sxz, syx, syy, syz, szx, szy, szz] = m as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const n = [
    [sxx + syy + szz, syz - szy, szx - sxz, sxy - syx],
    [syz - szy, sxx - syy - szz, sxy + syx, szx + sxz],
    [szx - sxz, sxy + syx, -sxx + syy - szz, syz + szy],
    [sxy - syx, szx + sxz, syz + szy, -sxx - syy + szz],
  ];
  const [w, x, y, z] = largestEigenvector(n) as [number, number, number, number];
  const r = Float64Array.of(
    w * w + x * x - y * y - z * z,
    2 * (x * y - w * z),
    2 * (x * z + w * y),
    2 * (x * y + w * z),
    w * w - x * x + y * y - z * z,
    2 * (y * z - w * x),
    2 * (x * z - w * y),
    2 * (y * z + w * x),
    w * w - x * x - y * y + z * z,
  );
  // Symmetric scale (Horn): ratio of spreads, the same whichever set is called the source.
  return { r, s: ss > 0 ? Math.sqrt(sd / ss) : 1, from: cs, to: cd };
}

export function applySimilarity(
  t: Similarity,
  p: Float32Array,
  out = new Float32Array(p.length),
): Float32Array {
  const { r, s, from, to } = t;
  for (let i = 0; i < p.length; i += 3) {
    const x = p[i]! - from[0];
    const y = p[i + 1]! - from[1];
    const z = p[i + 2]! - from[2];
    out[i] = s * (r[0]! * x + r[1]! * y + r[2]! * z) + to[0];
    out[i + 1] = s * (r[3]! * x + r[4]! * y + r[5]! * z) + to[1];
    out[i + 2] = s * (r[6]! * x + r[7]! * y + r[8]! * z) + to[2];
  }
  return out;
}

export function invertSimilarity(t: Similarity): Similarity {
  const { r } = t;
  // R is orthonormal: its inverse is its transpose.
  const rt = Float64Array.of(r[0]!, r[3]!, r[6]!, r[1]!, r[4]!, r[7]!, r[2]!, r[5]!, r[8]!);
  return { r: rt, s: 1 / t.s, from: t.to, to: t.from };
}

/** Yaw (turn about the vertical axis, degrees) of a rotation, for reports and checks. */
export function yawDegrees(t: Similarity): number {
  return (Math.atan2(t.r[2]!, t.r[8]!) * 180) / Math.PI;
}
