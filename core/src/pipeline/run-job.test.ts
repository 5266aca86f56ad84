/**
 * runJob in-process with small stand-in effects: frame order across parallel lanes, the retiming path,
 * cancellation cleanup and the inference statistics the benchmark reads. Real ffmpeg decode and encode.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InferenceSession } from 'onnxruntime-node';
import type { Frame } from '../effects/frame.ts';
import type { EffectContext, FilterEffect, RetimeEffect } from '../effects/types.ts';
import type { LoadedSession, SessionManager } from '../runtime/types.ts';
import { decodeFrames } from '../media/decode.ts';
import { probeMedia } from '../media/probe.ts';
import { runJob } from './run-job.ts';
import type { JobProgress } from './types.ts';

const exec = promisify(execFile);
let dir: string;
let clip: string;
const frameCount = 12;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'mlxv-runjob-'));
  clip = path.join(dir, 'in.mp4');
  await exec('ffmpeg', [
    // Brightness steps up 16 levels a frame, so any reordering of frames shows in the frame means.
    ...['-v', 'error', '-f', 'lavfi', '-i', "nullsrc=s=96x64:r=25,geq=lum='16+N*16':cb=128:cr=128"],
    ...['-frames:v', String(frameCount)],
    ...['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', clip],
  ]);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A session manager whose one session "infers" for a fixed time and counts it, like LoadedSession.stats. */
function fakeSessions(msPerRun: number, preexisting = { runs: 7, inferenceMs: 700 }): SessionManager {
  const stats = { ...preexisting };
  const session: LoadedSession = {
    modelId: 'fake-model',
    provider: 'cpu',
    attempts: [],
    session: {} as InferenceSession,
    inputNames: ['x'],
    outputNames: ['y'],
    async run() {
      await delay(msPerRun);
      stats.runs++;
      stats.inferenceMs += msPerRun;
      return {};
    },
    stats,
  };
  return { get: async () => session, dispose: async () => {} };
}

function context(sessions: SessionManager = fakeSessions(1)): EffectContext {
  return { sessions, models: { resolve: () => Promise.reject(new Error('no models in this test')) } };
}

function meanOf(frame: Frame): number {
  let sum = 0;
  for (let i = 0; i < frame.width * frame.height * 4; i += 4) sum += frame.data[i]!;
  return sum / (frame.width * frame.height);
}

async function means(file: string): Promise<number[]> {
  const out: number[] = [];
  for await (const f of decodeFrames(file)) out.push(meanOf(f));
  return out;
}

function effect(overrides: Partial<FilterEffect>): FilterEffect {
  return {
    kind: 'filter',
    id: 'fake',
    label: 'Fake',
    category: 'utility',
    description: 'test stand-in',
    params: {},
    models: [],
    temporal: 'stateless',
    outputs: ['rgba'],
    async createProcessor(ctx) {
      return {
        async process(frame) {
          await (await ctx.sessions.get('fake-model')).run({});
          return frame;
        },
        reset() {},
      };
    },
    ...overrides,
  };
}

