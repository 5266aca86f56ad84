/**
 * sha256 of model files, with a "verified" marker so a large model (ISNet medium is 88 MB) is not re-hashed
 * for every job. The marker vouches for one file *as the kernel knows it*: device, inode, size, and the
 * change time (ctime) and mtime in nanoseconds, all read with fstat on the descriptor that is then read.
 * Any write to the file, any replacement (new inode) and any `touch`/utimes (which can set mtime back but
 * always moves ctime to "now") invalidates the marker, and the file is hashed again.
 *
 * Loading (readVerifiedFile) reads the bytes through that same descriptor and hands those bytes on
 * (onnxruntime builds its session from the buffer): what was checked is what runs, with no window to swap
 * the file between the check and the load.
 */
import { createHash } from 'node:crypto';
import type { BigIntStats } from 'node:fs';
import { mkdir, open, readFile, rename, writeFile, type FileHandle } from 'node:fs/promises';
import path from 'node:path';

export async function sha256File(file: string): Promise<string> {
  const fh = await open(file, 'r');
  try {
    return await sha256Handle(fh);
  } finally {
    await fh.close();
  }
}

async function sha256Handle(fh: FileHandle): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of fh.createReadStream({ start: 0, highWaterMark: 1 << 22, autoClose: false })) {
    hash.update(chunk as Buffer);
  }
  return hash.digest('hex');
}

export function sha256Bytes(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export interface Expected {
  sha256: string;
  /** Exact size, checked before hashing; absent when only a rounded size is known (the sha256 decides). */
  bytes?: number;
}

/** What a manifest lets a file be checked against: its size only when the manifest knows it exactly. */
export function expectedOf(m: { sha256: string; bytes: number; bytesRounded?: true }): Expected {
  return m.bytesRounded ? { sha256: m.sha256 } : { sha256: m.sha256, bytes: m.bytes };
}

function sizeDiffers(size: number, expected: Expected): boolean {
  return expected.bytes !== undefined && size !== expected.bytes;
}

export type VerifyResult =
  | { ok: true; bytes: number; sha256: string; fromMarker: boolean }
  | { ok: false; bytes: number; sha256?: string };

/** What the kernel says about one file; equal keys mean nothing wrote, replaced or re-stamped it. */
interface FileIdentity {
  dev: string;
  ino: string;
  size: number;
  ctimeNs: string;
  mtimeNs: string;
}

interface Marker extends FileIdentity {
  path: string;
  sha256: string;
}

function identity(st: BigIntStats): FileIdentity {
  return {
    dev: String(st.dev),
    ino: String(st.ino),
    size: Number(st.size),
    ctimeNs: String(st.ctimeNs),
    mtimeNs: String(st.mtimeNs),
  };
}

function sameIdentity(a: FileIdentity, b: FileIdentity): boolean {
  return (
    a.dev === b.dev &&
    a.ino === b.ino &&
    a.size === b.size &&
    a.ctimeNs === b.ctimeNs &&
    a.mtimeNs === b.mtimeNs
  );
}

function markerFile(markerDir: string, file: string): string {
  return path.join(
    markerDir,
    `${createHash('sha256').update(path.resolve(file)).digest('hex').slice(0, 32)}.json`,
  );
}

async function markerVouches(
  markerDir: string | undefined,
  file: string,
  id: FileIdentity,
  sha256: string,
): Promise<boolean> {
  if (!markerDir) return false;
  const marker = await readMarker(markerFile(markerDir, file));
  return (
    marker !== undefined &&
    marker.path === path.resolve(file) &&
    marker.sha256 === sha256 &&
    sameIdentity(marker, id)
  );
}

async function fstatIdentity(fh: FileHandle): Promise<FileIdentity> {
  return identity(await fh.stat({ bigint: true }));
}

/**
 * Checks a file against its expected size and sha256. The size is checked first (cheap); the hash is
 * skipped only when a marker in `markerDir` vouches for this path with the identity fstat reports now.
 */
export async function verifyFile(
  file: string,
  expected: Expected,
  options: { markerDir?: string; ignoreMarker?: boolean } = {},
): Promise<VerifyResult> {
  const fh = await open(file, 'r');
  try {
    const before = await fstatIdentity(fh);
    if (sizeDiffers(before.size, expected)) return { ok: false, bytes: before.size };
    if (!options.ignoreMarker && (await markerVouches(options.markerDir, file, before, expected.sha256))) {
      return { ok: true, bytes: before.size, sha256: expected.sha256, fromMarker: true };
    }
    const sha256 = await sha256Handle(fh);
    if (sha256 !== expected.sha256) return { ok: false, bytes: before.size, sha256 };
    await recordIfUnchanged(options.markerDir, file, fh, before, sha256);
    return { ok: true, bytes: before.size, sha256, fromMarker: false };
  } finally {
    await fh.close();
  }
}

/**
 * Reads a file's bytes and checks them: with a vouching marker when fstat shows the file unchanged from
 * before the read to after it, by hashing the very bytes read otherwise. `data` is only set when ok.
 */
export async function readVerifiedFile(
  file: string,
  expected: Expected,
  options: { markerDir?: string } = {},
): Promise<(VerifyResult & { ok: false }) | (VerifyResult & { ok: true; data: Uint8Array })> {
  const fh = await open(file, 'r');
  try {
    const before = await fstatIdentity(fh);
    if (sizeDiffers(before.size, expected)) return { ok: false, bytes: before.size };
    const data = await fh.readFile();
    const after = await fstatIdentity(fh);
    if (
      sameIdentity(before, after) &&
      !sizeDiffers(data.byteLength, expected) &&
      (await markerVouches(options.markerDir, file, after, expected.sha256))
    ) {
      return { ok: true, bytes: data.byteLength, sha256: expected.sha256, fromMarker: true, data };
    }
    const sha256 = sha256Bytes(data);
    if (sha256 !== expected.sha256 || sizeDiffers(data.byteLength, expected)) {
      return { ok: false, bytes: data.byteLength, sha256 };
    }
    await recordIfUnchanged(options.markerDir, file, fh, before, sha256);
    return { ok: true, bytes: data.byteLength, sha256, fromMarker: false, data };
  } finally {
    await fh.close();
  }
}

/** Records that `file` (as it is now on disk) was verified to have this sha256, e.g. right after writing it. */
export async function recordVerified(markerDir: string, file: string, sha256: string): Promise<void> {
  const fh = await open(file, 'r');
  try {
    await writeMarker(markerFile(markerDir, file), {
      path: path.resolve(file),
      sha256,
      ...(await fstatIdentity(fh)),
    });
  } finally {
    await fh.close();
  }
}

/** Writes a marker only when the file did not change while it was being hashed. */
async function recordIfUnchanged(
  markerDir: string | undefined,
  file: string,
  fh: FileHandle,
  before: FileIdentity,
  sha256: string,
): Promise<void> {
  if (!markerDir) return;
  const after = await fstatIdentity(fh);
  if (!sameIdentity(before, after)) return;
  await writeMarker(markerFile(markerDir, file), { path: path.resolve(file), sha256, ...after });
}

async function readMarker(file: string): Promise<Marker | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as Marker;
  } catch {
    return undefined;
  }
}

/** Best effort: a marker that cannot be written only costs a re-hash next time. */
async function writeMarker(file: string, marker: Marker): Promise<void> {
  try {
    await mkdir(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    await writeFile(tmp, JSON.stringify(marker));
    await rename(tmp, file);
  } catch {
    // ignored on purpose (read-only cache folder): correctness never depends on the marker.
  }
}
