/**
 * The ffmpeg processes that stream a job's frames run at a lower priority than inference
 * (media/ffmpeg.ts lowerStreamingPriority): every thread of the real decoder and encoder that a job starts,
 * read from /proc while they run, has the nice value; codec threads start after the lowering and inherit it.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeFrames } from '../../core/src/media/decode.ts';
import { createEncoder } from '../../core/src/media/encode.ts';
import { streamingFfmpegNice } from '../../core/src/media/ffmpeg.ts';
import { fixture, makeTempDir, solidFrame } from './helpers.ts';

const tmp = makeTempDir();
afterAll(() => tmp.cleanup());

function field(stat: string, n: number): string {
  // Fields after the parenthesised command name start at field 3 (state); names may contain spaces.
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[n - 3]!;
}

/** Every ffmpeg process that is a child of this one, with the nice value of each of its threads. */
function ffmpegChildren(): { pid: number; threadNices: number[] }[] {
  const pids = new Set<number>();
  for (const task of readdirSync(`/proc/${process.pid}/task`)) {
    const children = readFileSync(`/proc/${process.pid}/task/${task}/children`, 'utf8').trim();
    for (const pid of children.split(' ').filter(Boolean)) pids.add(Number(pid));
  }
  const found: { pid: number; threadNices: number[] }[] = [];
  for (const pid of pids) {
    try {
      if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() !== 'ffmpeg') continue;
      const threadNices = readdirSync(`/proc/${pid}/task`).map((tid) =>
        Number(field(readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8'), 19)),
      );
      found.push({ pid, threadNices });
    } catch {
      // exited between listing and reading
    }
  }
  return found;
}

describe.runIf(process.platform === 'linux')('streaming ffmpeg priority', () => {
  it('reads MLXV_FFMPEG_NICE (0..19) and defaults to 19', () => {
    expect(streamingFfmpegNice({})).toBe(19);
    expect(streamingFfmpegNice({ MLXV_FFMPEG_NICE: '0' })).toBe(0);
    expect(streamingFfmpegNice({ MLXV_FFMPEG_NICE: '7' })).toBe(7);
    expect(streamingFfmpegNice({ MLXV_FFMPEG_NICE: '25' })).toBe(19);
    expect(streamingFfmpegNice({ MLXV_FFMPEG_NICE: 'x' })).toBe(19);
  });

  it('runs every thread of the decoder at the lowered priority', async () => {
    const frames = decodeFrames(fixture('closeup-2398.mp4'));
    try {
      await frames.next();
      const children = ffmpegChildren();
      expect(children.length).toBe(1);
      // the decoder uses codec threads: the check covers more than its main thread
      expect(children[0]!.threadNices.length).toBeGreaterThan(1);
      expect(new Set(children[0]!.threadNices)).toEqual(new Set([19]));
    } finally {
      await frames.return(undefined);
    }
  });

  it('runs every thread of the encoder at the lowered priority', async () => {
    const encoder = await createEncoder({
      output: path.join(tmp.dir, 'priority.mov'),
      format: 'prores4444',
      width: 640,
      height: 360,
      frameRate: { num: 25, den: 1 },
    });
    try {
      await encoder.write(solidFrame(640, 360, [0.2, 0.4, 0.6, 1]));
      await encoder.write(solidFrame(640, 360, [0.3, 0.4, 0.6, 1]));
      const children = ffmpegChildren();
      expect(children.length).toBe(1);
      expect(new Set(children[0]!.threadNices)).toEqual(new Set([19]));
    } finally {
      await encoder.abort();
    }
  });
});
