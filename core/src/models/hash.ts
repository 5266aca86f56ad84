/**
 * sha256 of model files, with a "verified" marker so a large model (ISNet medium is 88 MB) is not re-hashed
 * for every job: the marker records path, size and mtime of a file whose hash matched; any change to the
 * file (size or mtime) invalidates it and the file is hashed again.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';

export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 22 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export function sha256Bytes(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export interface Expected {
  sha256: string;
  bytes: number;
}

export type VerifyResult =
  | { ok: true; bytes: number; sha256: string; fromMarker: boolean }
  | { ok: false; bytes: number; sha256?: string };

interface Marker {
  path: string;
  size: number;
  mtimeMs: number;
  sha256: string;
}

function markerFile(markerDir: string, file: string): string {
  return path.join(
    markerDir,
    `${createHash('sha256').update(path.resolve(file)).digest('hex').slice(0, 32)}.json`,
  );
}

/**
 * Checks a file against its expected size and sha256. The size is checked first (cheap); the hash is
 * skipped only when a marker in `markerDir` vouches for this exact path, size and mtime.
 */
export async function verifyFile(
  file: string,
  expected: Expected,
  options: { markerDir?: string; ignoreMarker?: boolean } = {},
): Promise<VerifyResult> {
  const info = await stat(file);
  if (info.size !== expected.bytes) return { ok: false, bytes: info.size };
  const mFile = options.markerDir ? markerFile(options.markerDir, file) : undefined;
  if (mFile && !options.ignoreMarker) {
    const marker = await readMarker(mFile);
    if (
      marker &&
      marker.path === path.resolve(file) &&
      marker.size === info.size &&
      marker.mtimeMs === info.mtimeMs &&
      marker.sha256 === expected.sha256
    ) {
      return { ok: true, bytes: info.size, sha256: marker.sha256, fromMarker: true };
    }
  }
  const sha256 = await sha256File(file);
  if (sha256 !== expected.sha256) return { ok: false, bytes: info.size, sha256 };
  if (mFile)
    await writeMarker(mFile, { path: path.resolve(file), size: info.size, mtimeMs: info.mtimeMs, sha256 });
  return { ok: true, bytes: info.size, sha256, fromMarker: false };
}

/** Records that `file` (as it is now on disk) was verified to have this sha256, e.g. right after writing it. */
export async function recordVerified(markerDir: string, file: string, sha256: string): Promise<void> {
  const info = await stat(file);
  await writeMarker(markerFile(markerDir, file), {
    path: path.resolve(file),
    size: info.size,
    mtimeMs: info.mtimeMs,
    sha256,
  });
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
