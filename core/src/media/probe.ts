/**
 * probeMedia(path): what a job needs to know about an input before decoding it — exact frame rate and frame
 * count, timecode, audio, colour (matrix and range, with the guess spelled out when the file is untagged) and
 * alpha. Every failure is a JobError whose message names the file and the fix.
 *
 * Still images (PNG, JPEG, ...) are accepted as one-frame media (`isStill`), because effects composite over
 * stills and a single frame is a valid job; a file ffmpeg cannot read at all, a text file, or a file with no
 * video stream (audio only) is INPUT_NOT_VIDEO.
 */
import { open, stat } from 'node:fs/promises';
import path from 'node:path';
import { JobError } from '../pipeline/types.ts';
import { ffprobePath, runTool, summarizeErrors, tail } from './ffmpeg.ts';
import { parseRational, snapFrameRate, type Rational } from './rational.ts';

/** The YUV→RGB matrix the decoder applies; 'rgb' for codecs that store RGB (PNG, RGB ProRes-less formats). */
export type ColorMatrix = 'bt709' | 'bt601' | 'bt2020' | 'rgb';
export type ColorRange = 'tv' | 'pc';

export interface ColorInfo {
  matrix: ColorMatrix;
  range: ColorRange;
  /** ffprobe's names (bt709, smpte170m, bt470bg, ...); undefined when untagged. */
  primaries?: string;
  transfer?: string;
  /** The colorspace tag as written in the file (e.g. smpte170m vs bt470bg are both 'bt601'). */
  matrixTag?: string;
  /** Human-readable notes for every value that was guessed rather than read from the file. */
  guesses: string[];
}

export interface AudioInfo {
  /** Absolute stream index in the container. */
  index: number;
  codec: string;
  sampleRate: number;
  channels: number;
  channelLayout?: string;
  durationSeconds?: number;
}

export interface MediaInfo {
  path: string;
  /** ffmpeg demuxer name(s), e.g. "mov,mp4,m4a,3gp,3g2,mj2". */
  container: string;
  codec: string;
  width: number;
  height: number;
  frameRate: Rational;
  frameCount: number;
  /**
   * Where frameCount came from: the container's header, a packet count, duration x rate (no ffprobe), or
   * for variable-rate input the frames of its constant-rate conversion (counted by running that conversion).
   */
  frameCountSource: 'container' | 'packets' | 'estimate' | 'still' | 'constant-rate';
  durationSeconds: number;
  timecode?: string;
  audio?: AudioInfo;
  color: ColorInfo;
  pixelFormat: string;
  /** Bits per component of the decoded source (8, 10, 12, 16). */
  bitDepth: number;
  hasAlpha: boolean;
  isStill: boolean;
  /**
   * Display rotation from the container (phone clips), in degrees as ffprobe reports it; 0 when none. ffmpeg
   * applies it while decoding, so width/height above are the *displayed* size and decoded frames are upright.
   */
  rotation?: number;
  /**
   * avg and nominal frame rates disagree. Such input is decoded as constant-rate at `frameRate` (decode.ts
   * adds ffmpeg's fps filter: frames repeated or dropped so each shows at its time and audio stays in sync),
   * and `frameCount` counts the frames of that conversion.
   */
  variableFrameRate?: boolean;
  /** Presentation time of the first video frame (ffprobe's stream start_time); lets decode seek exactly. */
  videoStartSeconds?: number;
}

/** The subset of ffprobe's JSON we read (also produced by the ffmpeg -i fallback parser). */
interface RawStream {
  index: number;
  codec_type?: string;
  codec_name?: string;
  width?: number;
  height?: number;
  pix_fmt?: string;
  r_frame_rate?: string;
  avg_frame_rate?: string;
  nb_frames?: string;
  duration?: string;
  start_time?: string;
  color_space?: string;
  color_range?: string;
  color_primaries?: string;
  color_transfer?: string;
  sample_rate?: string;
  channels?: number;
  channel_layout?: string;
  bits_per_raw_sample?: string;
  disposition?: { attached_pic?: number };
  tags?: Record<string, string>;
  side_data_list?: { rotation?: number }[];
}
interface RawProbe {
  streams: RawStream[];
  format: { format_name?: string; duration?: string; tags?: Record<string, string> };
  /** Frame count measured by the fallback (ffmpeg -c copy), when ffprobe is absent. */
  countedFrames?: number;
}

