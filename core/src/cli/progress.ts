/**
 * Job progress on stderr (stdout stays clean for scripts). On a terminal: a cli-progress bar with fps and
 * ETA. Elsewhere (CI logs, pipes, tests): one plain line every ~10% or 5 s, so logs stay readable.
 */
import { SingleBar } from 'cli-progress';
import type { JobProgress } from '../pipeline/types.ts';

export interface ProgressReporter {
  update(progress: JobProgress): void;
  stop(): void;
}

export function createProgressReporter(
  label: string,
  stream: NodeJS.WriteStream = process.stderr,
): ProgressReporter {
  return stream.isTTY ? terminalBar(label, stream) : plainLines(label, stream);
}

function terminalBar(label: string, stream: NodeJS.WriteStream): ProgressReporter {
  const bar = new SingleBar({
    stream,
    format: `${label} [{bar}] {percentage}% | {value}/{total} frames | {rate} fps | ETA {etaText} | {stage}`,
    hideCursor: true,
    clearOnComplete: false,
    barsize: 30,
  });
  let started = false;
  return {
    update(p) {
      const payload = { rate: p.fps.toFixed(1), etaText: formatEta(p.etaSeconds), stage: p.stage };
      if (!started) {
        bar.start(p.total, p.done, payload);
        started = true;
      } else {
        bar.setTotal(p.total);
        bar.update(p.done, payload);
      }
    },
    stop() {
      if (started) bar.stop();
    },
  };
}

function plainLines(label: string, stream: NodeJS.WritableStream): ProgressReporter {
  let lastStage = '';
  let lastDecile = -1;
  let lastTime = 0;
  return {
    update(p) {
      const now = Date.now();
      const decile = p.total > 0 ? Math.floor((p.done / p.total) * 10) : 0;
      const due = p.stage !== lastStage || decile !== lastDecile || now - lastTime >= 5000;
      if (!due) return;
      lastStage = p.stage;
      lastDecile = decile;
      lastTime = now;
      stream.write(
        `${label}: ${p.stage} ${p.done}/${p.total} frames, ${p.fps.toFixed(1)} fps, ETA ${formatEta(p.etaSeconds)}\n`,
      );
    },
    stop() {},
  };
}

export function formatEta(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '--';
  const s = Math.max(0, Math.round(seconds));
  const m = Math.floor(s / 60);
  return m > 0 ? `${m}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}
