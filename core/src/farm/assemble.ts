/**
 * Puts the segments end to end under the final name, the way a local run would have written it:
 * - PNG and EXR sequences: the segment files are renamed to the names and numbers a local run gives (input
 *   frame numbers for filters, output numbers from 0 for retime effects). No pixel is touched.
 * - Video: ffmpeg's concat demuxer with `-c copy` (no re-encoding). Every segment starts with a key frame
 *   (each is its own encode), so the cut points are clean; ProRes is intra-only, so the assembled file
 *   decodes to exactly the frames a local run writes. H.264/VP9 segments concatenate cleanly too, but
 *   their encoders chose key frames per segment, so those bytes differ from a local encode (docs/farm.md).
 *   Audio is taken from the input for the whole range, as a local run takes it.
 * Written under a temporary name and renamed into place, like every output.
 */
import { mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ffmpegPath, runTool, summarizeErrors } from '../media/ffmpeg.ts';
import { offsetTimecode } from '../media/timecode.ts';
import type { JobPlan } from '../pipeline/plan.ts';
import {
  folderSequencePattern,
  frameFileName,
  isSequenceFormat,
  moveSequenceInto,
  newPartialTag,
  SEQUENCE_EXTENSION,
} from '../media/output-names.ts';
import { sequencePattern } from '../pipeline/output-format.ts';
import { JobError, type SequenceFormat } from '../pipeline/types.ts';
import type { Chunk } from './chunks.ts';
import { segmentPath } from './segments.ts';

export interface AssembleResult {
  output: string;
  frames: number;
  notes: string[];
}

export async function assembleSegments(
  job: JobPlan,
  chunks: readonly Chunk[],
  segmentDir: string,
  options: { overwrite: boolean },
): Promise<AssembleResult> {
  const segments = chunks.map((c) => segmentPath(segmentDir, c, job.format));
  for (const [i, seg] of segments.entries()) {
    if (!(await stat(seg).catch(() => null))) {
      const c = chunks[i]!;
      throw new JobError(
        'INTERNAL',
        `segment for frames ${c.start}-${c.end} is missing: ${seg}`,
        'render that chunk again (`mlxv farm chunk ... --frames ' + `${c.start}-${c.end}\`), then assemble`,
      );
    }
  }
  const frames = chunks.reduce((n, c) => n + c.outputCount, 0);
  if (isSequenceFormat(job.format)) {
    await assembleSequence(job, job.format, chunks, segments, segmentDir, options);
    return { output: job.target.path, frames, notes: [] };
  }
  const notes = await concatVideo(job, segments, segmentDir, options);
  return { output: job.target.path, frames, notes };
}

async function assembleSequence(
  job: JobPlan,
  format: SequenceFormat,
  chunks: readonly Chunk[],
  segments: readonly string[],
  segmentDir: string,
  options: { overwrite: boolean },
): Promise<void> {
  const final = job.target.path;
  const isPattern = sequencePattern.test(path.basename(final));
  const destDir = isPattern ? path.dirname(final) : final;
  const pattern = isPattern ? path.basename(final) : folderSequencePattern(format);
  const ext = SEQUENCE_EXTENSION[format];
  // Staged inside the segments folder (same storage, removed with it), under the final names.
  const staging = path.join(segmentDir, 'assembled');
  await rm(staging, { recursive: true, force: true }); // a previous assemble attempt's leftovers
  await mkdir(staging);
  for (const [i, seg] of segments.entries()) {
    const chunk = chunks[i]!;
    const files = (await readdir(seg)).filter((f) => f.endsWith(ext)).sort();
    if (files.length !== chunk.outputCount) {
      throw new JobError(
        'INTERNAL',
        `segment ${seg} holds ${files.length} ${ext} files, expected ${chunk.outputCount}`,
      );
    }
    for (const [k, file] of files.entries()) {
      const name = frameFileName(pattern, job.firstFrameNumber + chunk.outputStart + k);
      await rename(path.join(seg, file), path.join(staging, name));
    }
  }
  await mkdir(destDir, { recursive: true });
  // The encoder's rule: only this job's exact names are replaced (with --overwrite), nothing is removed.
  await moveSequenceInto(staging, destDir, {
    overwrite: options.overwrite,
    ...(isPattern ? {} : { folderPattern: pattern }),
  });
}

