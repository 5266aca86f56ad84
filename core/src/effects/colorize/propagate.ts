/**
 * Chroma for one frame of a shot, at the working size (method in docs/colorize.md):
 *
 * 1. Candidates, each a chroma pair with a per-pixel trust:
 *    - every colour reference, carried onto this frame by RIFE optical flow straight from the reference
 *      (forward for later frames, backward for earlier ones), trusted where the flow passes the
 *      forward-backward and photometric checks (shared/optical-flow.ts `reliability`, i.e. not occluded, not
 *      new) and weighted by closeness in time when there are several;
 *    - the previous output frame's chroma carried along the flow from the previous frame (fills what the
 *      references no longer reach directly), trusted by its reliability times the previous frame's trust;
 *    - hint strokes (on their frame), and the learned colorizer's chroma (mode=auto) as a weak prior;
 *    - a very weak pull towards grey, so content nothing reaches stays neutral rather than taking a colour
 *      from far away.
 * 2. The trusted values become the soft constraints of the Levin-Lischinski-Weiss optimisation (solver.ts),
 *    which fills the untrusted pixels guided by luminance edges.
 * 3. Stabilisation: the result is blended with the warped previous result where that flow is reliable
 *    (weight `temporalWeight`), except where the frame is anchored (a reference's own frame, hint strokes).
 */
import { createFrame, type F32Frame } from '../frame.ts';
import type { LoadedSession } from '../../runtime/types.ts';
import { estimateFlow, reliability, warpPlanes } from '../shared/optical-flow.ts';
import { solveChroma } from './solver.ts';
import type { Planes } from './chroma.ts';
import type { Hints } from './inputs.ts';

/** λ of a fully reliable warped reference pixel. */
const REFERENCE_TRUST = 1;
/** λ on a reference's own frame: the reference is the answer there. */
const ANCHOR_TRUST = 100;
/** Share of trust the chain from the previous frame gets relative to a direct reference. */
const CHAIN_TRUST = 0.5;
/** Trust kept by pixels the solver filled (they may still seed the next frame, weakly). */
const SOLVED_TRUST = 0.25;
const HINT_TRUST = 20;
/** Learned colorizer: a prior that any reference or hint overrides. */
const AUTO_TRUST = 0.05;
/** Pull towards grey everywhere (1/√ of this is roughly how far, in pixels, a colour fades in flat areas). */
const GREY_TRUST = 1e-3;

export interface ColourReference {
  file: string;
  frame: number;
  planes: Planes;
  /** Its Y' as an RGBA grey frame (what the flow network sees). */
  grey: F32Frame;
}

export interface FrameWork {
  index: number;
  planes: Planes;
  grey: F32Frame;
}

export interface PropagationStats {
  frames: number;
  flowMs: number;
  solveMs: number;
  totalMs: number;
}

interface Previous {
  index: number;
  grey: F32Frame;
  cb: Float32Array;
  cr: Float32Array;
  trust: Float32Array;
}

/** An RGBA frame with R = G = B = Y' (the flow network's input for luminance-only content). */
export function greyFrame(y: Float32Array, width: number, height: number): F32Frame {
  const f = createFrame(width, height);
  for (let i = 0; i < width * height; i++) {
    const v = y[i]!;
    f.data[i * 4] = v;
    f.data[i * 4 + 1] = v;
    f.data[i * 4 + 2] = v;
    f.data[i * 4 + 3] = 1;
  }
  return f;
}

export class ChromaPropagator {
  private prev: Previous | undefined;
  readonly stats: PropagationStats = { frames: 0, flowMs: 0, solveMs: 0, totalMs: 0 };
  /** Last frame's chain reliability (0..1 per working pixel) and constraint trust, for tests. */
  lastChainReliability: Float32Array | undefined;
  lastTrust: Float32Array | undefined;

  private rife: LoadedSession | undefined;

  constructor(private readonly loadFlow: () => Promise<LoadedSession>) {}

  reset(): void {
    this.prev = undefined;
  }

  /** Flow from `cur`'s pixels to `from` and its reliability. */
  private async carry(from: F32Frame, cur: F32Frame, planes: Float32Array[]) {
    const t0 = performance.now();
    this.rife ??= await this.loadFlow();
    const back = await estimateFlow(this.rife, from, cur);
    const fwd = await estimateFlow(this.rife, cur, from);
    const mask = reliability(back, fwd, from, cur);
    const warped = warpPlanes(back, planes, cur.width, cur.height);
    this.stats.flowMs += performance.now() - t0;
    return { mask, warped };
  }

