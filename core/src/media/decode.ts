/**
 * decodeFrames(path): an async generator of display-referred float RGBA frames, streamed from ffmpeg's stdout
 * one frame at a time (the clip is never held in memory; a slow consumer pauses ffmpeg through pipe
 * backpressure).
 *
 * Colour is converted deliberately, never left to ffmpeg's defaults: the probed (or guessed, see probe.ts)
 * matrix and range are passed to the scale filter as in_color_matrix / in_range, so BT.601 vs BT.709 and
 * limited vs full range decode to the same RGB a player shows. Sources deeper than 8 bits come through as
 * 16-bit RGBA so 10-bit precision survives.
 *
 * Ranges are frame-accurate: frames are selected by decoded frame number (select=between(n,a,b)) with
 * passthrough timing, not by seeking to seconds. The price is decoding from the clip's start.
 */
import { execa } from 'execa';
import type { F32Frame, U16Frame, U8Frame } from '../contract/frame.ts';
import { JobError, type FrameRange } from '../pipeline/types.ts';
import {
  RawFrameSplitter,
  ffmpegPath,
  lowerStreamingPriority,
  passthroughTimingArgs,
  summarizeErrors,
} from './ffmpeg.ts';
import { probeMedia, type MediaInfo } from './probe.ts';

export interface DecodeOptions {
  /** 0-based inclusive frame numbers; end defaults to the last frame (and is clamped to it). */
  range?: FrameRange;
  /** Aborting kills ffmpeg; the generator then throws JobError CANCELLED. */
  signal?: AbortSignal;
  /** A probe result for this file, to skip probing again. */
  info?: MediaInfo;
  /** Non-fatal decoder complaints (all frames arrived, but ffmpeg reported errors). */
  onWarning?: (message: string) => void;
  /**
   * Ranges starting this many frames or more into a constant-rate clip seek instead of decoding from the
   * start. Default: 10 seconds' worth. Infinity disables seeking.
   */
  seekAfterFrames?: number;
  /**
   * 'f32' (default): float frames. 'native': the decoder's own samples, u8 for 8-bit sources and u16 for
   * deeper ones, straight over ffmpeg's bytes (no conversion pass on this thread); the effect converts
   * once, where it needs floats, fused with its resize/normalise (jobs use this).
   */
  samples?: 'f32' | 'native';
  /**
   * Where frame buffers come from (default: a fresh one per frame). A job passes its pool's `take`, and
   * gives buffers back once encoded (engine/buffer-pool.ts), so a long render allocates nothing per frame.
   */
  allocate?: (bytes: number) => ArrayBuffer;
}

const SEEK_AFTER_SECONDS = 10;
/**
 * Containers whose index makes ffmpeg's accurate seek land on the exact frame (checked against decoding from
 * the start, frame by frame, in test/media/decode.test.ts). MPEG-TS and MPEG-PS are not among them: seeking
 * there was measured to land on the wrong frame, so they always decode from the start.
 */
const SEEKABLE_CONTAINERS = /^(mov,mp4|matroska|avi$)/;

/**
 * Fewer frames arrived than the file promised and ffmpeg reported errors: the file is damaged or truncated.
 * Thrown after the frames that did decode were yielded, so a job can still choose to finish with them.
 */
export class DecodeTruncatedError extends JobError {
  constructor(
    readonly file: string,
    readonly framesDelivered: number,
    readonly framesExpected: number,
    readonly ffmpegMessage: string,
  ) {
    super(
      'INPUT_CORRUPT',
      `input is truncated or damaged: ${file} decoded ${framesDelivered} of ${framesExpected} frames` +
        (ffmpegMessage ? ` (ffmpeg: ${ffmpegMessage})` : ''),
      'the file may be incomplete (an interrupted copy or render); re-export or copy it again, ' +
        `or process only frames 0-${Math.max(0, framesDelivered - 1)}`,
    );
    this.name = 'DecodeTruncatedError';
  }
}

/** The resolved plan for one decode; exported so tests and the pipeline can show what will happen. */
export interface DecodePlan {
  args: string[];
  first: number;
  last: number;
  bytesPerSample: 1 | 2;
}

