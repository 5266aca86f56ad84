/**
 * Shot boundaries on real footage joined with ffmpeg at known frames (clips.ts): hard cuts at the exact
 * frame, a cross-dissolve and fades with their span, and no cut on camera moves (a pan across a real photo,
 * the close-up fixture's push-in). The motion class of each camera move is checked too.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { smallFrames } from '../../core/src/analysis/frame-source.ts';
import { classifyMotion } from '../../core/src/analysis/motion.ts';
import { ShotDetector } from '../../core/src/analysis/shots.ts';
import { probeMedia } from '../../core/src/media/probe.ts';
import { rationalValue } from '../../core/src/media/rational.ts';
import { fixture } from '../support/paths.ts';
import { makeClips } from './clips.ts';

let dir: string;
let clips: ReturnType<typeof makeClips>;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mlxv-shots-'));
  clips = makeClips(dir);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function detect(file: string) {
  const info = await probeMedia(file);
  const det = new ShotDetector();
  for await (const f of smallFrames(info, 96)) det.push(f);
  const fps = rationalValue(info.frameRate);
  const result = det.finish();
  const motion = result.shots.map((s) => classifyMotion(det.motions.slice(s.start + 1, s.end + 1), fps));
  return { ...result, motion, frames: det.frameCount };
}

describe('shot boundaries', () => {
  it('finds hard cuts at the exact frame', async () => {
    const r = await detect(clips.cut);
    expect(r.frames).toBe(122);
    expect(r.transitions).toEqual([
      { kind: 'cut', start: 48, end: 48 },
      { kind: 'cut', start: 84, end: 84 },
    ]);
    expect(r.shots.map((s) => [s.start, s.end])).toEqual([
      [0, 47],
      [48, 83],
      [84, 121],
    ]);
  });

  it('finds a cross-dissolve with its span and no cut inside it', async () => {
    const r = await detect(clips.dissolve);
    expect(r.transitions).toHaveLength(1);
    const d = r.transitions[0]!;
    expect(d.kind).toBe('dissolve');
    // xfade mixes frames 36..48 (36 pure street, 48 pure close-up): the span may include either end.
    expect(d.start).toBeGreaterThanOrEqual(35);
    expect(d.start).toBeLessThanOrEqual(37);
    expect(d.end).toBeGreaterThanOrEqual(47);
    expect(d.end).toBeLessThanOrEqual(49);
    expect(r.shots).toHaveLength(2);
    expect(r.shots[1]!.transitionIn).toEqual(d);
  });

  it('finds a fade-out, the black between, and a fade-in', async () => {
    const r = await detect(clips.fade);
    const kinds = r.transitions.map((t) => t.kind);
    expect(kinds).toEqual(['fade-out', 'fade-in']);
    const [out, inn] = r.transitions;
    expect(Math.abs(out!.start - 30)).toBeLessThanOrEqual(1);
    expect(Math.abs(out!.end - 39)).toBeLessThanOrEqual(1);
    expect(Math.abs(inn!.start - 52)).toBeLessThanOrEqual(1);
    expect(Math.abs(inn!.end - 59)).toBeLessThanOrEqual(1);
    expect(r.shots.map((s) => s.black)).toEqual([false, true, false]);
  });

  it('reads a pan as one shot, moving the right way at about the right speed', async () => {
    const r = await detect(clips.pan);
    expect(r.transitions).toEqual([]);
    expect(r.motion[0]!.camera).toBe('pan');
    // The window moves right across the photo at 60 px/s on a 320 px frame: content moves left 0.1875 widths/s.
    expect(r.motion[0]!.panPerSecond).toBeCloseTo(-0.1875, 1);
  });

  it('reads the close-up push-in as one shot with a zoom, and the street as static', async () => {
    const push = await detect(fixture('closeup-2398.mp4'));
    expect(push.transitions).toEqual([]);
    expect(push.motion[0]!.camera).toBe('zoom');
    expect(push.motion[0]!.zoomPerSecond).toBeGreaterThan(0);
    const street = await detect(fixture('wide-street.mp4'));
    expect(street.transitions).toEqual([]);
    expect(street.motion[0]!.camera).toBe('static');
  });
});
