/**
 * Output buffers go back to the engine worker that made them (engine/buffer-pool.ts recycle): a job with
 * 8-bit input and 16-bit output (ProRes 4444) hands each encoded output back, and the worker makes later
 * outputs in those buffers instead of fresh memory. What could go wrong is a buffer handed back while
 * something still reads it, or a reused buffer carrying the last frame's samples: the file must be the
 * one the same job writes with effects in-process (no workers, nothing reused), bitstream for bitstream.
 * The input buffers come back too, for an effect that declares it keeps no input (identity, matte), and the
 * decoder fills them again.
 */
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createFrame, setSampleBufferSource } from '../../core/src/contract/frame.ts';
import { BufferPool, spareBufferSource } from '../../core/src/engine/buffer-pool.ts';
import { bufferReturns } from '../../core/src/engine/pool.ts';
import { runJob } from '../../core/src/pipeline/run-job.ts';
import { createEffectContext } from '../../core/src/runtime/context.ts';
import { mlxv } from '../cli/helpers.ts';
import { fixture, makeTempDir, videoMd5 } from '../media/helpers.ts';

const tmp = makeTempDir();
afterAll(() => tmp.cleanup());

describe('frame buffers returned between the job and the worker', () => {
  it('makes frames in spares cleared to zero, and in fresh memory when none fits', () => {
    const pool = new BufferPool(2);
    let reused = 0;
    setSampleBufferSource(spareBufferSource(pool, () => reused++));
    try {
      const first = createFrame(4, 2, 'u16');
      first.data.fill(0xbeef);
      expect(pool.give(first.data.buffer as ArrayBuffer)).toBe(true);
      const second = createFrame(4, 2, 'u16');
      expect(second.data.buffer).toBe(first.data.buffer);
      expect(second.data.every((v) => v === 0)).toBe(true);
      expect(createFrame(4, 2, 'u16').data.buffer).not.toBe(first.data.buffer); // none spare: fresh
      expect(createFrame(4, 2, 'f32').data.every((v) => v === 0)).toBe(true);
      expect(reused).toBe(1);
    } finally {
      setSampleBufferSource(undefined);
    }
  });

  it('a job reuses them and writes the same file as without workers', { timeout: 120_000 }, async () => {
    const input = fixture('closeup-2398.mp4');
    const frames = { start: 0, end: 15 };
    const pooled = path.join(tmp.dir, 'pooled.mov');
    const before = { ...bufferReturns };
    // `gain` makes identity rewrite every pixel, so each output is a new u16 frame made in the worker
    const params = { gain: 0.9 };
    const result = await runJob(
      { effect: 'identity', input, output: pooled, params, frames },
      { ctx: createEffectContext() },
    );
    expect(result.frames).toBe(16);
    const inProcess = path.join(tmp.dir, 'in-process.mov');
    const r = await mlxv(
      ['run', 'identity', input, '-o', inProcess, '--frames', '0-15', '--param', 'gain=0.9'],
      { MLXV_WORKERS: '0' },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(await videoMd5(pooled, 'bitstream')).toBe(await videoMd5(inProcess, 'bitstream'));
    const sent = bufferReturns.sent - before.sent;
    const reused = bufferReturns.reusedByWorkers - before.reusedByWorkers;
    const inputsBack = bufferReturns.inputsReleased - before.inputsReleased;
    // The first outputs are made before any has come back (up to the job's queues plus the one being
    // encoded), and a spare the worker has no room for is dropped, so how many depends on timing; with
    // nothing returned it is 0.
    expect(reused).toBeGreaterThanOrEqual(16 / 2);
    expect(sent).toBeGreaterThanOrEqual(reused);
    // identity releases its input (FilterEffect.releasesInput): every input buffer comes back for decoding
    expect(inputsBack).toBe(16);
  });
});
