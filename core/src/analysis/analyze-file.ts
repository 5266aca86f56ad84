/**
 * Analyses one video file in two decodes (frame-source.ts):
 *
 * 1. every frame, small: shot boundaries and camera motion (shots.ts, motion.ts);
 * 2. the sampled frames only, at `maxSide`: per sample objects (NanoDet), faces (BlazeFace), ImageNet tags
 *    (MobileNetV2), semantic areas (DeepLabv3, PASCAL VOC), lighting and colours; on-screen text (PP-OCRv4) on each shot's middle frame and every
 *    `ocrEverySeconds` within it (OCR costs the most, and text on screen rarely changes faster).
 *
 * Samples: every `stride`-th frame (default: one per second) and every shot's middle frame, so a shot shorter
 * than the stride still gets one. Black shots (fade gaps) are not sampled.
 * Per shot, results are merged over its samples: object counts are the largest count seen in one frame
 * ("two cars" means two at once), tags the mean probability over samples, faces the largest, scale the
 * most common, text the distinct lines, lighting and colours from the middle frame.
 */
import sharp from 'sharp';
import type { F32Frame } from '../effects/frame.ts';
import { getManifest } from '../models/manifests.ts';
import { probeMedia } from '../media/probe.ts';
import { rationalValue } from '../media/rational.ts';
import { offsetTimecode } from '../media/timecode.ts';
import type { EffectContext } from '../effects/types.ts';
import { JobError } from '../pipeline/types.ts';
import { selectedFrames, smallFrames } from './frame-source.ts';
import { classifyMotion, type FrameMotion, type ShotMotion } from './motion.ts';
import { ShotDetector, type Shot, type Transition } from './shots.ts';
import { detectFaces } from './models/faces.ts';
import { detectObjects } from './models/objects.ts';
import { readText } from './models/ocr.ts';
import { semanticAreas } from './models/areas.ts';
import type { AnalysisModel } from './models/run-model.ts';
import { classify, type Tag } from './models/tags.ts';
import { embedImage, type ClipEncoders } from './clip/encoders.ts';
import { dominantColours, lightingOf, type DominantColour, type Lighting } from './picture-stats.ts';
import { shotScale, type ShotScale } from './shot-scale.ts';

/** Bump when any stage's output changes: indexed files analysed by an older version are analysed again. */
export const ANALYSIS_VERSION = 2;

export interface AnalysisOptions {
  /** Sample every this many frames for the models; default one per second of footage. */
  stride?: number;
  /** Width of the frames shot and motion detection see (default 96). */
  smallWidth?: number;
  /** Longer side of the frames the models see (default 960). */
  maxSide?: number;
  /** Seconds between OCR samples within a shot (its middle frame is always read). Default 5. */
  ocrEverySeconds?: number;
  /** CLIP encoders: each shot also gets an image embedding for semantic search (clip/encoders.ts). */
  clip?: ClipEncoders;
  signal?: AbortSignal;
  onProgress?: (p: AnalysisProgress) => void;
}

export interface AnalysisProgress {
  file: string;
  stage: 'shots' | 'models';
  done: number;
  total: number;
}

export interface ShotAnalysis {
  /** 1-based shot number within the file. */
  shot: number;
  start: number;
  end: number;
  startTimecode: string;
  endTimecode: string;
  transitionIn?: Transition;
  black: boolean;
  objects: Record<string, number>;
  tags: Tag[];
  /** Share of the frame per PASCAL VOC class (mean over the samples), classes over 2%. */
  areas: Record<string, number>;
  faces: { count: number; largestHeight: number };
  scale: ShotScale | null;
  text: string[];
  lighting: Lighting | null;
  motion: ShotMotion;
  colours: DominantColour[];
  /** JPEG of the middle frame, 320 px wide (absent for black shots). */
  thumbnail?: Buffer;
  /** CLIP image embedding of the middle frame (unit length), when CLIP encoders were given. */
  embedding?: Float32Array;
  sampledFrames: number[];
}

