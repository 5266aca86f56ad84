/**
 * `parallax` over a real clip (test/fixtures/wide-street.mp4: a tripod street shot, people walking), each
 * frame with its own depth (layered-fast: ground plane + DeepLabv3, stabilised). Measured:
 * - near content moves more than far content: textured points tracked by block matching between the first
 *   and the last output frame of a pan (the tracker knows nothing of the depth), grouped by frame 0's depth;
 * - no holes: every pixel of every frame is set and opaque, and some disocclusions are filled from what the
 *   clip's other frames showed there (the background plate) rather than inpainted;
 * - the job keeps the clip's frame count and rate (runJob; the CLI and daemon are in cli.test.ts).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEffectContext } from '../../core/src/runtime/context.ts';
import { toFloat32, type F32Frame } from '../../core/src/effects/frame.ts';
import { decodeFrames } from '../../core/src/media/decode.ts';
import { parallaxOverClip, type ParallaxParams } from '../../core/src/effects/parallax/descriptor.ts';
import { DepthEstimator, resizeDepth } from '../../core/src/effects/depth/source.ts';
import { runJob } from '../../core/src/pipeline/run-job.ts';
import { repoRoot } from '../../core/src/models/paths.ts';
import { lumaOf, median, trackBlock } from './helpers.ts';

const exec = promisify(execFile);
const CLIP = path.join(repoRoot, 'test/fixtures/wide-street.mp4');
const FRAMES = 12;
const ctx = createEffectContext({ providers: ['cpu'] });
let dir: string;
const frames: F32Frame[] = [];

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'mlxv-parallax-clip-'));
  for await (const f of decodeFrames(CLIP, { range: { start: 0, end: FRAMES - 1 } }))
    frames.push(toFloat32(f));
});
afterAll(async () => {
  await ctx.sessions.dispose();
  await rm(dir, { recursive: true, force: true });
});

const params = (over: Partial<ParallaxParams>): ParallaxParams => ({
  image: CLIP,
  depth: '',
  source: 'layered-fast',
  motion: 'pan-right',
  seconds: 3,
  fps: '24',
  amount: 0.1,
  focus: 1,
  ...over,
});

describe('parallax over a clip', () => {
  it('near moves more than far, no holes, and disocclusions use the clip’s other frames', async () => {
    const { width: w, height: h } = frames[0]!;
    const p = params({});
    const renderer = await parallaxOverClip(ctx, p, {
      width: w,
      height: h,
      frameRate: { num: 10, den: 1 },
      frameCount: FRAMES,
    });
    const out: F32Frame[] = [];
    let holes = 0;
    let fromFrames = 0;
    for (let i = 0; i < FRAMES; i++) {
      out.push(toFloat32(await renderer.render(frames[i]!, i)));
      holes += renderer.lastView.disoccluded;
      fromFrames += renderer.lastView.fromFrames;
    }
    for (const f of out) {
      expect([f.width, f.height]).toEqual([w, h]);
      for (let i = 0; i < w * h; i++) {
        expect(Number.isFinite(f.data[i * 4]!)).toBe(true);
        expect(f.data[i * 4 + 3]).toBe(1);
      }
    }
    // Depth of the first frame (the same source, unstabilised: frame 0 is the shot's first anyway).
    const depth = resizeDepth(await new DepthEstimator(ctx).estimate(frames[0]!, 'layered-fast'), w, h);
    const a = lumaOf(out[0]!);
    const b = lumaOf(out[FRAMES - 1]!);
    const points: { x: number; y: number; d: number }[] = [];
    for (let y = 30; y < h - 30; y += 8)
      for (let x = 40; x < w - 40; x += 8) {
        const g =
          Math.abs(a[y * w + x + 1]! - a[y * w + x - 1]!) +
          Math.abs(a[(y + 1) * w + x]! - a[(y - 1) * w + x]!);
        if (g > 0.08) points.push({ x, y, d: depth.data[y * w + x]! });
      }
    points.sort((p1, p2) => p1.d - p2.d);
    const q = Math.floor(points.length / 4);
    const far = median(points.slice(0, q).map((pt) => trackBlock(a, b, w, h, pt.x, pt.y, 30)));
    const near = median(points.slice(-q).map((pt) => trackBlock(a, b, w, h, pt.x, pt.y, 30)));
    console.log(
      `parallax pan over wide-street (${FRAMES} frames): ${q} points per group, median displacement near ${near.toFixed(1)} px, far ${far.toFixed(1)} px; disoccluded ${holes} px in all, ${fromFrames} of them from the clip's other frames`,
    );
    expect(near).toBeGreaterThan(far * 1.5);
    expect(holes).toBeGreaterThan(0);
    expect(fromFrames).toBeGreaterThan(0);
  }, 300_000);

  it('a job over a clip keeps its frame count and rate', async () => {
    const out = path.join(dir, 'dolly.mp4');
    const result = await runJob(
      {
        effect: 'parallax',
        input: CLIP,
        output: out,
        frames: { start: 0, end: 6 },
        params: { motion: 'dolly-in', source: 'layered-fast' },
      },
      { ctx },
    );
    expect(result).toMatchObject({ frames: 7, frameRate: { num: 10, den: 1 } });
    const { stdout } = await exec('ffprobe', [
      ...['-v', 'error', '-count_frames', '-show_entries'],
      ...['stream=width,height,r_frame_rate,nb_read_frames', '-of', 'json', out],
    ]);
    expect(JSON.parse(stdout).streams[0]).toMatchObject({
      width: 384,
      height: 288,
      r_frame_rate: '10/1',
      nb_read_frames: '7',
    });
  }, 300_000);
});