  async next(
    work: FrameWork,
    references: readonly ColourReference[],
    extra: { hints?: Hints; auto?: [Float32Array, Float32Array]; temporalWeight: number },
  ): Promise<[Float32Array, Float32Array]> {
    const t0 = performance.now();
    const { width, height } = work.planes;
    const n = width * height;
    const sumW = new Float32Array(n);
    const sumCb = new Float32Array(n);
    const sumCr = new Float32Array(n);
    const anchored = new Uint8Array(n);
    const add = (w: number | Float32Array, cb: Float32Array, cr: Float32Array, anchor = false): void => {
      for (let i = 0; i < n; i++) {
        const wi = typeof w === 'number' ? w : w[i]!;
        if (wi <= 0) continue;
        sumW[i] = sumW[i]! + wi;
        sumCb[i] = sumCb[i]! + wi * cb[i]!;
        sumCr[i] = sumCr[i]! + wi * cr[i]!;
        if (anchor) anchored[i] = 1;
      }
    };

    // References: closeness in time weights them against each other (the nearest has weight 1).
    const nearness = (r: ColourReference): number => 1 / (1 + Math.abs(work.index - r.frame));
    const best = Math.max(0, ...references.map(nearness));
    for (const r of references) {
      if (r.frame === work.index) {
        add(ANCHOR_TRUST, r.planes.cb, r.planes.cr, true);
        continue;
      }
      const { mask, warped } = await this.carry(r.grey, work.grey, [r.planes.cb, r.planes.cr]);
      const scale = (REFERENCE_TRUST * nearness(r)) / best;
      for (let i = 0; i < n; i++) mask[i] = mask[i]! * scale;
      add(mask, warped[0]!, warped[1]!);
    }

    // The chain from the previous frame (also the stabiliser's source).
    let chain: { mask: Float32Array; cb: Float32Array; cr: Float32Array } | undefined;
    const prev = this.prev;
    if (prev && prev.index === work.index - 1 && prev.grey.width === width && prev.grey.height === height) {
      const { mask, warped } = await this.carry(prev.grey, work.grey, [prev.cb, prev.cr, prev.trust]);
      chain = { mask, cb: warped[0]!, cr: warped[1]! };
      const w = new Float32Array(n);
      for (let i = 0; i < n; i++) w[i] = CHAIN_TRUST * mask[i]! * warped[2]![i]!;
      add(w, chain.cb, chain.cr);
    }
    this.lastChainReliability = chain?.mask;

    if (extra.hints) {
      const w = new Float32Array(n);
      for (let i = 0; i < n; i++) w[i] = HINT_TRUST * extra.hints.mask[i]!;
      add(w, extra.hints.cb, extra.hints.cr, true);
    }
    const trust = Float32Array.from(sumW, (v) => Math.min(1, v));
    if (extra.auto) add(AUTO_TRUST, extra.auto[0], extra.auto[1]);
    const zero = new Float32Array(n);
    add(GREY_TRUST, zero, zero);

    const targetCb = new Float32Array(n);
    const targetCr = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      targetCb[i] = sumCb[i]! / sumW[i]!;
      targetCr[i] = sumCr[i]! / sumW[i]!;
    }
    const init = chain
      ? [blendByTrust(trust, targetCb, chain.cb), blendByTrust(trust, targetCr, chain.cr)]
      : undefined;
    const s0 = performance.now();
    const { planes } = solveChroma({
      width,
      height,
      luma: work.planes.y,
      weight: sumW,
      targets: [targetCb, targetCr],
      ...(init ? { init } : {}),
    });
    this.stats.solveMs += performance.now() - s0;
    const [cb, cr] = planes as [Float32Array, Float32Array];

    const alpha = extra.temporalWeight;
    if (chain && alpha > 0)
      for (let i = 0; i < n; i++) {
        if (anchored[i]) continue;
        const m = alpha * chain.mask[i]!;
        cb[i] = (1 - m) * cb[i]! + m * chain.cb[i]!;
        cr[i] = (1 - m) * cr[i]! + m * chain.cr[i]!;
      }

    for (let i = 0; i < n; i++) trust[i] = Math.max(SOLVED_TRUST, trust[i]!);
    this.lastTrust = trust;
    this.prev = { index: work.index, grey: work.grey, cb, cr, trust };
    this.stats.frames++;
    this.stats.totalMs += performance.now() - t0;
    return [cb, cr];
  }
}

/** Where the constraints are trusted keep them, elsewhere start from the chained value. */
function blendByTrust(trust: Float32Array, known: Float32Array, chained: Float32Array): Float32Array {
  return Float32Array.from(known, (v, i) => trust[i]! * v + (1 - trust[i]!) * chained[i]!);
}
