/**
 * Models whose manifest has `split` (a joint two-tower graph, e.g. CLIP) are split after they are fetched:
 * `<cache>/<id>.<part>.onnx` per tower, written by models/converters/two-tower-split.ts, and a record
 * `<cache>/<id>.split.json` of the joint file's sha256 and each part's sha256 and size. The parts are
 * loaded only when the record names the manifest's pinned joint file and each part still hashes to its
 * record: the same guarantee as a manifest's sha256, carried one step further (the parts' hashes cannot
 * be pinned in advance: they are made here, deterministically, from the pinned file).
 */
import { existsSync } from 'node:fs';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { splitTwoTower } from '../../../models/converters/two-tower-split.ts';
import { recordVerified, sha256File, verifyFile } from './hash.ts';
import type { ModelManager } from './resolver.ts';

/** Bumped when the splitter's output changes, so older parts are made again. */
export const SPLITTER_VERSION = 1;

export interface SplitPartRecord {
  /** File name inside the cache folder. */
  file: string;
  sha256: string;
  bytes: number;
  input: string;
  output: string;
  /** Rescaling ops the split stepped back over from where the towers meet (e.g. Mul by exp(logit_scale)). */
  steppedOver: string[];
}

export interface SplitRecord {
  model: string;
  /** sha256 of the joint file the parts were cut from. */
  from: string;
  splitter: number;
  parts: Record<string, SplitPartRecord>;
}

export type InstalledSplit = { record: SplitRecord; files: Record<string, string> };

export function splitRecordPath(manager: ModelManager, id: string): string {
  return path.join(manager.cacheDir, `${id}.split.json`);
}

export function splitPartPath(manager: ModelManager, id: string, part: string): string {
  return path.join(manager.cacheDir, `${id}.${part}.onnx`);
}

function towersOf(manager: ModelManager, id: string): Record<string, string> {
  const towers = manager.manifest(id).split;
  if (!towers) throw new Error(`model ${id} has no "split" in its manifest`);
  return towers;
}

/**
 * Splits the verified joint file `source` of model `id` into its parts in the cache. Each part is written
 * under a temporary name, hashed, and renamed; the record is written last, so a crash leaves no record
 * that vouches for a half-written part.
 */
export async function installSplit(
  manager: ModelManager,
  id: string,
  source: string,
  onProgress?: (message: string) => void,
): Promise<InstalledSplit> {
  const man = manager.manifest(id);
  const towers = towersOf(manager, id);
  const tag = `${process.pid}.${Math.random().toString(36).slice(2)}.part`;
  onProgress?.(`splitting ${path.basename(source)} into ${Object.keys(towers).join(' and ')} encoders`);
  const parts = splitTwoTower(source, towers, (part) => `${splitPartPath(manager, id, part)}.${tag}`);
  const record: SplitRecord = { model: id, from: man.sha256, splitter: SPLITTER_VERSION, parts: {} };
  const files: Record<string, string> = {};
  const markerDir = path.join(manager.cacheDir, '.verified');
  try {
    for (const p of parts) {
      const final = splitPartPath(manager, id, p.part);
      const sha256 = await sha256File(p.file);
      await rename(p.file, final);
      await recordVerified(markerDir, final, sha256);
      record.parts[p.part] = {
        file: path.basename(final),
        sha256,
        bytes: p.bytes,
        input: p.input,
        output: p.outputName,
        steppedOver: p.steppedOver,
      };
      files[p.part] = final;
      onProgress?.(`${path.basename(final)}: ${p.input} -> ${p.outputName}, ${p.bytes} B, sha256 ${sha256}`);
    }
  } finally {
    await Promise.all(parts.map((p) => rm(p.file, { force: true })));
  }
  const recordFile = splitRecordPath(manager, id);
  await writeFile(`${recordFile}.${tag}`, JSON.stringify(record, null, 2) + '\n');
  await rename(`${recordFile}.${tag}`, recordFile);
  return { record, files };
}

/** The installed parts of `id`, verified; or why they cannot be used (missing, other file, changed). */
export async function installedSplit(
  manager: ModelManager,
  id: string,
  options: { rehash?: boolean } = {},
): Promise<InstalledSplit | { problem: string; missing?: true }> {
  const man = manager.manifest(id);
  const towers = towersOf(manager, id);
  const recordFile = splitRecordPath(manager, id);
  if (!existsSync(recordFile)) return { problem: `${recordFile} does not exist`, missing: true };
  let record: SplitRecord;
  try {
    record = JSON.parse(await readFile(recordFile, 'utf8')) as SplitRecord;
  } catch (err) {
    return { problem: `${recordFile} is not readable (${(err as Error).message})` };
  }
  if (record.from !== man.sha256)
    return { problem: `${recordFile} was cut from another file (sha256 ${record.from})` };
  if (record.splitter !== SPLITTER_VERSION)
    return { problem: `${recordFile} was made by splitter version ${record.splitter}` };
  const files: Record<string, string> = {};
  for (const part of Object.keys(towers)) {
    const entry = record.parts?.[part];
    if (!entry) return { problem: `${recordFile} lists no ${part} part` };
    const file = splitPartPath(manager, id, part);
    if (!existsSync(file)) return { problem: `${file} does not exist` };
    const result = await verifyFile(file, entry, {
      markerDir: path.join(manager.cacheDir, '.verified'),
      ignoreMarker: options.rehash,
    });
    if (!result.ok) return { problem: `${file} does not match its record (changed since it was made)` };
    files[part] = file;
  }
  return { record, files };
}

/**
 * The parts of `id`, made from the joint model when they are missing or stale: from `explicitPath` (checked
 * against the pinned sha256), else from the cache or the manifest's sources (`fetch: true`), else only
 * from the cache.
 */
export async function ensureSplit(
  manager: ModelManager,
  id: string,
  options: { explicitPath?: string; fetch?: boolean; onProgress?: (message: string) => void } = {},
): Promise<InstalledSplit> {
  if (options.explicitPath === undefined) {
    const installed = await installedSplit(manager, id);
    if (!('problem' in installed)) return installed;
  }
  const joint =
    options.explicitPath !== undefined || options.fetch
      ? await manager.resolve(id, options.explicitPath ? { explicitPath: options.explicitPath } : {})
      : await cachedOnly(manager, id);
  return installSplit(manager, id, joint.path, options.onProgress);
}

async function cachedOnly(manager: ModelManager, id: string) {
  const status = await manager.checkCache(id);
  if (status.state === 'ok') return { path: status.path };
  if (status.state === 'mismatch') throw status.error;
  throw new SplitMissingError(id, status.path);
}

export class SplitMissingError extends Error {
  constructor(
    readonly modelId: string,
    readonly expected: string,
  ) {
    super(`no verified copy of ${modelId} at ${expected}`);
    this.name = 'SplitMissingError';
  }
}
