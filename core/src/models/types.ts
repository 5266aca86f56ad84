/**
 * Model supply interfaces (DESIGN.md "Models"). Manifests live in models/manifests/<id>.json at the repo root.
 */
export interface ResolvedModel {
  id: string;
  /** Absolute path of the verified ONNX file. */
  path: string;
  sha256: string;
  /** Which source produced the file this time: 'explicit', 'cache', or a source kind. */
  from: string;
}

export interface ModelResolver {
  /** Resolution order: explicit path -> cache -> sources. Hash-checked. Throws ModelUnavailableError. */
  resolve(modelId: string, options?: { explicitPath?: string; signal?: AbortSignal }): Promise<ResolvedModel>;
}
