/**
 * Farm throughput on this one machine: the same matte job (model=selfie, 96 frames of the street clip at
 * 384x288, chunks of 32 frames) through `mlxv run --farm` with one worker process, then with two, against a
 * private redis-server. Both workers share this machine's cores, so the figure says what the queue costs and
 * how two processes share 2 cores, not how two machines scale (docs/farm.md explains that part).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { repoRoot } from '../../core/src/models/paths.ts';
import { makeStreet96, startRedis } from '../../test/farm/support.ts';
import type { BenchSection } from '../types.ts';
import { round1 } from '../support.ts';
import { planChunks } from '../../core/src/farm/chunks.ts';
import { preRollOf } from '../../core/src/farm/pre-roll.ts';
import { getEffect } from '../../core/src/effects/registry.ts';

const exec = promisify(execFile);
const mlxv = path.join(repoRoot, 'core', 'bin', 'mlxv.js');
const FRAMES = 96;

export async function run(): Promise<BenchSection> {
  const loadStart = loadavg()[0]!;
  const dir = await mkdtemp(path.join(tmpdir(), 'mlxv-bench-farm-'));
  const redis = await startRedis();
  const workers: ChildProcess[] = [];
  const clip = path.join(dir, 'street96.mp4');
  const job = (out: string, farm: boolean) => [
    mlxv,
    'run',
    'matte',
    clip,
    '-o',
    path.join(dir, out),
    '-p',
    'model=selfie',
    ...(farm ? ['--farm', redis.url, '--chunk', '32'] : []),
  ];
  const time = async (args: string[]) => {
    const t0 = performance.now();
    await exec(process.execPath, args, { maxBuffer: 1 << 24 });
    return (performance.now() - t0) / 1000;
  };
  const addWorker = async (name: string) => {
    const child = spawn(process.execPath, [mlxv, 'farm', 'worker', '--redis', redis.url, '--name', name], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    workers.push(child);
    await new Promise<void>((resolve) => {
      let log = '';
      child.stderr!.on('data', (d: Buffer) => {
        log += d.toString();
        if (log.includes('waiting for chunks')) resolve();
      });
    });
  };
  try {
    await makeStreet96(clip);
    const local = await time(job('local.mov', false));
    await addWorker('w1');
    // First farm run warms the worker's model session, as a long-running worker would be.
    await time(job('warm.mov', true));
    const one = await time(job('one.mov', true));
    await addWorker('w2');
    await time(job('warm2.mov', true));
    const two = await time(job('two.mov', true));
    const extraFrames = planChunks({ start: 0, end: FRAMES - 1 }, 32, {
      kind: 'filter',
      preRoll: preRollOf(getEffect('matte')) ?? 0,
    }).reduce((n, c) => n + c.start - c.renderStart, 0);
    const row = (label: string, s: number) => [label, round1(s), round1(FRAMES / s)];
    return {
      title: `Farm: matte (selfie) ${FRAMES} frames 384x288, chunks of 32, on one ${cpus().length}-core machine`,
      columns: ['run', 'wall s (incl. CLI start)', 'fps'],
      rows: [row('local `mlxv run`', local), row('--farm, 1 worker', one), row('--farm, 2 workers', two)],
      notes: [
        `2 workers vs 1 on this machine: ${round1(one / two)}x; farm with 2 workers vs local: ` +
          `${round1(local / two)}x. Load average ${round1(loadStart)} at the start, ${round1(loadavg()[0]!)} ` +
          `at the end, on ${cpus().length} cores` +
          (Math.max(loadStart, loadavg()[0]!) > cpus().length
            ? ': other work competed for the CPU during the runs, so these ratios are not a measure of the farm.'
            : '.'),
        "Both workers share this machine's cores, and one worker already uses all of them through " +
          'onnxruntime\'s threads; on separate machines each worker brings its own cores (docs/farm.md "Scaling").',
        `Pre-roll: matte chunks start up to ${preRollOf(getEffect('matte')) ?? 0} frames early; with 3 chunks of 32 ` +
          `the farm decodes and infers ${extraFrames} frames more than a local run.`,
        'Times include starting the CLI (tsx) for the submitter; workers were already running and warm.',
      ],
    };
  } finally {
    for (const w of workers) w.kill('SIGKILL');
    await redis.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
