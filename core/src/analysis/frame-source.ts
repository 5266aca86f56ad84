/**
 * The two decodes an analysis makes of a file, both with ffmpeg doing the scaling (a 1080p frame never
 * crosses into JavaScript at full size unless asked):
 *
 * - `smallFrames`: every frame, scaled to a thumbnail-sized RGB image (default 96 px wide). Shot boundaries
 *   and camera motion are measured on these; at this size a frame is 15 KB instead of 33 MB of floats.
 * - `selectedFrames`: only the frames the models look at (every `stride`-th frame plus one per short shot),
 *   scaled so the longer side is at most `maxSide`, as float RGBA Frames for runtime/tensor.ts.
 *
 * Colour is converted like media/decode.ts does (the probed matrix and range passed to the scale filter), so
 * analysis sees the colours a player shows. Frames are selected by decoded frame number with passthrough
 * timing, so output k is exactly the k-th requested frame.
 */
import { execa } from 'execa';
import type { F32Frame } from '../effects/frame.ts';
import {
  RawFrameSplitter,
  ffmpegPath,
  lowerStreamingPriority,
  passthroughTimingArgs,
  summarizeErrors,
} from '../media/ffmpeg.ts';
import type { MediaInfo } from '../media/probe.ts';
import { JobError } from '../pipeline/types.ts';

export interface SmallFrame {
  index: number;
  width: number;
  height: number;
  /** Packed RGB, 3 bytes per pixel, display-referred. */
  rgb: Uint8Array;
}

function colourArgs(info: MediaInfo): string {
  const scale = ['flags=area'];
  if (info.color.matrix !== 'rgb') {
    scale.push(
      `in_color_matrix=${info.color.matrix}`,
      `in_range=${info.color.range === 'pc' ? 'full' : 'limited'}`,
    );
  }
  return scale.join(':');
}

/** Output size for a frame scaled to fit `maxSide` (never enlarged), even numbers for ffmpeg. */
export function fitSize(width: number, height: number, maxSide: number): { width: number; height: number } {
  const k = Math.min(1, maxSide / Math.max(width, height));
  const even = (n: number) => Math.max(2, Math.round((n * k) / 2) * 2);
  return { width: even(width), height: even(height) };
}

/** Small width for the shot/motion pass, height from the aspect ratio (even). */
export function smallSize(info: MediaInfo, width: number): { width: number; height: number } {
  const w = Math.min(width, info.width);
  const h = Math.max(2, Math.round((info.height * w) / info.width / 2) * 2);
  return { width: w - (w % 2), height: h };
}

async function* rawFrames(
  info: MediaInfo,
  filters: string[],
  frameBytes: number,
  pixFmt: string,
  maxFrames: number,
  signal?: AbortSignal,
): AsyncGenerator<Buffer> {
  if (signal?.aborted) throw cancelled(info.path);
  const args = ['-hide_banner', '-nostdin', '-v', 'error', '-i', info.path];
  args.push('-map', '0:v:0', '-an', '-sn', '-dn', '-vf', filters.join(','));
  args.push(...(await passthroughTimingArgs()), '-frames:v', String(maxFrames));
  args.push('-f', 'rawvideo', '-pix_fmt', pixFmt, 'pipe:1');
  const child = execa(ffmpegPath(), args, {
    stdin: 'ignore',
    buffer: { stdout: false, stderr: true },
    reject: false,
    encoding: 'buffer',
    cancelSignal: signal,
    maxBuffer: { stderr: 1 << 20 },
  });
  lowerStreamingPriority(child);
  const splitter = new RawFrameSplitter(frameBytes);
  let finished = false;
  try {
    for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
      for (const out of splitter.push(chunk)) {
        if (signal?.aborted) throw cancelled(info.path);
        yield out;
      }
    }
    const result = await child;
    finished = true;
    if (signal?.aborted || result.isCanceled) throw cancelled(info.path);
    if (result.exitCode !== 0) {
      const stderr = summarizeErrors(Buffer.from(result.stderr as Uint8Array).toString('utf8'));
      throw new JobError(
        'INPUT_CORRUPT',
        `ffmpeg could not decode ${info.path}${stderr ? `: ${stderr}` : ` (exit ${result.exitCode})`}`,
        'check that the file plays; re-export or copy it again if it was interrupted',
      );
    }
  } finally {
    if (!finished) {
      child.kill('SIGKILL');
      await child.catch(() => undefined);
    }
  }
}

/** Every frame of the file as a small RGB image (`width` px wide). */
export async function* smallFrames(
  info: MediaInfo,
  width: number,
  signal?: AbortSignal,
): AsyncGenerator<SmallFrame> {
  const size = smallSize(info, width);
  const filters = [`scale=${size.width}:${size.height}:${colourArgs(info)}`, 'format=rgb24'];
  let index = 0;
  const bytes = size.width * size.height * 3;
  for await (const buf of rawFrames(info, filters, bytes, 'rgb24', info.frameCount + 1000, signal)) {
    yield { index: index++, width: size.width, height: size.height, rgb: new Uint8Array(buf) };
  }
}

/**
 * The frames at `indices` (sorted, unique) as float RGBA Frames whose longer side is at most `maxSide`.
 * Indices past the end of a truncated file are simply not delivered.
 */
export async function* selectedFrames(
  info: MediaInfo,
  indices: readonly number[],
  maxSide: number,
  signal?: AbortSignal,
): AsyncGenerator<{ index: number; frame: F32Frame }> {
  if (indices.length === 0) return;
  const size = fitSize(info.width, info.height, maxSide);
  // Runs of consecutive indices compress to between(); the rest are eq() terms.
  const terms: string[] = [];
  for (let i = 0; i < indices.length;) {
    let j = i;
    while (j + 1 < indices.length && indices[j + 1] === indices[j]! + 1) j++;
    terms.push(j > i ? `between(n\\,${indices[i]}\\,${indices[j]})` : `eq(n\\,${indices[i]})`);
    i = j + 1;
  }
  const filters = [
    `select='${terms.join('+')}'`,
    `scale=${size.width}:${size.height}:${colourArgs(info)}`,
    'format=rgba',
  ];
  const bytes = size.width * size.height * 4;
  let k = 0;
  for await (const buf of rawFrames(info, filters, bytes, 'rgba', indices.length, signal)) {
    const data = new Float32Array(buf.length);
    const scale = 1 / 255;
    for (let i = 0; i < buf.length; i++) data[i] = buf[i]! * scale;
    const frame: F32Frame = {
      width: size.width,
      height: size.height,
      stride: size.width * 4,
      format: 'f32',
      data,
      colorSpace: 'display',
    };
    yield { index: indices[k++]!, frame };
  }
}

function cancelled(file: string): JobError {
  return new JobError('CANCELLED', `analysing ${file} was cancelled`);
}
