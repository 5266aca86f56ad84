/**
 * `interpolate` with the real converted RIFE v4.6 (CPU) on real footage.
 *
 * PSNR at t = 0.5 against the real middle frame that was dropped, vs plain 50/50 blending. Stated margins
 * (measured here in brackets):
 * - OpenCV vtest.avi street crop 320x192, frames 1,[2],3 (10 fps): RIFE >= blend + 3 dB [27.2 vs 22.1];
 * - same, frames 1,[3],5 (5 fps effective, more motion): RIFE >= blend + 2 dB [21.3 vs 18.4]. The clip is
 *   noisy MPEG-4 and people move non-linearly, which caps the absolute PSNR;
 * - a real photo panned by (12, 6) px per frame (352x256 window of OpenCV building.jpg): RIFE >= 30 dB and
 *   >= blend + 15 dB [34.8 vs 11.2].
 * Scene cut: street frames followed by a different real image; the frames around the cut are exact copies.
 * Real job: the 23.976 fps close-up fixture → 59.94 and a 25 fps clip → 50 through runJob; the output's
 * frame count, rate and duration are read back with ffprobe.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { createEffectContext } from '../../core/src/runtime/context.ts';
import {
  interpolateEffect,
  RifeRetimer,
  retimeClock,
  RIFE_MODEL_ID,
  type InterpolateParams,
} from '../../core/src/effects/interpolate/descriptor.ts';
import { rifePair } from '../../core/src/effects/interpolate/rife.ts';
import { resolveParams } from '../../core/src/effects/params.ts';
import { getEffect } from '../../core/src/effects/registry.ts';
import { runJob } from '../../core/src/pipeline/run-job.ts';
import type { Frame } from '../../core/src/effects/frame.ts';
import {
  frameToPlanar,
  loadPlanar,
  planarToFrame,
  psnr,
} from '../../models/converters/ncnn/testing/images.ts';

const execFileP = promisify(execFile);
const fixtures = path.join(import.meta.dirname, 'fixtures');
const ctx = createEffectContext({ providers: ['cpu'] });
afterAll(() => ctx.sessions.dispose());
const params = (p: Partial<InterpolateParams>) =>
  resolveParams(interpolateEffect.params, p) as InterpolateParams;

const street = async (i: number, crop?: { left: number; top: number; width: number; height: number }) =>
  planarToFrame(await loadPlanar(path.join(fixtures, `vtest-${i}.png`), crop));

function blend(a: Frame, b: Frame): Float32Array {
  const pa = frameToPlanar(a).data;
  const pb = frameToPlanar(b).data;
  return pa.map((v, i) => (v + pb[i]!) / 2);
}

async function midFramePsnr(a: Frame, mid: Frame, b: Frame) {
  const session = await ctx.sessions.get(RIFE_MODEL_ID);
  const out = await rifePair(session, a, b).at(0.5);
  expect([out.width, out.height]).toEqual([mid.width, mid.height]);
  const truth = frameToPlanar(mid).data;
  return { rife: psnr(frameToPlanar(out).data, truth), blend: psnr(blend(a, b), truth) };
}

describe('interpolate effect (RIFE v4.6)', () => {
  it('is registered as a retiming effect', () => {
    expect(getEffect('interpolate')).toBe(interpolateEffect);
    expect(interpolateEffect.retime).toBeDefined();
  });

  it('street footage, dropped frame 2 of 1-2-3: beats blending by >= 3 dB', async () => {
    const r = await midFramePsnr(await street(1), await street(2), await street(3));
    expect(r.rife - r.blend).toBeGreaterThanOrEqual(3);
  });

  it('street footage, dropped frame 3 of 1-3-5: beats blending by >= 2 dB', async () => {
    const r = await midFramePsnr(await street(1), await street(3), await street(5));
    expect(r.rife - r.blend).toBeGreaterThanOrEqual(2);
  });

  it('real photo pan (12, 6 px/frame), size not a multiple of 32 in height: >= 30 dB and blend + 15 dB', async () => {
    const photo = path.join(fixtures, 'building-352x256.jpg');
    const at = async (k: number) =>
      planarToFrame(await loadPlanar(photo, { left: 4 + 12 * k, top: 4 + 6 * k, width: 320, height: 216 }));
    const r = await midFramePsnr(await at(0), await at(1), await at(2));
    expect(r.rife).toBeGreaterThanOrEqual(30);
    expect(r.rife - r.blend).toBeGreaterThanOrEqual(15);
  });

  it('never blends across a synthetic scene cut', async () => {
    const crop = { left: 96, top: 64, width: 96, height: 64 };
    const other = path.join(fixtures, 'building-352x256.jpg');
    const frames = [
      await street(1, crop),
      await street(2, crop),
      planarToFrame(await loadPlanar(other, { ...crop, left: 40 })),
      planarToFrame(await loadPlanar(other, { ...crop, left: 42 })),
    ];
    const p = params({ fps: '50' });
    const session = await ctx.sessions.get(RIFE_MODEL_ID);
    const retimer = new RifeRetimer(retimeClock({ num: 25, den: 1 }, p), p.sceneThreshold, (a, b) =>
      rifePair(session, a, b),
    );
    const out: Frame[] = [];
    for (const f of frames) out.push(...(await retimer.push(f)));
    out.push(...(await retimer.flush()));
    expect(out.length).toBe(8);
    expect(retimer.cuts).toEqual([1]);
    // Output 3 sits at 1.5, between the last street frame and the first frame of the new shot: a copy.
    expect(out[3]).toBe(frames[2]);
    // Interpolated frames inside each shot are new frames, not copies.
    expect(out[1]).not.toBe(frames[0]);
    expect(out[1]).not.toBe(frames[1]);
    expect(out[5]).not.toBe(frames[2]);
  });

  describe('real jobs: frame count, rate and duration', () => {
    let dir = '';
    afterAll(() => (dir ? rm(dir, { recursive: true, force: true }) : undefined));

    async function probe(file: string) {
      const { stdout } = await execFileP('ffprobe', [
        '-v',
        'error',
        '-count_frames',
        '-select_streams',
        'v:0',
        '-show_entries',
        'stream=nb_read_frames,r_frame_rate',
        '-of',
        'json',
        file,
      ]);
      const s = (JSON.parse(stdout) as { streams: { nb_read_frames: string; r_frame_rate: string }[] })
        .streams[0]!;
      return { frames: Number(s.nb_read_frames), rate: s.r_frame_rate };
    }

    it('23.976 → 59.94 on 6 frames of the close-up fixture gives 15 frames at 60000/1001', async () => {
      dir = await mkdtemp(path.join(os.tmpdir(), 'mlxv-interp-'));
      const output = path.join(dir, 'closeup-5994.mov');
      const result = await runJob(
        {
          effect: 'interpolate',
          input: path.join(import.meta.dirname, '..', 'fixtures', 'closeup-2398.mp4'),
          output,
          params: { fps: '60000/1001' },
          frames: { start: 0, end: 5 },
        },
        { ctx },
      );
      expect(result.frames).toBe(15);
      expect(result.frameRate).toEqual({ num: 60000, den: 1001 });
      const p = await probe(output);
      expect(p.frames).toBe(15);
      expect(p.rate).toBe('60000/1001');
      // 6 frames at 23.976 = 15 frames at 59.94 = 0.25025 s exactly.
      expect((p.frames * 1001) / 60000).toBeCloseTo((6 * 1001) / 24000, 9);
    });

    it('25 → 50 on a 4-frame real clip gives 8 frames at 50 fps', async () => {
      dir ||= await mkdtemp(path.join(os.tmpdir(), 'mlxv-interp-'));
      const input = path.join(dir, 'street-25.mp4');
      await execFileP('ffmpeg', [
        '-v',
        'error',
        '-framerate',
        '25',
        '-start_number',
        '1',
        '-i',
        path.join(fixtures, 'vtest-%d.png'),
        '-frames:v',
        '4',
        '-vf',
        'crop=128:96:96:64',
        '-c:v',
        'libx264',
        '-pix_fmt',
        'yuv420p',
        input,
      ]);
      const output = path.join(dir, 'street-50.mov');
      const result = await runJob({ effect: 'interpolate', input, output, params: { fps: '50' } }, { ctx });
      expect(result.frames).toBe(8);
      const p = await probe(output);
      expect(p.frames).toBe(8);
      expect(p.rate).toBe('50/1');
    });
  });
});