const STILL_CONTAINERS =
  /(^|,)(image2|png_pipe|jpeg_pipe|bmp_pipe|tiff_pipe|webp_pipe|exr_pipe|dpx_pipe)(,|$)/;
/** Demuxers that happily "decode" text as video (ANSI art); never real footage. */
const TEXT_CONTAINERS = /(^|,)(tty|bin|xbin|adf|idf)(,|$)/;
const VIDEO_EXTENSIONS = /\.(mov|mp4|m4v|mkv|webm|avi|mxf|mts|m2ts|ts|mpg|mpeg|flv|wmv|ogv|3gp)$/i;

export async function probeMedia(file: string): Promise<MediaInfo> {
  const abs = path.resolve(file);
  await assertReadableFile(abs, file);
  const raw = ffprobePath() ? await probeWithFfprobe(abs, file) : await probeWithFfmpeg(abs, file);
  return interpret(raw, abs, file);
}

async function assertReadableFile(abs: string, shown: string): Promise<void> {
  let info;
  try {
    info = await stat(abs);
  } catch {
    throw new JobError(
      'INPUT_MISSING',
      `input not found: ${shown}`,
      'check the path (relative paths start from the current folder)',
    );
  }
  if (info.isDirectory()) {
    throw new JobError(
      'INPUT_NOT_VIDEO',
      `input is a folder, not a video file: ${shown}`,
      'pass a video file (for an image sequence, pass its first image)',
    );
  }
  if (info.size === 0) {
    throw new JobError(
      'INPUT_CORRUPT',
      `input is empty (0 bytes): ${shown}`,
      'the file may still be copying or rendering; use a complete file',
    );
  }
}

async function probeWithFfprobe(abs: string, shown: string): Promise<RawProbe> {
  const { exitCode, stdout, stderr } = await runTool('ffprobe', [
    '-v',
    'error',
    '-print_format',
    'json',
    '-show_format',
    '-show_streams',
    abs,
  ]);
  if (exitCode !== 0) throw await unreadable(abs, shown, stderr);
  return JSON.parse(stdout) as RawProbe;
}

/** Turns an ffprobe/ffmpeg refusal into INPUT_CORRUPT (it looks like a video container) or INPUT_NOT_VIDEO. */
async function unreadable(abs: string, shown: string, stderr: string): Promise<JobError> {
  // A known container signature, or a video extension on binary content, means a damaged video; text or an
  // unknown binary under any other name is simply not video.
  const head = await readHead(abs);
  if (looksLikeVideoContainer(head) || (VIDEO_EXTENSIONS.test(abs) && !looksLikeText(head))) {
    return new JobError(
      'INPUT_CORRUPT',
      `input is damaged or truncated, ffmpeg cannot read it: ${shown} (${summarizeErrors(stderr)})`,
      'the file may be incomplete (an interrupted copy or render); re-export or copy it again',
    );
  }
  return new JobError(
    'INPUT_NOT_VIDEO',
    `input is not a video or image ffmpeg can read: ${shown}`,
    'pass a video file (.mov, .mp4, .mkv, .webm, .avi, ...) or an image',
  );
}

