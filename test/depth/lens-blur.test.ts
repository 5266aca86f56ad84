/**
 * `lens-blur` on the Middlebury Aloe photo with its ground-truth depth as the depth file (so the figures are
 * about the blur, not a depth estimate). Sharpness = mean |Laplacian| of luma over a region, output vs input:
 * - pixels within 0.03 of the focus depth (and whose 5x5 neighbourhood is too) keep ≥ 95 % of their sharpness;
 * - pixels far from the focus depth lose most of it (≤ 50 %);
 * - no halo: a sharp subject on a blurred background keeps its exact pixels, and none of its colour leaks
 *   into the background around it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEffectContext } from '../../core/src/runtime/context.ts';
import { createFrame, toFloat32, type F32Frame } from '../../core/src/effects/frame.ts';
import { lensBlurEffect, type LensBlurParams } from '../../core/src/effects/lens-blur/descriptor.ts';
import { lensBlur } from '../../core/src/effects/lens-blur/layered-blur.ts';
import { loadDepthFile } from '../../core/src/effects/depth/source.ts';
import { aloeNearness, ALOE_LEFT, loadFrame, lumaOf } from './helpers.ts';

const WIDTH = 427;
const ctx = createEffectContext({ providers: ['cpu'] });
let dir: string;
let depthFile: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'mlxv-lens-'));
  depthFile = path.join(dir, 'aloe-depth.png');
  await aloeNearness(WIDTH, depthFile);
});
afterAll(async () => {
  await ctx.sessions.dispose();
  await rm(dir, { recursive: true, force: true });
});

function laplacian(l: Float32Array, w: number, h: number): Float32Array {
  const out = new Float32Array(w * h);
  for (let y = 1; y < h - 1; y++)
    for (let x = 1; x < w - 1; x++) {
      const i = y * w + x;
      out[i] = Math.abs(4 * l[i]! - l[i - 1]! - l[i + 1]! - l[i - w]! - l[i + w]!);
    }
  return out;
}

/** Pixels whose whole 5x5 neighbourhood satisfies `keep` (away from the frame edge). */
function region(w: number, h: number, keep: (i: number) => boolean): number[] {
  const out: number[] = [];
  for (let y = 3; y < h - 3; y++)
    for (let x = 3; x < w - 3; x++) {
      let ok = true;
      for (let v = -2; v <= 2 && ok; v++) for (let u = -2; u <= 2 && ok; u++) ok = keep((y + v) * w + x + u);
      if (ok) out.push(y * w + x);
    }
  return out;
}

const mean = (a: Float32Array, idx: number[]) => idx.reduce((s, i) => s + a[i]!, 0) / idx.length;

describe('lens-blur', () => {
  it('keeps the focus depth sharp and blurs what is far from it (real photo, real depth)', async () => {
    const frame = await loadFrame(ALOE_LEFT, WIDTH);
    const near = await loadDepthFile(depthFile, frame.width, frame.height);
    const focus = 0.6; // the aloe's leaves
    const p: LensBlurParams = {
      focus,
      aperture: 12,
      shape: 'disc',
      source: 'layered',
      depth: depthFile,
      stabilize: 0,
    };
    const out = toFloat32(await (await lensBlurEffect.createProcessor(ctx)).process(frame, p));
    const { width: w, height: h } = frame;
    const lin = laplacian(lumaOf(frame), w, h);
    const lout = laplacian(lumaOf(out), w, h);
    const inFocus = region(w, h, (i) => Math.abs(near.data[i]! - focus) < 0.03);
    const far = region(w, h, (i) => Math.abs(near.data[i]! - focus) > 0.4);
    const keep = mean(lout, inFocus) / mean(lin, inFocus);
    const lose = mean(lout, far) / mean(lin, far);
    console.log(
      `lens-blur on aloe (aperture 12 px): sharpness kept at the focus depth ${(100 * keep).toFixed(1)} % (${inFocus.length} px), far from it ${(100 * lose).toFixed(1)} % (${far.length} px)`,
    );
    expect(inFocus.length).toBeGreaterThan(200);
    expect(far.length).toBeGreaterThan(200);
    expect(keep).toBeGreaterThan(0.95);
    expect(lose).toBeLessThan(0.5);
  }, 120_000);

  it('no halo: a sharp subject stays exact and its colour does not leak into the blurred background', () => {
    const w = 80;
    const h = 60;
    const img = createFrame(w, h);
    const near = { width: w, height: h, data: new Float32Array(w * h) };
    const inSubject = (x: number, y: number) => x >= 30 && x < 50 && y >= 20 && y < 40;
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const checker = ((x >> 2) + (y >> 2)) & 1 ? 0.8 : 0.2; // textured far background, no red
        img.data.set(inSubject(x, y) ? [0.95, 0.05, 0.05, 1] : [0, checker, 1 - checker, 1], (y * w + x) * 4);
        near.data[y * w + x] = inSubject(x, y) ? 0.9 : 0.1;
      }
    const out: F32Frame = lensBlur(img, near, { focus: 0.9, aperture: 10, shape: 'hexagon' });
    let subjectDiff = 0;
    let redLeak = 0;
    let backgroundChange = 0;
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const i = (y * w + x) * 4;
        if (inSubject(x, y))
          for (let c = 0; c < 3; c++)
            subjectDiff = Math.max(subjectDiff, Math.abs(out.data[i + c]! - img.data[i + c]!));
        else {
          redLeak = Math.max(redLeak, out.data[i]!);
          backgroundChange += Math.abs(out.data[i + 1]! - img.data[i + 1]!);
        }
      }
    expect(subjectDiff).toBeLessThan(1e-6);
    expect(redLeak).toBeLessThan(1e-6);
    expect(backgroundChange / (w * h - 400)).toBeGreaterThan(0.1); // the background really is blurred
  });

  it('aperture 0 is an identity the hosts can skip', async () => {
    expect(lensBlurEffect.identityWhen).toEqual({ aperture: 0 });
    const f = createFrame(4, 4);
    const proc = await lensBlurEffect.createProcessor(ctx);
    const p: LensBlurParams = {
      focus: 0.5,
      aperture: 0,
      shape: 'disc',
      source: 'layered',
      depth: '',
      stabilize: 0.8,
    };
    expect(await proc.process(f, p)).toBe(f);
  });
});
