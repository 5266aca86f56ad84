/**
 * Issue 9, defect 1: an existing folder given as the output was wiped (documents, subfolders, the input
 * itself). The rule now: nothing we did not create in this job is deleted or replaced, except the exact
 * output names we would write, and those only with --overwrite. Every path form that names a folder is tried
 * through the CLI (a real `mlxv run`) and through a real daemon's job.submit, with and without --overwrite,
 * and every file around is compared by sha256 before and after.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runJobViaDaemon } from '../../core/src/daemon/connect.ts';
import { runJob } from '../../core/src/pipeline/run-job.ts';
import { createEffectContext } from '../../core/src/runtime/context.ts';
import { startDaemonProcess, type DaemonProcess } from '../support/daemon-process.ts';
import { makeClip, mlxv, mlxvBin } from './helpers.ts';

const sh = promisify(execFile);
let root: string;
let home: string;
let clip: string;
/** identity loads no model; refusals happen before any would be. */
const noModels = createEffectContext({});

/** sha256 of every file under `dir` (relative path -> hash); folders show as entries too. */
async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    const full = path.join(entry.parentPath, entry.name);
    const rel = path.relative(dir, full);
    out[rel] = entry.isDirectory()
      ? 'dir'
      : createHash('sha256')
          .update(await readFile(full))
          .digest('hex');
  }
  return out;
}

