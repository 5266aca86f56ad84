/**
 * Shot boundaries: hard cuts at their exact frame, and gradual transitions (dissolves, fades) with their span.
 *
 * Fed one small frame at a time (frame-source.ts); keeps per frame a 4x4x4 colour histogram, a 48-px grey image
 * (about 1.3 KB a frame, ~120 MB for an hour at 25 fps) and the camera-compensated difference from motion.ts.
 *
 * Cuts: frame n starts a new shot when it differs from n-1 both in colour distribution and in content after
 * compensating the camera's translation, and that difference stands out from the frames around it. The second
 * test is what keeps pans, zooms and handheld shots (large but steady frame differences) from reading as cuts.
 *
 * Dissolves and fades: a cross-dissolve is, pixel for pixel, a linear mix of its two ends. Frame t is the
 * middle of one when it is close to the average of frames t-w and t+w although those differ a lot, and it is
 * not close to either alone (that would be a cut or a still). The span comes from fitting the mix weight
 * alpha(t) of every frame around it and extending the straight line through the mid-range weights to 1 and 0.
 * Camera moves fail the linear-mix test (the middle of a pan is not a double exposure of its ends). A mix
 * where one end is black is a fade.
 */
import {
  colourHistogram,
  halve,
  histogramDistance,
  lumaOf,
  meanAbsDiff,
  meanOf,
  type Gray,
} from './small-image.ts';
import type { SmallFrame } from './frame-source.ts';
import { estimateMotion, type FrameMotion } from './motion.ts';

export type TransitionKind = 'cut' | 'dissolve' | 'fade-in' | 'fade-out';

export interface Transition {
  kind: TransitionKind;
  /** Cut: the first frame of the new shot (start = end). Gradual: first and last mixed frame. */
  start: number;
  end: number;
}

export interface Shot {
  /** 0-based inclusive frame numbers. */
  start: number;
  end: number;
  /** How the shot begins (absent for the first shot). */
  transitionIn?: Transition;
  /** Every frame nearly black (mean luma under 4%): a black gap, not a picture. */
  black: boolean;
}

export interface ShotDetectorOptions {
  /** A cut needs at least this combined difference (0..1). */
  cutThreshold?: number;
  /** ...and this many times the typical difference around it. */
  cutContrast?: number;
}

const GRAY_WIDTH = 48;
const BLACK = 0.04;
/** Half-windows for the mid-dissolve test: together they see transitions from 3 frames to about 2 s at 25 fps. */
const WINDOWS = [2, 4, 8, 16];

export class ShotDetector {
  readonly motions: FrameMotion[] = [];
  private readonly hists: Float32Array[] = [];
  private readonly grays: Uint8Array[] = [];
  private readonly lumas: number[] = [];
  private prevLuma: Gray | undefined;
  private readonly options: Required<ShotDetectorOptions>;

  constructor(options: ShotDetectorOptions = {}) {
    this.options = { cutThreshold: 0.2, cutContrast: 3, ...options };
  }

  get frameCount(): number {
    return this.hists.length;
  }

  push(frame: SmallFrame): void {
    const luma = lumaOf(frame);
    this.motions.push(
      this.prevLuma ? estimateMotion(this.prevLuma, luma) : { dx: 0, dy: 0, zoom: 0, residual: 0 },
    );
    this.prevLuma = luma;
    this.hists.push(colourHistogram(frame));
    let g = luma;
    while (g.width > GRAY_WIDTH * 1.5) g = halve(g);
    this.grays.push(g.data);
    this.lumas.push(meanOf(g.data));
  }

  /** Per frame: the difference from the previous frame that cut detection scores (0 for frame 0). */
  cutScores(): number[] {
    return this.hists.map((h, n) =>
      n === 0
        ? 0
        : (histogramDistance(this.hists[n - 1]!, h) + Math.min(1, 4 * this.motions[n]!.residual)) / 2,
    );
  }

