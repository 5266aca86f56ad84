import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import * as ort from 'onnxruntime-node';
import { createModelResolver, type ModelManager } from '../models/resolver.ts';
import { createSessionManager, NoProviderError } from './sessions.ts';
import { createEffectContext } from './context.ts';
import { precheckProvider, providerChain } from './providers.ts';
import { findPackageDir } from '../models/npm-package.ts';
import { frameToTensor, outputToMask, resizeMask, type Mask } from './tensor.ts';
import { ModelUnavailableError, modelErrorToJobError } from '../models/errors.ts';
import type { JobError } from '../pipeline/types.ts';
import type { Frame } from '../effects/frame.ts';

// precheckProvider skips webgpu on a Linux machine with no GPU device; the test of a failing session creation
// needs a provider that gets as far as createSession, so it pretends a device exists.
const gpu = vi.hoisted(() => ({ pretend: false }));
vi.mock('./providers.ts', async (importOriginal) => {
  const actual = await importOriginal<typeof import('./providers.ts')>();
  return {
    ...actual,
    precheckProvider: (...[p, o]: Parameters<typeof actual.precheckProvider>) =>
      actual.precheckProvider(p, gpu.pretend ? { ...o, hasGpuDevice: () => true } : o),
  };
});

let dir: string;
let resolver: ModelManager;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'mlxv-sessions-'));
  resolver = createModelResolver({ cacheDir: dir });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function latent(): Record<string, ort.Tensor> {
  const z = new Float32Array(16).map((_, i) => Math.sin(i) * 0.9);
  return { random_input: new ort.Tensor('float32', z, [1, 16, 1, 1]) };
}

describe('provider chain', () => {
  it('follows the platform, and MLXV_PROVIDERS overrides it', () => {
    expect(providerChain(undefined, {}, 'linux')).toEqual(['cuda', 'webgpu', 'cpu']);
    expect(providerChain(undefined, {}, 'win32')).toEqual(['dml', 'cuda', 'webgpu', 'cpu']);
    expect(providerChain(undefined, {}, 'darwin')).toEqual(['coreml', 'webgpu', 'cpu']);
    expect(providerChain(undefined, { MLXV_PROVIDERS: 'cpu' }, 'linux')).toEqual(['cpu']);
    expect(providerChain(['cpu'], { MLXV_PROVIDERS: 'webgpu' }, 'linux')).toEqual(['cpu']);
    expect(() => providerChain(undefined, { MLXV_PROVIDERS: 'cpu,tpu' })).toThrow(/unknown providers: tpu/);
  });

  it('falls through to cpu with the reason of every skipped provider (real onnxruntime)', async () => {
    const sessions = createSessionManager({ resolver });
    const s = await sessions.get('omori-sprite-dcgan', {
      providers: ['dml', 'coreml', 'cuda', 'webgpu', 'cpu'],
    });
    const failed = s.attempts.filter((a) => !a.ok);
    expect(s.attempts[s.attempts.length - 1]).toEqual({ provider: s.provider, ok: true });
    for (const a of failed) expect(a.reason).toMatch(/\S{8,}/);
    if (process.platform === 'linux') {
      // dml and coreml are not in the linux build of onnxruntime-node.
      expect(failed.find((a) => a.provider === 'dml')?.reason).toMatch(/not in this onnxruntime-node build/);
      expect(failed.find((a) => a.provider === 'coreml')?.reason).toMatch(
        /not in this onnxruntime-node build/,
      );
      const libs = path.join(findPackageDir('onnxruntime-node'), 'bin/napi-v6/linux', process.arch);
      if (!existsSync(path.join(libs, 'libonnxruntime_providers_shared.so'))) {
        expect(failed.find((a) => a.provider === 'cuda')?.reason).toMatch(
          /libonnxruntime_providers_shared\.so missing/,
        );
        expect(precheckProvider('cuda')).toMatch(/onnxruntime-node-install=skip/);
      }
    }
    const out = await s.run(latent());
    expect(out.image_output!.dims).toEqual([1, 3, 32, 32]);
    await sessions.dispose();
  });

  it('records a provider whose session creation fails, then uses the next one', async () => {
    gpu.pretend = true;
    const tried: string[] = [];
    const sessions = createSessionManager({
      resolver,
      createSession: async (file, provider) => {
        tried.push(provider);
        if (provider !== 'cpu') throw new Error(`Failed to get a ${provider} adapter: none`);
        return ort.InferenceSession.create(file);
      },
    });
    const s = await sessions.get('omori-sprite-dcgan', { providers: ['webgpu', 'cpu'] });
    expect(s.provider).toBe('cpu');
    expect(s.attempts).toEqual([
      { provider: 'webgpu', ok: false, reason: 'Failed to get a webgpu adapter: none' },
      { provider: 'cpu', ok: true },
    ]);
    // An adapter failure holds for the process: a second model does not try webgpu again.
    const s2 = await sessions.get('style-mosaic-nc16', { providers: ['webgpu', 'cpu'], warmup: () => ({}) });
    expect(s2.attempts[0]).toMatchObject({ provider: 'webgpu', ok: false });
    expect(tried).toEqual(['webgpu', 'cpu', 'cpu']);
    await sessions.dispose();
    gpu.pretend = false;
  });

  it('no provider at all is a NoProviderError listing each reason (mapped to MODEL_UNAVAILABLE)', async () => {
    const sessions = createSessionManager({
      resolver,
      createSession: async () => {
        throw new Error('unsupported op: FancyConv');
      },
    });
    const err = await sessions
      .get('omori-sprite-dcgan', { providers: ['coreml', 'cpu'] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NoProviderError);
    expect((err as Error).message).toMatch(/coreml: .+; cpu: unsupported op: FancyConv/);
    expect((modelErrorToJobError(err) as JobError).code).toBe('MODEL_UNAVAILABLE');
  });
});

describe('session manager', () => {
  it('concurrent get() calls share one session, created and warmed once', async () => {
    let creates = 0;
    let warmups = 0;
    const sessions = createSessionManager({
      resolver,
      providers: ['cpu'],
      createSession: (file) => {
        creates++;
        return ort.InferenceSession.create(file);
      },
    });
    const opts = {
      warmup: () => {
        warmups++;
        return latent();
      },
    };
    const [a, b, c] = await Promise.all([
      sessions.get('omori-sprite-dcgan', opts),
      sessions.get('omori-sprite-dcgan', opts),
      sessions.get('omori-sprite-dcgan', opts),
    ]);
    expect(a).toBe(b);
    expect(b).toBe(c);
    expect(await sessions.get('omori-sprite-dcgan', opts)).toBe(a);
    expect(creates).toBe(1);
    expect(warmups).toBe(1);

    // Concurrent runs are serialised and counted; warm-up is not part of the stats.
    const outs = await Promise.all([a.run(latent()), a.run(latent()), a.run(latent())]);
    expect(a.stats.runs).toBe(3);
    expect(a.stats.inferenceMs).toBeGreaterThan(0);
    const img = outs[0]!.image_output!.data as Float32Array;
    expect(Math.max(...img)).toBeLessThanOrEqual(1);
    expect(Math.min(...img)).toBeGreaterThanOrEqual(-1);
    expect(outs[1]!.image_output!.data).toEqual(img);
    await sessions.dispose();
  });

  it('a model that cannot be supplied rejects with ModelUnavailableError, and is retried on the next get()', async () => {
    const empty = createModelResolver({ cacheDir: dir, repoRoot: path.join(dir, 'no-repo-here') });
    const sessions = createSessionManager({ resolver: empty, providers: ['cpu'] });
    await expect(sessions.get('mobilenetv2-int8')).rejects.toThrow(ModelUnavailableError);
    await expect(sessions.get('mobilenetv2-int8')).rejects.toThrow(/local \.\.\/shared\/models/);
  });
});

/** messi5.jpg as a float RGBA frame with padded rows (stride > width * 4), as OFX hosts hand them over. */
async function photoFrame(): Promise<Frame> {
  const file = fileURLToPath(new URL('../models/__fixtures__/messi5.jpg', import.meta.url));
  const { data, info } = await sharp(file).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  const stride = info.width * 4 + 12;
  const f = new Float32Array(stride * info.height).fill(Number.NaN);
  for (let y = 0; y < info.height; y++) {
    for (let i = 0; i < info.width * 4; i++) f[y * stride + i] = data[y * info.width * 4 + i]! / 255;
  }
  return { width: info.width, height: info.height, stride, format: 'f32', data: f, colorSpace: 'display' };
}

function meanIn(mask: Mask, x0: number, y0: number, x1: number, y1: number): number {
  let sum = 0;
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) sum += mask.data[y * mask.width + x]!;
  return sum / ((x1 - x0) * (y1 - y0));
}