export interface FileAnalysis {
  file: string;
  analysisVersion: number;
  width: number;
  height: number;
  frameRate: { num: number; den: number };
  frameCount: number;
  startTimecode: string;
  shots: ShotAnalysis[];
  /** The CLIP pair the shots' embeddings come from (ClipEncoders.modelId), when they have any. */
  clipModel?: string;
  /**
   * Wall time of the two passes in ms (decode included), wall time per per-sample stage (objects, faces,
   * tags, ocr, picture, thumbnail), pure session.run time per model id, and how many frames were sampled.
   */
  timings: {
    shotsMs: number;
    modelsMs: number;
    stageMs: Record<string, number>;
    inferenceMs: Record<string, number>;
    samples: number;
    ocrSamples: number;
  };
}

export interface AnalysisModels {
  objects: AnalysisModel;
  faces: AnalysisModel;
  tags: AnalysisModel;
  areas: AnalysisModel;
  ocrDetect: AnalysisModel;
  ocrRecognise: AnalysisModel;
}

export const ANALYSIS_MODEL_IDS = {
  objects: 'person-detector-nanodet',
  faces: 'blazeface',
  tags: 'mobilenetv2-int8',
  areas: 'deeplabv3-mnv2-257',
  ocrDetect: 'ppocr-v4-det',
  ocrRecognise: 'ppocr-v4-rec',
} as const;

/** Loads (and, the first time, fetches or converts) the five models through the model manager. */
export async function loadAnalysisModels(ctx: EffectContext): Promise<AnalysisModels> {
  const entries = await Promise.all(
    Object.entries(ANALYSIS_MODEL_IDS).map(async ([key, id]) => [
      key,
      { session: await ctx.sessions.get(id), spec: getManifest(id).input },
    ]),
  );
  return Object.fromEntries(entries) as AnalysisModels;
}

/** What one sampled frame gave (analyseSample). */
export interface Sample {
  objects: Record<string, number>;
  tags: Tag[];
  areas: Record<string, number>;
  faces: { count: number; largestHeight: number };
  personHeight: number;
  text: string[];
  lighting: Lighting;
  colours: DominantColour[];
  thumbnail?: Buffer;
  embedding?: Float32Array;
}

export async function analyzeFile(
  file: string,
  models: AnalysisModels | (() => Promise<AnalysisModels>),
  options: AnalysisOptions = {},
): Promise<FileAnalysis> {
  const info = await probeMedia(file);
  if (info.isStill) {
    throw new JobError('INPUT_NOT_VIDEO', `${file} is a still image, not a video`, 'analyse video files');
  }
  const fps = rationalValue(info.frameRate);
  const stride = Math.max(1, Math.round(options.stride ?? fps));
  const progress = (stage: AnalysisProgress['stage'], done: number, total: number) =>
    options.onProgress?.({ file, stage, done, total });

  const t0 = performance.now();
  const detector = new ShotDetector();
  for await (const f of smallFrames(info, options.smallWidth ?? 96, options.signal)) {
    detector.push(f);
    if (f.index % 10 === 0) progress('shots', f.index, info.frameCount);
  }
  const { shots } = detector.finish();
  const shotsMs = performance.now() - t0;

  // Plan the samples: stride frames plus each shot's middle.
  const wanted = new Map<number, { shot: number; ocr: boolean; middle: boolean }>();
  const ocrStep = Math.max(1, Math.round((options.ocrEverySeconds ?? 5) * fps));
  shots.forEach((s, i) => {
    if (s.black) return;
    const mid = Math.floor((s.start + s.end) / 2);
    for (let f = Math.ceil(s.start / stride) * stride; f <= s.end; f += stride) {
      wanted.set(f, { shot: i, ocr: (f - mid) % ocrStep === 0, middle: false });
    }
    wanted.set(mid, { shot: i, ocr: true, middle: true });
  });
  const indices = [...wanted.keys()].sort((a, b) => a - b);

  const t1 = performance.now();
  const loaded = indices.length > 0 ? (typeof models === 'function' ? await models() : models) : undefined;
  const before = loaded ? inferenceTotals(loaded) : {};
  const samples = new Map<number, Sample>();
  const stageMs: Record<string, number> = {};
  let done = 0;
  let ocrSamples = 0;
  for await (const { index, frame } of selectedFrames(
    info,
    indices,
    options.maxSide ?? 960,
    options.signal,
  )) {
    const plan = wanted.get(index)!;
    const sample = await analyseSample(loaded!, frame, plan.ocr, plan.middle, stageMs, options.clip);
    samples.set(index, sample);
    if (plan.ocr) ocrSamples++;
    progress('models', ++done, indices.length);
  }
  const after = loaded ? inferenceTotals(loaded) : {};
  const inferenceMs = Object.fromEntries(Object.keys(after).map((k) => [k, after[k]! - (before[k] ?? 0)]));

  const tc = info.timecode ?? '00:00:00:00';
  const result = describeShots(shots, samples, detector.motions, info.frameRate, tc);
  return {
    file: info.path,
    analysisVersion: ANALYSIS_VERSION,
    width: info.width,
    height: info.height,
    frameRate: info.frameRate,
    frameCount: detector.frameCount,
    startTimecode: tc,
    shots: result,
    ...(options.clip ? { clipModel: options.clip.modelId } : {}),
    timings: {
      shotsMs,
      modelsMs: performance.now() - t1,
      stageMs,
      inferenceMs,
      samples: samples.size,
      ocrSamples,
    },
  };
}

