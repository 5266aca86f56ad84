/**
 * `parallax` on a real photo with real depth: the Middlebury Aloe left view and its ground-truth disparity
 * (as a depth file, so these tests measure the renderer, not a depth estimate). Measured:
 * - near content moves more than far content: points tracked (block matching on the output frames, which
 *   knows nothing of the depth) between the first and the last frame of a pan;
 * - no holes: every pixel of every frame is set and opaque although the move uncovers pixels, and those
 *   are filled from the background (a synthetic near square over a far background);
 * - exact frame count through the job pipeline and the CLI's naming (`mlxv run parallax photo.jpg -o x.mp4`).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEffectContext } from '../../core/src/runtime/context.ts';
import { createFrame, toFloat32 } from '../../core/src/effects/frame.ts';
import { parallaxEffect, type ParallaxParams } from '../../core/src/effects/parallax/descriptor.ts';
import { overscanFor, poseAt } from '../../core/src/effects/parallax/camera.ts';
import { renderView } from '../../core/src/effects/parallax/render-view.ts';
import { runJob } from '../../core/src/pipeline/run-job.ts';
import { JobError } from '../../core/src/contract/errors.ts';
import { aloeNearness, ALOE_GT, ALOE_LEFT, loadDisparity, lumaOf, median, trackBlock } from './helpers.ts';

const run = promisify(execFile);
const WIDTH = 427;
const ctx = createEffectContext({ providers: ['cpu'] });
let dir: string;
let photo: string;
let depthFile: string;
let disparity: Float32Array;
let size: { width: number; height: number };

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'mlxv-parallax-'));
  photo = path.join(dir, 'aloe.png');
  depthFile = path.join(dir, 'aloe-depth.png');
  const info = await sharp(ALOE_LEFT).resize({ width: WIDTH }).png().toFile(photo);
  size = { width: info.width, height: info.height };
  disparity = (await loadDisparity(ALOE_GT, WIDTH)).data;
  await aloeNearness(WIDTH, depthFile);
});
afterAll(async () => {
  await ctx.sessions.dispose();
  await rm(dir, { recursive: true, force: true });
});

const params = (over: Partial<ParallaxParams>): ParallaxParams => ({
  image: photo,
  depth: depthFile,
  source: 'layered',
  motion: 'pan-right',
  seconds: 1,
  fps: '24',
  amount: 0.3,
  focus: 1,
  ...over,
});

describe('parallax', () => {
  it('near content moves more than far content (tracked points, pan)', async () => {
    // amount 0.1: the nearest layer travels ~21 px, the farthest ~5 px (camera.ts), within the search radius.
    const pan = params({ amount: 0.1 });
    const gen = await parallaxEffect.generator.createGenerator(ctx, pan);
    const count = parallaxEffect.generator.frameCount(pan);
    const first = toFloat32(await gen.render(0));
    const last = toFloat32(await gen.render(count - 1));
    const a = lumaOf(first);
    const b = lumaOf(last);
    const { width: w, height: h } = first;
    const zoom = overscanFor('pan-right', pan.amount, pan.focus, w, h);
    // Textured points with known disparity, the nearest and the farthest quarter of them.
    const points: { x: number; y: number; d: number }[] = [];
    for (let y = 50; y < h - 50; y += 12)
      for (let x = 50; x < w - 50; x += 12) {
        // Frame 0 is the photo zoomed by the overscan about its centre: read the disparity where it came from.
        const sx = Math.round((x + 0.5 - w / 2) / zoom + w / 2 - 0.5);
        const sy = Math.round((y + 0.5 - h / 2) / zoom + h / 2 - 0.5);
        const d = disparity[sy * w + sx]!;
        const g =
          Math.abs(a[y * w + x + 1]! - a[y * w + x - 1]!) +
          Math.abs(a[(y + 1) * w + x]! - a[(y - 1) * w + x]!);
        if (d > 0 && g > 0.08) points.push({ x, y, d });
      }
    points.sort((p, q) => p.d - q.d);
    const q = Math.floor(points.length / 4);
    const far = points.slice(0, q).map((p) => trackBlock(a, b, w, h, p.x, p.y, 30));
    const near = points.slice(-q).map((p) => trackBlock(a, b, w, h, p.x, p.y, 30));
    console.log(
      `parallax pan on aloe: ${q} points per group, median displacement near ${median(near).toFixed(1)} px, far ${median(far).toFixed(1)} px`,
    );
    expect(q).toBeGreaterThan(10);
    expect(median(near)).toBeGreaterThan(1.5 * median(far));
    expect(median(near)).toBeGreaterThan(5);
  }, 120_000);

  it('leaves no pixel unfilled, and fills what the move uncovers from the background', async () => {
    // A near red square on a far blue wall, panned: the wall beside the square is uncovered.
    const w = 96;
    const h = 64;
    const img = createFrame(w, h);
    const near = { width: w, height: h, data: new Float32Array(w * h) };
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const inSquare = x >= 36 && x < 60 && y >= 20 && y < 44;
        img.data.set(inSquare ? [0.9, 0.1, 0.1, 1] : [0.1, 0.2, 0.8, 1], (y * w + x) * 4);
        near.data[y * w + x] = inSquare ? 1 : 0;
      }
    const pose = poseAt('pan-right', 1, 0.3, 1);
    const { frame, disoccluded } = renderView(img, near, pose);
    expect(disoccluded).toBeGreaterThan(50);
    let reddish = 0;
    for (let i = 0; i < w * h; i++) {
      for (let c = 0; c < 4; c++) expect(Number.isFinite(frame.data[i * 4 + c]!)).toBe(true);
      expect(frame.data[i * 4 + 3]).toBe(1);
      if (frame.data[i * 4]! > frame.data[i * 4 + 2]!) reddish++;
    }
    // The square keeps its size (24x24 = 576 px, give or take its edge): no red smeared into the holes.
    expect(reddish).toBeGreaterThan(500);
    expect(reddish).toBeLessThan(650);
    // And every frame of a real move is complete.
    const gen = await parallaxEffect.generator.createGenerator(ctx, params({ motion: 'dolly-in' }));
    const f = toFloat32(await gen.render(23));
    for (let i = 0; i < f.width * f.height; i++) {
      expect(Number.isFinite(f.data[i * 4]!)).toBe(true);
      expect(f.data[i * 4 + 3]).toBe(1);
    }
  }, 120_000);

  it('writes the exact frame count: photo as input, 29.97 fps for 1 s = 30 frames', async () => {
    const out = path.join(dir, 'move.mp4');
    const result = await runJob(
      {
        effect: 'parallax',
        input: photo,
        output: out,
        params: { depth: depthFile, motion: 'vertigo', seconds: 1, fps: '29.97' },
      },
      { ctx },
    );
    expect(result.frames).toBe(30);
    const { stdout } = await run('ffprobe', [
      ...['-v', 'error', '-count_frames', '-show_entries', 'stream=nb_read_frames,width,height,r_frame_rate'],
      ...['-of', 'json', out],
    ]);
    const s = (JSON.parse(stdout) as { streams: Record<string, string | number>[] }).streams[0]!;
    expect(s).toMatchObject({
      nb_read_frames: '30',
      width: size.width,
    });
  }, 180_000);

  it('refuses a depth file of another size and a missing photo, naming the fix', async () => {
    const small = path.join(dir, 'small-depth.png');
    await sharp({ create: { width: 20, height: 10, channels: 3, background: { r: 9, g: 9, b: 9 } } })
      .png()
      .toFile(small);
    const err = (await parallaxEffect.generator
      .createGenerator(ctx, params({ depth: small }))
      .catch((e: unknown) => e)) as JobError;
    expect(err).toBeInstanceOf(JobError);
    expect(err.message).toContain(`20x10 but the picture is ${size.width}x${size.height}`);
    expect(() => parallaxEffect.generator.size(params({ image: '' }))).toThrow(/needs a photo/);
    expect(() => parallaxEffect.generator.size(params({ image: path.join(dir, 'nope.jpg') }))).toThrow(
      /nope\.jpg/,
    );
  });
});
