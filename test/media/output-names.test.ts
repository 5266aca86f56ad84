/**
 * The encoder's half of the output rule (issue 9, defect 1) and the stale-partial sweep (defect 4): an
 * existing sequence folder is filled file by file and never removed; foreign files refuse it even with
 * overwrite; temporary outputs of dead pids on this host are swept, and nothing else is.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createEncoder, type EncoderOptions } from '../../core/src/media/encode.ts';
import {
  frameFileName,
  newPartialTag,
  sequenceNameMatcher,
  sweepStalePartials,
} from '../../core/src/media/output-names.ts';
import { makeTempDir, solidFrame } from './helpers.ts';

const tmp = makeTempDir();
afterAll(() => tmp.cleanup());

const png = (output: string, overwrite = false): EncoderOptions => ({
  output,
  format: 'png-sequence',
  width: 8,
  height: 8,
  frameRate: { num: 25, den: 1 },
  imageBitDepth: 8,
  overwrite,
});

/** A pid that surely does not run: a child that has already exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(child.stdout.toString());
}

describe('sequence names', () => {
  it('formats and recognises printf frame numbers as ffmpeg writes them', () => {
    expect(frameFileName('frame_%06d.png', 42)).toBe('frame_000042.png');
    expect(frameFileName('f%d.png', 7)).toBe('f7.png');
    expect(frameFileName('f_%04d.png', 123456)).toBe('f_123456.png');
    const m = sequenceNameMatcher('shot.v1_%04d.png');
    expect(m.test('shot.v1_0001.png')).toBe(true);
    expect(m.test('shotXv1_0001.png')).toBe(false); // the dot is literal
    expect(m.test('shot.v1_0001.png.bak')).toBe(false);
  });
});

describe('encoder into an existing folder', () => {
  it('fills an earlier sequence frame by frame with overwrite; the folder and its other frames stay', async () => {
    const dir = path.join(tmp.dir, 'earlier');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'frame_000000.png'), 'old 0');
    writeFileSync(path.join(dir, 'frame_000005.png'), 'old 5');
    const refused = await createEncoder(png(dir)).catch((e: { code: string }) => e.code);
    expect(refused).toBe('OUTPUT_EXISTS');
    const enc = await createEncoder(png(dir, true));
    await enc.write(solidFrame(8, 8, [1, 0, 0, 1]));
    await enc.finish();
    expect(readdirSync(dir).sort()).toEqual(['frame_000000.png', 'frame_000005.png']);
    expect(readFileSync(path.join(dir, 'frame_000000.png')).subarray(1, 4).toString()).toBe('PNG');
    expect(readFileSync(path.join(dir, 'frame_000005.png'), 'utf8')).toBe('old 5');
  });

  it('a folder holding anything else is refused even with overwrite, before and at commit', async () => {
    const dir = path.join(tmp.dir, 'documents');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'thesis.txt'), 'years of work');
    await expect(createEncoder(png(dir, true))).rejects.toMatchObject({ code: 'OUTPUT_EXISTS' });
    // A document dropped in while the job runs: the commit refuses, the temporary frames are removed.
    const late = path.join(tmp.dir, 'late');
    mkdirSync(late);
    const enc = await createEncoder(png(late, true));
    await enc.write(solidFrame(8, 8, [0, 1, 0, 1]));
    writeFileSync(path.join(late, 'notes.md'), 'mine');
    await expect(enc.finish()).rejects.toMatchObject({ code: 'OUTPUT_EXISTS' });
    await enc.abort();
    expect(readdirSync(late)).toEqual(['notes.md']);
    expect(readFileSync(path.join(dir, 'thesis.txt'), 'utf8')).toBe('years of work');
  });
});

describe('stale partial sweep', () => {
  it('removes only our temporary names of dead pids on this host, for this output', async () => {
    const dir = path.join(tmp.dir, 'sweep');
    mkdirSync(dir);
    const dead = deadPid();
    const host = newPartialTag().split('-').pop()!;
    const stale = `.out.partial-${dead}-1-${host}.mov`;
    const otherHost = `.out.partial-${dead}-2-0badc0de.mov`; // another farm node's render in progress
    const alive = `.out.partial-${process.ppid}-3-${host}.mov`; // a running process
    const otherOutput = `.other.partial-${dead}-4-${host}.mov`; // not this output's
    const lookalike = '.out.partial-notes.mov'; // not our name format
    for (const name of [stale, otherHost, alive, otherOutput, lookalike]) {
      writeFileSync(path.join(dir, name), 'x');
    }
    const removed = await sweepStalePartials(path.join(dir, 'out.mov'), 'file');
    expect(removed).toEqual([path.join(dir, stale)]);
    expect(readdirSync(dir).sort()).toEqual([alive, otherHost, otherOutput, lookalike].sort());

    // Without a kind (a daemon's journal keeps only the output name): the file and folder places both.
    const folderStale = `.out.mov.partial-${dead}-3-${host}`;
    mkdirSync(path.join(dir, folderStale));
    const patternDir = path.join(dir, 'seq');
    mkdirSync(patternDir);
    const patternStale = `.partial-${dead}-4-${host}`;
    mkdirSync(path.join(patternDir, patternStale));
    writeFileSync(path.join(dir, stale), 'x');
    expect((await sweepStalePartials(path.join(dir, 'out.mov'))).sort()).toEqual(
      [path.join(dir, stale), path.join(dir, folderStale)].sort(),
    );
    expect(await sweepStalePartials(path.join(patternDir, 'f_%04d.exr'))).toEqual([
      path.join(patternDir, patternStale),
    ]);
    expect(readdirSync(dir).sort()).toEqual([alive, otherHost, otherOutput, lookalike, 'seq'].sort());

    // The encoder sweeps when it starts, and says so in its notes.
    writeFileSync(path.join(dir, stale), 'x');
    const enc = await createEncoder({ ...png(path.join(dir, 'out.mov')), format: 'png', imageBitDepth: 8 });
    expect(enc.notes.join('\n')).toContain(`removed 1 temporary output(s) an interrupted run left behind`);
    await enc.abort();
    expect(readdirSync(dir)).not.toContain(stale);
  });
});
