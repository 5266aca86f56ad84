/**
 * Every bad input ends with a message naming the problem, a documented non-zero exit code, and nothing
 * overwritten: each case runs with --overwrite against a pre-existing output, which must survive unchanged.
 */
import { link, mkdtemp, readdir, readFile, rm, stat, symlink, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeClip, mlxv } from './helpers.ts';

let dir: string;
let clip: string;
const sentinel = 'previous render, must survive';

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'mlxv-cli-bad-'));
  clip = path.join(dir, 'in.mp4');
  await makeClip(clip, { frames: 12 });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs `mlxv run` into a pre-existing output (with --overwrite) and checks exit code, message and survival. */
async function expectRefusal(
  name: string,
  args: { effect?: string; input: string; extra?: string[]; env?: NodeJS.ProcessEnv },
  exitCode: number,
  message: RegExp,
): Promise<string> {
  const out = path.join(dir, `${name}.mov`);
  await writeFile(out, sentinel);
  const r = await mlxv(
    ['run', args.effect ?? 'identity', args.input, '-o', out, '--overwrite', ...(args.extra ?? [])],
    args.env,
  );
  expect(r.stderr).toMatch(message);
  expect(r.code).toBe(exitCode);
  expect(await readFile(out, 'utf8')).toBe(sentinel);
  // No temporary output left beside it either.
  expect((await readdir(dir)).filter((f) => f.startsWith(`.${name}`) || f.includes(`${name}.mov.`))).toEqual(
    [],
  );
  return r.stderr;
}

describe('bad input gives a clear error, a non-zero exit and leaves outputs alone', () => {
  it('missing input file (exit 3)', async () => {
    const stderr = await expectRefusal('missing', { input: path.join(dir, 'nope.mp4') }, 3, /INPUT_MISSING/);
    expect(stderr).toContain('nope.mp4');
  });

  it('a file that is not video (exit 3)', async () => {
    const notes = path.join(dir, 'notes.txt');
    await writeFile(notes, 'this is a shopping list, not a video\n'.repeat(20));
    await expectRefusal('notvideo', { input: notes }, 3, /INPUT_NOT_VIDEO.*notes\.txt/);
  });

  it('a truncated video whose index is gone (exit 3)', async () => {
    const cut = path.join(dir, 'cut.mp4');
    await makeClip(cut, { frames: 12 });
    await truncate(cut, Math.floor((await stat(cut)).size / 2));
    await expectRefusal('cutindex', { input: cut }, 3, /INPUT_CORRUPT.*(truncated|damaged).*cut\.mp4/);
  });

  it('a truncated video that probes fine but ends early while decoding (exit 3)', async () => {
    // faststart puts the index first, so the header still promises every frame after the cut.
    const cut = path.join(dir, 'cutdata.mp4');
    await makeClip(cut, { frames: 60, size: '320x240', faststart: true });
    await truncate(cut, Math.floor((await stat(cut)).size * 0.6));
    await expectRefusal('cutdata', { input: cut }, 3, /INPUT_CORRUPT.*(truncated|damaged)/);
  });

  it('unknown effect (exit 2)', async () => {
    const stderr = await expectRefusal(
      'unknowneffect',
      { effect: 'sparkle', input: clip },
      2,
      /UNKNOWN_EFFECT/,
    );
    expect(stderr).toMatch(/unknown effect "sparkle".*identity/);
  });

  it('param out of range (exit 2)', async () => {
    await expectRefusal(
      'range',
      { input: clip, extra: ['--param', 'gain=99'] },
      2,
      /BAD_PARAM.*"gain" must be <= 16/,
    );
  });

  it('param of the wrong type (exit 2)', async () => {
    await expectRefusal(
      'type',
      { input: clip, extra: ['--param', 'gain=loud'] },
      2,
      /BAD_PARAM.*"gain" must be a number, got "loud"/,
    );
  });

  it('unknown param name (exit 2)', async () => {
    await expectRefusal(
      'unknownparam',
      { input: clip, extra: ['--param', 'gian=1'] },
      2,
      /unknown param "gian".*gain/,
    );
  });

  it('frame range outside the clip (exit 2)', async () => {
    await expectRefusal('outside', { input: clip, extra: ['--frames', '5-40'] }, 2, /outside the clip.*0-11/);
  });

  it('output equal to the input, also through a symlink or a hard link (exit 4)', async () => {
    const before = await readFile(clip);
    const direct = await mlxv(['run', 'identity', clip, '-o', clip, '--overwrite']);
    expect(direct.code).toBe(4);
    expect(direct.stderr).toMatch(/OUTPUT_IS_INPUT/);
    const sym = path.join(dir, 'sym.mp4');
    const hard = path.join(dir, 'hard.mp4');
    await symlink(clip, sym);
    await link(clip, hard);
    for (const alias of [sym, hard]) {
      const r = await mlxv(['run', 'identity', clip, '-o', alias, '--overwrite', '--format', 'prores4444']);
      expect(r.stderr).toMatch(/OUTPUT_IS_INPUT/);
      expect(r.code).toBe(4);
    }
    expect((await readFile(clip)).equals(before)).toBe(true);
  });

  it('output folder that cannot be written (exit 4)', async () => {
    // We run as root, and root ignores permission bits, so a chmod 0555 folder would not prove anything.
    // Two refusals root cannot bypass: a "folder" that is a regular file, and sysfs (EACCES even for root).
    const file = path.join(dir, 'plain-file');
    await writeFile(file, 'x');
    const underFile = await mlxv(['run', 'identity', clip, '-o', path.join(file, 'out.mov')]);
    expect(underFile.stderr).toMatch(/OUTPUT_UNWRITABLE.*plain-file.*not a folder/);
    expect(underFile.code).toBe(4);
    const sys = await mlxv(['run', 'identity', clip, '-o', '/sys/mlxv-out.mov']);
    expect(sys.stderr).toMatch(/OUTPUT_UNWRITABLE.*\/sys.*not writable/);
    expect(sys.code).toBe(4);
    const missing = await mlxv(['run', 'identity', clip, '-o', path.join(dir, 'no', 'such', 'out.mov')]);
    expect(missing.stderr).toMatch(/OUTPUT_UNWRITABLE.*does not exist[\s\S]*mkdir -p/);
    expect(missing.code).toBe(4);
  });

  it('usage mistakes exit 2 (missing -o, bad --frames, unknown --format)', async () => {
    const noOut = await mlxv(['run', 'identity', clip]);
    expect(noOut.code).toBe(2);
    expect(noOut.stderr).toMatch(/--output/);
    await expectRefusal(
      'badframes',
      { input: clip, extra: ['--frames', 'ten-twenty'] },
      2,
      /invalid frame range/,
    );
    await expectRefusal(
      'badformat',
      { input: clip, extra: ['--format', 'gif'] },
      2,
      /unknown --format "gif"/,
    );
  });
});
