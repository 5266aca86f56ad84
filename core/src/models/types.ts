/**
 * Model supply interfaces (DESIGN.md "Models"). Manifests live in models/manifests/<id>.json at the repo root.
 */
import type { PreparedModelFacts } from './prepare-graph.ts';

export interface ResolvedModel {
  id: string;
  /** Absolute path of the verified ONNX file. */
  path: string;
  sha256: string;
  /** Which source produced the file this time: 'explicit', 'cache', or a source kind. */
  from: string;
}

/** A resolved model with the bytes that were checked: build the session from these, not from `path`. */
export interface LoadedModel extends ResolvedModel {
  bytes: Uint8Array;
  /** The manifest facts the session manager prepares the graph from (prepare-graph.ts); absent for fakes. */
  manifest?: PreparedModelFacts;
}

export interface ModelResolver {
  /** Resolution order: explicit path -> cache -> sources. Hash-checked. Throws ModelUnavailableError. */
  resolve(modelId: string, options?: { explicitPath?: string; signal?: AbortSignal }): Promise<ResolvedModel>;
}

/** What the session manager needs: models as checked bytes. */
export interface ModelLoader {
  /**
   * Like resolve, and reads the file: the bytes returned are the bytes checked against the manifest (read
   * through the descriptor fstat vouched for, or hashed after reading), so nothing can change the model
   * between its check and its load. Throws ModelHashMismatchError (MODEL_HASH_MISMATCH) otherwise.
   */
  load(modelId: string, options?: { explicitPath?: string; signal?: AbortSignal }): Promise<LoadedModel>;
}
