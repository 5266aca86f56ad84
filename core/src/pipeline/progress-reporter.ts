/** Progress events with fps and ETA measured from the first processed frame (model loading excluded). */
import { performance } from 'node:perf_hooks';
import type { JobProgress } from './types.ts';

export function progressReporter(
  total: number,
  onProgress: ((progress: JobProgress) => void) | undefined,
): (stage: JobProgress['stage'], done: number) => void {
  let processingStarted = 0;
  return (stage, done) => {
    if (!onProgress) return;
    const now = performance.now();
    if (stage === 'processing' && done === 0) processingStarted = now;
    const elapsed = (now - processingStarted) / 1000;
    const fps = done > 0 && elapsed > 0 ? done / elapsed : 0;
    onProgress({ done, total, fps, etaSeconds: fps > 0 ? (total - done) / fps : null, stage });
  };
}
