/**
 * Interfaces of the inference runtime (onnxruntime-js style: interface files apart from implementations). In
 * the contract so effects and the engine use them without importing runtime/ (runtime/types.ts re-exports).
 */
import type { InferenceSession, Tensor } from 'onnxruntime-node';

/** Execution providers in the priority order we try them. */
export type ExecutionProviderName = 'cuda' | 'dml' | 'coreml' | 'webgpu' | 'cpu';

export interface ProviderAttempt {
  provider: ExecutionProviderName;
  ok: boolean;
  /** Why it was skipped (not on this platform, library missing, session creation failed: message). */
  reason?: string;
}

export interface LoadedSession {
  modelId: string;
  provider: ExecutionProviderName;
  /** What happened to each provider tried before the one that won. */
  attempts: readonly ProviderAttempt[];
  session: InferenceSession;
  inputNames: readonly string[];
  outputNames: readonly string[];
  /**
   * Serialises runs on one session and records pure inference time (for the benchmarks). `outputs` names the
   * outputs the caller reads (default: all): ISNet's graph has 12 (the mask, 6 side masks and 5 feature
   * maps, 118 MB at 1024x1024), and every fetched output is copied into a new JS tensor on each run.
   */
  run(feeds: Record<string, Tensor>, outputs?: readonly string[]): Promise<InferenceSession.OnnxValueMapType>;
  /** Sum of session.run wall time in ms, and number of runs, since creation. */
  readonly stats: { runs: number; inferenceMs: number };
}

export interface SessionOptions {
  /** Override the provider chain (e.g. ['cpu'] in tests); default: the platform's chain. */
  providers?: readonly ExecutionProviderName[];
  /** Optional warm-up feeds; the manager runs them once after creating the session. */
  warmup?: () => Record<string, Tensor>;
}

/** One session per (model, provider chain), created once, reused across frames and jobs. */
export interface SessionManager {
  get(modelId: string, options?: SessionOptions): Promise<LoadedSession>;
  /** Releases every session (daemon shutdown, tests). */
  dispose(): Promise<void>;
}
