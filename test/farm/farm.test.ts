/**
 * The farm end to end, with real processes: a private redis-server, two `mlxv farm worker` processes and
 * `mlxv run --farm` as the submitter, on a real clip (test/fixtures/wide-street.mp4 looped to 96 frames and
 * halved to 192x144 to keep the test short), matte with model=selfie (the cheapest matte model; the
 * stabiliser at its default 0.8 keeps the effect sequential, so chunks rely on the pre-roll).
 * Results are compared with a local run by decoding both to 16-bit RGBA with ffmpeg.
 */
import { execFile, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { collect, mlxv, spawnMlxv } from '../cli/helpers.ts';
import { makeStreet96, startRedis, type TestRedis } from './support.ts';

const run = promisify(execFile);
const MATTE = ['-p', 'model=selfie'];
let dir: string;
let clip: string;
let localFrames: Buffer;
let redis: TestRedis;
const workers = new Map<string, { child: ChildProcess; log: () => string }>();

function startWorker(name: string) {
  // Short locks so a killed worker's chunk comes back within seconds (production default: 60 s / 30 s).
  const child = spawnMlxv([
    'farm',
    'worker',
    '--redis',
    redis.url,
    '--name',
    name,
    '--lock-seconds',
    '4',
    '--stalled-seconds',
    '2',
  ]);
  let log = '';
  child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  child.stdout!.resume();
  workers.set(name, { child, log: () => log });
  return { child, log: () => log };
}

/** `mlxv run matte <clip> -o <out> --farm <redis> --chunk N [...extra]`, as an argument list. */
function farmRun(out: string, chunk: number, ...extra: string[]): string[] {
  return ['run', 'matte', clip, '-o', out, ...MATTE, '--farm', redis.url, '--chunk', String(chunk), ...extra];
}

async function waitFor(what: string, test: () => boolean, ms = 90_000): Promise<void> {
  const until = Date.now() + ms;
  while (!test()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function decoded(file: string): Promise<Buffer> {
  const { stdout } = await run(
    'ffmpeg',
    ['-v', 'error', '-i', file, '-f', 'rawvideo', '-pix_fmt', 'rgba64le', 'pipe:1'],
    {
      encoding: 'buffer',
      maxBuffer: 1 << 28,
    },
  );
  return stdout;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'mlxv-farm-'));
  clip = path.join(dir, 'street96.mp4');
  await makeStreet96(clip, '192:144');
  redis = await startRedis();
  startWorker('w1');
  startWorker('w2');
  const local = await mlxv(['run', 'matte', clip, '-o', path.join(dir, 'local.mov'), ...MATTE]);
  expect(local.code, local.stderr).toBe(0);
  localFrames = await decoded(path.join(dir, 'local.mov'));
  expect(localFrames.length).toBe(96 * 192 * 144 * 8);
  await waitFor('both workers', () => [...workers.values()].every((w) => /waiting for chunks/.test(w.log())));
}, 180_000);

afterAll(async () => {
  for (const { child } of workers.values()) if (child.exitCode === null) child.kill('SIGKILL');
  await redis?.stop();
  await rm(dir, { recursive: true, force: true });
});

it('96 frames across two worker processes decode to the same frames as a local run', async () => {
  const out = path.join(dir, 'farm.mov');
  const r = await mlxv(farmRun(out, 32, '--json'));
  expect(r.code, r.stderr).toBe(0);
  const result = JSON.parse(r.stdout) as { frames: number; chunks: number; workers: Record<string, number> };
  expect(result.frames).toBe(96);
  expect(result.chunks).toBe(3);
  expect(Object.keys(result.workers).sort()).toEqual(['w1', 'w2']);
  expect(r.stderr).toMatch(/ETA/);
  expect((await decoded(out)).equals(localFrames)).toBe(true);
  // Nothing left but the outputs: the segments folder is removed after assembly.
  expect((await readdir(dir)).sort()).toEqual(['farm.mov', 'local.mov', 'street96.mp4']);

  const status = await mlxv(['farm', 'status', '--redis', redis.url]);
  expect(status.stdout).toMatch(/workers \(2\)/);
  expect(status.stdout).toMatch(/done\s+matte/);
}, 180_000);