/**
 * Merges each shot's samples (the sampled frames inside it) into its description; lighting, colours and
 * the thumbnail come from the sample nearest the shot's middle.
 */
export function describeShots(
  shots: readonly Shot[],
  samples: ReadonlyMap<number, Sample>,
  motions: readonly FrameMotion[],
  frameRate: { num: number; den: number },
  startTimecode: string,
): ShotAnalysis[] {
  const fps = frameRate.num / frameRate.den;
  const sampled = [...samples.keys()].sort((x, y) => x - y);
  return shots.map((s, i) => {
    const own = s.black ? [] : sampled.filter((f) => f >= s.start && f <= s.end);
    const middle = (s.start + s.end) / 2;
    const midIndex = own.reduce<number | undefined>(
      (best, f) => (best === undefined || Math.abs(f - middle) < Math.abs(best - middle) ? f : best),
      undefined,
    );
    const mid = midIndex === undefined ? undefined : samples.get(midIndex);
    const list = own.map((f) => samples.get(f)!);
    return {
      shot: i + 1,
      start: s.start,
      end: s.end,
      startTimecode: offsetTimecode(startTimecode, s.start, frameRate),
      endTimecode: offsetTimecode(startTimecode, s.end, frameRate),
      ...(s.transitionIn ? { transitionIn: s.transitionIn } : {}),
      black: s.black,
      objects: maxCounts(list.map((x) => x.objects)),
      tags: meanTags(list.map((x) => x.tags)),
      areas: meanAreas(list.map((x) => x.areas)),
      faces: {
        count: Math.max(0, ...list.map((x) => x.faces.count)),
        largestHeight: Math.max(0, ...list.map((x) => x.faces.largestHeight)),
      },
      scale: mostCommon(list.map((x) => shotScale(x.faces.largestHeight, x.personHeight))),
      text: [...new Set(list.flatMap((x) => x.text))],
      lighting: mid?.lighting ?? null,
      motion: classifyMotion(motions.slice(s.start + 1, s.end + 1), fps),
      colours: mid?.colours ?? [],
      ...(mid?.thumbnail ? { thumbnail: mid.thumbnail } : {}),
      ...(mid?.embedding ? { embedding: mid.embedding } : {}),
      sampledFrames: own,
    };
  });
}

function inferenceTotals(models: AnalysisModels): Record<string, number> {
  return Object.fromEntries(
    Object.values(models).map((m) => [m.session.modelId, m.session.stats.inferenceMs]),
  );
}

