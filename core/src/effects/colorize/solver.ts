/**
 * Edge-aware chroma propagation: the optimisation of Levin, Lischinski and Weiss, "Colorization using
 * Optimization" (SIGGRAPH 2004), in its symmetric (graph Laplacian) form with soft constraints:
 *
 *   minimise  Σ_{r~s} w_rs (u_r − u_s)²  +  Σ_r λ_r (u_r − h_r)²
 *
 * over each chroma plane u, where r~s are 4-neighbours, w_rs = exp(−(Y_r − Y_s)² / 2σ²) is LLW's luminance
 * affinity with σ² the local (3×3) luminance variance, clamped (see VARIANCE_CAP),
 * h_r is a known chroma (a reliably warped reference, a hint stroke, a model's guess) and λ_r how much it is
 * trusted (0 where nothing is known). The minimiser solves (L + Λ) u = Λ h.
 *
 * Why this solver: L + Λ is symmetric positive definite (a weighted graph Laplacian plus a non-negative
 * diagonal with at least one positive entry), 5-point sparse, and applying it costs O(N) with no matrix
 * stored, so preconditioned conjugate gradients (Jacobi preconditioner: the diagonal) is the natural choice.
 * Plain PCG needs O(√N)-ish iterations to carry information across wide unknown regions, so it runs
 * cascadically (coarse to fine): the problem is coarsened by 2× until it is small, solved there to
 * convergence, and each finer level starts from the prolonged coarser answer, so fine levels only fix
 * detail near edges. The caller also warm-starts from last frame's chroma, which is already close.
 * (LLW solved the asymmetric normalised form with multigrid; the symmetric form keeps CG applicable.)
 */

/** Below this 3×3 variance, luminance differences are treated as noise of this size (Y in 0..1). */
const VARIANCE_FLOOR = 1e-4;
/**
 * Above this the variance stops growing σ: LLW's pure variance scaling makes every edge, however strong,
 * pass about a tenth of the colour (the step is always ~1.5σ of its own window), so colour bled into unhinted
 * neighbours. Capped at σ = 0.03 (a weak edge of ~8 code values), a real edge stays a wall while texture and
 * grain (differences of a few code values) still carry colour.
 */
const VARIANCE_CAP = 9e-4;
/** Keeps every pixel connected so an isolated region still reaches its neighbours, if faintly. */
const MIN_AFFINITY = 1e-8;
/** Coarsen until the short side is at most this. */
const COARSEST_SIDE = 48;

export interface ChromaProblem {
  width: number;
  height: number;
  /** Guide luminance Y (0..1), width × height. */
  luma: Float32Array;
  /** λ per pixel (≥ 0): trust in `target` there. */
  weight: Float32Array;
  /** Known chroma per plane (read where weight > 0). */
  targets: readonly Float32Array[];
  /** Starting guess per plane (defaults to the targets). */
  init?: readonly Float32Array[];
}

export interface SolveOptions {
  /** Relative residual ‖b − Ax‖ / ‖b‖ at which a level stops. */
  tolerance?: number;
  /** Iteration cap on the finest level (intermediate levels get twice, the coarsest up to 2000). */
  maxIterations?: number;
}

export interface SolveStats {
  levels: number;
  /** CG iterations per level, coarsest first (summed over planes). */
  iterations: number[];
  ms: number;
}

interface Affinities {
  /** Weight between pixel i and i + 1 (0 at the right edge). */
  wx: Float32Array;
  /** Weight between pixel i and i + width (0 at the bottom edge). */
  wy: Float32Array;
}

/** LLW affinities on a luminance plane. */
export function affinities(luma: Float32Array, width: number, height: number): Affinities {
  const n = width * height;
  const variance = new Float32Array(n);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      let s = 0;
      let s2 = 0;
      let k = 0;
      for (let dy = -1; dy <= 1; dy++) {
        const yy = y + dy;
        if (yy < 0 || yy >= height) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const xx = x + dx;
          if (xx < 0 || xx >= width) continue;
          const v = luma[yy * width + xx]!;
          s += v;
          s2 += v * v;
          k++;
        }
      }
      const m = s / k;
      variance[y * width + x] = Math.min(VARIANCE_CAP, Math.max(VARIANCE_FLOOR, s2 / k - m * m));
    }
  const wx = new Float32Array(n);
  const wy = new Float32Array(n);
  const affinity = (i: number, j: number): number => {
    const d = luma[i]! - luma[j]!;
    const s2 = variance[i]! + variance[j]!; // 2σ² with σ² the mean of the two variances
    return Math.max(MIN_AFFINITY, Math.exp((-d * d) / s2));
  };
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      if (x + 1 < width) wx[i] = affinity(i, i + 1);
      if (y + 1 < height) wy[i] = affinity(i, i + width);
    }
  return { wx, wy };
}