it('an EXR sequence (frames 8-39, a pattern) rendered on the farm equals a local run, file for file', async () => {
  const local = path.join(dir, 'exr-local');
  const farm = path.join(dir, 'exr-farm');
  await mkdir(local);
  await mkdir(farm);
  const frames = ['--frames', '8-39'];
  const l = await mlxv(['run', 'matte', clip, '-o', path.join(local, 'm_%04d.exr'), ...MATTE, ...frames]);
  expect(l.code, l.stderr).toBe(0);
  const r = await mlxv(farmRun(path.join(farm, 'm_%04d.exr'), 16, '--json', ...frames));
  expect(r.code, r.stderr).toBe(0);
  // Two chunks (8-23, 24-39); the second starts with matte's pre-roll, so this checks it for EXR too.
  expect((JSON.parse(r.stdout) as { chunks: number }).chunks).toBe(2);
  const names = (await readdir(local)).sort();
  expect(names).toEqual(Array.from({ length: 32 }, (_, i) => `m_${String(8 + i).padStart(4, '0')}.exr`));
  expect((await readdir(farm)).sort()).toEqual(names);
  for (const name of names) {
    const [a, b] = await Promise.all([readFile(path.join(local, name)), readFile(path.join(farm, name))]);
    expect(b.equals(a), name).toBe(true);
  }
  // The segments folder is gone; nothing but the frames was written next to them.
  expect((await readdir(dir)).filter((n) => n.startsWith('.'))).toEqual([]);
  await rm(local, { recursive: true });
  await rm(farm, { recursive: true });
}, 180_000);

it('a worker killed (SIGKILL) mid-chunk has its chunk redone by the other; the job completes', async () => {
  const out = path.join(dir, 'killed.mov');
  const submitter = spawnMlxv(farmRun(out, 32, '--json'));
  const result = collect(submitter);
  // Kill w1 once it is inside a chunk (has written progress, not finished it).
  const w1 = workers.get('w1')!;
  const before = w1.log().length;
  await waitFor('w1 to start a chunk', () => /frames (\d+)-(\d+) \(attempt/.test(w1.log().slice(before)));
  const frames = /frames (\d+-\d+) \(attempt/.exec(w1.log().slice(before))![1]!;
  // At once: on a quiet machine a 32-frame chunk of this small clip takes about 2 s.
  w1.child.kill('SIGKILL');
  await new Promise((r) => w1.child.once('exit', r));
  expect(w1.log().slice(before), 'w1 died inside its chunk').not.toMatch(new RegExp(`frames ${frames} done`));
  const r = await result;
  expect(r.code, r.stderr).toBe(0);
  const parsed = JSON.parse(r.stdout) as { workers: Record<string, number> };
  expect(parsed.workers).toEqual({ w2: 3 });
  expect(workers.get('w2')!.log()).toMatch(new RegExp(`frames ${frames} done`));
  expect((await decoded(out)).equals(localFrames)).toBe(true);
  startWorker('w3'); // two workers again for what follows
}, 240_000);

it('a cancelled job stops the workers and leaves no final file and no segments', async () => {
  const out = path.join(dir, 'cancelled.mov');
  const submitter = spawnMlxv(farmRun(out, 16));
  const result = collect(submitter);
  let seen = '';
  submitter.stderr!.on('data', (d: Buffer) => (seen += d.toString()));
  await waitFor('frames rendered on the farm', () => /processing [1-9]\d*\/96/.test(seen));
  submitter.kill('SIGINT');
  const r = await result;
  expect(r.code, r.stderr).toBe(130);
  expect(r.stderr).toMatch(/CANCELLED/);
  const names = await readdir(dir);
  expect(names.filter((n) => n.includes('cancelled'))).toEqual([]);
  const status = await mlxv(['farm', 'status', '--redis', redis.url]);
  expect(status.stdout).toMatch(/cancelled\s+matte/);
  expect(status.stdout).toMatch(/0 waiting, 0 active/);
}, 180_000);
