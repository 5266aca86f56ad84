/**
 * Generator and analyzer jobs through runJob (the path the CLI and the daemon share): a generator needs no
 * input and writes exactly its frame count; an analyzer writes its records as JSON; the output rules hold.
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runJob } from '../../core/src/pipeline/run-job.ts';
import { createEffectContext } from '../../core/src/runtime/context.ts';
import { fixture } from '../support/paths.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'mlxv-generated-'));
const ctx = createEffectContext({ providers: ['cpu'] });
afterAll(() => ctx.sessions.dispose());

const walk = { seconds: 0.25, fps: '24', width: 64, height: 48, workingHeight: 64, seed: 3 };

describe('generator jobs', () => {
  it('latent-walk with no input writes exactly seconds x fps frames, numbered from 0', async () => {
    const out = path.join(dir, 'walk', 'walk_%04d.png');
    const result = await runJob({ effect: 'latent-walk', input: '', output: out, params: walk }, { ctx });
    expect(result.frames).toBe(6);
    expect(result.frameRate).toEqual({ num: 24, den: 1 });
    expect(readdirSync(path.dirname(out)).sort()).toEqual(
      Array.from({ length: 6 }, (_, i) => `walk_${String(i).padStart(4, '0')}.png`),
    );
  }, 300_000);

  it('refuses an input file, and an existing output without overwrite (untouched)', async () => {
    await expect(
      runJob(
        {
          effect: 'latent-walk',
          input: fixture('wide-street.mp4'),
          output: path.join(dir, 'x.mp4'),
          params: walk,
        },
        { ctx },
      ),
    ).rejects.toMatchObject({ code: 'BAD_PARAM' });
    const existing = path.join(dir, 'keep.mp4');
    writeFileSync(existing, 'keep');
    await expect(
      runJob({ effect: 'latent-walk', input: '', output: existing, params: walk }, { ctx }),
    ).rejects.toMatchObject({ code: 'OUTPUT_EXISTS' });
    expect(readFileSync(existing, 'utf8')).toBe('keep');
  }, 60_000);

  it('a filter with no input is INPUT_MISSING', async () => {
    await expect(
      runJob({ effect: 'identity', input: '', output: path.join(dir, 'y.mov'), params: {} }, { ctx }),
    ).rejects.toMatchObject({ code: 'INPUT_MISSING' });
  });
});

describe('analyzer jobs', () => {
  it('analyze writes its shot records as JSON for the frames asked', async () => {
    const out = path.join(dir, 'shots.json');
    const result = await runJob(
      {
        effect: 'analyze',
        input: fixture('wide-street.mp4'),
        output: out,
        params: {},
        frames: { start: 0, end: 11 },
      },
      { ctx },
    );
    expect(result.frames).toBe(12);
    const doc = JSON.parse(readFileSync(out, 'utf8')) as {
      records: { kind: string; start: number; end: number }[];
    };
    expect(doc.records.length).toBeGreaterThan(0);
    expect(doc.records[0]).toMatchObject({ kind: 'shot', start: 0, end: 11 });
    expect(readdirSync(dir).filter((f) => f.includes('.partial'))).toEqual([]);
  }, 300_000);

  it('an analyzer refuses a non-JSON output', async () => {
    await expect(
      runJob(
        { effect: 'analyze', input: fixture('wide-street.mp4'), output: path.join(dir, 'a.mov'), params: {} },
        { ctx },
      ),
    ).rejects.toMatchObject({ code: 'BAD_PARAM' });
  });
});