  finish(): { shots: Shot[]; transitions: Transition[] } {
    const n = this.hists.length;
    const fades = this.findFades();
    const gradual = mergeOverlapping([
      ...fades,
      ...this.findGradual().filter((d) => !fades.some((f) => d.start <= f.end + 1 && f.start <= d.end + 1)),
    ]);
    const inGradual = new Uint8Array(n);
    for (const t of gradual)
      for (let i = Math.max(0, t.start - 1); i <= Math.min(n - 1, t.end + 1); i++) inGradual[i] = 1;
    const scores = this.cutScores();
    const cuts: Transition[] = [];
    for (let i = 1; i < n; i++) {
      if (inGradual[i] || scores[i]! < this.options.cutThreshold) continue;
      const around: number[] = [];
      for (let j = Math.max(1, i - 8); j <= Math.min(n - 1, i + 8); j++)
        if (Math.abs(j - i) > 1) around.push(scores[j]!);
      // A cut stands out from its neighbourhood; a flash of two big differences in a row (a cut to a one-frame
      // shot and back) is still two cuts, so only non-adjacent frames form the baseline.
      const typical = percentile(around, 0.5);
      if (scores[i]! >= this.options.cutContrast * typical + 0.05)
        cuts.push({ kind: 'cut', start: i, end: i });
    }
    const transitions = [...cuts, ...gradual].sort((a, b) => a.start - b.start);
    return { shots: this.shotsFrom(transitions, n), transitions };
  }

  private shotsFrom(transitions: Transition[], n: number): Shot[] {
    const shots: Shot[] = [];
    let start = 0;
    let into: Transition | undefined;
    for (const t of transitions) {
      // A dissolve hands over at its middle frame; a fade-out ends its shot (the black after it is a shot of
      // its own, flagged black) and a fade-in begins one.
      const boundary =
        t.kind === 'cut' || t.kind === 'fade-in'
          ? t.start
          : t.kind === 'fade-out'
            ? t.end + 1
            : Math.ceil((t.start + t.end) / 2);
      if (boundary <= start || boundary >= n) continue;
      shots.push(this.shot(start, boundary - 1, into));
      start = boundary;
      into = t;
    }
    if (n > 0) shots.push(this.shot(start, n - 1, into));
    return shots;
  }

  private shot(start: number, end: number, transitionIn: Transition | undefined): Shot {
    let black = true;
    for (let i = start; i <= end && black; i++) black = this.lumas[i]! < BLACK;
    return { start, end, ...(transitionIn ? { transitionIn } : {}), black };
  }

  /**
   * Fades to and from black: around every run of black frames, the frames whose brightness keeps falling
   * into it (fade-out) or rising out of it (fade-in). Found apart from dissolves because the black end
   * makes the mix test's far frame land in the next shot when the black is short.
   */
  private findFades(): Transition[] {
    const L = this.lumas;
    const n = L.length;
    const out: Transition[] = [];
    // 2% steps: well above frame-to-frame flicker of a steady shot, well below any fade's step.
    const falling = (t: number) => L[t - 1]! > L[t]! * 1.02 + 0.002;
    for (let t = 0; t < n;) {
      if (L[t]! >= BLACK) {
        t++;
        continue;
      }
      const b0 = t;
      while (t + 1 < n && L[t + 1]! < BLACK) t++;
      const b1 = t;
      let s = b0;
      while (s > 0 && falling(s)) s--;
      if (s < b0 - 1 && b0 > 0) out.push({ kind: 'fade-out', start: s, end: b0 - 1 });
      let e = b1;
      while (e + 1 < n && L[e + 1]! > L[e]! * 1.02 + 0.002) e++;
      if (e > b1 + 1 && b1 < n - 1) out.push({ kind: 'fade-in', start: b1 + 1, end: e });
      t = b1 + 1;
    }
    return out;
  }

