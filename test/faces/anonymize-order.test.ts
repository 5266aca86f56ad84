/**
 * face-anonymize keep-by-id in any render order. A clip made from two real portraits (astronaut left, Grace
 * Hopper right, both public domain): both on frames 0-9, only Grace Hopper on 10-59, both again on 60-69
 * (the astronaut comes back as a new track). `face-track` runs over the whole clip as a job; face-anonymize
 * keeps Grace Hopper by her id with `tracks=` that file. Rendered through the daemon's frame sessions (the
 * OFX path: an index that does not follow the previous one resets the session, the host pre-rolls the
 * declared frames) in shuffled order, every frame equals the continuous run's. Without `tracks`, a render
 * starting after the astronaut left names the tracks differently: frame 65 then keeps the wrong face.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEffectContext } from '../../core/src/runtime/context.ts';
import { resolveParams } from '../../core/src/effects/params.ts';
import {
  faceAnonymizeEffect,
  type AnonymizeParams,
} from '../../core/src/effects/faces/anonymize-descriptor.ts';
import type { FilterEffect } from '../../core/src/effects/types.ts';
import type { F32Frame, Frame } from '../../core/src/effects/frame.ts';
import type { TrackSample } from '../../core/src/effects/faces/track-sample.ts';
import { FrameSessions } from '../../core/src/daemon/frame-sessions.ts';
import { createEncoder } from '../../core/src/media/encode.ts';
import { decodeFrames } from '../../core/src/media/decode.ts';
import { runJob } from '../../core/src/pipeline/run-job.ts';
import { imageFrame } from './helpers.ts';

const ASTRONAUT = '/usr/lib/python3/dist-packages/skimage/data/astronaut.png';
const HOPPER = '/usr/share/matplotlib/mpl-data/sample_data/grace_hopper.jpg';
const W = 400;
const H = 200;
const FRAMES = 70;
const bothOn = (t: number) => t < 10 || t >= 60;

const dir = mkdtempSync(path.join(tmpdir(), 'mlxv-anon-order-'));
const ctx = createEffectContext({ providers: ['cpu'] });
let clip: F32Frame[];
let tracksFile: string;
let hopperId: number;
afterAll(async () => {
  await ctx.sessions.dispose();
  rmSync(dir, { recursive: true, force: true });
});

beforeAll(async () => {
  const both = path.join(dir, 'both.png');
  const hopperOnly = path.join(dir, 'hopper.png');
  const left = await sharp(ASTRONAUT).removeAlpha().resize(200, 200).toBuffer();
  const right = await sharp(HOPPER)
    .removeAlpha()
    .resize(200, 235)
    .extract({ left: 0, top: 17, width: 200, height: 200 })
    .toBuffer();
  const canvas = () => sharp({ create: { width: W, height: H, channels: 3, background: '#808080' } });
  await canvas()
    .composite([
      { input: left, left: 0, top: 0 },
      { input: right, left: 200, top: 0 },
    ])
    .png()
    .toFile(both);
  await canvas()
    .composite([{ input: right, left: 200, top: 0 }])
    .png()
    .toFile(hopperOnly);
  const a = await imageFrame(both);
  const b = await imageFrame(hopperOnly);
  const input = path.join(dir, 'two-people.mp4');
  const enc = await createEncoder({
    output: input,
    format: 'h264',
    width: W,
    height: H,
    frameRate: { num: 25, den: 1 },
  });
  for (let t = 0; t < FRAMES; t++) await enc.write(bothOn(t) ? a : b);
  await enc.finish();
  clip = [];
  for await (const f of decodeFrames(input)) clip.push(f);
  expect(clip).toHaveLength(FRAMES);
  // The whole clip's face tracks, made as a user makes them: a face-track job.
  tracksFile = path.join(dir, 'tracks.json');
  await runJob({ effect: 'face-track', input, output: tracksFile, params: {} }, { ctx });
  const doc = JSON.parse(readFileSync(tracksFile, 'utf8')) as {
    records: { data: { id: number; samples: TrackSample[] } }[];
  };
  const tracks = doc.records.map((r) => r.data);
  // Grace Hopper: one track over the whole clip on the right; the astronaut: two tracks (gone 10-59).
  const hopper = tracks.filter((t) => t.samples.every((s) => s[1] > 200));
  expect(hopper.map((t) => [t.samples[0]![0], t.samples.at(-1)![0]])).toEqual([[0, FRAMES - 1]]);
  expect(tracks.filter((t) => t.samples.every((s) => s[1] + s[3] < 200))).toHaveLength(2);
  hopperId = hopper[0]!.id;
}, 300_000);

const params = (p: Record<string, unknown>) =>
  resolveParams(faceAnonymizeEffect.params, { method: 'box', ...p }) as AnonymizeParams;

/** Largest sample difference in a column range of the frame (RGB). */
function maxDiff(a: Frame, b: Frame, x0 = 0, x1 = W): number {
  let m = 0;
  for (let y = 0; y < H; y++)
    for (let x = x0; x < x1; x++)
      for (let c = 0; c < 3; c++) {
        const i = y * a.stride + x * 4 + c;
        m = Math.max(m, Math.abs(Number(a.data[i]) - Number(b.data[i])));
      }
  return m;
}

