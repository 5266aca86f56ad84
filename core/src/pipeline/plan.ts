/**
 * Everything a job checks before it does any work: effect, params, model paths, input, frame range,
 * output format and output path. A plan that comes back is a job that can start; anything wrong is a
 * JobError naming the problem, thrown before a model is loaded or a byte is written.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { getEffect } from '../effects/registry.ts';
import { resolveParams } from '../effects/params.ts';
import type {
  EffectDescriptor,
  FilterEffect,
  ParamValues,
  Rational,
  RetimeEffect,
} from '../effects/types.ts';
import { probeMedia, type MediaInfo } from '../media/probe.ts';
import { resolveFrameRange } from './frame-range.ts';
import { assertOutputFormat, formatFromOutputPath, isImageFormat } from './output-format.ts';
import { checkOutput, type OutputTarget } from './output-checks.ts';
import { toJobError } from './job-error.ts';
import { JobError, type JobSpec, type OutputFormat } from './types.ts';
import { alphaStateOf, outputSizeOf, wantsDeepImages, writesGrey } from '../effects/descriptor-data.ts';

export interface JobPlan {
  effect: FilterEffect | RetimeEffect;
  params: ParamValues;
  input: string;
  info: MediaInfo;
  /** Input frames to read, 0-based inclusive. */
  range: { start: number; end: number };
  format: OutputFormat;
  target: OutputTarget;
  width: number;
  height: number;
  frameRate: Rational;
  /** Frames the output will have. */
  outputFrames: number;
  /** Number of the first file of a PNG sequence: the input frame number, so farm chunks line up. */
  firstFrameNumber: number;
  /** PNG/TIFF sample depth: 16 for sequences (soft mattes band at 8 bits) and for stills from deep sources. */
  imageBitDepth: 8 | 16;
  /** One grey channel out (descriptor-data writesGrey): PNG/TIFF/EXR store it as such. */
  grey: boolean;
  /** Replace the exact output names (JobSpec.overwrite). */
  overwrite: boolean;
  /** Things the user should know that did not stop the job (reported with the result). */
  notes: string[];
}

/** `lookup` replaces the registry (tests, embedders with effects of their own). */
export async function planJob(
  spec: JobSpec,
  lookup: (id: string) => EffectDescriptor = getEffect,
): Promise<JobPlan> {
  assertPlainPath('input', spec.input);
  assertPlainPath('output', spec.output);
  for (const [id, file] of Object.entries(spec.modelPaths ?? {})) assertPlainPath(`model path ${id}`, file);
  const found = lookup(spec.effect);
  if (found.kind === 'generator' || found.kind === 'analyzer') {
    throw new JobError(
      'BAD_PARAM',
      `effect "${found.id}" is a ${found.kind}; this version of mlxvideo runs filter and retime effects as jobs`,
      'update mlxvideo',
    );
  }
  const effect = found;
  if (!spec.input) {
    throw new JobError(
      'INPUT_MISSING',
      `effect "${effect.id}" needs an input video or image`,
      `mlxv run ${effect.id} <input> -o <output>`,
    );
  }
  const params = resolveParams(effect.params, spec.params ?? {});
  checkModelPaths(effect, spec.modelPaths);
  await checkModelFilesExist(spec.modelPaths);
  // An existing folder is a sequence output whatever its name looks like (`-o ~/Documents.old`), so the
  // folder rules in output-checks apply to it.
  const format = assertOutputFormat(
    spec.format ?? ((await isFolder(spec.output)) ? 'png-sequence' : formatFromOutputPath(spec.output)),
  );
  const input = path.resolve(spec.input);
  const info = await probeInput(input);
  const range = resolveFrameRange(spec.frames, info.frameCount);
  const size = outputSizeOf(effect, info.width, info.height, params);
  const inputFrames = range.end - range.start + 1;
  const frameRate =
    effect.kind === 'retime' ? effect.retime.outputFrameRate(info.frameRate, params) : info.frameRate;
  const outputFrames =
    effect.kind === 'retime'
      ? effect.retime.outputFrameCount(inputFrames, info.frameRate, params)
      : inputFrames;
  const firstFrameNumber = effect.kind === 'retime' ? 0 : range.start;
  const target = await checkOutput(input, spec.output, format, spec.overwrite ?? false, {
    first: firstFrameNumber,
    count: outputFrames,
  });
  const imageBitDepth = format === 'png-sequence' || info.bitDepth > 8 || wantsDeepImages(effect) ? 16 : 8;
  const notes = [...target.notes];
  const alpha = alphaStateOf(effect, params) ?? (info.hasAlpha ? 'straight' : 'opaque');
  if (format === 'jpeg' && alpha !== 'opaque') {
    notes.push('alpha dropped: JPEG has no alpha channel (write .png, .tif, .webp or .exr to keep it)');
  }
  if (info.variableFrameRate) {
    notes.push(
      `variable frame rate input converted to a constant ${formatRate(info.frameRate)} fps: ` +
        `${info.frameCount} frames, some repeated or dropped so that each shows at its own time` +
        (info.audio && !isImageFormat(format) ? ' and the audio stays in sync' : ''),
    );
  }
  return {
    effect,
    params,
    input,
    info,
    range,
    format,
    target,
    ...size,
    frameRate,
    outputFrames,
    firstFrameNumber,
    imageBitDepth,
    grey: writesGrey(effect, params),
    overwrite: spec.overwrite ?? false,
    notes,
  };
}

