/**
 * A 4K render's memory, measured in a process of its own (render-memory-child.ts), for
 * test/engine/memory.test.ts and the engine bench (bench/sections/engine.ts).
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ffmpegPath } from '../../core/src/media/ffmpeg.ts';

const exec = promisify(execFile);

/** An 8-bit 3840x2160 H.264 test pattern (ffmpeg testsrc2, moving), `frames` long at 25 fps. */
export async function makePattern4k(out: string, frames: number): Promise<void> {
  await exec(ffmpegPath(), [
    ...['-v', 'error', '-y', '-f', 'lavfi', '-i', `testsrc2=size=3840x2160:rate=25:duration=${frames / 25}`],
    ...['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', out],
  ]);
}

export interface RenderMemory {
  frames: number;
  seconds: number;
  /** VmHWM of the rendering process (main thread and engine workers; not ffmpeg), bytes. */
  peak: number;
  /** VmRSS every 250 ms with the frames written by then. */
  samples: { done: number; rss: number }[];
}

export async function renderInOwnProcess(
  input: string,
  output: string,
  effect: string,
  params: Record<string, unknown>,
): Promise<RenderMemory> {
  const child = fileURLToPath(new URL('./render-memory-child.ts', import.meta.url));
  const { stdout } = await exec(
    process.execPath,
    ['--import', 'tsx', child, input, output, effect, JSON.stringify(params)],
    { maxBuffer: 64 << 20 },
  );
  const lines = stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  const end = lines.at(-1) as { result: { frames: number; seconds: number }; peak: number };
  return {
    ...end.result,
    peak: end.peak,
    samples: lines.slice(0, -1) as RenderMemory['samples'],
  };
}
