/**
 * latent-walk end to end with real models: same seed → identical frames; the loop closes (last → first change
 * no larger than an ordinary step); exact frame count and rate; a GAN behind the same interface (the DCGAN test
 * fixture, never shipped); 4K output with bounded memory.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createEffectContext } from '../../runtime/context.ts';
import type { Frame } from '../frame.ts';
import {
  frameCount,
  frameRate,
  ganSpace,
  latentWalkEffect,
  walkGenerator,
  type LatentWalkParams,
} from './generator.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../../../..');
const ctx = createEffectContext({ providers: ['cpu'] });
afterAll(() => ctx.sessions.dispose());

const params = (over: Partial<LatentWalkParams> = {}): LatentWalkParams => ({
  seconds: 1,
  fps: '24',
  seed: 7,
  points: 3,
  paintings: '',
  image: '',
  width: 96,
  height: 64,
  workingHeight: 64,
  easing: 'smooth',
  loop: true,
  ...over,
});

const meanAbs = (a: Frame, b: Frame): number => {
  let s = 0;
  for (let i = 0; i < a.data.length; i++) if (i % 4 !== 3) s += Math.abs(a.data[i]! - b.data[i]!);
  return s / (a.width * a.height * 3);
};

describe('latent-walk', () => {
  it('frame count and rate are exact', () => {
    expect(frameCount(params({ seconds: 4, fps: '29.97' }))).toBe(120);
    expect(frameRate(params({ fps: '29.97' }))).toEqual({ num: 30000, den: 1001 });
    expect(frameCount(params({ seconds: 4, fps: '24' }))).toBe(96);
    expect(frameCount(params({ seconds: 10, fps: '23.976' }))).toBe(240);
    expect(() => frameRate(params({ fps: '12' }))).toThrow(/unknown frame rate "12"/);
  });

  it('style space: same seed → identical frames, another seed differs, and the loop closes', async () => {
    const p = params({ seconds: 0.5 }); // 12 frames
    const a = await latentWalkEffect.generator.createGenerator(ctx, p);
    const b = await latentWalkEffect.generator.createGenerator(ctx, p);
    const c = await latentWalkEffect.generator.createGenerator(ctx, params({ seconds: 0.5, seed: 8 }));
    const n = frameCount(p);
    const frames: Frame[] = [];
    for (let i = 0; i < n; i++) frames.push(await a.render(i));
    for (const i of [0, 5, n - 1])
      expect(Buffer.from((await b.render(i)).data.buffer)).toEqual(Buffer.from(frames[i]!.data.buffer));
    expect(meanAbs(frames[5]!, await c.render(5))).toBeGreaterThan(0.01);
    const steps = frames.slice(1).map((f, i) => meanAbs(frames[i]!, f));
    const closing = meanAbs(frames[n - 1]!, frames[0]!);
    console.log(
      `style walk: steps ${steps.map((s) => s.toFixed(4)).join(' ')}, closing ${closing.toFixed(4)}`,
    );
    expect(Math.max(...steps)).toBeGreaterThan(0.002); // it moves
    expect(closing).toBeLessThanOrEqual(Math.max(...steps) * 1.05);
    expect([frames[0]!.width, frames[0]!.height]).toEqual([96, 64]);
  });

  it('walks through paintings, restyling a given still', async () => {
    const starry = path.join(root, 'core/src/effects/style/testdata/starry_night.jpg');
    const fish = path.join(root, 'core/src/effects/style/testdata/HappyFish.jpg');
    const p = params({
      paintings: `${starry};${fish}`,
      image: path.join(root, 'test/fixtures/astronaut-256.png'),
      loop: false,
      seconds: 0.25,
    });
    const g = await latentWalkEffect.generator.createGenerator(ctx, p);
    const first = await g.render(0);
    const last = await g.render(frameCount(p) - 1);
    expect(meanAbs(first, last)).toBeGreaterThan(0.05);
  });

  it('a GAN behind the same interface (DCGAN test fixture): seeded, loop closes', async () => {
    const session = await ctx.sessions.get('omori-sprite-dcgan');
    const p = params({ seconds: 0.5, width: 32, height: 32 });
    const g1 = walkGenerator(ganSpace(session, 16, 7, 3), p);
    const g2 = walkGenerator(ganSpace(session, 16, 7, 3), p);
    const n = frameCount(p);
    const frames: Frame[] = [];
    for (let i = 0; i < n; i++) frames.push(await g1.render(i));
    expect(Buffer.from((await g2.render(3)).data.buffer)).toEqual(Buffer.from(frames[3]!.data.buffer));
    const steps = frames.slice(1).map((f, i) => meanAbs(frames[i]!, f));
    expect(meanAbs(frames[n - 1]!, frames[0]!)).toBeLessThanOrEqual(Math.max(...steps) * 1.05);
  });

  it('4K output: memory stays bounded over frames (rendered at the working height, resized)', async () => {
    const p = params({ width: 3840, height: 2160, workingHeight: 128, seconds: 0.25 });
    const g = await latentWalkEffect.generator.createGenerator(ctx, p);
    await g.render(0);
    global.gc?.();
    const before = process.memoryUsage().rss;
    for (let i = 1; i < 6; i++) {
      const f = await g.render(i);
      expect([f.width, f.height]).toEqual([3840, 2160]);
    }
    global.gc?.();
    const grown = (process.memoryUsage().rss - before) / 2 ** 20;
    console.log(
      `4K latent walk: RSS growth over 5 frames ${grown.toFixed(0)} MiB (one 4K float frame is 127 MiB)`,
    );
    expect(grown).toBeLessThan(400);
  });
});