async function concatVideo(
  job: JobPlan,
  segments: readonly string[],
  segmentDir: string,
  options: { overwrite: boolean },
): Promise<string[]> {
  const final = job.target.path;
  const ext = path.extname(final);
  // A partial name (output-names.ts), so a submitter killed while joining leaves nothing the sweep misses.
  const temp = path.join(path.dirname(final), `.${path.basename(final, ext)}.${newPartialTag()}${ext}`);
  const list = path.join(segmentDir, 'concat.txt');
  // The concat demuxer's list syntax: one `file '<path>'` per line, single quotes escaped as '\''.
  await writeFile(list, segments.map((s) => `file '${s.replace(/'/g, `'\\''`)}'\n`).join(''));
  const container =
    job.format === 'webm-vp9' ? 'webm' : job.format === 'h264' && ext !== '.mov' ? 'mp4' : 'mov';
  const rate = job.info.frameRate.num / job.info.frameRate.den;
  const base = ['-hide_banner', '-v', 'error', '-y', '-f', 'concat', '-safe', '0', '-i', list];
  const audioIn = job.info.audio
    ? [
        '-ss',
        (job.range.start / rate).toFixed(6),
        '-t',
        ((job.range.end - job.range.start + 1) / rate).toFixed(6),
        '-i',
        job.input,
      ]
    : [];
  const tail = [
    ...(job.info.timecode && container !== 'webm'
      ? ['-timecode', offsetTimecode(job.info.timecode, job.range.start, job.info.frameRate)]
      : []),
    ...(container === 'mp4' ? ['-movflags', '+faststart'] : []),
    '-f',
    container,
    temp,
  ];
  const video = ['-map', '0:v:0', '-c:v', 'copy'];
  const attempts: { audio: string[]; note?: string }[] = job.info.audio
    ? [
        { audio: ['-map', '1:a:0', '-c:a', 'copy'] },
        {
          audio: ['-map', '1:a:0', ...AUDIO_FALLBACK[container]],
          note: `audio transcoded: ${container} cannot carry ${job.info.audio.codec ?? 'the source audio'} as is`,
        },
      ]
    : [{ audio: [] }];
  let lastError = '';
  try {
    for (const attempt of attempts) {
      const r = await runTool('ffmpeg', [...base, ...audioIn, ...video, ...attempt.audio, ...tail]);
      if (r.exitCode === 0) {
        await commitFile(temp, final, options.overwrite);
        return attempt.note ? [attempt.note] : [];
      }
      lastError = summarizeErrors(r.stderr) || `exit ${r.exitCode}`;
    }
  } finally {
    await rm(temp, { force: true });
  }
  throw new JobError('INTERNAL', `${ffmpegPath()} could not join the segments into ${final}: ${lastError}`);
}

/** What a local encode falls back to when the container cannot take the source audio as is (encode.ts). */
const AUDIO_FALLBACK: Record<'mov' | 'mp4' | 'webm', string[]> = {
  mov: ['-c:a', 'pcm_s24le'],
  mp4: ['-c:a', 'aac', '-b:a', '192k'],
  webm: ['-c:a', 'libopus', '-b:a', '160k'],
};

async function commitFile(temp: string, final: string, overwrite: boolean): Promise<void> {
  if (!overwrite && (await stat(final).catch(() => null))) {
    throw new JobError('OUTPUT_EXISTS', `output ${final} appeared while the job ran`, 'pass --overwrite');
  }
  await rename(temp, final);
}