/** out = (L + Λ) u. */
function applyA(
  a: Affinities,
  weight: Float32Array,
  u: Float32Array,
  out: Float32Array,
  width: number,
  height: number,
): void {
  const { wx, wy } = a;
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const ui = u[i]!;
      let v = weight[i]! * ui;
      if (x + 1 < width) v += wx[i]! * (ui - u[i + 1]!);
      if (x > 0) v += wx[i - 1]! * (ui - u[i - 1]!);
      if (y + 1 < height) v += wy[i]! * (ui - u[i + width]!);
      if (y > 0) v += wy[i - width]! * (ui - u[i - width]!);
      out[i] = v;
    }
}

function diagonal(a: Affinities, weight: Float32Array, width: number, height: number): Float32Array {
  const d = new Float32Array(width * height);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      let v = weight[i]!;
      if (x + 1 < width) v += a.wx[i]!;
      if (x > 0) v += a.wx[i - 1]!;
      if (y + 1 < height) v += a.wy[i]!;
      if (y > 0) v += a.wy[i - width]!;
      d[i] = v > 0 ? v : 1;
    }
  return d;
}

/** Jacobi-preconditioned CG on (L + Λ) x = b, x updated in place; returns the iterations used. */
function pcg(
  a: Affinities,
  weight: Float32Array,
  diag: Float32Array,
  b: Float32Array,
  x: Float32Array,
  width: number,
  height: number,
  tolerance: number,
  maxIterations: number,
): number {
  const n = width * height;
  const r = new Float32Array(n);
  const z = new Float32Array(n);
  const p = new Float32Array(n);
  const ap = new Float32Array(n);
  applyA(a, weight, x, ap, width, height);
  let bb = 0;
  let rz = 0;
  for (let i = 0; i < n; i++) {
    r[i] = b[i]! - ap[i]!;
    z[i] = r[i]! / diag[i]!;
    p[i] = z[i]!;
    rz += r[i]! * z[i]!;
    bb += b[i]! * b[i]!;
  }
  const stop = tolerance * tolerance * Math.max(bb, 1e-12);
  for (let it = 0; it < maxIterations; it++) {
    let rr = 0;
    for (let i = 0; i < n; i++) rr += r[i]! * r[i]!;
    if (rr <= stop) return it;
    applyA(a, weight, p, ap, width, height);
    let pap = 0;
    for (let i = 0; i < n; i++) pap += p[i]! * ap[i]!;
    if (!(pap > 0)) return it;
    const alpha = rz / pap;
    let rzNext = 0;
    for (let i = 0; i < n; i++) {
      x[i] = x[i]! + alpha * p[i]!;
      r[i] = r[i]! - alpha * ap[i]!;
      z[i] = r[i]! / diag[i]!;
      rzNext += r[i]! * z[i]!;
    }
    const beta = rzNext / rz;
    rz = rzNext;
    for (let i = 0; i < n; i++) p[i] = z[i]! + beta * p[i]!;
  }
  return maxIterations;
}

