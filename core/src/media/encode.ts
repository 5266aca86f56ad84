/**
 * createEncoder(): frames in, a finished file out — ProRes 4444 with alpha (.mov), an RGBA PNG or EXR sequence,
 * WebM VP9 with alpha, H.264 (no alpha, for composites), or one image (PNG 8/16-bit, JPEG, TIFF, WebP, EXR).
 *
 * Nothing is ever half-written under the final name: ffmpeg writes to a hidden temporary name in the same
 * folder (`.name.partial-<pid>-<n>-<host>.mov`, or a temporary folder for PNGs; see output-names.ts),
 * `finish()` renames it into place (an atomic rename on one filesystem) and `abort()` deletes it. The
 * temporary file is created before ffmpeg starts, so an unwritable output folder fails with
 * OUTPUT_UNWRITABLE before any work is done. Nothing but the exact output names is ever replaced, and those
 * only with `overwrite`: a sequence folder that already exists is filled file by file, never swapped out.
 *
 * Kept from the source: the exact frame rate (a rational, given to ffmpeg as num/den), the timecode (a tmcd
 * track in .mov/.mp4), audio (stream-copied when the container accepts the codec, otherwise transcoded; see
 * AUDIO_COPY) and colour tags (matrix/range/primaries/transfer), with RGB→YUV done by an explicit matrix.
 */
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { convertFrame, packed, type Frame } from '../contract/frame.ts';
import { nativeAddon, type NativeAddon } from '../native/addon.ts';
import { JobError, type OutputFormat } from '../pipeline/types.ts';
import { ffmpegPath, lowerStreamingPriority, tail } from './ffmpeg.ts';
import {
  checkSequenceFolder,
  folderSequencePattern,
  isSequenceFormat,
  moveSequenceInto,
  newPartialTag,
  sequencePattern,
  sweepStalePartials,
} from './output-names.ts';
import { probeAudioCodec, type ColorInfo } from './probe.ts';
import { formatRational, type Rational } from './rational.ts';

export interface AudioSource {
  path: string;
  startSeconds: number;
  durationSeconds: number;
  /** The source's audio codec if known (saves a probe); decides copy vs transcode. */
  codec?: string;
}

export interface EncoderOptions {
  /** A file (.mov/.webm/.mp4/.png/...), or for png-sequence a folder or a pattern like `out/frame_%06d.png`. */
  output: string;
  format: OutputFormat;
  width: number;
  height: number;
  frameRate: Rational;
  /** Timecode of the first written frame (see offsetTimecode in timecode.ts for ranges). */
  timecode?: string;
  audioSource?: AudioSource;
  /** Colour of the output: the input's ColorInfo keeps tags and matrix; default BT.709 limited range. */
  color?: Partial<Pick<ColorInfo, 'matrix' | 'range' | 'primaries' | 'transfer' | 'matrixTag'>>;
  /**
   * Replace the exact output names on finish. Default false: an existing output is refused up front. Even
   * with it, nothing else is replaced: an existing sequence folder must be empty or hold only its own frames.
   */
  overwrite?: boolean;
  /** PNG (sequence or still) and TIFF sample depth; default 16 (soft matte edges band at 8 bits). */
  imageBitDepth?: 8 | 16;
  /**
   * The frames are one grey channel (R = G = B, opaque: a depth pass, a matte shown as grey): PNG and TIFF
   * (stills and PNG sequences) are written as 1-channel gray/gray16, EXR as a single Y channel; formats with
   * no single-channel mode here (video codecs, JPEG, WebP) stay RGB with a note.
   */
  grey?: boolean;
  /** Number of the first PNG file; default 0 (a job rendering frames a-b passes a). */
  firstFrameNumber?: number;
  /**
   * Container (global) metadata, e.g. a synthetic-media declaration. Written into .mov/.mp4/.webm (custom
   * keys kept in QuickTime/MP4 through use_metadata_tags); image outputs cannot carry it (a note says so).
   */
  metadata?: Readonly<Record<string, string>>;
}

