/**
 * Ctrl-C mid-job: the CLI must stop ffmpeg and the effect, remove the temporary output, leave nothing under
 * the final name and exit 130.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { collect, makeClip, spawnMlxv } from './helpers.ts';

let dir: string;
let clip: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'mlxv-cli-cancel-'));
  clip = path.join(dir, 'long.mp4');
  // Long enough that the job is surely still running when the signal arrives (~minutes of work at gain != 1).
  await makeClip(clip, { frames: 3000, size: '320x240', rate: '25' });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

it('SIGINT mid-job exits 130 with no file at the final name and no temp file left', async () => {
  const out = path.join(dir, 'out.mov');
  const child = spawnMlxv(['run', 'identity', clip, '-o', out, '--param', 'gain=0.5']);
  const result = collect(child);
  // Wait until frames are being written (a progress line with done > 0), then interrupt.
  await new Promise<void>((resolve, reject) => {
    let seen = '';
    child.stderr!.on('data', (d: Buffer) => {
      seen += d.toString();
      if (/processing [1-9]\d*\/3000/.test(seen)) resolve();
    });
    child.on('close', () => reject(new Error(`job ended before it could be interrupted:\n${seen}`)));
  });
  expect(await readdir(dir)).not.toEqual(['long.mp4']); // the temporary output exists while it runs
  child.kill('SIGINT');
  const r = await result;
  expect(r.stderr).toMatch(/cancelling/);
  expect(r.stderr).toMatch(/CANCELLED/);
  expect(r.code).toBe(130);
  expect(await readdir(dir)).toEqual(['long.mp4']);
});
