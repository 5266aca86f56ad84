/**
 * matte, upscale and interpolate give what they gave before the engine change (contract v2, worker pool,
 * integer frames). The references are fingerprints (8x8 block means per channel, block-means.ts) of the
 * 16-bit PNGs that the v1 code (commit 4b021f7, float frames, in-process effects) wrote for these same
 * commands. Measured here against full renders of v1: every frame byte-equal, except matte frames 9+ of a
 * clip (beyond its new finite stabiliser window, preRoll 8), which differed by at most 1.1e-4 (7/65535) per
 * sample over 16 frames of the wide clip. The bound below (2e-4 on each block mean) allows onnxruntime's
 * kernels on another CPU to round differently, and is far below any visible change.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runJob } from '../../core/src/pipeline/run-job.ts';
import { createEffectContext } from '../../core/src/runtime/context.ts';
import { blockMeans } from './block-means.ts';

const BOUND = 2e-4;
type Ref = { file: string; width: number; height: number; means: number[] };
const refs = JSON.parse(
  readFileSync(new URL('./reference/v1-outputs.json', import.meta.url), 'utf8'),
) as Record<string, Ref[]>;
const clip = path.resolve('test/fixtures/closeup-2398.mp4');
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'mlxv-unchanged-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const cases: [string, string, Record<string, unknown>, { start: number; end: number }][] = [
  ['matte-auto', 'matte', {}, { start: 0, end: 3 }],
  ['upscale', 'upscale', { scale: '2' }, { start: 0, end: 0 }],
  ['interpolate', 'interpolate', { fps: '48000/1001' }, { start: 0, end: 2 }],
];

it.each(cases)('%s matches the v1 output', { timeout: 600_000 }, async (name, effect, params, frames) => {
  const out = path.join(dir, name, 'f_%04d.png');
  await runJob({ effect, input: clip, output: out, params, frames }, { ctx: createEffectContext() });
  let worst = 0;
  for (const ref of refs[name]!) {
    const got = await blockMeans(path.join(dir, name, ref.file));
    expect([got.width, got.height]).toEqual([ref.width, ref.height]);
    for (let i = 0; i < ref.means.length; i++)
      worst = Math.max(worst, Math.abs(got.means[i]! - ref.means[i]!));
  }
  console.info(
    `${name}: ${refs[name]!.length} frames, largest block-mean difference ${worst.toExponential(2)}`,
  );
  expect(worst).toBeLessThanOrEqual(BOUND);
});