export type AudioHandling = 'none' | 'copy' | 'transcode' | 'dropped';

export interface Encoder {
  /** Resolves once ffmpeg has taken the frame (waits on pipe backpressure). */
  write(frame: Frame): Promise<void>;
  /** Closes the stream, waits for ffmpeg, and renames the result to the final name. */
  finish(): Promise<void>;
  /** Kills ffmpeg and removes the temporary output. Safe to call at any time, and a no-op after finish(). */
  abort(): Promise<void>;
  readonly framesWritten: number;
  /** The samples ffmpeg reads: frames already in this format are written without conversion. */
  readonly sampleFormat: 'u8' | 'u16';
  /** What happens to the audio source, with the reason in `notes`. */
  readonly audio: AudioHandling;
  readonly notes: readonly string[];
  /** Where ffmpeg writes until finish(). */
  readonly tempPath: string;
}

/** Audio codecs each container takes as a stream copy; anything else is transcoded to the fallback. */
const AUDIO_COPY: Record<'mov' | 'mp4' | 'webm', { copy: RegExp; fallback: string[]; fallbackName: string }> =
  {
    mov: {
      copy: /^(aac|alac|mp3|ac3|eac3|pcm_[suf]\d+(le|be)?)$/,
      fallback: ['-c:a', 'pcm_s24le'],
      fallbackName: 'PCM 24-bit',
    },
    mp4: {
      copy: /^(aac|alac|mp3|ac3|eac3|opus)$/,
      fallback: ['-c:a', 'aac', '-b:a', '192k'],
      fallbackName: 'AAC 192k',
    },
    // WebM allows only Opus and Vorbis.
    webm: {
      copy: /^(opus|vorbis)$/,
      fallback: ['-c:a', 'libopus', '-b:a', '160k'],
      fallbackName: 'Opus 160k',
    },
  };

