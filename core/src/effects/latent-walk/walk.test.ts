/** The walk itself: seeded and reproducible, loop closes with an ordinary step, slerp keeps Gaussian norms. */
import { describe, expect, it } from 'vitest';
import { gaussian, LatentWalk, seededRandom, slerp } from './walk.ts';

const dist = (a: Float32Array, b: Float32Array): number => Math.hypot(...a.map((x, i) => x - b[i]!));
const norm = (a: Float32Array): number => Math.hypot(...a);

function walk(seed: number, loop = true) {
  const rand = seededRandom(seed);
  const keypoints = Array.from({ length: 4 }, () => gaussian(rand, 100));
  return new LatentWalk({ keypoints, frameCount: 96, loop, easing: 'smooth', interpolation: 'slerp' });
}

describe('latent walk', () => {
  it('same seed → identical latents; another seed → different', () => {
    const a = walk(7);
    const b = walk(7);
    const c = walk(8);
    for (const i of [0, 17, 95]) expect([...a.at(i)]).toEqual([...b.at(i)]);
    expect(dist(a.at(17), c.at(17))).toBeGreaterThan(1);
  });

  it('loops: the step from the last frame to the first is no larger than the largest ordinary step', () => {
    const w = walk(7);
    const steps = Array.from({ length: 95 }, (_, i) => dist(w.at(i), w.at(i + 1)));
    const closing = dist(w.at(95), w.at(0));
    expect(closing).toBeLessThanOrEqual(Math.max(...steps) + 1e-6);
    expect(closing).toBeGreaterThan(0);
  });

  it('slerp keeps the norm of Gaussian latents where lerp would shrink it', () => {
    const rand = seededRandom(1);
    const a = gaussian(rand, 512);
    const b = gaussian(rand, 512);
    const mid = slerp(a, b, 0.5);
    const lerpMid = a.map((x, i) => (x + b[i]!) / 2);
    expect(Math.abs(norm(mid) - Math.sqrt(512))).toBeLessThan(0.1 * Math.sqrt(512));
    expect(norm(lerpMid)).toBeLessThan(0.8 * Math.sqrt(512));
  });

  it('an open walk ends exactly on the last keypoint', () => {
    const rand = seededRandom(3);
    const keypoints = [gaussian(rand, 8), gaussian(rand, 8), gaussian(rand, 8)];
    const w = new LatentWalk({
      keypoints,
      frameCount: 10,
      loop: false,
      easing: 'linear',
      interpolation: 'lerp',
    });
    expect(dist(w.at(9), keypoints[2]!)).toBeLessThan(1e-5);
    expect(dist(w.at(0), keypoints[0]!)).toBeLessThan(1e-6);
  });
});
