/**
 * The reference the engine tests compare a pooled job against: the same `mlxv run` with effects in-process
 * (MLXV_WORKERS=0: no workers, no buffers handed back, no lanes), read back as its bitstream's md5.
 */
import { expect } from 'vitest';
import { mlxv } from '../cli/helpers.ts';
import { videoMd5 } from '../media/helpers.ts';

export async function inProcessBitstream(runArgs: readonly string[], output: string): Promise<string> {
  const r = await mlxv(['run', ...runArgs, '-o', output], { MLXV_WORKERS: '0' });
  expect(r.code, r.stderr).toBe(0);
  return videoMd5(output, 'bitstream');
}
