/**
 * Checks on the output path made before any work starts, so a job that cannot finish fails in
 * milliseconds and never touches an existing file: not the input (also through symlinks and hard links),
 * folder writable (by really creating a file, since access() says yes to root even on a read-only folder),
 * and no existing output unless the caller asked to overwrite.
 */
import { constants as fsConstants } from 'node:fs';
import { open, readdir, realpath, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { JobError, type OutputFormat } from './types.ts';
import { sequencePattern } from './output-format.ts';

export interface OutputTarget {
  /** Absolute path the encoder writes: a file, or for PNG sequences a folder or a %04d pattern. */
  path: string;
  /** The folder the output is created in (for a sequence: the sequence folder itself). */
  folder: string;
}

export async function checkOutput(
  input: string,
  output: string,
  format: OutputFormat,
  overwrite: boolean,
): Promise<OutputTarget> {
  const absOutput = path.resolve(output);
  const isPattern = format === 'png-sequence' && sequencePattern.test(path.basename(absOutput));
  const folder =
    format === 'png-sequence' ? (isPattern ? path.dirname(absOutput) : absOutput) : path.dirname(absOutput);
  await assertNotInput(input, absOutput);

  if (format === 'png-sequence') {
    const existing = await statOrNull(folder);
    if (existing && !existing.isDirectory()) {
      throw new JobError('OUTPUT_UNWRITABLE', `output folder ${folder} exists and is not a folder`);
    }
    // A new sequence folder is created by the encoder; its parent must then be writable.
    await assertWritableFolder(existing ? folder : path.dirname(folder));
    if (existing && !overwrite && (await readdir(folder)).some((f) => f.toLowerCase().endsWith('.png'))) {
      throw new JobError(
        'OUTPUT_EXISTS',
        `output folder ${folder} already holds PNG files`,
        'pick another folder, or pass --overwrite to replace them when the job succeeds',
      );
    }
  } else {
    await assertWritableFolder(folder);
    const existing = await statOrNull(absOutput);
    if (existing?.isDirectory()) {
      throw new JobError('OUTPUT_UNWRITABLE', `output ${absOutput} is a folder`, 'name a file, e.g. out.mov');
    }
    if (existing && !overwrite) {
      throw new JobError(
        'OUTPUT_EXISTS',
        `output ${absOutput} already exists`,
        'pick another name, or pass --overwrite to replace it when the job succeeds',
      );
    }
  }
  return { path: absOutput, folder };
}

async function assertNotInput(input: string, output: string): Promise<void> {
  const absInput = path.resolve(input);
  const same = () =>
    new JobError(
      'OUTPUT_IS_INPUT',
      `output ${output} is the input file`,
      'write the result to a new file; the input is never overwritten',
    );
  if (absInput === output) throw same();
  const [inStat, outStat] = await Promise.all([statOrNull(absInput), statOrNull(output)]);
  // Same inode = the same file under another name (symlink or hard link).
  if (inStat && outStat && inStat.dev === outStat.dev && inStat.ino === outStat.ino) throw same();
  // Output does not exist yet: compare with its folder's real path, in case that folder is a symlink.
  if (inStat && !outStat) {
    const realIn = await realpath(absInput).catch(() => absInput);
    const realOutDir = await realpath(path.dirname(output)).catch(() => path.dirname(output));
    if (path.join(realOutDir, path.basename(output)) === realIn) throw same();
  }
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
    const why: Record<string, string> = {
      ENOENT: 'does not exist',
      ENOTDIR: 'is not a folder',
      EACCES: 'is not writable (permission denied)',
      EPERM: 'is not writable (operation not permitted)',
      EROFS: 'is on a read-only file system',
      ENOSPC: 'is on a full disk',
    };
    throw new JobError(
      'OUTPUT_UNWRITABLE',
      `cannot write to output folder ${folder}: it ${why[code] ?? `failed a write test (${code})`}`,
      code === 'ENOENT'
        ? `create the folder first (mkdir -p ${folder})`
        : 'choose an output folder you can write to',
    );
  }
}

async function statOrNull(p: string) {
  return stat(p).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT' || err.code === 'ENOTDIR') return null;
    throw err;
  });
}
