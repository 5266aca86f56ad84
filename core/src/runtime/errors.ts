/**
 * Runtime errors. Kept apart from sessions.ts so error mapping (models/errors.ts modelErrorToJobError) can name the
 * class without loading onnxruntime.
 */
import type { ProviderAttempt } from './types.ts';

/** No provider of the chain could create a session for the model; `attempts` says why for each. */
export class NoProviderError extends Error {
  constructor(
    readonly modelId: string,
    readonly attempts: readonly ProviderAttempt[],
  ) {
    super(
      `no execution provider could load model "${modelId}": ` +
        attempts.map((a) => `${a.provider}: ${a.reason ?? 'failed'}`).join('; '),
    );
    this.name = 'NoProviderError';
  }
}
