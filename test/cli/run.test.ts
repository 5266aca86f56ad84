import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeClip, mlxv, probe } from './helpers.ts';

let dir: string;
let clip: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'mlxv-cli-run-'));
  clip = path.join(dir, 'in.mp4');
  // 29.97 fps (NTSC rate) with audio: both must survive the round trip.
  await makeClip(clip, { frames: 24, rate: '30000/1001', audio: true });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('mlxv run', () => {
  it('identity to ProRes 4444: same frame count and rate as the input, alpha channel, audio kept', async () => {
    const out = path.join(dir, 'out.mov');
    const r = await mlxv(['run', 'identity', clip, '-o', out, '--param', 'gain=0.5']);
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`wrote ${out} (24 frames`);
    const [src, dst] = await Promise.all([probe(clip), probe(out)]);
    expect(dst.frames).toBe(src.frames);
    expect(dst.rate).toBe('30000/1001');
    expect(dst.codec).toBe('prores');
    expect(dst.pixFmt).toMatch(/^yuva444/);
    expect(dst.hasAudio).toBe(true);
    // Progress went to stderr as plain lines (not a TTY), with fps and ETA.
    expect(r.stderr).toMatch(/processing \d+\/24 frames, [\d.]+ fps, ETA/);
  });

  it('--frames 5-9 renders exactly 5 frames', async () => {
    const out = path.join(dir, 'range.mov');
    const r = await mlxv(['run', 'identity', clip, '-o', out, '--frames', '5-9', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ output: out, frames: 5 });
    expect((await probe(out)).frames).toBe(5);
  });

  it('writes an RGBA PNG sequence to a %04d pattern', async () => {
    const out = path.join(dir, 'seq', 'f_%04d.png');
    const r = await mlxv(['run', 'identity', clip, '-o', out, '--frames', '0-2']);
    expect(r.code).toBe(0);
    const files = (await readdir(path.join(dir, 'seq'))).sort();
    // Numbered by input frame, so farm chunks rendered with --frames line up.
    expect(files).toEqual(['f_0000.png', 'f_0001.png', 'f_0002.png']);
    expect((await probe(path.join(dir, 'seq', files[0]!))).pixFmt).toMatch(/^rgba/);
  });

  it('refuses to replace an existing output without --overwrite, and replaces it with', async () => {
    const out = path.join(dir, 'exists.mov');
    await writeFile(out, 'keep me');
    const refused = await mlxv(['run', 'identity', clip, '-o', out, '--frames', '0-1']);
    expect(refused.code).toBe(4);
    expect(refused.stderr).toMatch(/OUTPUT_EXISTS.*already exists/);
    expect(refused.stderr).toContain('--overwrite');
    expect(await readFile(out, 'utf8')).toBe('keep me');
    const replaced = await mlxv(['run', 'identity', clip, '-o', out, '--frames', '0-1', '--overwrite']);
    expect(replaced.code).toBe(0);
    expect((await probe(out)).frames).toBe(2);
  });
});
