/**
 * The retiming math (pure, no model): output frame counts, rates, durations and sample positions for
 * 23.976 → 59.94, 25 → 50 and slow motion, and the streaming retimer's bookkeeping with a stand-in
 * interpolator. The formulas are documented in core/src/effects/interpolate/timing.ts.
 */
import { describe, expect, it } from 'vitest';
import {
  interpolateEffect,
  RifeRetimer,
  retimeClock,
  type InterpolateParams,
} from '../../core/src/effects/interpolate/descriptor.ts';
import { resolveParams } from '../../core/src/effects/params.ts';
import { createFrame, type Frame } from '../../core/src/effects/frame.ts';

const NTSC_FILM = { num: 24000, den: 1001 };
const PAL = { num: 25, den: 1 };
const params = (p: Partial<InterpolateParams>) =>
  resolveParams(interpolateEffect.params, p) as InterpolateParams;
const retime = interpolateEffect.retime!;
const seconds = (frames: number, r: { num: number; den: number }) => (frames * r.den) / r.num;

describe('interpolate timing math', () => {
  it('23.976 → 59.94: rate 60000/1001, ceil(2.5 N) frames, duration within one output frame', () => {
    const p = params({ mode: 'fps', fps: '60000/1001' });
    expect(retime.outputFrameRate(NTSC_FILM, p)).toEqual({ num: 60000, den: 1001 });
    // Decimal spellings snap to the same exact rate.
    expect(retime.outputFrameRate(NTSC_FILM, params({ fps: '59.94' }))).toEqual({ num: 60000, den: 1001 });
    for (const [n, m] of [
      [24, 60],
      [100, 250],
      [101, 253],
      [1, 3],
      [2, 5],
      [0, 0],
    ] as const) {
      expect(retime.outputFrameCount(n, NTSC_FILM, p)).toBe(m);
      const inDur = seconds(n, NTSC_FILM);
      const outDur = seconds(m, { num: 60000, den: 1001 });
      expect(outDur).toBeGreaterThanOrEqual(inDur - 1e-12);
      expect(outDur - inDur).toBeLessThan(1001 / 60000);
    }
    // One hour of 23.976 (86314 frames, rounded) stays exact.
    expect(retime.outputFrameCount(86314, NTSC_FILM, p)).toBe(215785);
  });

  it('25 → 50: exactly 2N frames, identical duration', () => {
    const p = params({ mode: 'fps', fps: '50' });
    expect(retime.outputFrameRate(PAL, p)).toEqual({ num: 50, den: 1 });
    for (const n of [1, 2, 25, 250, 9999]) {
      expect(retime.outputFrameCount(n, PAL, p)).toBe(2 * n);
      expect(seconds(2 * n, { num: 50, den: 1 })).toBeCloseTo(seconds(n, PAL), 12);
    }
  });

  it('slow motion keeps the input rate and makes k frames per input frame', () => {
    expect(retime.outputFrameRate(PAL, params({ mode: 'slowmo', factor: '2' }))).toEqual(PAL);
    expect(retime.outputFrameCount(10, PAL, params({ mode: 'slowmo', factor: '2' }))).toBe(20);
    expect(retime.outputFrameCount(10, NTSC_FILM, params({ mode: 'slowmo', factor: '4' }))).toBe(40);
  });

  it('sample positions: 2.5x steps 0, 0.4, 0.8, 1.2, 1.6, 2.0 exactly', () => {
    const clock = retimeClock(NTSC_FILM, params({ fps: '60000/1001' }));
    const pos = [0, 1, 2, 3, 4, 5].map((j) => clock.position(j));
    expect(pos.map((p) => p.index)).toEqual([0, 0, 0, 1, 1, 2]);
    expect(pos.map((p) => p.num / p.den)).toEqual([0, 0.4, 0.8, 0.2, 0.6, 0]);
  });

  it('rejects a malformed target rate with a clear message', () => {
    expect(() => retime.outputFrameRate(PAL, params({ fps: 'fast' }))).toThrow(
      /fps "fast" is not a frame rate/,
    );
  });
});

describe('RifeRetimer bookkeeping (stand-in interpolator)', () => {
  /** Frames whose red channel encodes their index; the stand-in "interpolates" red linearly. */
  const frameOf = (i: number, value = i): Frame => {
    const f = createFrame(8, 8);
    for (let k = 0; k < f.data.length; k += 4) {
      f.data[k] = value / 100;
      f.data[k + 1] = 0.5;
      f.data[k + 2] = 0.5;
      f.data[k + 3] = 1;
    }
    return f;
  };
  const standIn = (timesteps: number[]) => (a: Frame, b: Frame) => ({
    async at(t: number) {
      timesteps.push(t);
      const f = createFrame(a.width, a.height);
      for (let k = 0; k < f.data.length; k++) f.data[k] = (1 - t) * a.data[k]! + t * b.data[k]!;
      return f;
    },
  });

  async function runAll(retimer: RifeRetimer, frames: Frame[]): Promise<Frame[]> {
    const out: Frame[] = [];
    for (const f of frames) out.push(...(await retimer.push(f)));
    out.push(...(await retimer.flush()));
    return out;
  }

  it.each([
    ['60000/1001', 7, 18],
    ['50', 7, 15],
    ['30000/1001', 7, 9],
  ])('23.976 → %s over %i frames yields exactly %i frames in order', async (fps, n, m) => {
    const p = params({ fps });
    const steps: number[] = [];
    const r = new RifeRetimer(retimeClock(NTSC_FILM, p), 1, standIn(steps));
    const frames = Array.from({ length: n }, (_, i) => frameOf(i));
    const out = await runAll(r, frames);
    expect(out.length).toBe(m);
    expect(out.length).toBe(retime.outputFrameCount(n, NTSC_FILM, p));
    const clock = retimeClock(NTSC_FILM, p);
    out.forEach((f, j) => {
      const pos = clock.position(j);
      const expected = Math.min(pos.index + pos.num / pos.den, n - 1);
      expect(f.data[0]! * 100).toBeCloseTo(expected, 4);
    });
  });

  it('repeats the nearest frame instead of blending across a detected cut', async () => {
    const steps: number[] = [];
    const r = new RifeRetimer(retimeClock(PAL, params({ fps: '100' })), 0.3, standIn(steps));
    // Frames 0-2 are one shot (red ~0), frames 3-4 another (red ~0.9): a cut between 2 and 3.
    const frames = [frameOf(0, 0), frameOf(1, 1), frameOf(2, 2), frameOf(3, 90), frameOf(4, 91)];
    const out = await runAll(r, frames);
    expect(r.cuts).toEqual([2]);
    expect(out.length).toBe(20);
    // Positions 2.25, 2.5, 2.75 lie across the cut: 2.25 → frame 2; 2.5 and 2.75 → frame 3 (nearest; tie → later).
    expect(out.slice(8, 13).map((f) => Math.round(f.data[0]! * 100))).toEqual([2, 2, 90, 90, 90]);
    expect(out[9]).toBe(frames[2]);
    expect(out[10]).toBe(frames[3]);
    // No interpolation was requested for the cut pair: 3 steps each for pairs (0,1), (1,2), (3,4).
    expect(steps.length).toBe(9);
  });
});