export async function analyseSample(
  m: AnalysisModels,
  frame: F32Frame,
  ocr: boolean,
  middle: boolean,
  stageMs: Record<string, number>,
  clip?: ClipEncoders,
): Promise<Sample> {
  const timed = async <T>(stage: string, work: () => Promise<T> | T): Promise<T> => {
    const t = performance.now();
    try {
      return await work();
    } finally {
      stageMs[stage] = (stageMs[stage] ?? 0) + performance.now() - t;
    }
  };
  const objects = await timed('objects', () => detectObjects(m.objects, frame, 0.45));
  const counts: Record<string, number> = {};
  for (const o of objects) counts[o.label] = (counts[o.label] ?? 0) + 1;
  const personHeight = Math.max(
    0,
    ...objects.filter((o) => o.label === 'person').map((o) => o.h / frame.height),
  );
  const faces = await timed('faces', () => detectFaces(m.faces, frame, 0.75));
  const tags = await timed('tags', () => classify(m.tags, frame));
  const areas = await timed('areas', () => semanticAreas(m.areas, frame));
  const text = ocr ? await timed('ocr', () => readText(m.ocrDetect, m.ocrRecognise, frame)) : [];
  const picture = await timed('picture', () => ({
    lighting: lightingOf(frame),
    colours: dominantColours(frame),
  }));
  return {
    objects: counts,
    tags,
    areas,
    faces: { count: faces.length, largestHeight: Math.max(0, ...faces.map((f) => f.h / frame.height)) },
    personHeight,
    text: text.map((l) => l.text),
    ...picture,
    ...(middle ? { thumbnail: await timed('thumbnail', () => thumbnailOf(frame)) } : {}),
    // One CLIP vector per shot, from its middle frame (the thumbnail's): what search compares queries with.
    ...(middle && clip ? { embedding: await timed('clip', () => embedImage(clip, frame)) } : {}),
  };
}

export async function thumbnailOf(frame: F32Frame): Promise<Buffer> {
  const bytes = Buffer.alloc(frame.width * frame.height * 3);
  for (let y = 0, o = 0; y < frame.height; y++) {
    for (let x = 0; x < frame.width; x++, o += 3) {
      const p = y * frame.stride + x * 4;
      for (let c = 0; c < 3; c++)
        bytes[o + c] = Math.round(Math.max(0, Math.min(1, frame.data[p + c]!)) * 255);
    }
  }
  return sharp(bytes, { raw: { width: frame.width, height: frame.height, channels: 3 } })
    .resize({ width: 320 })
    .jpeg({ quality: 80 })
    .toBuffer();
}

function maxCounts(list: Record<string, number>[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of list) for (const [k, v] of Object.entries(c)) out[k] = Math.max(out[k] ?? 0, v);
  return out;
}

function meanTags(list: Tag[][]): Tag[] {
  if (list.length === 0) return [];
  const acc = new Map<string, Tag>();
  for (const tags of list) {
    for (const t of tags) {
      const a = acc.get(t.label) ?? { ...t, score: 0 };
      a.score += t.score / list.length;
      acc.set(t.label, a);
    }
  }
  return [...acc.values()]
    .filter((t) => t.score >= 0.1)
    .sort((a, b) => b.score - a.score)
    .slice(0, 5);
}

function meanAreas(list: Record<string, number>[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const a of list) for (const [k, v] of Object.entries(a)) out[k] = (out[k] ?? 0) + v / list.length;
  for (const k of Object.keys(out)) if (out[k]! < 0.02) delete out[k];
  return out;
}

function mostCommon<T>(xs: T[]): T | null {
  const counts = new Map<T, number>();
  for (const x of xs) if (x !== null) counts.set(x, (counts.get(x) ?? 0) + 1);
  let best: T | null = null;
  let n = 0;
  for (const [k, v] of counts) if (v > n) [best, n] = [k, v];
  return best;
}
