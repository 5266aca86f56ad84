/**
 * Farm throughput on this one machine: the same matte job (model=selfie, 96 frames of the street clip at
 * 384x288, chunks of 32 frames) through `mlxv run --farm` with one worker process, then with two, against a
 * private redis-server. Both workers share this machine's cores, so the figure says what the queue costs and
 * how two processes share 2 cores, not how two machines scale (docs/farm.md explains that part).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { repoRoot } from '../../core/src/models/paths.ts';
import { makeStreet96, startRedis } from '../../test/farm/support.ts';
import type { BenchSection } from '../types.ts';
import { round1 } from '../support.ts';

const exec = promisify(execFile);
const mlxv = path.join(repoRoot, 'core', 'bin', 'mlxv.js');
const FRAMES = 96;

export async function run(): Promise<BenchSection> {
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
    const row = (label: string, s: number) => [label, round1(s), round1(FRAMES / s)];
    return {
      title: `Farm: matte (selfie) ${FRAMES} frames 384x288, chunks of 32, on one ${cpus().length}-core machine`,
      columns: ['run', 'wall s (incl. CLI start)', 'fps'],
      rows: [row('local `mlxv run`', local), row('--farm, 1 worker', one), row('--farm, 2 workers', two)],
      notes: [
        `2 workers vs 1 on this machine: ${round1(one / two)}x. Both workers share the same ${cpus().length} cores ` +
          '(onnxruntime already uses them within one process), so more workers on one machine add little; ' +
          'on separate machines each worker brings its own cores (docs/farm.md "Scaling").',
        'Chunks of sequential effects also render pre-roll frames (matte: up to 48 before each chunk), which a ' +
          'local run does not; with 3 chunks of 32 that is 32 + 48 = 80 extra frames here (chunks 2 and 3).',
        'Times include starting the CLI (tsx) for the submitter; workers were already running and warm.',
      ],
    };
  } finally {
    for (const w of workers) w.kill('SIGKILL');
    await redis.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
