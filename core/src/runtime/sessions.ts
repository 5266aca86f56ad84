/**
 * The session manager: one onnxruntime session per (model, provider chain), created once and shared by
 * every frame and job (concurrent get() calls share one creation), warmed up once. Each provider of the chain
 * is tried in order; every skip or failure is recorded with its reason in `attempts`.
 */
import * as ort from 'onnxruntime-node';
import type { ModelLoader } from '../models/types.ts';
import type {
  ExecutionProviderName,
  LoadedSession,
  ProviderAttempt,
  SessionManager,
  SessionOptions,
} from './types.ts';
import { isProcessWideFailure, precheckProvider, providerChain } from './providers.ts';
import { NoProviderError } from './errors.ts';
import { productSessionOptions } from './session-options.ts';
import { prepareGraph } from '../models/prepare-graph.ts';

export { NoProviderError } from './errors.ts';

export interface SessionManagerOptions {
  /** Where models come from (the model manager: createModelResolver). */
  resolver: ModelLoader;
  /** Default provider chain (tests pass ['cpu']); default $MLXV_PROVIDERS or the platform's chain. */
  providers?: readonly ExecutionProviderName[];
  /** Explicit model files by id (--model-path), handed to the resolver. */
  modelPaths?: Record<string, string>;
  signal?: AbortSignal;
  /**
   * Warm up with zero inputs when the caller gives no warm-up feeds and every input shape is fixed
   * (default true). The first run of a session builds kernels and arenas; doing it at load time keeps
   * it out of the first frame's time.
   */
  autoWarmup?: boolean;
  /** Test seam: how a session is created for one provider, from the model's verified bytes. */
  createSession?: (model: Uint8Array, provider: ExecutionProviderName) => Promise<ort.InferenceSession>;
}

function defaultCreateSession(
  model: Uint8Array,
  provider: ExecutionProviderName,
): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(model, productSessionOptions(provider));
}

/** First line of an onnxruntime error, without its source-file prefix noise. */
function shortReason(err: unknown): string {
  const text = (err instanceof Error ? err.message : String(err)).split('\n')[0]!.trim();
  // onnxruntime prefixes assertion failures with "<source file>:<line> <function> <condition> was false.".
  const afterAssert = text.split(' was false. ');
  return (afterAssert.length > 1 ? afterAssert[afterAssert.length - 1]! : text).slice(0, 400);
}

/** Zero feeds for every float32 input whose shape is fully known, or undefined when any is not. */
function zeroFeeds(session: ort.InferenceSession): Record<string, ort.Tensor> | undefined {
  const meta = (
    session as unknown as {
      inputMetadata?: { name: string; isTensor: boolean; type?: string; shape?: unknown[] }[];
    }
  ).inputMetadata;
  if (!meta?.length) return undefined;
  const feeds: Record<string, ort.Tensor> = {};
  for (const input of meta) {
    if (
      !input.isTensor ||
      input.type !== 'float32' ||
      !input.shape?.every((d) => typeof d === 'number' && d > 0)
    ) {
      return undefined;
    }
    const dims = input.shape as number[];
    feeds[input.name] = new ort.Tensor('float32', new Float32Array(dims.reduce((a, b) => a * b, 1)), dims);
  }
  return feeds;
}

export function createSessionManager(options: SessionManagerOptions): SessionManager {
  const sessions = new Map<string, Promise<LoadedSession>>();
  /** Provider failures that hold for the whole process (see isProcessWideFailure). */
  const brokenProviders = new Map<ExecutionProviderName, string>();
  const create = options.createSession ?? defaultCreateSession;

  async function load(
    modelId: string,
    chain: ExecutionProviderName[],
    opts: SessionOptions,
  ): Promise<LoadedSession> {
    // The bytes that were hash-checked, not a path onnxruntime would open again later (models/hash.ts).
    const model = await options.resolver.load(modelId, {
      explicitPath: options.modelPaths?.[modelId],
      signal: options.signal,
    });
    // The graph each provider gets (models/prepare-graph.ts), rewritten at most once per provider kind.
    const prepared = new Map<boolean, Uint8Array>();
    const preparedFor = (p: ExecutionProviderName): Uint8Array => {
      if (!model.manifest) return model.bytes;
      const onCpu = p === 'cpu';
      let bytes = prepared.get(onCpu);
      if (!bytes) {
        bytes = prepareGraph(model.bytes, model.manifest, p);
        prepared.set(onCpu, bytes);
      }
      return bytes;
    };
    const attempts: ProviderAttempt[] = [];
    let session: ort.InferenceSession | undefined;
    let provider: ExecutionProviderName | undefined;
    for (const p of chain) {
      const skip = precheckProvider(p) ?? brokenProviders.get(p);
      if (skip) {
        attempts.push({ provider: p, ok: false, reason: skip });
        continue;
      }
      try {
        session = await create(preparedFor(p), p);
        provider = p;
        attempts.push({ provider: p, ok: true });
        break;
      } catch (err) {
        const reason = shortReason(err);
        if (isProcessWideFailure(reason)) brokenProviders.set(p, reason);
        attempts.push({ provider: p, ok: false, reason });
      }
    }
    if (!session || !provider) throw new NoProviderError(modelId, attempts);

    const warm = opts.warmup?.() ?? (options.autoWarmup === false ? undefined : zeroFeeds(session));
    // A warm-up function returning {} opts out (e.g. a test that runs the model exactly once).
    if (warm && Object.keys(warm).length > 0) await session.run(warm);

    const stats = { runs: 0, inferenceMs: 0 };
    let tail: Promise<unknown> = Promise.resolve();
    const s = session;
    const loaded: LoadedSession = {
      modelId,
      provider,
      attempts,
      session: s,
      inputNames: s.inputNames,
      outputNames: s.outputNames,
      stats,
      run(feeds, outputs) {
        // Runs on one session are serialised: onnxruntime sessions are not meant for concurrent run() calls,
        // and the stats then measure pure inference time, not time spent queueing.
        const result = tail.then(async () => {
          const t0 = performance.now();
          try {
            return await (outputs ? s.run(feeds, [...outputs]) : s.run(feeds));
          } finally {
            stats.inferenceMs += performance.now() - t0;
            stats.runs++;
          }
        });
        tail = result.catch(() => undefined);
        return result;
      },
    };
    return loaded;
  }

  return {
    get(modelId, opts = {}) {
      const chain = providerChain(opts.providers ?? options.providers);
      const key = `${modelId}\u0000${chain.join(',')}`;
      let entry = sessions.get(key);
      if (!entry) {
        entry = load(modelId, chain, opts);
        sessions.set(key, entry);
        // A failed load is not cached: the user may fetch the model and try again in the same daemon.
        entry.catch(() => {
          if (sessions.get(key) === entry) sessions.delete(key);
        });
      }
      return entry;
    },
    async dispose() {
      const all = [...sessions.values()];
      sessions.clear();
      for (const entry of all) {
        const loaded = await entry.catch(() => undefined);
        await loaded?.session.release();
      }
    },
  };
}
