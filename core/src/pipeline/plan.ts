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
import { formatFromOutputPath, outputFormats } from './output-format.ts';
import { checkOutput, type OutputTarget } from './output-checks.ts';
import { toJobError } from './job-error.ts';
import { JobError, type JobSpec, type OutputFormat } from './types.ts';
import { outputSizeOf } from '../effects/descriptor-data.ts';

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
}

/** `lookup` replaces the registry (tests, embedders with effects of their own). */
export async function planJob(
  spec: JobSpec,
  lookup: (id: string) => EffectDescriptor = getEffect,
): Promise<JobPlan> {
  const found = lookup(spec.effect);
  if (found.kind === 'generator' || found.kind === 'analyzer') {
    throw new JobError(
      'BAD_PARAM',
      `effect "${found.id}" is a ${found.kind}; this version of mlxvideo runs filter and retime effects as jobs`,
      'update mlxvideo',
    );
  }
  const effect = found;
  const params = resolveParams(effect.params, spec.params ?? {});
  checkModelPaths(effect, spec.modelPaths);
  await checkModelFilesExist(spec.modelPaths);
  const format = spec.format ?? formatFromOutputPath(spec.output);
  if (!outputFormats.includes(format)) {
    throw new JobError(
      'BAD_PARAM',
      `unknown output format "${format}"`,
      `use one of: ${outputFormats.join(', ')}`,
    );
  }
  const input = path.resolve(spec.input);
  const info = await probeInput(input);
  const range = resolveFrameRange(spec.frames, info.frameCount);
  const target = await checkOutput(input, spec.output, format, spec.overwrite ?? false);
  const size = outputSizeOf(effect, info.width, info.height, params);
  const inputFrames = range.end - range.start + 1;
  const frameRate =
    effect.kind === 'retime' ? effect.retime.outputFrameRate(info.frameRate, params) : info.frameRate;
  const outputFrames =
    effect.kind === 'retime'
      ? effect.retime.outputFrameCount(inputFrames, info.frameRate, params)
      : inputFrames;
  return { effect, params, input, info, range, format, target, ...size, frameRate, outputFrames };
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
async function probeInput(input: string): Promise<MediaInfo> {
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
