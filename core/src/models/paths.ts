/**
 * Where model files live: the repository root (for `local` sources and the manifests folder) and the
 * per-user model cache (~/.cache/mlxvideo/models, or $MLXV_MODEL_CACHE).
 */
import { homedir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file is core/src/models/paths.ts). */
export const repoRoot: string = fileURLToPath(new URL('../../../', import.meta.url)).replace(/[\\/]$/, '');

export const defaultManifestsDir: string = path.join(repoRoot, 'models', 'manifests');

/** $MLXV_MODEL_CACHE wins; otherwise $XDG_CACHE_HOME/mlxvideo/models, falling back to ~/.cache/mlxvideo/models. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.MLXV_MODEL_CACHE) return path.resolve(env.MLXV_MODEL_CACHE);
  const base = env.XDG_CACHE_HOME ? path.resolve(env.XDG_CACHE_HOME) : path.join(homedir(), '.cache');
  return path.join(base, 'mlxvideo', 'models');
}

/** The cache file of one model. */
export function cachedModelPath(cacheDir: string, modelId: string): string {
  return path.join(cacheDir, `${modelId}.onnx`);
}