/** `timingArgs`: passthroughTimingArgs() of the ffmpeg that will run the plan. */
export function planDecode(
  info: MediaInfo,
  timingArgs: readonly string[],
  range?: FrameRange,
  seekAfterFrames?: number,
): DecodePlan {
  const lastFrame = info.frameCount - 1;
  const first = range?.start ?? 0;
  if (!Number.isInteger(first) || first < 0 || first > lastFrame) {
    throw new JobError(
      'BAD_PARAM',
      `frame range starts at ${first}, but ${info.path} has frames 0-${lastFrame}`,
      `pick a start frame between 0 and ${lastFrame}`,
    );
  }
  const last = Math.min(range?.end ?? lastFrame, lastFrame);
  if (!Number.isInteger(last) || last < first) {
    throw new JobError(
      'BAD_PARAM',
      `frame range ${first}-${range?.end} is empty`,
      'write the range as start-end with end >= start',
    );
  }
  const bytesPerSample = info.bitDepth > 8 ? 2 : 1;
  const outFormat = bytesPerSample === 2 ? 'rgba64le' : 'rgba';

  // Far into a constant-rate clip, seek rather than decode everything before the range. Frame k of a CFR
  // stream is presented at start + k/rate, so seeking to half a frame before `first` makes frame `first` the
  // first one ffmpeg's accurate seek keeps, whatever the keyframe spacing. Anything less regular (variable
  // rate, unknown start time, stills) decodes from the start and selects by frame number.
  const seekFrom =
    seekAfterFrames ?? Math.round(SEEK_AFTER_SECONDS * (info.frameRate.num / info.frameRate.den));
  const canSeek =
    SEEKABLE_CONTAINERS.test(info.container) &&
    !info.isStill &&
    !info.variableFrameRate &&
    info.videoStartSeconds !== undefined;
  const skipped = canSeek && first > 0 && first >= seekFrom ? first : 0;
  // Variable-rate input becomes constant-rate here (see MediaInfo.variableFrameRate); frame numbers below
  // count the converted frames, as info.frameCount does.
  const filters: string[] = info.variableFrameRate ? [`fps=${info.frameRate.num}/${info.frameRate.den}`] : [];
  if (first - skipped > 0 || last < lastFrame) {
    filters.push(`select='between(n\\,${first - skipped}\\,${last - skipped})'`);
  }
  // full_chroma_int: interpolate chroma for every pixel (no blocky 4:2:0 edges on mattes). accurate_rnd and
  // bitexact were measured 3x slower at 1080p for errors well inside the colour tests' 3/255.
  const scale = ['flags=full_chroma_int'];
  if (info.color.matrix !== 'rgb') {
    scale.unshift(
      `in_color_matrix=${info.color.matrix}`,
      `in_range=${info.color.range === 'pc' ? 'full' : 'limited'}`,
    );
  }
  filters.push(`scale=${scale.join(':')}`, `format=${outFormat}`);

  const args = ['-hide_banner', '-nostdin', '-v', 'error'];
  // EXR holds linear light; our frames are display-referred (sRGB), so the decoder applies the sRGB curve.
  if (info.codec === 'exr') args.push('-apply_trc', 'iec61966_2_1');
  // The native VP8/VP9 decoders drop WebM's side-channel alpha; libvpx reads it.
  if (info.hasAlpha && info.codec === 'vp9') args.push('-c:v', 'libvpx-vp9');
  if (info.hasAlpha && info.codec === 'vp8') args.push('-c:v', 'libvpx');
  if (skipped > 0) {
    const seconds = info.videoStartSeconds! + ((skipped - 0.5) * info.frameRate.den) / info.frameRate.num;
    // -seek_timestamp: the position is a presentation time, not an offset from the container's start.
    args.push('-seek_timestamp', '1', '-ss', seconds.toFixed(6));
  }
  args.push('-i', info.path, '-map', '0:v:0', '-an', '-sn', '-dn', '-vf', filters.join(','));
  // passthrough: every decoded frame exactly once (no CFR duplication/dropping by timestamps).
  args.push(...timingArgs, '-frames:v', String(last - first + 1));
  args.push('-f', 'rawvideo', '-pix_fmt', outFormat, 'pipe:1');
  return { args, first, last, bytesPerSample };
}