export async function createEncoder(options: EncoderOptions): Promise<Encoder> {
  const { width, height, frameRate, format } = options;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new JobError('INTERNAL', `encoder needs positive integer dimensions, got ${width}x${height}`);
  }
  if (!(frameRate.num > 0 && frameRate.den > 0)) {
    throw new JobError('INTERNAL', `encoder needs a positive frame rate, got ${formatRational(frameRate)}`);
  }
  const target = await prepareTarget(options);
  const notes: string[] = [];
  let audio: AudioHandling = 'none';
  const audioArgs: string[] = [];
  const audioInput: string[] = [];
  if (options.metadata && Object.keys(options.metadata).length > 0 && target.container === 'image') {
    notes.push(
      `container metadata not written: ${format} files cannot carry it (${Object.keys(options.metadata).join(', ')})`,
    );
  }
  if (options.grey && !GREY_FORMATS.has(format)) {
    notes.push(`grey written as RGB: ${format} has no single-channel mode here (PNG, TIFF and EXR do)`);
  }
  if (target.swept.length) {
    notes.push(
      `removed ${target.swept.length} temporary output(s) an interrupted run left behind: ${target.swept.join(', ')}`,
    );
  }
  if (options.audioSource) {
    if (target.container === 'image') {
      audio = 'dropped';
      notes.push(
        `audio dropped: ${isSequenceFormat(format) ? `${format === 'exr-sequence' ? 'an EXR' : 'a PNG'} sequence` : 'an image'} cannot carry audio`,
      );
    } else {
      const src = options.audioSource;
      const codec = src.codec ?? (await probeAudioCodec(src.path));
      if (codec) {
        const rule = AUDIO_COPY[target.container as 'mov' | 'mp4' | 'webm'];
        audioInput.push(
          '-ss',
          src.startSeconds.toFixed(6),
          '-t',
          src.durationSeconds.toFixed(6),
          '-i',
          src.path,
        );
        audioArgs.push('-map', '1:a:0');
        if (rule.copy.test(codec)) {
          audio = 'copy';
          audioArgs.push('-c:a', 'copy');
        } else {
          audio = 'transcode';
          audioArgs.push(...rule.fallback);
          notes.push(
            `audio transcoded ${codec} → ${rule.fallbackName}: ${target.container} cannot carry ${codec}`,
          );
        }
      }
    }
  }

  const deep =
    format === 'prores4444' ||
    format === 'exr' ||
    format === 'exr-sequence' ||
    (['png-sequence', 'png', 'tiff'].includes(format) && options.imageBitDepth !== 8);
  // ProRes 4444 reads planar G/B/R/A when the addon can shuffle the planes off this thread: ffmpeg's
  // conversion to YUVA 10-bit then costs about 40 % of what it costs from packed rgba64le, same output.
  const planes = format === 'prores4444' ? gbrapPlanes(width, height) : null;
  const inputPixFmt = planes ? 'gbrap16le' : deep ? 'rgba64le' : 'rgba';
  const args = ['-hide_banner', '-v', 'error', '-y'];
  args.push(
    '-f',
    'rawvideo',
    '-pix_fmt',
    inputPixFmt,
    '-s',
    `${width}x${height}`,
    '-framerate',
    formatRational(frameRate),
  );
  args.push('-i', 'pipe:0', ...audioInput, '-map', '0:v:0', ...audioArgs);
  args.push(...videoArgs(options, target));
  args.push(target.ffmpegOutput);

  const child = execa(ffmpegPath(), args, {
    stdin: 'pipe',
    stdout: 'ignore',
    buffer: { stderr: true },
    reject: false,
    maxBuffer: { stderr: 1 << 20 },
  });
  lowerStreamingPriority(child);
  // EPIPE when ffmpeg dies early surfaces through the exit status below; keep it from being unhandled.
  child.stdin.on('error', () => undefined);
  const exited = child.then((r) => r);

  const bytesPerSample = deep ? 2 : 1;
  let framesWritten = 0;
  let state: 'open' | 'finishing' | 'finished' | 'aborted' = 'open';

  const failure = async (what: string): Promise<JobError> => {
    const result = await exited;
    const stderr = tail(String(result.stderr ?? ''), 500);
    const diskFull = /No space left|Permission denied|Read-only file system/i.test(stderr);
    return new JobError(
      diskFull ? 'OUTPUT_UNWRITABLE' : 'INTERNAL',
      `ffmpeg stopped while ${what} ${target.final}: ${stderr || `exit ${result.exitCode}`}`,
      diskFull ? 'free disk space or choose another output folder' : undefined,
    );
  };

  const encoder: Encoder = {
    get framesWritten() {
      return framesWritten;
    },
    audio,
    notes,
    tempPath: target.temp,
    sampleFormat: deep ? 'u16' : 'u8',
    async write(frame) {
      if (state !== 'open')
        throw new JobError('INTERNAL', `encoder for ${target.final} is ${state}; cannot write`);
      if (frame.width !== width || frame.height !== height) {
        throw new JobError(
          'INTERNAL',
          `frame is ${frame.width}x${frame.height} but ${target.final} is ${width}x${height}`,
        );
      }
      const planar = planes ? await planes.of(frame) : null;
      const bytes = planar ? planes!.bytes(planar) : frameToBytes(frame, bytesPerSample);
      if (child.exitCode !== null) throw await failure('writing');
      // Resolves once ffmpeg's pipe has taken every byte (the write callback), so the caller may reuse or
      // recycle the frame's buffer at once and nothing is copied for the stream to keep.
      const flushed = new Promise<'flushed' | 'failed'>((resolve) =>
        child.stdin.write(bytes, (err) => resolve(err ? 'failed' : 'flushed')),
      );
      const outcome = await Promise.race([flushed, exited.then(() => 'failed' as const)]);
      // The pipe may still hold the planes when ffmpeg died; only a flushed buffer goes back to the pool.
      if (planar && outcome === 'flushed') planes!.release(planar);
      if (outcome === 'failed') throw await failure('writing');
      framesWritten++;
    },
    async finish() {
      if (state !== 'open') throw new JobError('INTERNAL', `encoder for ${target.final} is already ${state}`);
      state = 'finishing';
      child.stdin.end();
      const result = await exited;
      if (result.exitCode !== 0) {
        const error = await failure('finishing');
        await target.discard();
        state = 'aborted';
        throw error;
      }
      if (framesWritten === 0) {
        await target.discard();
        state = 'aborted';
        throw new JobError('INTERNAL', `no frames were written, so ${target.final} was not created`);
      }
      await target.commit();
      state = 'finished';
    },
    async abort() {
      if (state === 'finished' || state === 'aborted') return;
      state = 'aborted';
      child.kill('SIGKILL');
      await exited.catch(() => undefined);
      await target.discard();
    },
  };
  return encoder;
}

