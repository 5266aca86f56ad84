/**
 * Ahead lanes (engine/pool.ts aheadLanes, FilterEffect.ahead): a job runs matte's whole-frame model pass for
 * the next frames on lane workers, side by side, and the processor keeps the stabiliser's state in order.
 * What could go wrong is a frame's planes reaching another frame's process() (order), a lane's session
 * giving other numbers than the processor's own (threads), or a frame lost on its way through two workers:
 * the file must be the one the same job writes in-process (no workers, no lanes), bitstream for bitstream,
 * and every frame must have gone through a lane.
 */
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { aheadLanes } from '../../core/src/engine/index.ts';
import { aheadRuns } from '../../core/src/engine/pool.ts';
import { runJob } from '../../core/src/pipeline/run-job.ts';
import { createEffectContext } from '../../core/src/runtime/context.ts';
import { inProcessBitstream } from './in-process.ts';
import { fixture, makeTempDir, videoMd5 } from '../media/helpers.ts';

const tmp = makeTempDir();
afterAll(() => tmp.cleanup());

function withEnv<T>(name: string, value: string | undefined, fn: () => T): T {
  const before = process.env[name];
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
  try {
    return fn();
  } finally {
    if (before === undefined) delete process.env[name];
    else process.env[name] = before;
  }
}

describe('ahead lanes', () => {
  it('split the job threads between 2 lanes on the CPU; the variable overrides; 0 or 1 turns them off', () => {
    const cpu = ['cpu'];
    const threads = withEnv('MLXV_INTRA_OP_THREADS', '4', () =>
      withEnv('MLXV_AHEAD_LANES', undefined, () => aheadLanes(cpu)),
    );
    expect(threads).toEqual({ lanes: 2, threads: 2 });
    expect(withEnv('MLXV_INTRA_OP_THREADS', '2', () => aheadLanes(cpu))).toEqual({ lanes: 2, threads: 1 });
    expect(withEnv('MLXV_INTRA_OP_THREADS', '1', () => aheadLanes(cpu)).lanes).toBe(0);
    expect(withEnv('MLXV_AHEAD_LANES', '3', () => aheadLanes(cpu)).lanes).toBe(3);
    expect(withEnv('MLXV_AHEAD_LANES', '1', () => aheadLanes(cpu)).lanes).toBe(0);
    expect(withEnv('MLXV_AHEAD_LANES', '0', () => aheadLanes(cpu)).lanes).toBe(0);
  });

  it('a matte (isnet) job writes the same file as without workers', { timeout: 240_000 }, async () => {
    const input = fixture('closeup-2398.mp4');
    // frames 3-8: the job primes the stabiliser from frame 0 (preRoll), so lanes also carry unwritten frames
    const frames = { start: 3, end: 8 };
    const laned = path.join(tmp.dir, 'lanes.mov');
    const before = aheadRuns.frames;
    const result = await withEnv('MLXV_AHEAD_LANES', '2', () =>
      runJob(
        { effect: 'matte', input, output: laned, params: { model: 'isnet' }, frames },
        { ctx: createEffectContext() },
      ),
    );
    expect(result.frames).toBe(6);
    expect(aheadRuns.frames - before).toBe(9);
    const reference = await inProcessBitstream(
      ['matte', input, '--frames', '3-8', '--param', 'model=isnet'],
      path.join(tmp.dir, 'in-process.mov'),
    );
    expect(await videoMd5(laned, 'bitstream')).toBe(reference);
  });

  it('the person pipeline (auto) has no ahead pass: no lane runs', { timeout: 240_000 }, async () => {
    const before = aheadRuns.frames;
    const result = await withEnv('MLXV_AHEAD_LANES', '2', () =>
      runJob(
        {
          effect: 'matte',
          input: fixture('closeup-2398.mp4'),
          output: path.join(tmp.dir, 'auto.mov'),
          params: { model: 'auto' },
          frames: { start: 0, end: 1 },
        },
        { ctx: createEffectContext() },
      ),
    );
    expect(result.frames).toBe(2);
    expect(aheadRuns.frames).toBe(before);
  });
});
