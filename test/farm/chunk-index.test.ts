/**
 * Jobs and farm chunks hand processors the input clip's frame index (Processor.process's `at`), pre-roll
 * included: `--frames 10-14` of an effect with preRoll 4 feeds 6..14 as indexes 6..14 and writes 10..14; a
 * chunk window primed from frame 3 feeds 3..14.
 * Effects whose params name frames (colorize's referenceFrame) rely on this. A real clip, decoded and
 * encoded by the real pipeline; the effect is a probe that records what it is given.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import { runJob } from '../../core/src/pipeline/run-job.ts';
import type { EffectContext, FilterEffect, FrameAt } from '../../core/src/effects/types.ts';
import { fixture } from '../support/paths.ts';

function indexProbe(seen: (number | undefined)[]): FilterEffect {
  return {
    kind: 'filter',
    id: 'index-probe',
    label: 'Index probe',
    category: 'utility',
    description: 'records the frame index it is given',
    params: {},
    models: [],
    outputs: ['rgba'],
    temporal: 'sequential',
    preRoll: 4,
    async createProcessor() {
      return {
        async process(frame, _params, at?: FrameAt) {
          seen.push(at?.index);
          return frame;
        },
        reset() {},
      };
    },
  };
}

// A hand-made context: the probe runs in-process (no engine worker).
const ctx = {
  sessions: {},
  models: { resolve: () => Promise.reject(new Error('no models here')) },
} as unknown as EffectContext;

it('a job with --frames and a chunk window pass each frame, pre-roll included, its index in the input clip', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'mlxv-index-'));
  const input = fixture('wide-street.mp4');
  const seen: (number | undefined)[] = [];
  const probe = indexProbe(seen);
  const plain = await runJob(
    {
      effect: probe.id,
      input,
      output: path.join(dir, 'plain.mov'),
      params: {},
      frames: { start: 10, end: 14 },
    },
    { ctx, getEffect: () => probe },
  );
  expect(plain.frames).toBe(5);
  // --frames 10-14 primes the declared preRoll (4): frames 6..9 feed the state, 10..14 are written.
  expect(seen).toEqual([6, 7, 8, 9, 10, 11, 12, 13, 14]);

  seen.length = 0;
  const chunk = await runJob(
    {
      effect: probe.id,
      input,
      output: path.join(dir, 'chunk.mov'),
      params: {},
      frames: { start: 10, end: 14 },
    },
    { ctx, getEffect: () => probe, chunk: { primeFrom: 3 } },
  );
  expect(chunk.frames).toBe(5);
  expect(seen).toEqual([3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14]);
});
