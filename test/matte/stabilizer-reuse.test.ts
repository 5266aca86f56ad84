/**
 * The matte stabiliser writes frames' planes into buffers that left its window (and into the output the
 * processor hands back with recycle()) instead of allocating new ones. Over more frames than the window
 * holds, so every buffer is reused several times, each output must equal the window average recomputed from
 * scratch with the TypeScript reference functions (fresh arrays, no reuse): a stale or aliased buffer shows
 * as a difference. The caller scribbling over its alpha after apply() and over the recycled output must not
 * change later results either.
 */
import { expect, it } from 'vitest';
import { frameOver, type U8Frame } from '../../core/src/contract/frame.ts';
import {
  MatteStabilizer,
  STABILIZER_PRE_ROLL,
  averageWindowTypeScript,
  lumaOfIntegerTypeScript,
  motionMapTypeScript,
} from '../../core/src/effects/matte/stabilizer.ts';
import { noise as noiseSamples } from '../support/noise.ts';

const W = 48;
const H = 27;

const noise = (n: number, seed: number): Float32Array => Float32Array.from(noiseSamples(n, seed));

/** A frame whose left part stays still and whose right part changes a lot, so both motion branches run. */
function frameAt(i: number): U8Frame {
  const base = noise(W * H * 4, 1);
  const moving = noise(W * H * 4, 100 + i);
  const data = new Uint8Array(W * H * 4);
  for (let p = 0; p < W * H; p++) {
    const still = p % W < W / 2;
    for (let c = 0; c < 4; c++) {
      const v = still ? base[p * 4 + c]! : moving[p * 4 + c]!;
      data[p * 4 + c] = Math.floor(v * 255);
    }
  }
  return frameOver(W, H, 'u8', 'display', data) as U8Frame;
}

it('over 3 windows of frames, reused planes give exactly the from-scratch window average', () => {
  const frames = Array.from({ length: 3 * (STABILIZER_PRE_ROLL + 1) + 2 }, (_, i) => frameAt(i));
  const alphas = frames.map((_, i) => noise(W * H, 500 + i));
  for (const strength of [0.5, 1, 0]) {
    const stabilizer = new MatteStabilizer();
    const kStatic = 1 - 0.95 * Math.min(1, strength);
    frames.forEach((frame, i) => {
      const alpha = { width: W, height: H, data: alphas[i]!.slice() };
      const out = stabilizer.apply(frame, alpha, strength);
      const got = out.data.slice();
      alpha.data.fill(7); // the caller's own alpha is its to reuse
      stabilizer.recycle(out);
      out.data.fill(Number.NaN); // a recycled plane's old contents must never show again

      const first = Math.max(0, i - STABILIZER_PRE_ROLL);
      const window = alphas.slice(first, i + 1);
      const motions: Float32Array[] = [];
      for (let j = first + 1; j <= i; j++) {
        const prev = lumaOfIntegerTypeScript(frames[j - 1]!);
        const cur = lumaOfIntegerTypeScript(frames[j]!);
        motions.push(motionMapTypeScript(prev, cur, W, H).data);
      }
      const want = strength <= 0 ? alphas[i]! : averageWindowTypeScript(window, motions, kStatic);
      expect(got, `strength ${strength}, frame ${i}`).toEqual(want);
    });
  }
});

it('a recycled mask of another size is ignored, and a size change starts a fresh window', () => {
  const stabilizer = new MatteStabilizer();
  const frame = frameAt(0);
  const alpha = { width: W, height: H, data: noise(W * H, 9) };
  stabilizer.recycle({ width: 2, height: 2, data: new Float32Array(4) });
  expect(stabilizer.apply(frame, alpha, 0.5).data).toEqual(alpha.data);
  const small = frameOver(4, 3, 'u8', 'display', new Uint8Array(48)) as U8Frame;
  const smallAlpha = { width: 4, height: 3, data: noise(12, 10) };
  expect(stabilizer.apply(small, smallAlpha, 0.5).data).toEqual(smallAlpha.data);
});