async function continuous(p: AnonymizeParams): Promise<Frame[]> {
  const proc = await faceAnonymizeEffect.createProcessor(ctx);
  const out: Frame[] = [];
  for (let t = 0; t < FRAMES; t++) out.push(await proc.process(clip[t]!, p, { index: t }));
  return out;
}

/** Frames rendered in `order` as an OFX host does: each preceded by its declared pre-roll, in one session. */
async function throughFrameSessions(
  p: AnonymizeParams,
  order: readonly number[],
): Promise<Map<number, Frame>> {
  const sessions = new FrameSessions(async () => ctx);
  const preRoll = faceAnonymizeEffect.preRoll!;
  const out = new Map<number, Frame>();
  try {
    for (const n of order) {
      let last: Frame | null = null;
      for (let t = Math.max(0, n - preRoll); t <= n; t++)
        last = await sessions.render(
          'ofx-1',
          faceAnonymizeEffect as FilterEffect,
          p,
          t,
          // A copy: the session may hand the frame to an engine worker, which takes its buffer.
          { ...clip[t]!, data: clip[t]!.data.slice() },
          () => true,
        );
      out.set(n, last!);
    }
  } finally {
    sessions.closeAll();
  }
  return out;
}

describe('face-anonymize keep by id with a face-track file', () => {
  it('keeps the chosen track and covers the others, identically in shuffled render order', async () => {
    const p = params({ keep: String(hopperId), tracks: tracksFile });
    const forward = await continuous(p);
    for (let t = 0; t < FRAMES; t++) {
      expect(maxDiff(forward[t]!, clip[t]!, 200, W), `frame ${t}: Grace Hopper kept`).toBe(0);
      if (bothOn(t))
        expect(maxDiff(forward[t]!, clip[t]!, 0, 200), `frame ${t}: astronaut covered`).toBeGreaterThan(0.2);
    }
    const order = [65, 3, 69, 40, 61];
    const shuffled = await throughFrameSessions(p, order);
    for (const n of order) expect(maxDiff(shuffled.get(n)!, forward[n]!), `frame ${n} shuffled`).toBe(0);
  }, 600_000);

  it('without the file, a render starting after the astronaut left gets the ids wrong (why tracks= exists)', async () => {
    const p = params({ keep: String(hopperId) });
    const forward = await continuous(p);
    expect(maxDiff(forward[65]!, clip[65]!, 200, W)).toBe(0); // from the clip start: right
    const shuffled = await throughFrameSessions(p, [65]);
    // Pre-rolled from frame 17, Grace Hopper is the first face seen: her whole-run id is 1, not hopperId.
    expect(maxDiff(shuffled.get(65)!, forward[65]!)).toBeGreaterThan(0.2);
  }, 600_000);

  it('bad tracks files: not a face-track output, another clip’s size — clear errors naming the file', async () => {
    const proc = await faceAnonymizeEffect.createProcessor(ctx);
    const other = path.join(dir, 'tracks-small.json');
    const doc = JSON.parse(readFileSync(tracksFile, 'utf8')) as Record<string, unknown>;
    writeFileSync(other, JSON.stringify({ ...doc, width: 200 }));
    await expect(proc.process(clip[0]!, params({ keep: '1', tracks: other }), { index: 0 })).rejects.toThrow(
      `tracks file ${other} was made on a 200x200 clip, this one is 400x200`,
    );
    const notTracks = path.join(dir, 'analysis.json');
    writeFileSync(
      notTracks,
      JSON.stringify({ effect: 'analyze', records: [], frameRate: { num: 25, den: 1 } }),
    );
    await expect(
      proc.process(clip[0]!, params({ keep: '1', tracks: notTracks }), { index: 0 }),
    ).rejects.toThrow(
      `${notTracks} is not the output of a face-track job; make it with \`mlxv run face-track`,
    );
  });
});
