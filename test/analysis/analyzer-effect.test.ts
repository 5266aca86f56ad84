/**
 * The analyzer-kind descriptor (contract v2) fed frame by frame from the real decoder, on the cut clip:
 * the same shot boundaries as the two-decode path of `mlxv analyze`, and shot records carrying the model
 * results (people on the street, the close-up's scale).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { analyzeEffect } from '../../core/src/analysis/descriptor.ts';
import { decodeFrames } from '../../core/src/media/decode.ts';
import { probeMedia } from '../../core/src/media/probe.ts';
import { createEffectContext } from '../../core/src/runtime/context.ts';
import { makeClips } from './clips.ts';

it('finds the shots and describes them from frames pushed one at a time', async () => {
  const clip = makeClips(mkdtempSync(join(tmpdir(), 'mlxv-analyzer-'))).cut;
  const info = await probeMedia(clip);
  const analyzer = await analyzeEffect.createAnalyzer(
    createEffectContext(),
    { stride: 40, resolution: 640 },
    { width: info.width, height: info.height, frameRate: info.frameRate, frameCount: info.frameCount },
  );
  let index = 0;
  for await (const frame of decodeFrames(clip, { info })) await analyzer.push(frame, index++);
  const { records } = await analyzer.finish();
  expect(records.map((r) => [r.kind, r.start, r.end])).toEqual([
    ['shot', 0, 47],
    ['shot', 48, 83],
    ['shot', 84, 121],
  ]);
  const [street, closeUp] = records as unknown as {
    data: { objects: Record<string, number>; scale: string; thumbnail?: string; sampledFrames: number[] };
  }[];
  expect(street!.data.sampledFrames).toEqual([0, 40]);
  expect(street!.data.objects.person).toBeGreaterThanOrEqual(4);
  expect(closeUp!.data.scale).toBe('close-up');
  expect(Buffer.from(closeUp!.data.thumbnail!, 'base64').subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
}, 300_000);
