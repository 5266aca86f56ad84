/**
 * Ctrl-C (SIGINT) mid-job stops ffmpeg and the effect, removes the temporary output and exits 130.
 * Issue 9, defect 4: SIGTERM (kill, `timeout`, systemd, farm managers) and SIGHUP (terminal closed) during
 * `mlxv run` must clean up like Ctrl-C does and exit 128 + the signal number; a run killed outright (SIGKILL,
 * which no process can catch) leaves its temporary output, and the next run into that output removes it.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, makeClip, mlxv, spawnMlxv } from './helpers.ts';

let dir: string;
let clip: string;
const FRAMES = 2000;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'mlxv-cli-signals-'));
  clip = path.join(dir, 'long.mp4');
  // Long enough that the job is surely still running when the signal arrives.
  await makeClip(clip, { frames: FRAMES, size: '160x120', rate: '25' });
}, 300_000);
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Starts a job into `out` and resolves once frames are being written (its temporary output exists). */
async function startJob(out: string) {
  const child = spawnMlxv(['run', 'identity', clip, '-o', out, '--param', 'gain=0.5']);
  const result = collect(child);
  await new Promise<void>((resolve, reject) => {
    let seen = '';
    child.stderr!.on('data', (d: Buffer) => {
      seen += d.toString();
      if (new RegExp(`processing [1-9]\\d*/${FRAMES}`).test(seen)) resolve();
    });
    child.on('close', () => reject(new Error(`job ended before the signal:\n${seen}`)));
  });
  return { child, result };
}

describe('terminating signals during mlxv run', () => {
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
    ['SIGHUP', 129],
  ] as const) {
    it(`${signal}: exit ${code}, no output and no temporary file left`, async () => {
      const { child, result } = await startJob(path.join(dir, `${signal}.mov`));
      expect((await readdir(dir)).some((n) => n.includes('.partial-'))).toBe(true);
      child.kill(signal);
      const r = await result;
      expect(r.stderr).toContain(
        signal === 'SIGINT' ? 'cancelling (press Ctrl-C again' : `${signal} received`,
      );
      expect(r.stderr).toMatch(/\[CANCELLED\]/);
      expect(r.code).toBe(code);
      expect(await readdir(dir)).toEqual(['long.mp4']);
    }, 300_000);
  }

  it('SIGKILL leaves a partial; the next run into that output sweeps it and says so', async () => {
    const out = path.join(dir, 'killed.mov');
    const { child, result } = await startJob(out);
    child.kill('SIGKILL');
    await result;
    const left = (await readdir(dir)).filter((n) => n.includes('.partial-'));
    expect(left).toHaveLength(1);
    expect(left[0]).toContain(`.killed.partial-${child.pid}-`);
    const again = await mlxv(['run', 'identity', clip, '-o', out, '--frames', '0-1']);
    expect(again.code).toBe(0);
    expect(again.stderr).toContain(`note: removed 1 temporary output(s) an interrupted run left behind`);
    expect((await readdir(dir)).sort()).toEqual(['killed.mov', 'long.mp4']);
  }, 300_000);
});
