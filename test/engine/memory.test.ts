/**
 * A 4K render holds a bounded number of frames, not the clip: an 8-bit 3840x2160 clip through `identity`
 * (gain 0.5, so every frame is rewritten in the worker) to H.264, in a process of its own
 * (render-memory.ts), whose peak resident memory (VmHWM: main thread and engine worker together) must stay
 * within 768 MiB.
 *
 * Why 768 MiB: ~190 MiB is the runtime before any frame (Node, the effect registry in the main thread and
 * the worker); a 4K 8-bit frame is 31.6 MiB, and a job holds at most ~14 of them (the decoder's partial frame,
 * 2 decoded ahead, 2 lanes' input and output in the worker, 2 processed, 1 in the encoder's pipe, up to 4
 * spare in the buffer pool) = 443 MiB; the rest is slack for garbage not yet collected. Before the engine
 * bounded and pooled its buffers this render peaked above 1 GiB at 16 frames, and 5.6 GiB in the bench.
 * The 300-frame figure (flat over the whole render) is in the bench (bench/sections/engine.ts).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ffmpegPath } from '../../core/src/media/ffmpeg.ts';

const exec = promisify(execFile);
const BOUND_MIB = 768;
const FRAMES = 12;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'mlxv-memory-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

it.runIf(process.platform === 'linux')(
  `a ${FRAMES}-frame 4K render peaks within ${BOUND_MIB} MiB resident`,
  { timeout: 600_000 },
  async () => {
    const clip = path.join(dir, 'pattern-4k.mp4');
    await exec(ffmpegPath(), [
      ...[
        '-v',
        'error',
        '-y',
        '-f',
        'lavfi',
        '-i',
        `testsrc2=size=3840x2160:rate=25:duration=${FRAMES / 25}`,
      ],
      ...['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', clip],
    ]);
    const { stdout } = await exec(
      process.execPath,
      [
        ...['--import', 'tsx', path.resolve('test/engine/render-memory.ts')],
        ...[clip, path.join(dir, 'out.mp4'), 'identity', JSON.stringify({ gain: 0.5 })],
      ],
      { maxBuffer: 16 << 20 },
    );
    const last = JSON.parse(stdout.trim().split('\n').at(-1)!) as {
      result: { frames: number };
      peak: number;
    };
    const peakMib = last.peak / 2 ** 20;
    console.info(`4K identity, ${FRAMES} frames: peak RSS ${peakMib.toFixed(0)} MiB (bound ${BOUND_MIB})`);
    expect(last.result.frames).toBe(FRAMES);
    expect(peakMib).toBeLessThanOrEqual(BOUND_MIB);
  },
);
