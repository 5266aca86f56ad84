/**
 * The EffectContext every surface uses (CLI, daemon, tests): the default model resolver and one session
 * manager on top of it.
 */
import type { EffectContext } from '../effects/types.ts';
import { createModelResolver, type ModelManager } from '../models/resolver.ts';
import { createSessionManager } from './sessions.ts';
import type { ExecutionProviderName } from './types.ts';

export interface EffectContextOptions {
  /** Model cache folder; default $MLXV_MODEL_CACHE or ~/.cache/mlxvideo/models. */
  cacheDir?: string;
  manifestsDir?: string;
  /** Provider chain; default $MLXV_PROVIDERS or the platform's chain. */
  providers?: readonly ExecutionProviderName[];
  /** Explicit model files by id (--model-path id=file). */
  modelPaths?: Record<string, string>;
  signal?: AbortSignal;
}

export function createEffectContext(
  options: EffectContextOptions = {},
): EffectContext & { models: ModelManager } {
  const models = createModelResolver({
    cacheDir: options.cacheDir,
    manifestsDir: options.manifestsDir,
    modelPaths: options.modelPaths,
  });
  const sessions = createSessionManager({
    resolver: models,
    providers: options.providers,
    modelPaths: options.modelPaths,
    signal: options.signal,
  });
  const worker = {
    ...(options.cacheDir ? { cacheDir: options.cacheDir } : {}),
    ...(options.manifestsDir ? { manifestsDir: options.manifestsDir } : {}),
    ...(options.providers ? { providers: options.providers } : {}),
    ...(options.modelPaths ? { modelPaths: options.modelPaths } : {}),
  };
  return { models, sessions, worker, ...(options.signal ? { signal: options.signal } : {}) };
}
