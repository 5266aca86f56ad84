/**
 * The engine pool with real workers: frames cross by transfer (the sender's buffer is detached, views are
 * copied), registered effects run in a worker and give what they give in-process, errors keep their class,
 * and cancel reaches the worker (an upscale on many small tiles stops between tiles).
 */
import { describe, expect, it } from 'vitest';
import { isMainThread } from 'node:worker_threads';
import { createFrame, frameOver } from '../contract/frame.ts';
import { JobError } from '../contract/errors.ts';
import { getFilter } from '../effects/registry.ts';
import { createEffectContext } from '../runtime/context.ts';
import { EnginePool, RemoteProcessor } from './pool.ts';
import { createProcessorFor } from './index.ts';
import { fromWire, toWire } from './wire.ts';

function ramp(width: number, height: number) {
  const f = createFrame(width, height, 'u8');
  for (let i = 0; i < f.data.length; i++) f.data[i] = (i * 7) % 256;
  return f;
}

describe('wire', () => {
  it('transfers a frame that owns its buffer and copies one that views part of a buffer', () => {
    const own = ramp(4, 2);
    const transfer: ArrayBuffer[] = [];
    const w = toWire(own, transfer);
    expect(transfer).toEqual([own.data.buffer]);
    expect(fromWire(w).data).toEqual(own.data);

    const big = new Uint8Array(4 * 2 * 4 + 16);
    const view = frameOver(4, 2, 'u8', 'display', big.subarray(16));
    const t2: ArrayBuffer[] = [];
    const w2 = toWire(view, t2);
    expect(t2[0]).not.toBe(big.buffer); // the owner's buffer is never taken away
    expect(w2.byteOffset).toBe(0);
  });

  it('copies the second occurrence of one buffer in a message (a retimer repeating a frame)', () => {
    const f = ramp(2, 2);
    const transfer: ArrayBuffer[] = [];
    toWire(f, transfer);
    toWire(f, transfer);
    expect(transfer).toHaveLength(2);
    expect(transfer[0]).not.toBe(transfer[1]);
  });
});

describe('engine pool', () => {
  it('runs a registered effect in a worker, transferring the input frame', { timeout: 120_000 }, async () => {
    const ctx = createEffectContext();
    const identity = getFilter('identity');
    const processor = await createProcessorFor(identity, ctx);
    expect(processor).toBeInstanceOf(RemoteProcessor);
    const input = ramp(16, 8);
    // identity keeps 8-bit samples 8-bit (rounded, alpha untouched): no float frame at any resolution.
    const want = input.data.map((v, i) => (i % 4 === 3 ? v : Math.round(v * 0.5)));
    const out = await processor.process(input, { gain: 0.5 });
    expect(input.data.byteLength).toBe(0); // transferred, not copied
    expect(out.format).toBe('u8');
    expect(Array.from(out.data)).toEqual(Array.from(want));
    expect(isMainThread).toBe(true);
    await processor.dispose?.();
  });

  it(
    'hands back outputs in the sample format asked for (no float pass on this thread)',
    { timeout: 120_000 },
    async () => {
      const pool = new EnginePool(1);
      const p = await pool.createProcessor('identity', { ctx: {}, outFormat: 'u16' });
      const out = await p.process(ramp(4, 4), { gain: 1 });
      expect(out.format).toBe('u16');
      expect(out.data[1]).toBe(7 * 257);
      await p.dispose();
    },
  );

  it('keeps JobError codes across the thread boundary', { timeout: 120_000 }, async () => {
    const pool = new EnginePool(1);
    const p = await pool.createProcessor('matte', {
      ctx: { modelPaths: { 'isnet-general': '/nonexistent.onnx' } },
    });
    const err = await p
      .process(ramp(64, 64), { ...defaults('matte'), model: 'isnet' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(JobError);
    expect((err as JobError).code).toBe('MODEL_UNAVAILABLE');
    await p.dispose();
  });

  it('cancel reaches the worker: an upscale stops between tiles', { timeout: 300_000 }, async () => {
    const pool = new EnginePool(1);
    const controller = new AbortController();
    const p = await pool.createProcessor('upscale', { ctx: {}, signal: controller.signal });
    const params = { ...defaults('upscale'), tileSize: 32, overlap: 0, scale: '2' };
    await p.process(ramp(32, 32), params); // load + warm up: one tile
    const t0 = performance.now();
    await p.process(ramp(32, 32), params);
    const perTile = performance.now() - t0;
    // 64 tiles: without a cooperative stop this would take ~64 x perTile.
    const big = p.process(ramp(256, 256), params).catch((e: unknown) => e);
    setTimeout(() => controller.abort(), perTile * 2);
    const err = await big;
    expect((err as Error).name).toBe('AbortError');
    const t1 = performance.now();
    await p.dispose(); // queued behind the cancelled call: returns once the worker stopped
    const stoppedAfter = performance.now() - t1;
    console.info(`per tile ${perTile.toFixed(0)} ms; worker free ${stoppedAfter.toFixed(0)} ms after cancel`);
    expect(stoppedAfter).toBeLessThan(perTile * 32);
  });
});

function defaults(id: string): Record<string, never> {
  const out: Record<string, unknown> = {};
  for (const [k, spec] of Object.entries(getFilter(id).params)) out[k] = spec.default;
  return out as Record<string, never>;
}
