/**
 * The model manager: resolves a model id to a verified ONNX file.
 * Order: explicit path -> cache (<cacheDir>/<id>.onnx) -> the manifest's sources, in order. A source's result is
 * verified in a temp file and renamed into the cache (atomic: no half-written model under the final name).
 * Every file is hash-checked before it is handed out; a bad file is an error, never a silent fallback.
 * `load` hands out the checked bytes themselves (hash.ts readVerifiedFile): the session is built from them.
 */
import { existsSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { ModelManifest } from './manifest.ts';
import type { LoadedModel, ModelLoader, ModelResolver, ResolvedModel } from './types.ts';
import { getManifest, listManifests } from './manifests.ts';
import { ModelHashMismatchError, ModelUnavailableError, type SourceAttempt } from './errors.ts';
import { expectedOf, readVerifiedFile, recordVerified, verifyFile, type VerifyResult } from './hash.ts';
import { describeSource, runSource, type FetchProgress } from './sources.ts';
import {
  cachedModelPath,
  defaultCacheDir,
  defaultManifestsDir,
  repoRoot as defaultRepoRoot,
} from './paths.ts';

export interface ModelResolverOptions {
  /** Default: $MLXV_MODEL_CACHE or ~/.cache/mlxvideo/models. */
  cacheDir?: string;
  /** Default: $MLXV_MODEL_MANIFESTS (a folder of manifests, e.g. for models of your own) or <repo>/models/manifests. */
  manifestsDir?: string;
  /** Folder `local` sources are relative to. Default: the repository root. */
  repoRoot?: string;
  /** Explicit file per model id (the CLI's --model-path); used when resolve() gets no explicitPath. */
  modelPaths?: Record<string, string>;
  onProgress?: (p: FetchProgress) => void;
}

export type CacheStatus =
  | { state: 'ok'; path: string; sha256: string }
  | { state: 'missing'; path: string }
  | { state: 'mismatch'; path: string; error: ModelHashMismatchError };

/** ModelResolver plus what the CLI needs (list, fetch, verify, where). */
export interface ModelManager extends ModelResolver, ModelLoader {
  readonly cacheDir: string;
  readonly manifestsDir: string;
  manifest(modelId: string): ModelManifest;
  list(): ModelManifest[];
  cachePath(modelId: string): string;
  /** Verifies the cached file (re-hashing it when `rehash`, ignoring the verified marker). */
  checkCache(modelId: string, options?: { rehash?: boolean }): Promise<CacheStatus>;
  /** Makes sure a verified model is in the cache, running sources when it is missing or does not match. */
  fetch(
    modelId: string,
    options?: { signal?: AbortSignal; onProgress?: (p: FetchProgress) => void },
  ): Promise<ResolvedModel>;
}

export function createModelResolver(options: ModelResolverOptions = {}): ModelManager {
  const cacheDir = path.resolve(options.cacheDir ?? defaultCacheDir());
  const manifestsDir = path.resolve(
    options.manifestsDir ?? process.env.MLXV_MODEL_MANIFESTS ?? defaultManifestsDir,
  );
  const root = options.repoRoot ?? defaultRepoRoot;
  const markerDir = path.join(cacheDir, '.verified');
  /** One source run per model at a time inside this process (concurrent resolves share it). */
  const inFlight = new Map<string, Promise<ResolvedModel>>();

  const manifest = (id: string) => getManifest(id, manifestsDir);
  const cachePath = (id: string) => cachedModelPath(cacheDir, id);

  function mismatch(
    m: ModelManifest,
    file: string,
    result: VerifyResult,
    origin: string,
  ): ModelHashMismatchError {
    return new ModelHashMismatchError(
      m.id,
      file,
      expectedOf(m),
      { sha256: result.sha256, bytes: result.bytes },
      origin,
    );
  }

  async function checkCache(modelId: string, opts: { rehash?: boolean } = {}): Promise<CacheStatus> {
    const m = manifest(modelId);
    const file = cachePath(m.id);
    if (!existsSync(file)) return { state: 'missing', path: file };
    const result = await verifyFile(file, expectedOf(m), { markerDir, ignoreMarker: opts.rehash });
    if (result.ok) return { state: 'ok', path: file, sha256: result.sha256 };
    return { state: 'mismatch', path: file, error: mismatch(m, file, result, 'cache') };
  }

  async function fromSources(
    m: ModelManifest,
    signal?: AbortSignal,
    onProgress?: (p: FetchProgress) => void,
  ): Promise<ResolvedModel> {
    const final = cachePath(m.id);
    const attempts: SourceAttempt[] = [];
    for (const source of m.sources) {
      const desc = describeSource(source);
      signal?.throwIfAborted();
      const tempFile = `${final}.${process.pid}.${Math.random().toString(36).slice(2)}.part`;
      try {
        await mkdir(cacheDir, { recursive: true });
        onProgress?.({ modelId: m.id, source: desc, message: 'trying' });
        await runSource(source, { manifest: m, repoRoot: root, tempFile, signal, onProgress });
        const result = await verifyFile(tempFile, expectedOf(m));
        if (!result.ok) {
          const got = result.sha256 ? `sha256 ${result.sha256} (${result.bytes} B)` : `${result.bytes} B`;
          const size = m.bytesRounded ? `about ${m.bytes} B` : `${m.bytes} B`;
          throw new Error(`produced ${got}, expected sha256 ${m.sha256} (${size})`);
        }
        await rename(tempFile, final);
        await recordVerified(markerDir, final, m.sha256);
        onProgress?.({ modelId: m.id, source: desc, message: `verified, cached at ${final}` });
        return { id: m.id, path: final, sha256: m.sha256, from: source.kind };
      } catch (err) {
        await rm(tempFile, { force: true });
        if (signal?.aborted) throw err;
        attempts.push({ source: desc, reason: (err as Error).message });
        onProgress?.({ modelId: m.id, source: desc, message: `failed: ${(err as Error).message}` });
      }
    }
    throw new ModelUnavailableError(m.id, attempts, final);
  }

  async function resolve(
    modelId: string,
    opts: {
      explicitPath?: string;
      signal?: AbortSignal;
      onProgress?: (p: FetchProgress) => void;
      replaceBadCache?: boolean;
    } = {},
  ): Promise<ResolvedModel> {
    const m = manifest(modelId);
    const file = explicitFile(m, opts.explicitPath);
    if (file !== undefined) {
      const result = await verifyFile(file, expectedOf(m), { markerDir });
      if (!result.ok) throw mismatch(m, file, result, 'explicit');
      return { id: m.id, path: file, sha256: m.sha256, from: 'explicit' };
    }
    const cached = await checkCache(m.id);
    if (cached.state === 'ok') return { id: m.id, path: cached.path, sha256: m.sha256, from: 'cache' };
    // A bad cache file stops a job (something changed it; the user should know). Only an explicit
    // `fetch` replaces it, atomically, with a verified copy from the sources.
    if (cached.state === 'mismatch' && !opts.replaceBadCache) throw cached.error;
    let running = inFlight.get(m.id);
    if (!running) {
      running = fromSources(m, opts.signal, opts.onProgress ?? options.onProgress).finally(() =>
        inFlight.delete(m.id),
      );
      inFlight.set(m.id, running);
    }
    return running;
  }

  /** An explicit path is the user's choice: if it is wrong we say so rather than use something else. */
  function explicitFile(m: ModelManifest, explicitPath: string | undefined): string | undefined {
    const given = explicitPath ?? options.modelPaths?.[m.id];
    if (given === undefined) return undefined;
    const file = path.resolve(given);
    if (!existsSync(file)) {
      throw new ModelUnavailableError(
        m.id,
        [{ source: `explicit path ${file}`, reason: 'file does not exist' }],
        cachePath(m.id),
      );
    }
    return file;
  }

  async function load(
    modelId: string,
    opts: { explicitPath?: string; signal?: AbortSignal } = {},
  ): Promise<LoadedModel> {
    const m = manifest(modelId);
    const explicit = explicitFile(m, opts.explicitPath);
    let found: ResolvedModel;
    if (explicit !== undefined) found = { id: m.id, path: explicit, sha256: m.sha256, from: 'explicit' };
    else if (existsSync(cachePath(m.id)))
      found = { id: m.id, path: cachePath(m.id), sha256: m.sha256, from: 'cache' };
    else found = await resolve(m.id, opts); // runs the sources; the new cache file is verified and marked
    const result = await readVerifiedFile(found.path, expectedOf(m), { markerDir });
    if (!result.ok) throw mismatch(m, found.path, result, found.from === 'explicit' ? 'explicit' : 'cache');
    return { ...found, bytes: result.data, manifest: m };
  }

  return {
    cacheDir,
    manifestsDir,
    manifest,
    list: () => listManifests(manifestsDir),
    cachePath,
    checkCache,
    resolve,
    load,
    fetch: (modelId, opts = {}) =>
      resolve(modelId, { signal: opts.signal, onProgress: opts.onProgress, replaceBadCache: true }),
  };
}
