/**
 * Checks on the output path made before any work starts, so a job that cannot finish fails in milliseconds
 * and never touches anything it did not create. The rule (README, "Where output goes"):
 *
 *   mlxvideo never deletes or replaces anything it did not create in this job, except the exact file names
 *   it would write, and those only with --overwrite.
 *
 * So: a file output may replace that one file (with --overwrite); a pattern (`frame_%04d.png`, `.exr`) may
 * replace exactly the frame files this job writes; a folder output must be new or empty, or hold only an
 * earlier sequence of its own `frame_NNNNNN.png` (or `.exr` for an EXR sequence) names (replaced frame by frame
 * with --overwrite, never removed as a folder; a PNG sequence in it does not make it ours for EXRs); a folder that holds the input is refused, and so is any output name that is the input. Writability
 * is tested by really creating a file (access() says yes to root even on a read-only folder).
 */
import { constants as fsConstants } from 'node:fs';
import { open, readdir, realpath, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import {
  checkSequenceFolder,
  folderSequencePattern,
  frameFileName,
  isSequenceFormat,
  SEQUENCE_EXTENSION,
  sequencePattern,
} from '../media/output-names.ts';
import { isStillFormat } from './output-format.ts';
import { JobError, type OutputFormat } from './types.ts';

export interface OutputTarget {
  /** Absolute path the encoder writes: a file, or for image sequences a folder or a %04d pattern. */
  path: string;
  /** The folder the output is created in (for a sequence: the sequence folder itself). */
  folder: string;
  /** Things the user should know that did not stop the job (reported with the result). */
  notes: string[];
}

/** The frames the job will write: their count, and the number of the first file of a sequence. */
export interface OutputFrames {
  first: number;
  count: number;
}

export async function checkOutput(
  input: string,
  output: string,
  format: OutputFormat,
  overwrite: boolean,
  frames: OutputFrames,
): Promise<OutputTarget> {
  assertExpanded(output);
  const absOutput = path.resolve(output);
  const sequence = isSequenceFormat(format);
  const isPattern = sequence && sequencePattern.test(path.basename(absOutput));
  const folder = sequence ? (isPattern ? path.dirname(absOutput) : absOutput) : path.dirname(absOutput);
  const notes: string[] = [];

  if (sequence) {
    const ext = SEQUENCE_EXTENSION[format];
    // `--format exr-sequence -o f_%04d.png` would write EXR data under .png names.
    if (isPattern && path.extname(absOutput).toLowerCase() !== ext) {
      throw new JobError(
        'BAD_PARAM',
        `output pattern ${absOutput} does not end in ${ext}, but the format is ${format}`,
        `name the frames like ${path.join(path.dirname(absOutput), `frame_%04d${ext}`)}`,
      );
    }
    const existing = await statOrNull(folder);
    if (existing && !existing.isDirectory()) {
      throw new JobError('OUTPUT_UNWRITABLE', `output folder ${folder} exists and is not a folder`);
    }
    // A new sequence folder is created by the encoder; its parent must then be writable.
    await assertWritableFolder(existing ? folder : path.dirname(folder));
    const pattern = isPattern ? path.basename(absOutput) : folderSequencePattern(format);
    const names = Array.from({ length: frames.count }, (_, i) => frameFileName(pattern, frames.first + i));
    if (existing && !isPattern) {
      await assertFolderDoesNotHoldInput(input, folder);
      const { sequence } = await checkSequenceFolder(folder, pattern, overwrite);
      const ours = new Set(names);
      const kept = sequence.filter((name) => !ours.has(name)).length;
      if (kept > 0) {
        notes.push(
          `${kept} frame file(s) of the earlier sequence in ${folder} are not written by this job and were left as they were`,
        );
      }
    }
    if (existing) await assertNamesFree(input, folder, names, overwrite);
  } else {
    if (isStillFormat(format) && frames.count !== 1) {
      throw new JobError(
        'BAD_PARAM',
        `output ${absOutput} is a single image, but this job makes ${frames.count} frames`,
        `write a sequence (${withPattern(absOutput)} or a folder), or pick one frame with --frames N-N`,
      );
    }
    await assertWritableFolder(folder);
    const existing = await statOrNull(absOutput);
    if (existing?.isDirectory()) {
      throw new JobError(
        'OUTPUT_UNWRITABLE',
        `output ${absOutput} is a folder`,
        'name a file, e.g. out.mov, or a PNG sequence in that folder (frame_%04d.png)',
      );
    }
    await assertNamesFree(input, folder, [path.basename(absOutput)], overwrite);
  }
  return { path: absOutput, folder, notes };
}

/**
 * `~` is the shell's, not a path: a quoted '~/x' reaching us would create a folder named "~" in the current
 * folder, which a later `rm -rf ~` typed to clean it up would turn into the loss of the home folder.
 */
function assertExpanded(output: string): void {
  if (output === '~' || output.startsWith('~/')) {
    throw new JobError(
      'BAD_PARAM',
      `output "${output}" starts with "~", which was not expanded to your home folder`,
      'write the path without quotes around ~ (so the shell expands it), or use $HOME or an absolute path',
    );
  }
}

/** The input must not be one of the names we write (also through symlinks and hard links). */
async function assertNamesFree(
  input: string,
  folder: string,
  names: readonly string[],
  overwrite: boolean,
): Promise<void> {
  const absInput = path.resolve(input);
  const inStat = await statOrNull(absInput);
  const realIn = await realpath(absInput).catch(() => absInput);
  const realFolder = await realpath(folder).catch(() => folder);
  const present = new Set(await readdir(folder).catch(() => [] as string[]));
  const clashes: string[] = [];
  for (const name of names) {
    const file = path.join(folder, name);
    if (file === absInput || path.join(realFolder, name) === realIn) throw isInput(file);
    if (!present.has(name)) continue;
    const st = await statOrNull(file);
    // Same inode = the same file under another name (symlink or hard link).
    if (st && inStat && st.dev === inStat.dev && st.ino === inStat.ino) throw isInput(file);
    if (st?.isDirectory()) {
      throw new JobError('OUTPUT_UNWRITABLE', `output ${file} is a folder`, 'pick another output name');
    }
    clashes.push(name);
  }
  if (clashes.length && !overwrite) {
    const file = path.join(folder, clashes[0]!);
    throw new JobError(
      'OUTPUT_EXISTS',
      clashes.length === 1
        ? `output ${file} already exists`
        : `output would replace ${clashes.length} existing files in ${folder} (${clashes.slice(0, 3).join(', ')}, ...)`,
      'pick another name, or pass --overwrite to replace exactly those files when the job succeeds',
    );
  }
}

async function assertFolderDoesNotHoldInput(input: string, folder: string): Promise<void> {
  const realIn = await realpath(path.resolve(input)).catch(() => path.resolve(input));
  const realFolder = await realpath(folder).catch(() => folder);
  const rel = path.relative(realFolder, realIn);
  if (rel && !rel.startsWith('..') && !path.isAbsolute(rel)) {
    throw new JobError(
      'OUTPUT_IS_INPUT',
      `output folder ${folder} holds the input ${input}`,
      `write the frames to a new folder (e.g. ${path.join(folder, 'frames')}) or a pattern like ${path.join(folder, 'frame_%04d.png')}`,
    );
  }
}

function isInput(file: string): JobError {
  return new JobError(
    'OUTPUT_IS_INPUT',
    `output ${file} is the input file`,
    'write the result to a new file; the input is never overwritten',
  );
}

/** photo.png -> photo_%04d.png, for the hint of a single-image output given many frames. */
function withPattern(file: string): string {
  const ext = path.extname(file);
  return `${file.slice(0, file.length - ext.length)}_%04d.png`;
}

/** Creates and removes a probe file: the only test root cannot fool (EROFS, ENOTDIR, full disks). */
export async function assertWritableFolder(folder: string): Promise<void> {
  const probe = path.join(folder, `.mlxv-write-test-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    const handle = await open(probe, fsConstants.O_CREAT | fsConstants.O_EXCL | fsConstants.O_WRONLY, 0o600);
    await handle.close();
    await unlink(probe);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    // ENOENT for a folder that exists: a special file system (/proc, /sys) that refuses new files.
    const missing = code === 'ENOENT' && !(await statOrNull(folder))?.isDirectory();
    const why: Record<string, string> = {
      ENOENT: missing ? 'does not exist' : 'does not accept new files (a special file system)',
      ENOTDIR: 'is not a folder',
      EACCES: 'is not writable (permission denied)',
      EPERM: 'is not writable (operation not permitted)',
      EROFS: 'is on a read-only file system',
      ENOSPC: 'is on a full disk',
    };
    throw new JobError(
      'OUTPUT_UNWRITABLE',
      `cannot write to output folder ${folder}: it ${why[code] ?? `failed a write test (${code})`}`,
      missing
        ? `create the folder first (mkdir -p ${folder})`
        : 'choose an output folder you can write to, e.g. one under your home folder',
    );
  }
}

async function statOrNull(p: string) {
  return stat(p).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT' || err.code === 'ENOTDIR') return null;
    throw err;
  });
}