// ---------- output naming: temporary names, commit (rename) and discard ----------

interface Target {
  final: string;
  temp: string;
  container: 'mov' | 'mp4' | 'webm' | 'image';
  /** What ffmpeg is told to write (the temp file, or a numbered pattern inside the temp folder). */
  ffmpegOutput: string;
  /** Temporary outputs of dead runs removed while preparing (see sweepStalePartials). */
  swept: string[];
  commit(): Promise<void>;
  discard(): Promise<void>;
}

const CONTAINER_OF: Partial<Record<OutputFormat, Target['container']>> = {
  'webm-vp9': 'webm',
  prores4444: 'mov',
  h264: 'mp4',
};

async function prepareTarget(options: EncoderOptions): Promise<Target> {
  const final = path.resolve(options.output);
  const tag = newPartialTag();
  const overwrite = options.overwrite ?? false;
  if (isSequenceFormat(options.format)) {
    return prepareSequenceTarget(final, tag, overwrite, folderSequencePattern(options.format));
  }

  const dir = path.dirname(final);
  const ext = path.extname(final);
  // H.264 into a .mov stays a QuickTime file; every image format is written by ffmpeg's image2 muxer.
  const container =
    options.format === 'h264' && ext.toLowerCase() === '.mov'
      ? 'mov'
      : (CONTAINER_OF[options.format] ?? 'image');
  await ensureFolder(dir, final);
  const swept = await sweepStalePartials(final, 'file');
  await refuseExisting(final, overwrite);
  const temp = path.join(dir, `.${path.basename(final, ext)}.${tag}${ext || '.' + container}`);
  await createEmptyFile(temp, dir, final);
  return {
    final,
    temp,
    container,
    ffmpegOutput: temp,
    swept,
    async commit() {
      await refuseExisting(final, overwrite); // it may have appeared while the job ran
      await rename(temp, final);
    },
    discard: () => rm(temp, { force: true }),
  };
}

/**
 * A pattern writes its numbered files into its folder; a folder name gets frame_000000.png ... inside it.
 * ffmpeg writes into a temporary folder (beside a new sequence folder, inside an existing one); finish moves
 * the files in one by one, so nothing but the frames written is ever replaced and no folder is ever removed.
 */
async function prepareSequenceTarget(
  final: string,
  tag: string,
  overwrite: boolean,
  folderPattern: string,
): Promise<Target> {
  const isPattern = sequencePattern.test(path.basename(final));
  const destDir = isPattern ? path.dirname(final) : final;
  const pattern = isPattern ? path.basename(final) : folderPattern;
  const parent = isPattern ? destDir : path.dirname(destDir);
  await ensureFolder(parent, final);
  const swept = await sweepStalePartials(final, isPattern ? 'pattern' : 'folder');
  const destExisted = isPattern || (await exists(destDir));
  if (!isPattern && destExisted) await checkSequenceFolder(destDir, pattern, overwrite);
  const temp = destExisted
    ? path.join(destDir, `.${tag}`)
    : path.join(parent, `.${path.basename(destDir)}.${tag}`);
  try {
    await mkdir(temp);
  } catch (err) {
    throw unwritable(destExisted ? destDir : parent, err, final);
  }
  return {
    final,
    temp,
    container: 'image',
    ffmpegOutput: path.join(temp, pattern),
    swept,
    async commit() {
      // Created now if it is (still) missing; if it appeared while the job ran, it is checked like any other.
      await mkdir(destDir).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'EEXIST') throw unwritable(parent, err, final);
      });
      await moveSequenceInto(temp, destDir, { overwrite, ...(isPattern ? {} : { folderPattern: pattern }) });
    },
    discard: () => rm(temp, { recursive: true, force: true }),
  };
}

