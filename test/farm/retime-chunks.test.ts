/**
 * Retime chunks in-process (no Redis): interpolate (RIFE, 2x slow motion) on a small real clip, rendered
 * chunk by chunk with the overlap and assembled into a PNG sequence, equals a local run file for file
 * (decoded pixels), names included.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createEffectContext } from '../../core/src/runtime/context.ts';
import { runJob } from '../../core/src/pipeline/run-job.ts';
import { planFarmJob, segmentDirFor } from '../../core/src/farm/farm-plan.ts';
import { renderChunk } from '../../core/src/farm/chunk-render.ts';
import { assembleSegments } from '../../core/src/farm/assemble.ts';
import { makeClip } from '../cli/helpers.ts';

let dir: string;
const ctx = createEffectContext({ providers: ['cpu'] });
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'mlxv-farm-retime-'));
});
afterAll(async () => {
  await ctx.sessions.dispose();
  await rm(dir, { recursive: true, force: true });
});

it('interpolate slowmo 2x in chunks of 3 input frames equals a continuous run', async () => {
  const clip = path.join(dir, 'clip.mp4');
  await makeClip(clip, { frames: 8, size: '128x96', rate: '25' });
  const params = { mode: 'slowmo', factor: '2' };
  const local = path.join(dir, 'local');
  await runJob({ effect: 'interpolate', input: clip, output: local, params }, { ctx });

  const farmOut = path.join(dir, 'farm');
  const plan = await planFarmJob({ effect: 'interpolate', input: clip, output: farmOut, params }, 3);
  expect(plan.chunks.map((c) => [c.start, c.end, c.renderEnd, c.outputStart, c.outputCount])).toEqual([
    [0, 2, 3, 0, 6],
    [3, 5, 6, 6, 6],
    [6, 7, 7, 12, 4],
  ]);
  const segmentDir = segmentDirFor(plan.job, 'test');
  // Out of order, as a farm may finish them.
  for (const chunk of [...plan.chunks].reverse()) {
    await renderChunk(
      { effect: 'interpolate', input: clip, params, format: plan.job.format, segmentDir, chunk },
      { ctx },
    );
  }
  await assembleSegments(plan.job, plan.chunks, segmentDir, { overwrite: false });

  const names = (await readdir(local)).sort();
  expect(names.length).toBe(16);
  expect((await readdir(farmOut)).sort().join(' ')).toBe(names.join(' '));
  for (const name of names) {
    const a = await sharp(path.join(local, name)).raw().toBuffer();
    const b = await sharp(path.join(farmOut, name)).raw().toBuffer();
    expect(b.equals(a), name).toBe(true);
  }
}, 180_000);
