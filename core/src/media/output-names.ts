/**
 * The names mlxvideo writes, in one place, so the pre-flight checks (pipeline/output-checks.ts), the encoder
 * (media/encode.ts) and the stale-partial sweep agree on exactly which files are ours:
 *
 * - image sequences (PNG or EXR): a printf pattern (`frame_%04d.png`, `shot_%04d.exr`), or a folder that gets
 *   `frame_%06d.png` (or `.exr`) files;
 * - temporary outputs: `.<stem>.partial-<pid>-<n>-<host><ext>` next to a file output,
 *   `.<folder>.partial-<pid>-<n>-<host>` next to a new sequence folder, `.partial-<pid>-<n>-<host>` inside
 *   the folder of a pattern or of an existing sequence folder.
 *
 * The host tag (a hash of the host name) is there because output folders can be shared (NFS, a render farm):
 * a pid is only known to be dead on the machine that ran it, so only partials of this host are ever swept.
 */
import { createHash } from 'node:crypto';
import { readdir, rename, rm, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import { JobError, type OutputFormat, type SequenceFormat } from '../pipeline/types.ts';

/** A printf-style frame number in a file name, e.g. frame_%04d.png. */
export const sequencePattern = /%0?(\d*)d/;

/** The file extension of each sequence format; a pattern's extension picks the format (output-format.ts). */
export const SEQUENCE_EXTENSION: Readonly<Record<SequenceFormat, string>> = {
  'png-sequence': '.png',
  'exr-sequence': '.exr',
};

export function isSequenceFormat(format: OutputFormat): format is SequenceFormat {
  return format in SEQUENCE_EXTENSION;
}

/** The file pattern used inside a folder given as a sequence output: frame_%06d.png / frame_%06d.exr. */
export function folderSequencePattern(format: SequenceFormat): string {
  return `frame_%06d${SEQUENCE_EXTENSION[format]}`;
}

/** Files the OS drops into any folder a user opens; they never make a folder "not empty" for us. */
const OS_METADATA = new Set(['.DS_Store']);

/** The file name of frame `n` of a pattern, as ffmpeg's image2 muxer writes it. */
export function frameFileName(pattern: string, n: number): string {
  return pattern.replace(sequencePattern, (_m, width: string) =>
    String(n).padStart(width ? Number(width) : 0, '0'),
  );
}

/** Every name a sequence of this pattern can have (any frame number), to recognise an earlier render. */
export function sequenceNameMatcher(pattern: string): RegExp {
  const [before, after] = pattern.split(sequencePattern.exec(pattern)![0]) as [string, string];
  return new RegExp(`^${escapeRegExp(before)}\\d+${escapeRegExp(after)}$`);
}

/** Sorts a folder's entries into files of an earlier sequence of `pattern` and everything else. */
export async function sequenceFolderContents(
  folder: string,
  pattern: string,
): Promise<{ sequence: string[]; others: string[] }> {
  const matcher = sequenceNameMatcher(pattern);
  const sequence: string[] = [];
  const others: string[] = [];
  for (const name of await readdir(folder)) {
    if (OS_METADATA.has(name) || isPartialName(name)) continue;
    (matcher.test(name) ? sequence : others).push(name);
  }
  return { sequence, others };
}

/**
 * An existing folder given as a sequence output may only hold an earlier sequence of the same pattern, and
 * that only with `overwrite` (which then replaces exactly the frames this job writes). Anything else in it
 * (documents, subfolders, the input) means it is someone's folder, not an output: refused, even with
 * `overwrite`. Returns the earlier sequence's file names.
 */
export async function checkSequenceFolder(
  folder: string,
  pattern: string,
  overwrite: boolean,
): Promise<{ sequence: string[] }> {
  const { sequence, others } = await sequenceFolderContents(folder, pattern);
  if (others.length) {
    const shown =
      others.slice(0, 3).join(', ') + (others.length > 3 ? `, and ${others.length - 3} more` : '');
    throw new JobError(
      'OUTPUT_EXISTS',
      `output folder ${folder} is not empty (it holds ${shown}); a folder output must be new or empty, ` +
        'and mlxvideo never removes files it did not write',
      `name a new folder (e.g. ${path.join(folder, 'frames')}), or a pattern such as ` +
        `${path.join(folder, 'frame_%04d.png')} to write only those names`,
    );
  }
  if (sequence.length && !overwrite) {
    throw new JobError(
      'OUTPUT_EXISTS',
      `output folder ${folder} holds an earlier sequence (${sequence.length} files like ${sequence[0]})`,
      'pick a new folder, or pass --overwrite to replace the frames this job writes (nothing else is touched)',
    );
  }
  return { sequence };
}

/**
 * Moves a finished sequence from its temporary folder into `destDir` (which must exist): for a folder output
 * the folder is checked again (something may have appeared while the job ran), every name is checked before
 * any is moved (a refusal leaves the destination exactly as it was), and then the files are renamed in one by
 * one, so nothing but the frames written is ever replaced and no folder is ever removed. Used by the encoder
 * and by the farm's assembly, so both follow the same rule. Removes the (then empty) temporary folder.
 */
export async function moveSequenceInto(
  temp: string,
  destDir: string,
  options: { folderPattern?: string; overwrite: boolean },
): Promise<string[]> {
  if (options.folderPattern) await checkSequenceFolder(destDir, options.folderPattern, options.overwrite);
  const names = (await readdir(temp)).sort();
  if (!options.overwrite) {
    for (const name of names) {
      const file = path.join(destDir, name);
      if (await stat(file).catch(() => null)) {
        throw new JobError(
          'OUTPUT_EXISTS',
          `output already exists: ${file}`,
          'pick another name, or pass --overwrite to replace it when the job succeeds',
        );
      }
    }
  }
  for (const name of names) await rename(path.join(temp, name), path.join(destDir, name));
  await rm(temp, { recursive: true, force: true }); // our own temporary folder, empty by now
  return names;
}

// ---------- temporary ("partial") names ----------

const HOST_TAG = createHash('sha256').update(hostname()).digest('hex').slice(0, 8);
let partialSequence = 0;

/** A fresh `partial-<pid>-<n>-<host>` tag for this process. */
export function newPartialTag(): string {
  return `partial-${process.pid}-${++partialSequence}-${HOST_TAG}`;
}

const PARTIAL = /(?:^|\.)partial-(\d+)-\d+-([0-9a-f]{8})(?:\.[^.]*)?$/;

function isPartialName(name: string): boolean {
  return name.startsWith('.') && PARTIAL.test(name);
}

export type OutputKind = 'file' | 'folder' | 'pattern';

/** Where the temporary outputs of `output` live, and the name prefix each has there. */
function partialPlaces(output: string, kind: OutputKind): Array<{ folder: string; prefix: string }> {
  const dir = path.dirname(output);
  if (kind === 'pattern') return [{ folder: dir, prefix: '.' }];
  if (kind === 'folder') {
    // A new sequence folder is built beside it; an existing one is filled from a temporary folder inside.
    return [
      { folder: dir, prefix: `.${path.basename(output)}.` },
      { folder: output, prefix: '.' },
    ];
  }
  return [{ folder: dir, prefix: `.${path.basename(output, path.extname(output))}.` }];
}

/**
 * The places of an output whose kind is not known (a job journal keeps only the output name): a pattern is
 * recognisable by its %d; any other name may have been a file or a sequence folder, so both are looked at.
 */
function placesOfAnyKind(output: string): Array<{ folder: string; prefix: string }> {
  if (sequencePattern.test(path.basename(output))) return partialPlaces(output, 'pattern');
  const places = [...partialPlaces(output, 'file'), ...partialPlaces(output, 'folder')];
  return places.filter(
    (p, i) => places.findIndex((q) => q.folder === p.folder && q.prefix === p.prefix) === i,
  );
}

/**
 * True when a process with this pid exists here (EPERM: it exists but is another user's). Pid reuse after a
 * crash is possible but rare; it only ever keeps a temporary file longer. The daemon uses it too.
 */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes temporary outputs that a killed mlxvideo process (SIGKILL, power cut) left for this output: only
 * names we create, only for this output, only from this host, and only when that pid no longer runs.
 * The encoder calls it before each job (it knows the kind); a restarted daemon calls it for the jobs the dead
 * one was running (kind unknown: see placesOfAnyKind). Returns the paths removed.
 */
export async function sweepStalePartials(output: string, kind?: OutputKind): Promise<string[]> {
  const removed: string[] = [];
  for (const { folder, prefix } of kind ? partialPlaces(output, kind) : placesOfAnyKind(output)) {
    for (const name of await readdir(folder).catch(() => [] as string[])) {
      if (!name.startsWith(prefix)) continue;
      const m = /^partial-(\d+)-\d+-([0-9a-f]{8})(\.[^.]*)?$/.exec(name.slice(prefix.length));
      if (!m || m[2] !== HOST_TAG) continue;
      const pid = Number(m[1]);
      if (pid === process.pid || processAlive(pid)) continue;
      await rm(path.join(folder, name), { recursive: true, force: true });
      removed.push(path.join(folder, name));
    }
  }
  return removed;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