async function refuseExisting(file: string, overwrite: boolean): Promise<void> {
  if (!overwrite && (await exists(file))) {
    throw new JobError(
      'OUTPUT_EXISTS',
      `output already exists: ${file}`,
      'pick another name, or pass --overwrite to replace it when the job succeeds',
    );
  }
}

async function ensureFolder(dir: string, final: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
  } catch (err) {
    throw unwritable(dir, err, final);
  }
}

/** Creating the temporary file is the real writability test (access() says yes to root even on read-only dirs). */
async function createEmptyFile(file: string, dir: string, final: string): Promise<void> {
  try {
    await (await open(file, 'wx')).close();
  } catch (err) {
    throw unwritable(dir, err, final);
  }
}

function unwritable(dir: string, err: unknown, final: string): JobError {
  const code = (err as NodeJS.ErrnoException).code ?? String(err);
  const why =
    code === 'ENOTDIR'
      ? 'is not a folder (a file is in the way)'
      : code === 'ENOSPC'
        ? 'is full'
        : 'is not writable';
  return new JobError(
    'OUTPUT_UNWRITABLE',
    `cannot write ${final}: output folder ${dir} ${why} (${code})`,
    'choose an output folder you can write to',
  );
}

async function exists(p: string): Promise<boolean> {
  return stat(p).then(
    () => true,
    () => false,
  );
}

// ---------- codec arguments ----------

const MATRIX_TAG: Record<string, string> = { bt709: 'bt709', bt601: 'smpte170m', bt2020: 'bt2020nc' };
const PRIMARIES_FOR: Record<string, string> = { bt709: 'bt709', bt601: 'smpte170m', bt2020: 'bt2020' };

function videoArgs(options: EncoderOptions, target: Target): string[] {
  const { format, color = {} } = options;
  const args: string[] = [];
  if (format === 'png-sequence') {
    args.push(...greyFilter(options), '-c:v', 'png', '-pix_fmt', pngPixFmt(options));
    args.push('-start_number', String(options.firstFrameNumber ?? 0), '-f', 'image2');
    if (color.primaries) args.push('-color_primaries', color.primaries);
    if (color.transfer) args.push('-color_trc', color.transfer);
    return args;
  }
  if (format === 'exr-sequence') {
    args.push(...exrArgs(options), '-start_number', String(options.firstFrameNumber ?? 0), '-f', 'image2');
    return args;
  }
  if (target.container === 'image') {
    args.push(...stillArgs(options), '-frames:v', '1', '-update', '1', '-f', 'image2');
    return args;
  }
  // YUV outputs: RGB→YUV with an explicit matrix and range (RGB sources default to BT.709).
  const matrix = color.matrix && color.matrix !== 'rgb' ? color.matrix : 'bt709';
  const range = format === 'prores4444' ? 'tv' : (color.range ?? 'tv');
  const evenSize = options.width % 2 === 0 && options.height % 2 === 0;
  const pixFmt =
    format === 'prores4444'
      ? 'yuva444p10le'
      : format === 'webm-vp9'
        ? 'yuva420p'
        : evenSize
          ? 'yuv420p'
          : 'yuv444p';
  args.push(
    '-vf',
    `scale=in_range=full:out_color_matrix=${matrix}:out_range=${range === 'pc' ? 'full' : 'limited'}:flags=accurate_rnd+full_chroma_int+bitexact,format=${pixFmt}`,
  );
  const colorspace = color.matrixTag ?? MATRIX_TAG[matrix]!;
  const primaries = color.primaries ?? PRIMARIES_FOR[matrix]!;
  const transfer = color.transfer ?? 'bt709';
  if (format === 'prores4444') {
    // prores_aw, not prores_ks: on 1080p yuva444p10 it spends about half the CPU per frame (0.19 s against
    // 0.36 s on this 2-core machine) at the same quality (Y PSNR 65.2 against 65.4 dB vs the source, alpha
    // kept at 16 bits), and every core it leaves free is one onnxruntime does not have to share during a job.
    // Profile 4 is 4444 (ap4h).
    args.push('-c:v', 'prores_aw', '-profile:v', '4', '-pix_fmt', pixFmt, '-vendor', 'apl0');
    args.push('-bsf:v', proresColorMetadata(colorspace, primaries, transfer));
  } else if (format === 'webm-vp9') {
    // auto-alt-ref must be off for libvpx to encode the alpha plane.
    args.push('-c:v', 'libvpx-vp9', '-pix_fmt', pixFmt, '-crf', '28', '-b:v', '0', '-row-mt', '1');
    args.push('-deadline', 'good', '-cpu-used', '4', '-auto-alt-ref', '0');
  } else {
    args.push('-c:v', 'libx264', '-pix_fmt', pixFmt, '-crf', '18', '-preset', 'medium');
  }
  args.push('-colorspace', colorspace, '-color_range', range);
  args.push('-color_primaries', primaries, '-color_trc', transfer);
  if (options.timecode) args.push('-timecode', options.timecode);
  const tagged = Object.keys(options.metadata ?? {}).length > 0;
  for (const [key, value] of Object.entries(options.metadata ?? {}))
    args.push('-metadata', `${key}=${value}`);
  // Without use_metadata_tags the QuickTime/MP4 muxer drops keys it has no atom for.
  if (target.container === 'mp4')
    args.push('-movflags', tagged ? '+faststart+use_metadata_tags' : '+faststart');
  if (target.container === 'mov' && tagged) args.push('-movflags', '+use_metadata_tags');
  args.push('-f', target.container);
  return args;
}