  /** Gradual transitions: candidate middles by the linear-mix test, then a span fitted to each run. */
  private findGradual(): Transition[] {
    const g = this.grays;
    const n = g.length;
    const candidate = new Int32Array(n); // largest window passing at t, 0 = none
    for (let t = 0; t < n; t++) {
      for (const w of WINDOWS) {
        if (t - w < 0 || t + w >= n) break;
        const a = g[t - w]!;
        const b = g[t + w]!;
        const m = g[t]!;
        const d = meanAbsDiff(a, b);
        if (d < 0.06) continue;
        const da = meanAbsDiff(m, a);
        const db = meanAbsDiff(m, b);
        if (Math.min(da, db) < 0.3 * d) continue; // same as one end: a cut or a still, not a mix
        if (mixResidual(m, a, b, 0.5) < 0.15 * d) candidate[t] = w;
      }
    }
    const found: Transition[] = [];
    for (let t = 0; t < n;) {
      if (!candidate[t]) {
        t++;
        continue;
      }
      let e = t;
      let w = candidate[t]!;
      while (e + 1 < n && candidate[e + 1]) w = Math.max(w, candidate[++e]!);
      const span = this.fitSpan(t, e, w);
      if (span) found.push(span);
      t = e + 1;
    }
    return mergeOverlapping(found);
  }

  /** Fits alpha(t) between the run's outer ends and extends the mid-range line to alpha 1 and 0. */
  private fitSpan(r0: number, r1: number, w: number): Transition | null {
    const n = this.grays.length;
    const a0 = Math.max(0, r0 - w);
    const b0 = Math.min(n - 1, r1 + w);
    const A = this.grays[a0]!;
    const B = this.grays[b0]!;
    const pts: { t: number; alpha: number }[] = [];
    let residual = 0;
    let count = 0;
    const D = meanAbsDiff(A, B);
    for (let t = a0; t <= b0; t++) {
      const alpha = mixWeight(this.grays[t]!, A, B);
      if (alpha > 0.15 && alpha < 0.85) {
        pts.push({ t, alpha });
        residual += mixResidual(this.grays[t]!, A, B, alpha);
        count++;
      }
    }
    if (pts.length < 1 || residual / count > 0.2 * D) return null;
    let slope: number;
    let icept: number;
    if (pts.length === 1) {
      // One mixed frame (a 3-frame dissolve): the line through it and the run's ends.
      slope = -1 / (b0 - a0);
      icept = pts[0]!.alpha - slope * pts[0]!.t;
    } else {
      const mt = pts.reduce((s, p) => s + p.t, 0) / pts.length;
      const ma = pts.reduce((s, p) => s + p.alpha, 0) / pts.length;
      let num = 0;
      let den = 0;
      for (const p of pts) {
        num += (p.t - mt) * (p.alpha - ma);
        den += (p.t - mt) ** 2;
      }
      slope = num / den;
      icept = ma - slope * mt;
    }
    if (!(slope < 0)) return null; // alpha must fall from the first shot to the second
    const at1 = (1 - icept) / slope;
    const at0 = -icept / slope;
    const start = Math.max(a0, Math.floor(at1 + 1e-6) + 1);
    const end = Math.min(b0, Math.ceil(at0 - 1e-6) - 1);
    if (end < start) return null;
    const blackA = meanOf(A) < BLACK;
    const blackB = meanOf(B) < BLACK;
    const kind: TransitionKind = blackA && !blackB ? 'fade-in' : blackB && !blackA ? 'fade-out' : 'dissolve';
    return { kind, start, end };
  }
}

/** Least-squares weight alpha with m ≈ alpha·a + (1-alpha)·b. */
function mixWeight(m: Uint8Array, a: Uint8Array, b: Uint8Array): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < m.length; i++) {
    const ab = a[i]! - b[i]!;
    num += (m[i]! - b[i]!) * ab;
    den += ab * ab;
  }
  return den > 0 ? num / den : 0.5;
}

/** Mean |m - (alpha·a + (1-alpha)·b)|, 0..1. */
function mixResidual(m: Uint8Array, a: Uint8Array, b: Uint8Array, alpha: number): number {
  let s = 0;
  for (let i = 0; i < m.length; i++) s += Math.abs(m[i]! - (alpha * a[i]! + (1 - alpha) * b[i]!));
  return s / (m.length * 255);
}

function mergeOverlapping(ts: Transition[]): Transition[] {
  const out: Transition[] = [];
  for (const t of ts.sort((a, b) => a.start - b.start)) {
    const last = out[out.length - 1];
    if (last && t.start <= last.end) last.end = Math.max(last.end, t.end);
    else out.push({ ...t });
  }
  return out;
}

export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
}
