import { describe, expect, it } from 'vitest';
import { intraOpThreads, ortSpinning, productSessionOptions } from './session-options.ts';

describe('product session options', () => {
  it('leave a core for ffmpeg from 4 cores up, use all below, and follow MLXV_INTRA_OP_THREADS', () => {
    expect(intraOpThreads({}, 2)).toBe(2);
    expect(intraOpThreads({}, 3)).toBe(3);
    expect(intraOpThreads({}, 8)).toBe(7);
    expect(intraOpThreads({ MLXV_INTRA_OP_THREADS: '5' }, 2)).toBe(5);
    expect(intraOpThreads({ MLXV_INTRA_OP_THREADS: 'x' }, 2)).toBe(2);
  });

  it('turn onnxruntime spinning on or off by MLXV_ORT_SPIN and pass it as a session config entry', () => {
    expect(ortSpinning({ MLXV_ORT_SPIN: '0' })).toBe(false);
    expect(ortSpinning({ MLXV_ORT_SPIN: '1' })).toBe(true);
    const spin = ortSpinning() ? '1' : '0';
    expect(productSessionOptions('cpu')).toMatchObject({
      executionProviders: ['cpu'],
      interOpNumThreads: 1,
      extra: { session: { intra_op: { allow_spinning: spin } } },
    });
  });
});