/** Codec arguments for one image; `-update 1` lets image2 write a name without a frame number. */
function stillArgs(options: EncoderOptions): readonly string[] {
  const deep = options.imageBitDepth !== 8;
  switch (options.format) {
    case 'png':
      return [...greyFilter(options), '-c:v', 'png', '-pix_fmt', pngPixFmt(options)];
    case 'tiff': {
      const fmt = options.grey ? (deep ? 'gray16le' : 'gray') : deep ? 'rgba64le' : 'rgba';
      return [...greyFilter(options), '-c:v', 'tiff', '-pix_fmt', fmt, '-compression_algo', 'deflate'];
    }
    case 'jpeg':
      // JFIF: BT.601 full range (what yuvj444p means); no alpha. 4:4:4 keeps upscaled edges sharp.
      return ['-c:v', 'mjpeg', '-pix_fmt', 'yuvj444p', '-q:v', '2'];
    case 'webp':
      return ['-c:v', 'libwebp', '-pix_fmt', 'yuva420p', '-quality', '92'];
    case 'exr':
      return exrArgs(options);
    default:
      throw new JobError('INTERNAL', `${options.format} is not a still image format`);
  }
}

/** Formats that store one grey channel when EncoderOptions.grey is set. */
const GREY_FORMATS: ReadonlySet<OutputFormat> = new Set([
  'png',
  'png-sequence',
  'tiff',
  'exr',
  'exr-sequence',
]);

/**
 * Grey frames are R = G = B: the red plane *is* the grey, taken as it is (extractplanes). ffmpeg's RGB → grey
 * conversion would instead compute a luma and round it, moving 16-bit samples by a code value or two.
 */
function greyFilter(options: EncoderOptions): readonly string[] {
  return options.grey ? ['-vf', 'extractplanes=r'] : [];
}

function pngPixFmt(options: EncoderOptions): string {
  const deep = options.imageBitDepth !== 8;
  if (options.grey) return deep ? 'gray16be' : 'gray';
  return deep ? 'rgba64be' : 'rgba';
}

/** EXR_ARGS, with a single Y channel (grayf32le, stored as half like the RGBA files) for grey frames. */
function exrArgs(options: EncoderOptions): readonly string[] {
  if (!options.grey) return EXR_ARGS;
  return EXR_ARGS.map((a) =>
    a === 'gbrapf32le' ? 'grayf32le' : a.startsWith('lutrgb=') ? `${a},extractplanes=r` : a,
  );
}

