/**
 * Jobs for the two kinds that are not frame-in/frame-out: a generator renders frames from its parameters
 * (no input file: latent walks, parallax from a still) and an analyzer reads frames and writes records
 * (a JSON file). Both keep the job rules of runJob: the output is checked before any work, written under a
 * temporary name and moved into place only on success; progress, ETA and cancel work the same way.
 */
import { randomBytes } from 'node:crypto';
import { open, rename, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { AnalyzerEffect, EffectContext, GeneratorEffect } from '../effects/types.ts';
import { resolveParams } from '../effects/params.ts';
import { decodeFrames } from '../media/decode.ts';
import { createEncoder, type AudioSource, type Encoder, type EncoderOptions } from '../media/encode.ts';
import type { Frame } from '../effects/frame.ts';
import type { MediaInfo } from '../media/probe.ts';
import { resolveFrameRange } from './frame-range.ts';
import { assertOutputFormat, formatFromOutputPath } from './output-format.ts';
import { assertWritableFolder, checkOutput } from './output-checks.ts';
import { probeInput } from './plan.ts';
import { progressReporter } from './progress-reporter.ts';
import { JobError, type JobProgress, type JobResult, type JobSpec } from './types.ts';

export interface GeneratedJobOptions {
  ctx: EffectContext;
  onProgress?: (progress: JobProgress) => void;
  signal?: AbortSignal;
}

/** A generator has no input; the output checks compare against a path that can never be an output. */
const NO_INPUT = os.devNull;

export async function runGeneratorJob(
  effect: GeneratorEffect,
  spec: JobSpec,
  options: GeneratedJobOptions,
): Promise<JobResult> {
  const inputParam = effect.generator.inputParam;
  if (spec.input && !inputParam) {
    throw new JobError(
      'BAD_PARAM',
      `effect "${effect.id}" is a generator and takes no input file (got ${spec.input})`,
      `drop the input; a still to work from is a param (see \`mlxv effects\` for ${effect.id})`,
    );
  }
  const started = performance.now();
  const given =
    spec.input && inputParam
      ? { ...spec.params, [inputParam]: path.resolve(spec.input) }
      : (spec.params ?? {});
  const params = resolveParams(effect.params, given);
  if (spec.input && effect.generator.clip) {
    const input = path.resolve(spec.input);
    const info = await probeInput(input);
    if (info.frameCount > 1) return runOverClip(effect, spec, params, input, info, options, started);
  }
  const format = assertOutputFormat(spec.format ?? formatFromOutputPath(spec.output));
  const count = effect.generator.frameCount(params);
  const range = resolveFrameRange(spec.frames, count);
  const frameRate = effect.generator.frameRate(params);
  const { width, height } = effect.generator.size(params);
  const overwrite = spec.overwrite ?? false;
  const total = range.end - range.start + 1;
  const target = await checkOutput(NO_INPUT, spec.output, format, overwrite, {
    first: range.start,
    count: total,
  });
  const report = progressReporter(total, options.onProgress);
  report('loading-models', 0);
  const generator = await effect.generator.createGenerator(options.ctx, params);
  try {
    // Cancel is checked before each render too: a render can take seconds, none is started once cancelled.
    async function* rendered(): AsyncGenerator<Frame> {
      for (let i = range.start; i <= range.end; i++) {
        options.signal?.throwIfAborted();
        yield await generator.render(i);
      }
    }
    return await encodeAll({
      encoder: {
        output: target.path,
        format,
        width,
        height,
        frameRate,
        overwrite,
        imageBitDepth: 8,
        firstFrameNumber: range.start,
      },
      targetNotes: target.notes,
      frames: rendered(),
      total,
      report,
      started,
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } finally {
    await generator.dispose?.();
  }
}

/**
 * The encode loop both generator paths share: a new encoder, every frame written with progress and a cancel
 * check, `complete(written)` before the file is finished (a truncated input throws there), and the encoder
 * aborted on any failure, so nothing appears under the final name.
 */
async function encodeAll(job: {
  encoder: EncoderOptions;
  targetNotes: readonly string[];
  frames: AsyncIterable<Frame>;
  total: number;
  report: (stage: JobProgress['stage'], done: number) => void;
  started: number;
  signal?: AbortSignal;
  complete?: (written: number) => void;
}): Promise<JobResult> {
  let encoder: Encoder | undefined;
  try {
    job.signal?.throwIfAborted();
    encoder = await createEncoder(job.encoder);
    job.report('processing', 0);
    let written = 0;
    for await (const frame of job.frames) {
      job.signal?.throwIfAborted();
      await encoder.write(frame);
      job.report('processing', ++written);
    }
    job.complete?.(written);
    job.report('finalizing', job.total);
    await encoder.finish();
    return {
      output: job.encoder.output,
      frames: job.total,
      seconds: (performance.now() - job.started) / 1000,
      inferenceMs: 0,
      frameRate: job.encoder.frameRate,
      notes: [...job.targetNotes, ...encoder.notes],
    };
  } catch (err) {
    await encoder?.abort().catch(() => {});
    throw err;
  }
}

/**
 * A generator given a clip (GeneratorSpec.clip): one output frame per input frame of the range, at the clip's
 * size, rate, bit depth and audio; the output checks are a filter job's (the input cannot be the output).
 */
async function runOverClip(
  effect: GeneratorEffect,
  spec: JobSpec,
  params: ReturnType<typeof resolveParams>,
  input: string,
  info: MediaInfo,
  options: GeneratedJobOptions,
  started: number,
): Promise<JobResult> {
  const format = assertOutputFormat(spec.format ?? formatFromOutputPath(spec.output));
  const range = resolveFrameRange(spec.frames, info.frameCount);
  const total = range.end - range.start + 1;
  const overwrite = spec.overwrite ?? false;
  const target = await checkOutput(input, spec.output, format, overwrite, {
    first: range.start,
    count: total,
  });
  const report = progressReporter(total, options.onProgress);
  report('loading-models', 0);
  const clip = { width: info.width, height: info.height, frameRate: info.frameRate, frameCount: total };
  const renderer = await effect.generator.clip!.createClipRenderer(options.ctx, params, clip);
  try {
    const signal = options.signal ? { signal: options.signal } : {};
    async function* rendered(): AsyncGenerator<Frame> {
      let n = 0;
      for await (const frame of decodeFrames(input, { range, info, ...signal })) {
        options.signal?.throwIfAborted();
        yield await renderer.render(frame, n++);
      }
    }
    return await encodeAll({
      encoder: {
        output: target.path,
        format,
        width: info.width,
        height: info.height,
        frameRate: info.frameRate,
        overwrite,
        imageBitDepth: format === 'png-sequence' || info.bitDepth > 8 ? 16 : 8,
        firstFrameNumber: range.start,
        color: info.color,
        ...(info.audio ? { audioSource: audioSourceFor(input, info, range) } : {}),
      },
      targetNotes: target.notes,
      frames: rendered(),
      total,
      report,
      started,
      ...signal,
      complete(written) {
        if (written < total) {
          throw new JobError(
            'INPUT_CORRUPT',
            `input ${input} ended after ${written} of ${total} frames: it is truncated or damaged`,
            'repair or re-export the input, or render a shorter range with --frames',
          );
        }
      },
    });
  } finally {
    await renderer.dispose?.();
  }
}

/** The input's audio under the rendered range of its frames (also for generators that render over a clip). */
export function audioSourceFor(
  input: string,
  info: MediaInfo,
  range: { start: number; end: number },
): AudioSource {
  const rate = info.frameRate.num / info.frameRate.den;
  return {
    path: input,
    ...(info.audio?.codec ? { codec: info.audio.codec } : {}),
    startSeconds: range.start / rate,
    durationSeconds: (range.end - range.start + 1) / rate,
  };
}

export async function runAnalyzerJob(
  effect: AnalyzerEffect,
  spec: JobSpec,
  options: GeneratedJobOptions,
): Promise<JobResult> {
  const started = performance.now();
  const params = resolveParams(effect.params, spec.params ?? {});
  const output = path.resolve(spec.output);
  if (path.extname(output).toLowerCase() !== '.json') {
    throw new JobError(
      'BAD_PARAM',
      `effect "${effect.id}" is an analyzer: it writes records as JSON, not ${path.basename(output)}`,
      'name a .json output, e.g. -o tracks.json',
    );
  }
  const input = path.resolve(spec.input);
  if (input === output) throw new JobError('OUTPUT_IS_INPUT', `output ${output} is the input file`);
  await assertWritableFolder(path.dirname(output));
  const exists = await stat(output).then(
    () => true,
    () => false,
  );
  if (exists && !spec.overwrite) {
    throw new JobError(
      'OUTPUT_EXISTS',
      `output ${output} already exists`,
      'pick another name, or pass --overwrite to replace it when the job succeeds',
    );
  }
  const info = await probeInput(input);
  const range = resolveFrameRange(spec.frames, info.frameCount);
  const total = range.end - range.start + 1;
  const report = progressReporter(total, options.onProgress);
  report('loading-models', 0);
  const analyzer = await effect.createAnalyzer(options.ctx, params, {
    width: info.width,
    height: info.height,
    frameRate: info.frameRate,
    frameCount: info.frameCount,
  });
  const temp = path.join(
    path.dirname(output),
    `.${path.basename(output)}.partial-${process.pid}-${randomBytes(4).toString('hex')}`,
  );
  try {
    report('processing', 0);
    let index = range.start;
    for await (const frame of decodeFrames(input, {
      range,
      info,
      ...(options.signal ? { signal: options.signal } : {}),
    })) {
      options.signal?.throwIfAborted();
      await analyzer.push(frame, index++);
      report('processing', index - range.start);
    }
    if (index - range.start < total) {
      throw new JobError(
        'INPUT_CORRUPT',
        `input ${input} ended after ${index - range.start} of ${total} frames: it is truncated or damaged`,
        'repair or re-export the input, or analyse a shorter range with --frames',
      );
    }
    report('finalizing', total);
    const result = await analyzer.finish();
    const doc = {
      effect: effect.id,
      input,
      frames: range,
      frameRate: info.frameRate,
      width: info.width,
      height: info.height,
      params,
      records: result.records,
    };
    const handle = await open(temp, 'wx', 0o644);
    try {
      await handle.writeFile(`${JSON.stringify(doc, null, 2)}\n`);
    } finally {
      await handle.close();
    }
    await rename(temp, output);
    return {
      output,
      frames: total,
      seconds: (performance.now() - started) / 1000,
      inferenceMs: 0,
      frameRate: info.frameRate,
      notes: [`${result.records.length} record(s) written`],
    };
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  } finally {
    await analyzer.dispose?.();
  }
}
