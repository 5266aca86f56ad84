/**
 * face-anonymize: keep a face by reference photo (landmark geometry, fail-safe), the audit report file, and the
 * pre-roll contract (frame N depends only on frames N-preRoll..N: a processor reset and fed those frames gives
 * exactly the continuous result, through a 5-frame occlusion that only a held track covers).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { createEffectContext } from '../../core/src/runtime/context.ts';
import { resolveParams } from '../../core/src/effects/params.ts';
import {
  faceAnonymizeEffect,
  type AnonymizeParams,
} from '../../core/src/effects/faces/anonymize-descriptor.ts';
import type { F32Frame, Frame } from '../../core/src/effects/frame.ts';
import { decodeFrames } from '../../core/src/media/decode.ts';
import { fixture } from '../support/paths.ts';
import { imageFrame } from './helpers.ts';

const ASTRONAUT = '/usr/lib/python3/dist-packages/skimage/data/astronaut.png';
const HOPPER = '/usr/share/matplotlib/mpl-data/sample_data/grace_hopper.jpg';
const FRUITS = '/usr/share/doc/opencv-doc/examples/data/fruits.jpg';

const dir = mkdtempSync(path.join(tmpdir(), 'mlxv-anon-keep-'));
const ctx = createEffectContext({ providers: ['cpu'] });
afterAll(async () => {
  await ctx.sessions.dispose();
  rmSync(dir, { recursive: true, force: true });
});
const params = (p: Record<string, unknown> = {}) =>
  resolveParams(faceAnonymizeEffect.params, p) as AnonymizeParams;

/** Largest absolute sample difference inside a rectangle (x0..x1, y0..y1 exclusive) or the whole frame. */
function maxDiff(a: Frame, b: Frame, r = { x0: 0, y0: 0, x1: a.width, y1: a.height }): number {
  let m = 0;
  for (let y = r.y0; y < r.y1; y++)
    for (let x = r.x0; x < r.x1; x++)
      for (let c = 0; c < 3; c++) {
        const i = y * a.stride + x * 4 + c;
        m = Math.max(m, Math.abs(Number(a.data[i]) - Number(b.data[i])));
      }
  return m;
}

/** Two real portraits side by side (astronaut left, Grace Hopper right), 800x400. */
async function twoPeople(): Promise<F32Frame> {
  const file = path.join(dir, 'two.png');
  const left = await sharp(ASTRONAUT).removeAlpha().resize(400, 400).toBuffer();
  const right = await sharp(HOPPER)
    .removeAlpha()
    .resize(400, 470)
    .extract({ left: 0, top: 35, width: 400, height: 400 })
    .toBuffer();
  await sharp({ create: { width: 800, height: 400, channels: 3, background: '#808080' } })
    .composite([
      { input: left, left: 0, top: 0 },
      { input: right, left: 400, top: 0 },
    ])
    .png()
    .toFile(file);
  return imageFrame(file);
}

describe('face-anonymize keep by reference photo and audit', () => {
  it('keeps only the face that matches the photo; the audit file lists each track', async () => {
    const frame = await twoPeople();
    const left = { x0: 0, y0: 0, x1: 400, y1: 400 };
    const right = { x0: 400, y0: 0, x1: 800, y1: 400 };
    for (const [photo, kept, covered] of [
      [ASTRONAUT, left, right],
      [HOPPER, right, left],
    ] as const) {
      const audit = path.join(dir, `audit-${path.basename(photo)}.json`);
      const proc = await faceAnonymizeEffect.createProcessor(ctx);
      const p = params({ keepPhoto: photo, audit });
      for (let i = 0; i < 3; i++) {
        const out = await proc.process(frame, p);
        expect(maxDiff(frame, out, kept), `${path.basename(photo)} kept side`).toBe(0);
        expect(maxDiff(frame, out, covered), `${path.basename(photo)} covered side`).toBeGreaterThan(0.1);
      }
      await proc.dispose?.();
      const report = JSON.parse(readFileSync(audit, 'utf8')) as {
        frames: number;
        tracks: { firstFrame: number; lastFrame: number; framesCovered: number; framesKept: number }[];
      };
      expect(report.frames).toBe(3);
      expect(report.tracks.map((t) => [t.firstFrame, t.lastFrame, t.framesCovered + t.framesKept])).toEqual([
        [0, 2, 3],
        [0, 2, 3],
      ]);
      expect(report.tracks.map((t) => t.framesKept).sort()).toEqual([0, 3]);
    }
  });

  it('bad input: a reference photo without a face, an audit file that exists (left untouched)', async () => {
    const frame = await twoPeople();
    const proc = await faceAnonymizeEffect.createProcessor(ctx);
    await expect(proc.process(frame, params({ keepPhoto: FRUITS }))).rejects.toThrow(
      `no face found in keepPhoto ${FRUITS}`,
    );
    const existing = path.join(dir, 'exists.json');
    writeFileSync(existing, 'mine');
    const proc2 = await faceAnonymizeEffect.createProcessor(ctx);
    await expect(proc2.process(frame, params({ audit: existing }))).rejects.toThrow(/already exists/);
    await proc2.dispose?.();
    expect(readFileSync(existing, 'utf8')).toBe('mine');
  });
});

describe('face-anonymize pre-roll', () => {
  it(`declares preRoll; a reset processor fed frames N-preRoll..N gives the continuous frame N exactly`, async () => {
    const preRoll = faceAnonymizeEffect.preRoll!;
    expect(preRoll).toBe(48);
    // 72 frames: the close-up forward then backward, a black box over the face on frames 58-62 (covered
    // there only because the track is held).
    const base: F32Frame[] = [];
    for await (const f of decodeFrames(fixture('closeup-2398.mp4'))) base.push(f);
    const clip = [...base, ...[...base].reverse()].map((f) => ({ ...f, data: f.data.slice() }));
    for (const t of [58, 59, 60, 61, 62]) {
      const f = clip[t]!;
      for (let y = 40; y < 200; y++)
        for (let x = 70; x < 220; x++) f.data.fill(0, y * f.stride + x * 4, y * f.stride + x * 4 + 3);
    }
    const p = params({ method: 'pixelate' });
    const continuous = await faceAnonymizeEffect.createProcessor(ctx);
    const outputs: Frame[] = [];
    for (const f of clip) outputs.push(await continuous.process(f, p));
    const proc = await faceAnonymizeEffect.createProcessor(ctx);
    for (const n of [60, 62, 71]) {
      proc.reset();
      let out: Frame | undefined;
      for (let t = n - preRoll; t <= n; t++) out = await proc.process(clip[t]!, p);
      expect(maxDiff(out!, outputs[n]!), `frame ${n} after pre-roll`).toBe(0);
    }
    // The window matters: frame 60 alone (no history) leaves the hidden face's place uncovered.
    proc.reset();
    const alone = await proc.process(clip[60]!, p);
    expect(maxDiff(alone, clip[60]!)).toBe(0);
    expect(maxDiff(outputs[60]!, clip[60]!)).toBeGreaterThan(0.05);
  }, 300_000);
});