/** One level coarser: luminance averaged, λ summed (a coarse pixel stands for up to 4), targets λ-weighted. */
function coarsen(p: ChromaProblem): ChromaProblem {
  const w2 = Math.ceil(p.width / 2);
  const h2 = Math.ceil(p.height / 2);
  const n2 = w2 * h2;
  const luma = new Float32Array(n2);
  const weight = new Float32Array(n2);
  const targets = p.targets.map(() => new Float32Array(n2));
  const count = new Float32Array(n2);
  for (let y = 0; y < p.height; y++)
    for (let x = 0; x < p.width; x++) {
      const i = y * p.width + x;
      const j = (y >> 1) * w2 + (x >> 1);
      luma[j] = luma[j]! + p.luma[i]!;
      count[j] = count[j]! + 1;
      const l = p.weight[i]!;
      weight[j] = weight[j]! + l;
      for (let c = 0; c < targets.length; c++) targets[c]![j] = targets[c]![j]! + l * p.targets[c]![i]!;
    }
  for (let j = 0; j < n2; j++) {
    luma[j] = luma[j]! / count[j]!;
    for (const t of targets) t[j] = weight[j]! > 0 ? t[j]! / weight[j]! : 0;
  }
  return { width: w2, height: h2, luma, weight, targets };
}

/** Bilinear prolongation of a coarse plane onto the fine grid (pixel centres aligned). */
function prolong(coarse: Float32Array, cw: number, ch: number, width: number, height: number): Float32Array {
  const out = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    const fy = Math.min(ch - 1, Math.max(0, (y + 0.5) / 2 - 0.5));
    const y0 = Math.floor(fy);
    const y1 = Math.min(ch - 1, y0 + 1);
    const ay = fy - y0;
    for (let x = 0; x < width; x++) {
      const fx = Math.min(cw - 1, Math.max(0, (x + 0.5) / 2 - 0.5));
      const x0 = Math.floor(fx);
      const x1 = Math.min(cw - 1, x0 + 1);
      const ax = fx - x0;
      out[y * width + x] =
        (1 - ay) * ((1 - ax) * coarse[y0 * cw + x0]! + ax * coarse[y0 * cw + x1]!) +
        ay * ((1 - ax) * coarse[y1 * cw + x0]! + ax * coarse[y1 * cw + x1]!);
    }
  }
  return out;
}

/**
 * Solves every chroma plane of the problem (cascadic PCG, see the file comment). Pixels with a large λ end
 * up at their target; the rest take the luminance-guided interpolation of their surroundings.
 */
export function solveChroma(
  problem: ChromaProblem,
  options: SolveOptions = {},
): { planes: Float32Array[]; stats: SolveStats } {
  const t0 = performance.now();
  const tolerance = options.tolerance ?? 1e-6;
  const maxIterations = options.maxIterations ?? 60;
  const pyramid: ChromaProblem[] = [problem];
  while (Math.min(pyramid.at(-1)!.width, pyramid.at(-1)!.height) > COARSEST_SIDE)
    pyramid.push(coarsen(pyramid.at(-1)!));
  const iterations: number[] = [];
  let solution: Float32Array[] | undefined;
  for (let level = pyramid.length - 1; level >= 0; level--) {
    const p = pyramid[level]!;
    const a = affinities(p.luma, p.width, p.height);
    const diag = diagonal(a, p.weight, p.width, p.height);
    const coarser = pyramid[level + 1];
    let used = 0;
    const next: Float32Array[] = [];
    for (let c = 0; c < p.targets.length; c++) {
      const b = new Float32Array(p.width * p.height);
      for (let i = 0; i < b.length; i++) b[i] = p.weight[i]! * p.targets[c]![i]!;
      let x: Float32Array;
      if (solution && coarser) x = prolong(solution[c]!, coarser.width, coarser.height, p.width, p.height);
      else x = Float32Array.from(level === 0 && p.init ? p.init[c]! : p.targets[c]!);
      // With a caller's warm start on the finest level, keep it where the coarse answer knows no better.
      if (level === 0 && p.init && solution) {
        const init = p.init[c]!;
        for (let i = 0; i < x.length; i++) x[i] = 0.5 * (x[i]! + init[i]!);
      }
      // Coarse levels are cheap (a quarter of the pixels each): the coarsest converges, each finer level
      // only corrects detail near edges, starting from the prolonged answer.
      const cap = level === pyramid.length - 1 ? 2000 : level === 0 ? maxIterations : 2 * maxIterations;
      used += pcg(a, p.weight, diag, b, x, p.width, p.height, tolerance, cap);
      next.push(x);
    }
    iterations.push(used);
    solution = next;
  }
  return { planes: solution!, stats: { levels: pyramid.length, iterations, ms: performance.now() - t0 } };
}