async function readHead(abs: string): Promise<Buffer> {
  const fh = await open(abs, 'r');
  try {
    const head = Buffer.alloc(512);
    const { bytesRead } = await fh.read(head, 0, head.length, 0);
    return head.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

function looksLikeText(head: Buffer): boolean {
  // Printable ASCII/UTF-8 and whitespace only: a note, JSON, a subtitle file...
  return head.length > 0 && head.every((b) => b === 9 || b === 10 || b === 13 || (b >= 32 && b !== 127));
}

function looksLikeVideoContainer(head: Buffer): boolean {
  if (head.length < 12) return false;
  const box = head.toString('latin1', 4, 8);
  if (['ftyp', 'moov', 'mdat', 'free', 'wide', 'skip'].includes(box)) return true; // QuickTime / MP4
  const magic = head.readUInt32BE(0);
  if (head.toString('latin1', 0, 4) === 'RIFF' && head.toString('latin1', 8, 12) === 'AVI ') return true;
  if (magic === 0x1a45dfa3) return true; // EBML: Matroska / WebM
  if (magic === 0x000001ba || magic === 0x000001b3) return true; // MPEG program / elementary stream
  if (magic === 0x060e2b34) return true; // MXF
  if (head[0] === 0x47 && head[188] === 0x47) return true; // MPEG-TS: sync byte every 188 bytes
  return head.toString('latin1', 0, 3) === 'FLV' || head.toString('latin1', 0, 4) === 'OggS';
}

function interpret(raw: RawProbe, abs: string, shown: string): Promise<MediaInfo> | MediaInfo {
  const container = raw.format.format_name ?? 'unknown';
  const video = raw.streams.find((s) => s.codec_type === 'video' && !s.disposition?.attached_pic);
  if (!video || TEXT_CONTAINERS.test(container) || !video.width || !video.height) {
    const what = raw.streams.some((s) => s.codec_type === 'audio')
      ? 'has audio but no video stream'
      : 'has no video stream';
    throw new JobError('INPUT_NOT_VIDEO', `input ${what}: ${shown}`, 'pass a video file or an image');
  }
  const isStill = STILL_CONTAINERS.test(container);
  const variableFrameRate = !isStill && isVariableRate(video);
  const frameRate = isStill
    ? { num: 25, den: 1 }
    : variableFrameRate
      ? constantRateFor(video)
      : pickFrameRate(video);
  const rotation = rotationOf(video);
  const quarterTurn = Math.abs(rotation) % 180 === 90;
  const pixelFormat = video.pix_fmt ?? 'unknown';
  const durationSeconds = Number(video.duration ?? raw.format.duration ?? 0) || 0;
  const audioStream = raw.streams.find((s) => s.codec_type === 'audio');
  const info: MediaInfo = {
    path: abs,
    container,
    codec: video.codec_name ?? 'unknown',
    width: quarterTurn ? video.height : video.width,
    height: quarterTurn ? video.width : video.height,
    frameRate,
    frameCount: 1,
    frameCountSource: 'still',
    durationSeconds: isStill ? 0 : durationSeconds,
    color: colorInfo(video, pixelFormat),
    pixelFormat,
    bitDepth: bitDepthOf(pixelFormat, video.bits_per_raw_sample),
    hasAlpha: hasAlpha(pixelFormat, video),
    isStill,
    rotation,
    variableFrameRate,
  };
  const videoStart = Number(video.start_time);
  if (video.start_time !== undefined && Number.isFinite(videoStart)) info.videoStartSeconds = videoStart;
  const timecode = findTimecode(raw);
  if (timecode) info.timecode = timecode;
  if (audioStream) {
    info.audio = {
      index: audioStream.index,
      codec: audioStream.codec_name ?? 'unknown',
      sampleRate: Number(audioStream.sample_rate ?? 0),
      channels: audioStream.channels ?? 0,
    };
    if (audioStream.channel_layout) info.audio.channelLayout = audioStream.channel_layout;
    const audioDuration = Number(audioStream.duration);
    if (Number.isFinite(audioDuration) && audioDuration > 0) info.audio.durationSeconds = audioDuration;
  }
  if (isStill) return info;
  if (variableFrameRate) {
    return countConstantRateFrames(abs, shown, frameRate).then((frameCount) => ({
      ...info,
      frameCount,
      frameCountSource: 'constant-rate',
    }));
  }
  const nbFrames = Number(video.nb_frames);
  if (Number.isInteger(nbFrames) && nbFrames > 0) {
    return { ...info, frameCount: nbFrames, frameCountSource: 'container' };
  }
  if (raw.countedFrames !== undefined) {
    return { ...info, frameCount: raw.countedFrames, frameCountSource: 'packets' };
  }
  return countPackets(abs, shown).then((frameCount) => ({
    ...info,
    frameCount,
    frameCountSource: 'packets',
  }));
}

/** Containers without a frame count in the header (Matroska/WebM, MPEG-TS): count the video packets. */
async function countPackets(abs: string, shown: string): Promise<number> {
  const { exitCode, stdout, stderr } = await runTool('ffprobe', [
    '-v',
    'error',
    '-select_streams',
    'v:0',
    '-count_packets',
    '-show_entries',
    'stream=nb_read_packets',
    '-of',
    'csv=p=0',
    abs,
  ]);
  const count = Number.parseInt(stdout.trim(), 10);
  if (exitCode !== 0 || !Number.isFinite(count) || count <= 0) {
    throw new JobError(
      'INPUT_CORRUPT',
      `cannot count the frames of ${shown} (${tail(stderr, 200)})`,
      're-export or copy the file again',
    );
  }
  return count;
}

/**
 * The frames a variable-rate clip becomes at `rate` through ffmpeg's fps filter: counted by running that very
 * conversion (decoding the clip once), because the filter's rounding at both ends is not worth re-deriving.
 */
async function countConstantRateFrames(abs: string, shown: string, rate: Rational): Promise<number> {
  const { exitCode, stdout, stderr } = await runTool('ffmpeg', [
    '-nostdin',
    '-v',
    'error',
    '-i',
    abs,
    '-map',
    '0:v:0',
    '-vf',
    `fps=${rate.num}/${rate.den}`,
    '-f',
    'null',
    '-progress',
    'pipe:1',
    '-nostats',
    '-',
  ]);
  const counts = [...stdout.matchAll(/^frame=(\d+)$/gm)];
  const count = Number(counts.at(-1)?.[1]);
  if (exitCode !== 0 || !(count > 0)) {
    throw new JobError(
      'INPUT_CORRUPT',
      `cannot convert the variable frame rate of ${shown} to a constant rate (${tail(stderr, 200)})`,
      're-export the clip at a constant frame rate',
    );
  }
  return count;
}

/**
 * The constant rate a variable-rate clip is converted to: its nominal rate (r_frame_rate: the rate its
 * timestamps are built on, e.g. 30 for a phone clip that averaged 29.6) when that is a plausible video rate,
 * otherwise the average rate, snapped to the exact NTSC rational where it is one.
 */
function constantRateFor(video: RawStream): Rational {
  const nominal = parseRational(video.r_frame_rate);
  if (nominal && nominal.num / nominal.den <= 120) return snapFrameRate(nominal);
  return pickFrameRate(video);
}

/** avg_frame_rate is right for constant-rate files; r_frame_rate when avg is missing. Both snapped exact. */
function pickFrameRate(video: RawStream): Rational {
  const avg = parseRational(video.avg_frame_rate);
  const r = parseRational(video.r_frame_rate);
  const chosen = avg ?? r ?? { num: 25, den: 1 };
  return snapFrameRate(chosen);
}

function rotationOf(video: RawStream): number {
  const fromSideData = video.side_data_list?.find((d) => typeof d.rotation === 'number')?.rotation;
  const value = fromSideData ?? Number(video.tags?.rotate ?? 0);
  return Number.isFinite(value) ? Math.round(value) : 0;
}

function isVariableRate(video: RawStream): boolean {
  const avg = parseRational(video.avg_frame_rate);
  const nominal = parseRational(video.r_frame_rate);
  if (!avg || !nominal) return false;
  return Math.abs(avg.num / avg.den - nominal.num / nominal.den) / (nominal.num / nominal.den) > 0.01;
}

function findTimecode(raw: RawProbe): string | undefined {
  for (const s of raw.streams) {
    const tc = s.tags?.timecode ?? s.tags?.TIMECODE;
    if (tc) return tc;
  }
  return raw.format.tags?.timecode ?? raw.format.tags?.TIMECODE;
}

const RGB_PIXEL_FORMAT =
  /^(rgb|bgr|argb|abgr|rgba|bgra|gbr|gray|ya|pal8|monob|monow|0rgb|rgb0|bgr0|0bgr|x2rgb|x2bgr)/;

function colorInfo(video: RawStream, pixelFormat: string): ColorInfo {
  const guesses: string[] = [];
  if (RGB_PIXEL_FORMAT.test(pixelFormat)) {
    const info: ColorInfo = { matrix: 'rgb', range: 'pc', guesses };
    if (video.color_primaries && video.color_primaries !== 'unknown') info.primaries = video.color_primaries;
    if (video.color_transfer && video.color_transfer !== 'unknown') info.transfer = video.color_transfer;
    return info;
  }
  const tag = video.color_space && video.color_space !== 'unknown' ? video.color_space : undefined;
  let matrix: ColorMatrix;
  if (tag === 'bt709') matrix = 'bt709';
  else if (tag === 'smpte170m' || tag === 'bt470bg' || tag === 'fcc' || tag === 'smpte240m') matrix = 'bt601';
  else if (tag === 'bt2020nc' || tag === 'bt2020c') matrix = 'bt2020';
  else {
    // Same rule players use for untagged video: HD and larger is BT.709, SD is BT.601.
    matrix = (video.height ?? 0) >= 720 || (video.width ?? 0) >= 1280 ? 'bt709' : 'bt601';
    guesses.push(
      `colour matrix untagged${tag ? ` (${tag})` : ''}: assumed ${matrix === 'bt709' ? 'BT.709 (HD size)' : 'BT.601 (SD size)'}`,
    );
  }
  let range: ColorRange;
  if (video.color_range === 'pc' || video.color_range === 'tv') range = video.color_range;
  else if (pixelFormat.startsWith('yuvj'))
    range = 'pc'; // JPEG-style full-range formats
  else {
    range = 'tv';
    guesses.push('colour range untagged: assumed limited (tv, 16-235), the broadcast norm for YUV video');
  }
  const info: ColorInfo = { matrix, range, guesses };
  if (tag) info.matrixTag = tag;
  if (video.color_primaries && video.color_primaries !== 'unknown') info.primaries = video.color_primaries;
  if (video.color_transfer && video.color_transfer !== 'unknown') info.transfer = video.color_transfer;
  return info;
}

function bitDepthOf(pixelFormat: string, bitsPerRawSample?: string): number {
  if (pixelFormat.startsWith('p010')) return 10;
  const deep = /(9|10|12|14|16)(le|be)$/.exec(pixelFormat);
  if (deep) return Number(deep[1]);
  // Packed 16-bit RGB(A) and float formats: treat as 16 bits so the decoder keeps the precision.
  if (/(48|64)(le|be)$|f(16|32)(le|be)$|^p016/.test(pixelFormat)) return 16;
  const raw = Number(bitsPerRawSample);
  return Number.isFinite(raw) && raw > 8 ? raw : 8;
}

function hasAlpha(pixelFormat: string, video: RawStream): boolean {
  if (/^(yuva|gbrap|ya|rgba|bgra|argb|abgr)/.test(pixelFormat)) return true;
  // VP8/VP9 in WebM keep alpha in a side channel; the native decoder reports yuv420p, the tag tells.
  const alphaMode = video.tags?.alpha_mode ?? video.tags?.ALPHA_MODE;
  return alphaMode === '1';
}

/** Codec of the first audio stream of any file (a video, or a plain audio file); undefined if it has none. */
export async function probeAudioCodec(file: string): Promise<string | undefined> {
  if (ffprobePath()) {
    const { stdout } = await runTool('ffprobe', [
      '-v',
      'error',
      '-select_streams',
      'a:0',
      '-show_entries',
      'stream=codec_name',
      '-of',
      'csv=p=0',
      file,
    ]);
    return stdout.trim() || undefined;
  }
  const { stderr } = await runTool('ffmpeg', ['-hide_banner', '-i', file]);
  return parseFfmpegBanner(stderr).streams.find((s) => s.codec_type === 'audio')?.codec_name;
}

// ---------- fallback when ffprobe is missing: parse `ffmpeg -i` and count frames with a stream copy ----------

async function probeWithFfmpeg(abs: string, shown: string): Promise<RawProbe> {
  const { stderr } = await runTool('ffmpeg', ['-hide_banner', '-i', abs]);
  if (!/Input #0/.test(stderr)) throw await unreadable(abs, shown, stderr);
  const raw = parseFfmpegBanner(stderr);
  const video = raw.streams.find((s) => s.codec_type === 'video');
  if (video && !STILL_CONTAINERS.test(raw.format.format_name ?? '')) {
    const counted = await runTool('ffmpeg', [
      '-hide_banner',
      '-nostdin',
      '-i',
      abs,
      '-map',
      '0:v:0',
      '-c',
      'copy',
      '-f',
      'null',
      '-',
    ]);
    const frames = [...counted.stderr.matchAll(/frame=\s*(\d+)/g)].pop();
    if (frames) raw.countedFrames = Number(frames[1]);
  }
  return raw;
}

/** Parses the stream summary ffmpeg prints for an input into ffprobe-shaped data. Exported for tests. */
export function parseFfmpegBanner(text: string): RawProbe {
  const raw: RawProbe = { streams: [], format: {} };
  const input = /Input #0, (.+?), from/.exec(text);
  if (input) raw.format.format_name = input[1];
  const duration = /Duration: (\d+):(\d+):([\d.]+)/.exec(text);
  if (duration)
    raw.format.duration = String(Number(duration[1]) * 3600 + Number(duration[2]) * 60 + Number(duration[3]));
  const tc = /timecode\s*:\s*(\S+)/i.exec(text);
  if (tc) raw.format.tags = { timecode: tc[1]! };
  // "key : value" lines under a Stream line are that stream's metadata (alpha_mode, timecode, ...).
  let current: RawStream | undefined;
  for (const line of text.split('\n')) {
    const rotation = /displaymatrix: rotation of (-?[\d.]+) degrees/.exec(line);
    if (rotation && current) {
      current.side_data_list = [{ rotation: Number(rotation[1]) }];
      continue;
    }
    const meta = /^\s{4,}(\w+)\s*: (.*)$/.exec(line);
    if (meta && current) {
      (current.tags ??= {})[meta[1]!] = meta[2]!.trim();
      continue;
    }
    const stream = /Stream #0:(\d+)[^:]*: (\w+): (.*)$/.exec(line);
    if (!stream) continue;
    current = undefined;
    if (stream[2] !== 'Video' && stream[2] !== 'Audio') continue;
    const index = Number(stream[1]);
    const body = stream[3]!;
    if (stream[2] === 'Audio') {
      const a = /^(\w+).*?, (\d+) Hz, ([^,]+)/.exec(body);
      current = {
        index,
        codec_type: 'audio',
        codec_name: a?.[1] ?? 'unknown',
        sample_rate: a?.[2] ?? '0',
        channels: a?.[3] === 'mono' ? 1 : a?.[3] === 'stereo' ? 2 : Number.parseInt(a?.[3] ?? '0', 10) || 0,
        channel_layout: a?.[3] ?? '',
      };
      raw.streams.push(current);
      continue;
    }
    const v = /^([\w-]+).*?, ([a-z0-9_]+)(?:\(([^)]*)\))?, (\d+)x(\d+)/.exec(body);
    if (!v) continue;
    const s: RawStream = {
      index,
      codec_type: 'video',
      codec_name: v[1]!,
      pix_fmt: v[2]!,
      width: Number(v[4]),
      height: Number(v[5]),
    };
    for (const token of (v[3] ?? '').split(/,\s*/)) {
      if (token === 'tv' || token === 'pc') s.color_range = token;
      else if (/^(bt|smpte|fcc)/.test(token)) {
        const [space, primaries, transfer] = token.split('/');
        s.color_space = space!;
        s.color_primaries = primaries ?? space!;
        s.color_transfer = transfer ?? space!;
      }
    }
    const fps = /, ([\d.]+k?) (fps|tbr)/.exec(body);
    if (fps) s.avg_frame_rate = fps[1]!.endsWith('k') ? String(Number(fps[1]!.slice(0, -1)) * 1000) : fps[1]!;
    if (/\(attached pic\)/.test(body)) s.disposition = { attached_pic: 1 };
    raw.streams.push(s);
    current = s;
  }
  return raw;
}