/** A home-like folder: documents, a dotfile, a subfolder, and (optionally) the input clip. */
async function userFolder(name: string, withInput = false): Promise<string> {
  const dir = path.join(root, name);
  await mkdir(path.join(dir, 'Documents', 'taxes'), { recursive: true });
  await writeFile(path.join(dir, 'Documents', 'report.txt'), `report of ${name}\n`);
  await writeFile(
    path.join(dir, 'Documents', 'taxes', '2025.pdf'),
    Buffer.from([0x25, 0x50, 0x44, 0x46, 1, 2]),
  );
  await writeFile(path.join(dir, '.bashrc'), 'export EDITOR=vi\n');
  await writeFile(path.join(dir, 'holiday.png'), await readFile(path.join(path.dirname(clip), 'still.png')));
  if (withInput) await cp(clip, path.join(dir, 'in.mp4'));
  return dir;
}

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'mlxv-output-safety-'));
  const fixtures = path.join(root, 'fixtures');
  await mkdir(fixtures);
  clip = path.join(fixtures, 'in.mp4');
  await makeClip(clip, { frames: 2, size: '64x48', rate: '25' });
  await sh('ffmpeg', ['-v', 'error', '-i', clip, '-frames:v', '1', path.join(fixtures, 'still.png')]);
  home = await userFolder('home', true);
}, 180_000);
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('mlxv run never wipes a folder given as the output', () => {
  it('no extension, trailing slash, `.`: refused (exit 4) with or without --overwrite, every file intact', async () => {
    const dir = await userFolder('docs');
    const before = await snapshot(dir);
    for (const [out, extra, cwd] of [
      [dir, [], root],
      [dir + '/', ['--overwrite'], root],
      ['.', ['--overwrite'], dir],
    ] as const) {
      const r = await mlxv(['run', 'identity', clip, '-o', out, ...extra], {}, cwd);
      expect(r.stderr).toMatch(/\[OUTPUT_EXISTS\].*not empty \(it holds/);
      expect(r.code).toBe(4);
    }
    expect(await snapshot(dir)).toEqual(before);
    // The whole matrix in-process (same planJob the CLI and the daemon run): every form, both ways.
    for (const output of [dir, dir + '/', path.join(dir, '.'), path.join(dir, 'Documents', '..')]) {
      for (const overwrite of [false, true]) {
        await expect(
          runJob({ effect: 'identity', input: clip, output, params: {}, overwrite }, { ctx: noModels }),
        ).rejects.toMatchObject({ code: 'OUTPUT_EXISTS' });
      }
    }
    expect(await snapshot(dir)).toEqual(before);
  }, 300_000);

  it('`-o ~` and `-o ~/` as a shell expands them (HOME in a sandbox holding the input): refused', async () => {
    const before = await snapshot(home);
    for (const [out, extra] of [
      ['~', ''],
      ['~/', ' --overwrite'],
    ]) {
      // The shell does the expansion, exactly as for a user typing it.
      const r = await sh('/bin/sh', ['-c', `"$NODE" "$MLXV" run identity ~/in.mp4 -o ${out}${extra}`], {
        env: { ...process.env, HOME: home, NODE: process.execPath, MLXV: mlxvBin },
      }).then(
        () => ({ code: 0, stderr: '' }),
        (e: { code: number; stderr: string }) => e,
      );
      expect(r.stderr).toContain('[OUTPUT_IS_INPUT]');
      expect(r.stderr).toContain(`output folder ${home} holds the input`);
      expect(r.code).toBe(4);
    }
    // A quoted '~' reaches us unexpanded: refused rather than creating a folder named "~".
    const quoted = await mlxv(['run', 'identity', clip, '-o', '~/out'], { HOME: home }, root);
    expect(quoted.stderr).toContain('[BAD_PARAM]');
    expect(quoted.code).toBe(2);
    await expect(stat(path.join(root, '~'))).rejects.toThrow();
    expect(await snapshot(home)).toEqual(before);
  }, 300_000);

  it('a folder holding the input (its name has a dot, so it looks like a file): refused', async () => {
    const dir = await userFolder('project.v2', true);
    const before = await snapshot(dir);
    const r = await mlxv(['run', 'identity', path.join(dir, 'in.mp4'), '-o', dir, '--overwrite']);
    expect(r.stderr).toContain('[OUTPUT_IS_INPUT]');
    expect(r.code).toBe(4);
    for (const output of [dir, dir + '/', path.join(dir, 'Documents', '..')]) {
      for (const overwrite of [false, true]) {
        const input = path.join(dir, 'in.mp4');
        await expect(
          runJob({ effect: 'identity', input, output, params: {}, overwrite }, { ctx: noModels }),
        ).rejects.toMatchObject({ code: 'OUTPUT_IS_INPUT' });
      }
    }
    expect(await snapshot(dir)).toEqual(before);
  }, 120_000);

  // The rest runs in-process: the same planJob and encoder as the CLI, without a node start per case.
  const job = (input: string, output: string, overwrite = false, params = {}) =>
    runJob({ effect: 'identity', input, output, params, overwrite }, { ctx: noModels });

  it('a pattern writes only its own names next to the documents', async () => {
    const dir = await userFolder('pattern');
    const before = await snapshot(dir);
    await job(clip, path.join(dir, 'shot_%04d.png'));
    const after = await snapshot(dir);
    expect(Object.keys(after).sort()).toEqual(
      [...Object.keys(before), 'shot_0000.png', 'shot_0001.png'].sort(),
    );
    for (const [name, hash] of Object.entries(before)) expect(after[name]).toBe(hash);
    // A second run would replace those two exact names: refused without --overwrite, allowed with it.
    await expect(job(clip, path.join(dir, 'shot_%04d.png'))).rejects.toMatchObject({ code: 'OUTPUT_EXISTS' });
    await job(clip, path.join(dir, 'shot_%04d.png'), true);
    const last = await snapshot(dir);
    for (const [name, hash] of Object.entries(before)) expect(last[name]).toBe(hash);
    // A pattern whose names include the input is refused even with --overwrite.
    const input = path.join(dir, 'shot_0000.png');
    await expect(job(input, path.join(dir, 'shot_%04d.png'), true)).rejects.toMatchObject({
      code: 'OUTPUT_IS_INPUT',
    });
  }, 120_000);

  it('an empty folder is filled; an earlier sequence is replaced frame by frame only with --overwrite', async () => {
    const dir = path.join(root, 'frames');
    await mkdir(dir);
    await job(clip, dir);
    expect((await readdir(dir)).sort()).toEqual(['frame_000000.png', 'frame_000001.png']);
    // An extra frame of an earlier, longer render: not ours to delete, even with --overwrite.
    await writeFile(path.join(dir, 'frame_000007.png'), 'earlier render');
    await expect(job(clip, dir)).rejects.toMatchObject({
      code: 'OUTPUT_EXISTS',
      message: expect.stringContaining('earlier sequence'),
    });
    const replaced = await job(clip, dir, true, { gain: 0.5 });
    expect(replaced.notes?.join('\n')).toMatch(
      /1 frame file\(s\) of the earlier sequence .* left as they were/,
    );
    expect((await readdir(dir)).sort()).toEqual(['frame_000000.png', 'frame_000001.png', 'frame_000007.png']);
    expect(await readFile(path.join(dir, 'frame_000007.png'), 'utf8')).toBe('earlier render');
  }, 120_000);

  it('EXR sequences follow the same rule: only their exact names, and only with --overwrite', async () => {
    const exr = (output: string, overwrite = false, format?: 'exr-sequence') =>
      runJob(
        { effect: 'identity', input: clip, output, params: {}, overwrite, ...(format ? { format } : {}) },
        { ctx: noModels },
      );
    // A pattern next to documents: only its two names appear; again only with --overwrite.
    const dir = await userFolder('exr-pattern');
    const before = await snapshot(dir);
    await exr(path.join(dir, 'shot_%04d.exr'));
    const after = await snapshot(dir);
    expect(Object.keys(after).sort()).toEqual(
      [...Object.keys(before), 'shot_0000.exr', 'shot_0001.exr'].sort(),
    );
    await expect(exr(path.join(dir, 'shot_%04d.exr'))).rejects.toMatchObject({ code: 'OUTPUT_EXISTS' });
    await exr(path.join(dir, 'shot_%04d.exr'), true);
    for (const [name, hash] of Object.entries(before)) expect((await snapshot(dir))[name]).toBe(hash);
    // EXR data under PNG names would be a lie: refused before anything is written.
    await expect(exr(path.join(dir, 'shot_%04d.png'), true, 'exr-sequence')).rejects.toMatchObject({
      code: 'BAD_PARAM',
      message: expect.stringContaining('does not end in .exr'),
    });

    // A folder: frame_NNNNNN.exr inside; an earlier EXR render is replaced frame by frame with --overwrite.
    const frames = path.join(root, 'exr-frames');
    await mkdir(frames);
    await exr(frames, false, 'exr-sequence');
    expect((await readdir(frames)).sort()).toEqual(['frame_000000.exr', 'frame_000001.exr']);
    await writeFile(path.join(frames, 'frame_000009.exr'), 'earlier render');
    await expect(exr(frames, false, 'exr-sequence')).rejects.toMatchObject({ code: 'OUTPUT_EXISTS' });
    await exr(frames, true, 'exr-sequence');
    expect(await readFile(path.join(frames, 'frame_000009.exr'), 'utf8')).toBe('earlier render');
    // A folder of PNG frames is not an earlier EXR sequence: someone's files, refused even with --overwrite.
    const pngs = path.join(root, 'png-frames');
    await mkdir(pngs);
    await job(clip, pngs);
    const pngBefore = await snapshot(pngs);
    await expect(exr(pngs, true, 'exr-sequence')).rejects.toMatchObject({
      code: 'OUTPUT_EXISTS',
      message: expect.stringContaining('is not empty'),
    });
    expect(await snapshot(pngs)).toEqual(pngBefore);
  }, 120_000);
});

describe("the daemon's job.submit follows the same rule", () => {
  let daemon: DaemonProcess;
  beforeAll(async () => {
    daemon = await startDaemonProcess({ startTimeoutMs: 60_000, killAfterMs: 10_000 });
  }, 180_000);
  afterAll(async () => {
    await daemon?.stop();
  });

  const submit = (input: string, output: string, overwrite: boolean) =>
    runJobViaDaemon(
      { effect: 'identity', input, output, params: {}, overwrite },
      { connect: { configDir: daemon.dir, port: daemon.port } },
    ).then(
      () => 'ok',
      (e: { code: string }) => e.code,
    );

  it('folder (no extension, trailing slash), home folder, folder holding the input: all refused', async () => {
    const docs = await userFolder('daemon-docs');
    const withInput = await userFolder('daemon-input.d', true);
    const before = {
      docs: await snapshot(docs),
      home: await snapshot(home),
      input: await snapshot(withInput),
    };
    for (const overwrite of [false, true]) {
      expect(await submit(clip, docs, overwrite)).toBe('OUTPUT_EXISTS');
      expect(await submit(clip, docs + '/', overwrite)).toBe('OUTPUT_EXISTS');
      expect(await submit(path.join(home, 'in.mp4'), home, overwrite)).toBe('OUTPUT_IS_INPUT');
      expect(await submit(path.join(withInput, 'in.mp4'), withInput, overwrite)).toBe('OUTPUT_IS_INPUT');
    }
    expect(await snapshot(docs)).toEqual(before.docs);
    expect(await snapshot(home)).toEqual(before.home);
    expect(await snapshot(withInput)).toEqual(before.input);
    // Defect 7: a NUL byte in a submitted path is a bad parameter, not an internal error.
    expect(await submit(`${clip}\0.mp4`, path.join(root, 'nul.png'), false)).toBe('BAD_PARAM');
    // The same daemon still writes into a new folder.
    expect(await submit(clip, path.join(root, 'daemon-new'), false)).toBe('ok');
    expect((await readdir(path.join(root, 'daemon-new'))).length).toBe(2);
  }, 300_000);
});