describe('ISNet from the npm chunks on a real photo', () => {
  it('segments the player: foreground on his body, background on the crowd', async () => {
    const ctx = createEffectContext({ cacheDir: dir, providers: ['cpu'] });
    const session = await ctx.sessions.get('isnet-general', { warmup: () => ({}) });
    expect(session.inputNames).toContain('input');
    const manifest = ctx.models.manifest('isnet-general');
    const frame = await photoFrame(); // 548 x 342
    const packed = frameToTensor(frame, manifest.input);
    expect(packed.dims).toEqual([1, 3, 1024, 1024]);
    expect(packed.data.every(Number.isFinite)).toBe(true); // the NaN row padding was never read
    const out = await session.run({ input: new ort.Tensor('float32', packed.data, packed.dims) });
    const o = out[manifest.outputs[0]!]!;
    const mask = resizeMask(outputToMask(o.data as Float32Array, o.dims), frame.width, frame.height);

    // Torso and thigh of the player (unicef shirt, shorts) vs. the crowd above his arms and the pitch corner.
    const torso = meanIn(mask, 200, 120, 290, 210);
    const shorts = meanIn(mask, 240, 220, 310, 260);
    const crowdTopLeft = meanIn(mask, 0, 0, 180, 70);
    const crowdRight = meanIn(mask, 420, 20, 548, 120);
    expect(torso).toBeGreaterThan(0.85);
    expect(shorts).toBeGreaterThan(0.85);
    expect(crowdTopLeft).toBeLessThan(0.2);
    expect(crowdRight).toBeLessThan(0.2);
    // The foreground is a person-sized part of the picture, not everything or nothing.
    const coverage = meanIn(mask, 0, 0, frame.width, frame.height);
    expect(coverage).toBeGreaterThan(0.1);
    expect(coverage).toBeLessThan(0.5);
    expect(session.stats.runs).toBe(1);
    await ctx.sessions.dispose();
  });
});
