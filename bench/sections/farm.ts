/**
 * Farm throughput: the same matte job (model=selfie, 96 frames of the street clip at 384x288, ProRes 4444,
 * chunks of 24 = 4 chunks) through `mlxv run --farm` against a private redis-server on loopback, with real
 * `mlxv farm worker` processes:
 *
 * - shared cores: one worker, then two, each free to use every core (what `mlxv farm worker` does on a
 *   machine). On one machine two workers share its cores, so this says what the queue and the chunking cost,
 *   not how machines scale.
 * - one core per worker (`taskset`): one worker on core 0, then one on core 0 and one on core 1. Each worker
 *   sees one core (onnxruntime sizes its threads from the affinity; ffmpeg children inherit it), so two
 *   workers are two 1-core "machines" that share only memory bandwidth and the disk: the closest this box
 *   gets to the separate-machines case (docs/farm.md "Scaling").
 *
 * Times are the submitter's own job time (from submit to the assembled file; `seconds` of `--json`), not the
 * CLI start. Workers are warmed (model session loaded) with a short two-chunk job before each measurement,
 * and a warm-up counts only when both workers took a chunk. The ideal ratio follows from the chunk plan:
 * pre-roll frames make the total work and the busiest worker's share unequal.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from '../../core/src/models/paths.ts';
import { makeStreet96, startRedis, type TestRedis } from '../../test/farm/support.ts';
import type { BenchSection } from '../types.ts';
import { round1 } from '../support.ts';
import { planChunks, type Chunk } from '../../core/src/farm/chunks.ts';
import { preRollOf } from '../../core/src/farm/pre-roll.ts';
import { getEffect } from '../../core/src/effects/registry.ts';

const exec = promisify(execFile);
const mlxv = path.join(repoRoot, 'core', 'bin', 'mlxv.js');
const FRAMES = 96;
const CHUNK = 24;
const SIZE = '384:288';

interface JobResult {
  seconds: number;
  chunks: number;
  workers: Record<string, number>;
}

export async function run(): Promise<BenchSection> {
  const cores = availableParallelism();
  const loads = [loadavg()[0]!];
  const dir = await mkdtemp(path.join(tmpdir(), 'mlxv-bench-farm-'));
  const redis = await startRedis();
  const clip = path.join(dir, 'street96.mp4');
  let outputs = 0;
  const job = async (args: string[], farm: boolean, frames?: string): Promise<JobResult> => {
    const out = path.join(dir, `out${++outputs}.mov`);
    const { stdout } = await exec(
      process.execPath,
      [
        mlxv,
        'run',
        'matte',
        clip,
        '-o',
        out,
        '-p',
        'model=selfie',
        '--json',
        ...(frames ? ['--frames', frames] : []),
        ...(farm ? ['--farm', redis.url, '--chunk', String(CHUNK)] : []),
        ...args,
      ],
      { maxBuffer: 1 << 24 },
    );
    await rm(out, { force: true });
    return JSON.parse(stdout) as JobResult;
  };
  const workers: ChildProcess[] = [];
  try {
    await makeStreet96(clip, SIZE);
    const local = await job([], false);
    const plan = planChunks({ start: 0, end: FRAMES - 1 }, CHUNK, {
      kind: 'filter',
      preRoll: preRollOf(getEffect('matte')) ?? 0,
    });
    const rendered = (c: Chunk) => c.renderEnd - c.renderStart + 1;
    const totalRendered = plan.reduce((n, c) => n + rendered(c), 0);
    // Two workers each take the next free chunk; with equal speeds the busiest one renders this many frames.
    const busiest = Math.max(
      plan.filter((_, i) => i % 2 === 0).reduce((n, c) => n + rendered(c), 0),
      plan.filter((_, i) => i % 2 === 1).reduce((n, c) => n + rendered(c), 0),
    );
    const ideal = totalRendered / busiest;

    const measure = async (pins: (string | null)[]) => {
      const started: ChildProcess[] = [];
      for (const [i, pin] of pins.entries()) started.push(await startWorker(redis, `w${i + 1}`, pin));
      workers.push(...started);
      // Warm every worker's model session: a two-chunk job until each worker has taken one.
      for (let tries = 0; tries < 4; tries++) {
        const warm = await job(['--chunk', '8'], true, '0-15');
        if (Object.keys(warm.workers).length === pins.length) break;
      }
      loads.push(loadavg()[0]!);
      const result = await job([], true);
      loads.push(loadavg()[0]!);
      for (const w of started) await stopWorker(w);
      return result;
    };
    const sharedOne = await measure([null]);
    const sharedTwo = await measure([null, null]);
    const canPin = cores >= 2 && (await hasTaskset());
    const pinnedOne = canPin ? await measure(['0']) : null;
    const pinnedTwo = canPin ? await measure(['0', '1']) : null;

    const fps = (s: number) => round1(FRAMES / s);
    const row = (label: string, r: JobResult | null, base?: JobResult | null) =>
      r
        ? [
            label,
            round1(r.seconds),
            fps(r.seconds),
            base ? round2(base.seconds / r.seconds) : null,
            Object.entries(r.workers)
              .map(([w, n]) => `${w}:${n}`)
              .join(' '),
          ]
        : [label, null, null, null, 'taskset unavailable'];
    const sharedRatio = sharedOne.seconds / sharedTwo.seconds;
    const pinnedRatio = pinnedOne && pinnedTwo ? pinnedOne.seconds / pinnedTwo.seconds : null;
    const maxLoad = Math.max(...loads);
    return {
      title: `Farm: matte (selfie) ${FRAMES} frames ${SIZE.replace(':', 'x')} to ProRes 4444, chunks of ${CHUNK}, 2 workers vs 1, on one ${cores}-core machine`,
      columns: ['run', 'job s', 'fps', 'speed-up vs 1 worker', 'chunks per worker'],
      rows: [
        ['local `mlxv run` (no farm)', round1(local.seconds), fps(local.seconds), null, '–'],
        row('farm, 1 worker, all cores', sharedOne),
        row('farm, 2 workers sharing all cores', sharedTwo, sharedOne),
        row('farm, 1 worker pinned to 1 core', pinnedOne),
        row('farm, 2 workers, 1 core each', pinnedTwo, pinnedOne),
      ],
      notes: [
        `2 workers vs 1 on this machine, sharing its ${cores} cores: ${round2(sharedRatio)}x. ` +
          (pinnedRatio !== null
            ? `With one core per worker (two 1-core "machines" that share memory and disk): ${round2(pinnedRatio)}x, ` +
              `against an ideal ${round2(ideal)}x for this chunk plan (efficiency ${round2(pinnedRatio / ideal)}` +
              (pinnedRatio > ideal * 1.05
                ? ': above 1 is impossible for the farm itself, so the machine was busier during the one-worker run).'
                : ').')
            : 'taskset was not available, so the one-core-per-worker runs were skipped.'),
        `Ideal: the ${plan.length} chunks render ${totalRendered} frames (${totalRendered - FRAMES} of them pre-roll, ` +
          `matte's ${preRollOf(getEffect('matte')) ?? 0} per chunk after the first); with two workers the busier ` +
          `one renders ${busiest}, so two workers can be at most ${round2(ideal)}x one.`,
        'Sharing cores: one worker already keeps every core busy (onnxruntime intra-op threads, ffmpeg decode and ' +
          'encode), so a second worker on the same machine gains little or loses; on separate machines each worker ' +
          'brings its own cores, which the pinned rows approximate (docs/farm.md "Scaling").',
        `Load average (1 min) at the start and around each measured run: ${loads.map(round1).join(', ')} on ${cores} cores` +
          (maxLoad > cores * 0.75
            ? ': other work competed for the CPU during these runs, so the ratios are not a clean measure of the farm; rerun on a quiet machine.'
            : ' (quiet).'),
        `Job time is the submitter's (submit to assembled file), without the CLI start; workers were warmed first. ` +
          `${SIZE.replace(':', 'x')} keeps the section to a few minutes; per-chunk costs (ffmpeg start, probe, ` +
          'queue round trips) weigh less at larger sizes.',
      ],
    };
  } finally {
    for (const w of workers) if (w.exitCode === null) w.kill('SIGKILL');
    await redis.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

function round2(v: number): number {
  return Math.round(v * 100) / 100;
}

async function hasTaskset(): Promise<boolean> {
  return exec('taskset', ['-c', '0', 'true']).then(
    () => true,
    () => false,
  );
}

/** A real `mlxv farm worker` process, optionally pinned to one core; resolves once it waits for chunks. */
async function startWorker(redis: TestRedis, name: string, core: string | null): Promise<ChildProcess> {
  const args = [mlxv, 'farm', 'worker', '--redis', redis.url, '--name', name];
  const child = core
    ? spawn('taskset', ['-c', core, process.execPath, ...args], { stdio: ['ignore', 'ignore', 'pipe'] })
    : spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    let log = '';
    child.once('exit', (code) => reject(new Error(`worker ${name} exited (${code}): ${log.slice(-500)}`)));
    child.stderr!.on('data', (d: Buffer) => {
      log += d.toString();
      if (log.includes('waiting for chunks')) resolve();
    });
  });
  child.removeAllListeners('exit');
  return child;
}

/** SIGTERM: the worker finishes nothing (it is idle), deregisters its heartbeat and exits. */
async function stopWorker(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
  if (child.exitCode === null) child.kill('SIGKILL');
}
