/**
 * A seeded, loopable walk through a latent space: K keypoints (given, e.g. the style vectors of N paintings, or
 * drawn from a seeded Gaussian), visited in order and, when looping, back to the first. Frame i of N sits at
 * u = i / N along the loop (so frame N would be frame 0 again: the last frame leads into the first with an
 * ordinary step). Each segment is eased (smoothstep: the walk slows at the keypoints, velocity continuous at
 * zero) or linear, and interpolated by slerp (Gaussian latents: keeps the norm a Gaussian sample would have,
 * where lerp would pass through low-norm, washed-out codes) or lerp (style vectors, which are not Gaussian).
 */

/** mulberry32: a small, fast, well-distributed 32-bit PRNG; the same seed gives the same walk everywhere. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal samples (Box-Muller) from a uniform source. */
export function gaussian(rand: () => number, dims: number): Float32Array {
  const out = new Float32Array(dims);
  for (let i = 0; i < dims; i += 2) {
    const u = Math.max(rand(), 1e-12);
    const v = rand();
    const r = Math.sqrt(-2 * Math.log(u));
    out[i] = r * Math.cos(2 * Math.PI * v);
    if (i + 1 < dims) out[i + 1] = r * Math.sin(2 * Math.PI * v);
  }
  return out;
}

export type Easing = 'smooth' | 'linear';
export type Interpolation = 'slerp' | 'lerp';

export function ease(t: number, easing: Easing): number {
  return easing === 'linear' ? t : t * t * (3 - 2 * t);
}

export function lerp(a: Float32Array, b: Float32Array, t: number): Float32Array {
  return a.map((x, i) => x + (b[i]! - x) * t);
}

/** Spherical interpolation (Shoemake 1985; White 2016 for generative latents); lerp when nearly parallel. */
export function slerp(a: Float32Array, b: Float32Array, t: number): Float32Array {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  const cos = Math.min(1, Math.max(-1, dot / Math.sqrt(na * nb || 1)));
  const omega = Math.acos(cos);
  if (omega < 1e-4) return lerp(a, b, t);
  const s = Math.sin(omega);
  const wa = Math.sin((1 - t) * omega) / s;
  const wb = Math.sin(t * omega) / s;
  return a.map((x, i) => wa * x + wb * b[i]!);
}

export interface WalkOptions {
  keypoints: readonly Float32Array[];
  frameCount: number;
  loop: boolean;
  easing: Easing;
  interpolation: Interpolation;
}

export class LatentWalk {
  constructor(private readonly o: WalkOptions) {
    if (o.keypoints.length < 2) throw new RangeError('a latent walk needs at least 2 keypoints');
    if (!Number.isInteger(o.frameCount) || o.frameCount < 1)
      throw new RangeError(`frame count must be a positive integer, got ${o.frameCount}`);
  }

  /** The latent of frame `index` (0 ≤ index < frameCount). */
  at(index: number): Float32Array {
    const { keypoints, frameCount, loop } = this.o;
    if (!Number.isInteger(index) || index < 0 || index >= frameCount)
      throw new RangeError(`frame ${index} is outside 0..${frameCount - 1}`);
    const segments = loop ? keypoints.length : keypoints.length - 1;
    // Looping: frame N would be u = 1 = frame 0. Open: the last frame lands exactly on the last keypoint.
    const u = loop ? index / frameCount : frameCount === 1 ? 0 : index / (frameCount - 1);
    const pos = Math.min(u * segments, segments - 1e-9);
    const seg = Math.floor(pos);
    const t = ease(pos - seg, this.o.easing);
    const a = keypoints[seg]!;
    const b = keypoints[(seg + 1) % keypoints.length]!;
    return this.o.interpolation === 'slerp' ? slerp(a, b, t) : lerp(a, b, t);
  }
}
