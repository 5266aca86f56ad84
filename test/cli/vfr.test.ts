/**
 * Issue 9, defect 6: variable-frame-rate input was made constant-rate silently (frames re-stamped evenly, so
 * a clip with a gap got shorter and drifted from its audio). Now it is converted on purpose (frames repeated
 * or dropped so each shows at its own time) and the job says so in its notes and on the CLI.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { fixture } from '../support/paths.ts';
import { mlxv } from './helpers.ts';

const run = promisify(execFile);
let dir: string;
let vfr: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'mlxv-cli-vfr-'));
  vfr = path.join(dir, 'vfr.mp4');
  // The street fixture (10 fps) with frames 10-19 cut out but the timestamps kept: 0.0-0.9 s, then 2.0-2.9 s.
  await run('ffmpeg', [
    ...['-v', 'error', '-i', fixture('wide-street.mp4')],
    ...['-vf', "select='lt(n,30)*not(between(n,10,19))'", '-fps_mode', 'vfr'],
    ...['-c:v', 'libx264', '-preset', 'ultrafast', '-an', vfr],
  ]);
}, 180_000);
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

it('a clip with a gap keeps its timing: converted to constant rate, and the job says so', async () => {
  // The clip is what the test claims: 20 frames over 3 s, nominal 10 fps, average 20/3.
  const { stdout } = await run('ffprobe', [
    ...['-v', 'error', '-show_entries', 'stream=r_frame_rate,avg_frame_rate,nb_frames', '-of', 'json', vfr],
  ]);
  expect(JSON.parse(stdout).streams[0]).toMatchObject({
    r_frame_rate: '10/1',
    avg_frame_rate: '20/3',
    nb_frames: '20',
  });

  const out = path.join(dir, 'frames');
  const r = await mlxv(['run', 'identity', vfr, '-o', out, '--json']);
  expect(r.code).toBe(0);
  const result = JSON.parse(r.stdout) as { frames: number; notes: string[] };
  // 3 s at 10 fps: 30 frames, not the 20 that were re-stamped evenly before (a 2 s clip).
  expect(result.frames).toBe(30);
  expect(result.notes.join('\n')).toMatch(
    /variable frame rate input converted to a constant 10 fps: 30 frames/,
  );
  expect(r.stderr).toMatch(/note: variable frame rate input converted/);

  const files = (await readdir(out)).sort();
  expect(files).toHaveLength(30);
  const frame = (n: number) => readFile(path.join(out, files[n]!));
  // Through the gap (1.0-1.9 s) the last frame before it stays on screen; at 2.0 s the next one shows.
  const nine = await frame(9);
  for (let n = 10; n <= 19; n++) expect((await frame(n)).equals(nine)).toBe(true);
  expect((await frame(20)).equals(nine)).toBe(false);
  expect((await frame(8)).equals(nine)).toBe(false);
}, 300_000);
