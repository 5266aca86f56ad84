/**
 * ProRes 4444 takes planar G/B/R/A input (gbrap16le, planes shuffled by the addon off the main thread)
 * instead of packed rgba64le when the addon is built, because ffmpeg's conversion to YUVA 10-bit costs less
 * than half from planes. The claim that makes it safe: the file is the same. The real CLI renders the same
 * frames with the addon and without it (MLXV_NO_NATIVE=1, the packed path), and ffmpeg itself checks that
 * the video bitstreams are identical and the decoded frames too.
 */
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { nativeAddon } from '../../core/src/native/addon.ts';
import { mlxv } from '../cli/helpers.ts';
import { fixture, makeTempDir, videoMd5 } from './helpers.ts';

const tmp = makeTempDir();
afterAll(() => tmp.cleanup());

it.runIf(nativeAddon())('planar and packed input give the same ProRes 4444 file', async () => {
  const files: string[] = [];
  for (const [name, env] of [
    ['planar.mov', {}],
    ['packed.mov', { MLXV_NO_NATIVE: '1' }],
  ] as const) {
    const out = path.join(tmp.dir, name);
    // `gain` makes the identity effect change the pixels, so the frames pass through the worker's u16 output.
    const r = await mlxv(
      ['run', 'identity', fixture('closeup-2398.mp4'), '-o', out, '--frames', '0-5', '--param', 'gain=0.9'],
      env,
    );
    expect(r.code, r.stderr).toBe(0);
    files.push(out);
  }
  const [planar, packed] = files as [string, string];
  expect(await videoMd5(planar, 'bitstream')).toBe(await videoMd5(packed, 'bitstream'));
  expect(await videoMd5(planar, 'decoded')).toBe(await videoMd5(packed, 'decoded'));
});