/** The sRGB EOTF on 16-bit code values, as an ffmpeg expression. */
const SRGB_TO_LINEAR_16 = 'if(lte(val,2651),val/12.92,65535*pow((val/65535+0.055)/1.055,2.4))';

/**
 * One EXR file (a still, or each file of an EXR sequence): EXR holds scene-linear light, so the sRGB curve
 * of our display-referred frames is undone (16-bit LUT); half floats, ZIP per scanline, RGBA.
 */
const EXR_ARGS: readonly string[] = [
  '-vf',
  "lutrgb=r='lin(val)':g='lin(val)':b='lin(val)'".replaceAll('lin(val)', SRGB_TO_LINEAR_16),
  '-c:v',
  'exr',
  '-pix_fmt',
  'gbrapf32le',
  '-compression',
  'zip1',
  '-format',
  'half',
];

/**
 * ffmpeg's ProRes encoders do not fill the colour fields of their frame headers from the output options
 * (ffprobe then reports "unknown"), so the tags are written into the ProRes bitstream by the prores_metadata
 * filter, which accepts only the values below.
 */
function proresColorMetadata(matrixTag: string, primaries: string, transfer: string): string {
  const space =
    matrixTag === 'bt470bg'
      ? 'smpte170m'
      : ['bt709', 'smpte170m', 'bt2020nc'].includes(matrixTag)
        ? matrixTag
        : 'unknown';
  const prim = ['bt709', 'bt470bg', 'smpte170m', 'bt2020', 'smpte431', 'smpte432'].includes(primaries)
    ? primaries
    : 'unknown';
  // BT.601's transfer curve (smpte170m) is BT.709's; ProRes only names the latter.
  const trc = ['smpte170m', 'bt709', 'bt2020-10'].includes(transfer)
    ? 'bt709'
    : ['smpte2084', 'arib-std-b67'].includes(transfer)
      ? transfer
      : 'unknown';
  return `prores_metadata=color_primaries=${prim}:color_trc=${trc}:colorspace=${space}`;
}

// ---------- pixels ----------

/**
 * The frame as the integer samples ffmpeg reads (rgba / rgba64le). Any sample format: u8 → 8-bit and u16 →
 * 16-bit go straight through (no float detour, no copy: write() holds the frame until the pipe took it);
 * floats are clamped (NaN → 0) and rounded, so out-of-range values never wrap around in the integer pipe.
 */
function frameToBytes(frame: Frame, bytesPerSample: 1 | 2): Buffer {
  const samples = packed(convertFrame(frame, bytesPerSample === 2 ? 'u16' : 'u8')).data;
  return Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength);
}

interface GbrapPlanes {
  /** The frame's u16 samples as G, B, R, A planes, shuffled on libuv's thread pool by the addon. */
  of(frame: Frame): Promise<Uint16Array>;
  bytes(planes: Uint16Array): Buffer;
  /** Gives a buffer back once the pipe has taken it. */
  release(planes: Uint16Array): void;
}

/** Planar input for ffmpeg (gbrap16le), or null without the addon (then ffmpeg reads rgba64le). */
function gbrapPlanes(width: number, height: number): GbrapPlanes | null {
  const addon: NativeAddon | null = nativeAddon();
  if (!addon) return null;
  const free: Uint16Array[] = [];
  return {
    async of(frame) {
      // A u16 frame from the worker is used as it is; anything else is converted first, as frameToBytes does.
      const rgba = convertFrame(frame, 'u16');
      const out = free.pop() ?? new Uint16Array(4 * width * height);
      await addon.rgbaToGbrapPlanes(rgba.data, width, height, rgba.stride, out);
      return out;
    },
    bytes: (planes) => Buffer.from(planes.buffer, planes.byteOffset, planes.byteLength),
    release(planes) {
      if (free.length < 2) free.push(planes);
    },
  };
}