export function decodeFrames(
  file: string,
  options: DecodeOptions & { samples: 'native' },
): AsyncGenerator<U8Frame | U16Frame>;
export function decodeFrames(file: string, options?: DecodeOptions): AsyncGenerator<F32Frame>;
export async function* decodeFrames(
  file: string,
  options: DecodeOptions = {},
): AsyncGenerator<F32Frame | U8Frame | U16Frame> {
  const info = options.info ?? (await probeMedia(file));
  const plan = planDecode(info, await passthroughTimingArgs(), options.range, options.seekAfterFrames);
  const expected = plan.last - plan.first + 1;
  const { width, height } = info;
  const frameBytes = width * height * 4 * plan.bytesPerSample;

  if (options.signal?.aborted) throw cancelled(file);
  const child = execa(ffmpegPath(), plan.args, {
    stdin: 'ignore',
    buffer: { stdout: false, stderr: true },
    reject: false,
    encoding: 'buffer',
    cancelSignal: options.signal,
    maxBuffer: { stderr: 1 << 20 },
  });
  lowerStreamingPriority(child);

  let delivered = 0;
  const allocate = options.allocate;
  const splitter = new RawFrameSplitter(
    frameBytes,
    allocate ? (bytes) => Buffer.from(allocate(bytes)) : undefined,
  );
  let finished = false;
  try {
    for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
      for (const raw of splitter.push(chunk)) {
        const frame =
          options.samples === 'native'
            ? nativeFrame(raw, width, height, plan.bytesPerSample)
            : toFrame(raw, width, height, plan.bytesPerSample);
        // Chunks already read may hold more frames; none is handed out after an abort.
        if (options.signal?.aborted) throw cancelled(file);
        delivered++;
        yield frame;
      }
    }
    const result = await child;
    finished = true;
    if (options.signal?.aborted || result.isCanceled) throw cancelled(file);
    const stderr = summarizeErrors(Buffer.from(result.stderr as Uint8Array).toString('utf8'));
    if (delivered < expected || splitter.partialBytes > 0 || result.exitCode !== 0) {
      if (result.exitCode !== 0 && delivered === 0 && !stderr) {
        throw new JobError('INTERNAL', `ffmpeg failed decoding ${file} (exit ${result.exitCode})`);
      }
      throw new DecodeTruncatedError(file, delivered, expected, stderr);
    }
    if (stderr) options.onWarning?.(`ffmpeg reported problems while decoding ${file}: ${stderr}`);
  } finally {
    if (!finished) {
      // The consumer stopped early (break / throw / abort): stop ffmpeg instead of letting it run on.
      child.kill('SIGKILL');
      await child.catch(() => undefined);
    }
  }
}

function cancelled(file: string): JobError {
  return new JobError('CANCELLED', `decoding ${file} was cancelled`);
}

/** The decoder's samples as a frame without copying (ffmpeg writes rgba / rgba64le, little-endian hosts). */
function nativeFrame(
  bytes: Buffer,
  width: number,
  height: number,
  bytesPerSample: 1 | 2,
): U8Frame | U16Frame {
  const count = width * height * 4;
  const base = { width, height, stride: width * 4, colorSpace: 'display' as const };
  return bytesPerSample === 2
    ? { ...base, format: 'u16', data: new Uint16Array(bytes.buffer, bytes.byteOffset, count) }
    : { ...base, format: 'u8', data: new Uint8Array(bytes.buffer, bytes.byteOffset, count) };
}

function toFrame(bytes: Buffer, width: number, height: number, bytesPerSample: 1 | 2): F32Frame {
  const count = width * height * 4;
  const data = new Float32Array(count);
  if (bytesPerSample === 2) {
    const samples = new Uint16Array(bytes.buffer, bytes.byteOffset, count);
    const scale = 1 / 65535;
    for (let i = 0; i < count; i++) data[i] = samples[i]! * scale;
  } else {
    const scale = 1 / 255;
    for (let i = 0; i < count; i++) data[i] = bytes[i]! * scale;
  }
  return { width, height, stride: width * 4, format: 'f32', data, colorSpace: 'display' };
}
