/**
 * Wraps a SessionManager so a job knows which model sessions it used and how much pure session.run time
 * they spent during the job (the numerator of the benchmark's pipeline efficiency). Sessions are shared
 * across jobs, so the stats are read as differences from their value when this job first got them.
 */
import type { LoadedSession, SessionManager } from '../runtime/types.ts';
import type { JobSessionStats } from './types.ts';

export interface SessionRecorder {
  sessions: SessionManager;
  /** Inference time and runs since each session was first handed to this job. */
  stats(): JobSessionStats[];
}

export function recordSessions(inner: SessionManager): SessionRecorder {
  const baselines = new Map<LoadedSession, { runs: number; inferenceMs: number }>();
  return {
    sessions: {
      async get(modelId, options) {
        const session = await inner.get(modelId, options);
        if (!baselines.has(session)) baselines.set(session, { ...session.stats });
        return session;
      },
      // The manager belongs to whoever created the context (CLI process, daemon); a job never disposes it.
      async dispose() {},
    },
    stats() {
      return [...baselines].map(([session, base]) => ({
        modelId: session.modelId,
        provider: session.provider,
        runs: session.stats.runs - base.runs,
        inferenceMs: session.stats.inferenceMs - base.inferenceMs,
      }));
    },
  };
}