/** A NUL byte cannot be in a file name on any system we run on; Node would throw a TypeError (a "bug"). */
function assertPlainPath(what: string, file: string): void {
  if (file.includes('\0')) {
    throw new JobError(
      'BAD_PARAM',
      `the ${what} path contains a NUL byte (\\0): ${JSON.stringify(file)}`,
      'check how the path was built or quoted; file names cannot contain NUL',
    );
  }
}

async function isFolder(file: string): Promise<boolean> {
  return (await stat(file).catch(() => null))?.isDirectory() ?? false;
}

function formatRate(rate: Rational): string {
  return String(Math.round((rate.num / rate.den) * 1000) / 1000);
}

function checkModelPaths(effect: EffectDescriptor, modelPaths: Record<string, string> | undefined): void {
  for (const id of Object.keys(modelPaths ?? {})) {
    if (!effect.models.includes(id)) {
      throw new JobError(
        'BAD_PARAM',
        `--model-path names model "${id}", which effect "${effect.id}" does not use`,
        effect.models.length
          ? `effect "${effect.id}" uses: ${effect.models.join(', ')}`
          : `effect "${effect.id}" uses no models`,
      );
    }
  }
}

async function checkModelFilesExist(modelPaths: Record<string, string> | undefined): Promise<void> {
  for (const [id, file] of Object.entries(modelPaths ?? {})) {
    const st = await stat(file).catch(() => null);
    if (!st?.isFile()) {
      throw new JobError(
        'MODEL_UNAVAILABLE',
        `model file ${path.resolve(file)} given for "${id}" does not exist or is not a file`,
        `check the path passed with --model-path ${id}=<file>`,
      );
    }
  }
}

/** probeMedia names missing, unreadable and damaged inputs itself (JobErrors); anything else is "not video". */
export async function probeInput(input: string): Promise<MediaInfo> {
  let info: MediaInfo;
  try {
    info = await probeMedia(input);
  } catch (err) {
    const mapped = toJobError(err);
    if (mapped.code !== 'INTERNAL') throw mapped;
    throw new JobError(
      'INPUT_NOT_VIDEO',
      `cannot read ${input} as video: ${mapped.message}`,
      'pass a video file ffmpeg can decode (e.g. .mov, .mp4, .mkv, .avi)',
    );
  }
  if (!(info.frameCount > 0)) {
    throw new JobError(
      'INPUT_CORRUPT',
      `input ${input} has no decodable video frames`,
      'the file may be truncated',
    );
  }
  return info;
}
