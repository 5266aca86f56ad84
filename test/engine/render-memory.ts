/**
 * Renders one job in a process of its own and reports its resident memory, so nothing loaded before (other
 * models, other tests) counts: what `mlxv run` costs a user. Used by test/engine/memory.test.ts and the
 * engine bench (bench/sections/engine.ts).
 *
 *   node --import tsx test/engine/render-memory.ts <input> <output> <effect> [<params json>]
 *
 * Prints one JSON line per sample ({ done, rss } every 250 ms, bytes) and a last line
 * { result: { frames, seconds }, peak } where peak is the kernel's high-water mark (VmHWM) of this process,
 * main thread and engine workers together (ffmpeg runs in child processes of its own and is not counted).
 */
import { readFileSync } from 'node:fs';
import { createEffectContext } from '../../core/src/runtime/context.ts';
import { runJob } from '../../core/src/pipeline/run-job.ts';

function statusBytes(field: 'VmRSS' | 'VmHWM'): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync('/proc/self/status', 'utf8'));
  if (!m) throw new Error(`no ${field} in /proc/self/status (Linux only)`);
  return Number(m[1]) * 1024;
}

const [input, output, effect, params] = process.argv.slice(2);
if (!input || !output || !effect)
  throw new Error('usage: render-memory.ts <input> <output> <effect> [params]');
let done = 0;
const sampler = setInterval(() => console.log(JSON.stringify({ done, rss: statusBytes('VmRSS') })), 250);
const result = await runJob(
  { effect, input, output, params: params ? (JSON.parse(params) as Record<string, unknown>) : {} },
  { ctx: createEffectContext(), onProgress: (p) => p.stage === 'processing' && (done = p.done) },
);
clearInterval(sampler);
console.log(
  JSON.stringify({ result: { frames: result.frames, seconds: result.seconds }, peak: statusBytes('VmHWM') }),
);