describe('runJob', () => {
  it('keeps frame order when two lanes finish out of order, and reports inference time of this job only', async () => {
    let n = 0;
    const jittery = effect({
      async createProcessor(ctx) {
        return {
          async process(frame) {
            await (await ctx.sessions.get('fake-model')).run({});
            await delay(n++ % 2 === 0 ? 30 : 0); // even frames finish after the odd frame behind them
            return frame;
          },
          reset() {},
        };
      },
    });
    const output = path.join(dir, 'order.mov');
    const progress: JobProgress[] = [];
    const result = await runJob(
      { effect: 'fake', input: clip, output, params: {} },
      { ctx: context(fakeSessions(5)), getEffect: () => jittery, onProgress: (p) => progress.push(p) },
    );
    expect(result.frames).toBe(frameCount);
    // 12 runs of 5 ms during this job; the 7 runs / 700 ms the session had before are not counted.
    expect(result.inferenceMs).toBe(60);
    expect(result.sessions).toEqual([{ modelId: 'fake-model', provider: 'cpu', runs: 12, inferenceMs: 60 }]);
    // Each call sleeps >= 5 ms in "inference" (+30 ms on even frames); stage timing must see at least that.
    expect(result.stageMs!.effect).toBeGreaterThan(50 + 6 * 25);
    const [src, dst] = await Promise.all([means(clip), means(output)]);
    expect(dst).toHaveLength(src.length);
    for (let i = 1; i < src.length; i++) expect(src[i]! - src[i - 1]!).toBeGreaterThan(0.05);
    dst.forEach((m, i) => expect(Math.abs(m - src[i]!)).toBeLessThan(0.01));
    expect(progress.map((p) => p.stage)).toEqual(
      expect.arrayContaining(['loading-models', 'processing', 'finalizing']),
    );
    expect(progress.filter((p) => p.stage === 'processing').at(-1)).toMatchObject({ done: 12, total: 12 });
  });

  it('uses the retimer and its output rate for effects that change timing', async () => {
    // Doubles the rate: every input frame plus a copy, except after the last one (2n - 1 frames).
    const doubler: RetimeEffect = {
      ...effect({}),
      kind: 'retime',
      retime: {
        outputFrameRate: (r) => ({ num: r.num * 2, den: r.den }),
        outputFrameCount: (count) => 2 * count - 1,
        async createRetimer() {
          let previous: Frame | undefined;
          return {
            async push(frame) {
              const out = previous ? [previous, previous] : [];
              previous = frame;
              return out;
            },
            async flush() {
              return previous ? [previous] : [];
            },
          };
        },
      },
    };
    const output = path.join(dir, 'retimed.mov');
    const progress: JobProgress[] = [];
    const result = await runJob(
      { effect: 'fake', input: clip, output, params: {}, frames: { start: 2, end: 6 } },
      { ctx: context(), getEffect: () => doubler, onProgress: (p) => progress.push(p) },
    );
    expect(result.frames).toBe(9);
    expect(result.frameRate).toEqual({ num: 50, den: 1 });
    expect(progress.at(-1)!.total).toBe(9);
    const info = await probeMedia(output);
    expect(info.frameCount).toBe(9);
    expect(info.frameRate).toEqual({ num: 50, den: 1 });
  });

  it('cancellation stops the job, rejects with CANCELLED and leaves no file behind', async () => {
    const slow = effect({
      async createProcessor() {
        return {
          async process(frame) {
            await delay(200);
            return frame;
          },
          reset() {},
        };
      },
    });
    const output = path.join(dir, 'cancelled', 'out.mov');
    await exec('mkdir', ['-p', path.dirname(output)]);
    const controller = new AbortController();
    const job = runJob(
      { effect: 'fake', input: clip, output, params: {} },
      {
        ctx: context(),
        getEffect: () => slow,
        signal: controller.signal,
        onProgress: (p) => {
          if (p.stage === 'processing' && p.done === 2) controller.abort();
        },
      },
    );
    await expect(job).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(await readdir(path.dirname(output))).toEqual([]);
  });

  it('a processor failure fails the job with nothing under the final name', async () => {
    let calls = 0;
    const failing = effect({
      async createProcessor() {
        return {
          async process(frame) {
            if (++calls === 5) throw new Error('kaboom in frame 5');
            return frame;
          },
          reset() {},
        };
      },
    });
    const output = path.join(dir, 'failing', 'out.mov');
    await exec('mkdir', ['-p', path.dirname(output)]);
    await expect(
      runJob(
        { effect: 'fake', input: clip, output, params: {} },
        { ctx: context(), getEffect: () => failing },
      ),
    ).rejects.toMatchObject({ code: 'INTERNAL', message: 'kaboom in frame 5' });
    expect(await readdir(path.dirname(output))).toEqual([]);
  });

  it('fails the job, and writes no output, when the effect cannot finish (its dispose throws)', async () => {
    const failing = effect({
      async createProcessor() {
        return {
          process: async (frame) => frame,
          reset() {},
          dispose: async () => Promise.reject(new Error('audit file could not be written: disk full')),
        };
      },
    });
    const sub = await mkdtemp(path.join(dir, 'dispose-'));
    const output = path.join(sub, 'out.mov');
    await expect(
      runJob(
        { effect: 'fake', input: clip, output, params: {} },
        { ctx: context(), getEffect: () => failing },
      ),
    ).rejects.toMatchObject({ message: expect.stringContaining('audit file could not be written') });
    expect(await readdir(sub)).toEqual([]);
  });

  it('a chunk window primes a sequential effect with earlier frames and writes only its own', async () => {
    // A running sum of frame means: frame N's output depends on every frame before it, so a window that
    // primed from the clip start gives exactly the continuous run's frames 8..11.
    const seen: number[] = [];
    const summing = effect({
      temporal: 'sequential',
      async createProcessor() {
        let sum = 0;
        return {
          async process(frame, _p, at) {
            seen.push(at!.index);
            sum += meanOf(frame);
            const out = { ...frame, data: frame.data.slice() } as Frame;
            out.data.fill(Math.min(255, Math.round(sum / 8)));
            return out;
          },
          reset() {},
        };
      },
    });
    const whole = path.join(dir, 'whole.mov');
    const part = path.join(dir, 'part.mov');
    const run = (output: string, extra: object) =>
      runJob(
        { effect: 'fake', input: clip, output, params: {}, ...extra },
        {
          ctx: context(),
          getEffect: () => summing,
          ...(output === part ? { chunk: { primeFrom: 0 } } : {}),
        },
      );
    await run(whole, {});
    seen.length = 0;
    const result = await run(part, { frames: { start: 8, end: 11 } });
    expect(result.frames).toBe(4);
    expect(seen).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(await means(part)).toEqual((await means(whole)).slice(8));
  });

  it('--frames on a sequential effect with a preRoll primes it, so the range equals a whole render', async () => {
    // Output = mean of the last 4 frames' means: state bounded by preRoll 3.
    const seen: number[] = [];
    const windowed = effect({
      temporal: 'sequential',
      preRoll: 3,
      async createProcessor() {
        let recent: number[] = [];
        return {
          async process(frame, _p, at) {
            seen.push(at!.index);
            recent = [...recent, meanOf(frame)].slice(-4);
            const out = { ...frame, data: frame.data.slice() } as Frame;
            out.data.fill(Math.round(recent.reduce((a, b) => a + b, 0) / recent.length));
            return out;
          },
          reset() {},
        };
      },
    });
    const run = (output: string, extra: object) =>
      runJob(
        { effect: 'fake', input: clip, output, params: {}, ...extra },
        { ctx: context(), getEffect: () => windowed },
      );
    const whole = path.join(dir, 'whole-w.mov');
    const part = path.join(dir, 'part-w.mov');
    await run(whole, {});
    seen.length = 0;
    expect((await run(part, { frames: { start: 8, end: 11 } })).frames).toBe(4);
    expect(seen).toEqual([5, 6, 7, 8, 9, 10, 11]);
    expect(await means(part)).toEqual((await means(whole)).slice(8));
  });
});
