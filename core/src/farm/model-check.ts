/**
 * A worker renders with exactly the model files the submitting machine pinned, or refuses. The job carries
 * model id -> sha256 from the submitter's manifests; the worker compares its own manifest's pin when the
 * effect asks for a session (so a job refuses only for models it really uses, e.g. matte model=selfie
 * needs none of ISNet), and the resolver then hash-checks the file against that pin before loading it.
 */
import { hostname } from 'node:os';
import { getManifest } from '../models/manifests.ts';
import type { SessionManager } from '../runtime/types.ts';
import { JobError } from '../pipeline/types.ts';

export function sessionsPinnedTo(
  sessions: SessionManager,
  required: Readonly<Record<string, string>>,
  manifestSha: (id: string) => string | undefined = (id) => manifestShaOrUndefined(id),
): SessionManager {
  return {
    async get(modelId, options) {
      const want = required[modelId];
      if (want !== undefined) {
        const have = manifestSha(modelId);
        if (have !== want) throw refusal(modelId, want, have);
      }
      return sessions.get(modelId, options);
    },
    // The worker owns the sessions and keeps them for the next chunk.
    dispose: async () => {},
  };
}

function manifestShaOrUndefined(id: string): string | undefined {
  try {
    return getManifest(id).sha256;
  } catch {
    return undefined;
  }
}

function refusal(modelId: string, want: string, have: string | undefined): JobError {
  const host = `${hostname()} (pid ${process.pid})`;
  return new JobError(
    'MODEL_HASH_MISMATCH',
    have === undefined
      ? `worker ${host} refuses this job: it has no model "${modelId}"; the job needs sha256 ${want}`
      : `worker ${host} refuses this job: its model "${modelId}" is sha256 ${have}, the job needs ${want}`,
    'install the same mlxvideo version (models/manifests) on every render machine, then `mlxv models fetch ' +
      `${modelId}\` there`,
  );
}
