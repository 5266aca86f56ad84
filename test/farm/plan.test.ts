/** Chunk planning, the model pin check and the exported job files (no Redis, no inference). */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { expect, it } from 'vitest';
import { effectiveChunkSize, planChunks, retimePeriod } from '../../core/src/farm/chunks.ts';
import { retimeClock } from '../../core/src/effects/interpolate/descriptor.ts';
import { sessionsPinnedTo } from '../../core/src/farm/model-check.ts';
import type { SessionManager } from '../../core/src/runtime/types.ts';
import { frameFileName } from '../../core/src/media/output-names.ts';
import { mlxv } from '../cli/helpers.ts';
import { repoRoot } from '../support/paths.ts';

it('sequential chunks start preRoll frames early (before the job start too, never before frame 0) and tile the range', () => {
  const chunks = planChunks({ start: 10, end: 105 }, 32, { kind: 'filter', preRoll: 20 });
  expect(chunks.map((c) => [c.start, c.end, c.renderStart, c.outputStart, c.outputCount])).toEqual([
    [10, 41, 0, 0, 32],
    [42, 73, 22, 32, 32],
    [74, 105, 54, 64, 32],
  ]);
  expect(effectiveChunkSize(undefined, { kind: 'filter', preRoll: 48 })).toBe(96);
  expect(effectiveChunkSize(24, { kind: 'filter', preRoll: 48 })).toBe(24);
  expect(() => effectiveChunkSize(0, { kind: 'filter', preRoll: 0 })).toThrow(/--chunk/);
});

it('retime chunks align to the clock period and their output counts add up to a continuous run', () => {
  // 23.976 -> 59.94: 2 input frames give 5 output frames.
  const params = { mode: 'fps', fps: '60000/1001', factor: '2', sceneThreshold: 0.3 } as Parameters<
    typeof retimeClock
  >[1];
  const clock = retimeClock({ num: 24000, den: 1001 }, params);
  const count = (n: number) => clock.count(n);
  const period = retimePeriod(count);
  expect(period).toEqual({ input: 2, output: 5 });
  const timing = { kind: 'retime' as const, period, overlap: 1, outputFrameCount: count };
  const size = effectiveChunkSize(7, timing);
  expect(size).toBe(8);
  for (const n of [1, 2, 7, 8, 9, 31, 101]) {
    const chunks = planChunks({ start: 0, end: n - 1 }, size, timing);
    expect(chunks.reduce((s, c) => s + c.outputCount, 0)).toBe(count(n));
    for (const c of chunks) {
      // Each chunk's first output frame samples exactly its first input frame.
      expect(clock.position(c.outputStart)).toEqual({ index: c.start, num: 0, den: clock.q });
      expect(c.renderEnd).toBe(Math.min(n - 1, c.end + 1));
    }
  }
});

it('a worker refuses a model whose pinned sha256 differs from the job, naming the model and both hashes', async () => {
  const calls: string[] = [];
  const inner: SessionManager = {
    get: async (id) => {
      calls.push(id);
      return {} as never;
    },
    dispose: async () => {},
  };
  const pinned = sessionsPinnedTo(inner, { a: 'aaa', b: 'bbb' }, (id) => ({ a: 'aaa', b: 'xxx' })[id]);
  await pinned.get('a');
  await expect(pinned.get('b')).rejects.toThrow(
    /refuses this job: its model "b" is sha256 xxx, the job needs bbb/,
  );
  await expect(sessionsPinnedTo(inner, { c: 'ccc' }, () => undefined).get('c')).rejects.toThrow(
    /has no model "c"/,
  );
  expect(calls).toEqual(['a']);
});

it('frame numbers fill printf patterns as a local run names PNGs', () => {
  expect(frameFileName('matte_%04d.png', 7)).toBe('matte_0007.png');
  expect(frameFileName('f%d.png', 12)).toBe('f12.png');
});

it('exports Deadline job files and an OpenCue spec whose tasks run mlxv farm chunk on the planned chunks', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'mlxv-farm-export-'));
  try {
    const clip = path.join(repoRoot, 'test', 'fixtures', 'wide-street.mp4');
    const out = path.join(dir, 'out.mov');
    const r = await mlxv([
      'farm',
      'export',
      'matte',
      clip,
      '-o',
      out,
      '-p',
      'model=selfie',
      '--chunk',
      '16',
      '--deadline',
      path.join(dir, 'deadline'),
      '--opencue',
      path.join(dir, 'job.xml'),
      '--mlxv',
      '/opt/mlxv/bin/mlxv',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const kv = async (name: string) =>
      Object.fromEntries(
        (await readFile(path.join(dir, 'deadline', name), 'utf8'))
          .trim()
          .split('\n')
          .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
      );
    const jobInfo = await kv('job_info.job');
    expect(jobInfo).toMatchObject({ Plugin: 'CommandLine', Frames: '0-47', ChunkSize: '16' });
    const pluginInfo = await kv('plugin_info.job');
    expect(pluginInfo.Executable).toBe('/opt/mlxv/bin/mlxv');
    expect(pluginInfo.Arguments).toMatch(
      /^farm chunk matte \S+wide-street\.mp4 -o \S+out\.mov -p model=selfie /,
    );
    expect(pluginInfo.Arguments).toMatch(/--frames <STARTFRAME>-<ENDFRAME>$/);
    expect((await kv('assemble_plugin_info.job')).Arguments).toMatch(/^farm assemble matte /);
    expect(await readFile(path.join(dir, 'deadline', 'submit.sh'), 'utf8')).toMatch(/JobDependencies=\$id/);

    const spec = new XMLParser({ ignoreAttributes: false }).parse(
      await readFile(path.join(dir, 'job.xml'), 'utf8'),
    );
    const [render, assemble] = spec.spec.job;
    expect(render.layers.layer.cmd).toMatch(/farm chunk matte .* --frames #FRAME_START#-#FRAME_END#$/);
    expect(render.layers.layer.range).toBe('0-47');
    expect(render.layers.layer.chunk).toBe(16);
    expect(assemble.layers.layer.cmd).toMatch(/farm assemble matte /);
    expect(spec.spec.depends.depend).toMatchObject({
      '@_type': 'JOB_ON_JOB',
      depjob: assemble['@_name'],
      onjob: render['@_name'],
    });

    // A task given frames that are not one of the planned chunks is refused with the chunk size to use.
    const bad = await mlxv([
      'farm',
      'chunk',
      'matte',
      clip,
      '-o',
      out,
      '-p',
      'model=selfie',
      '--chunk',
      '16',
      '--job-id',
      'x',
      '--frames',
      '3-9',
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/chunk size to 16/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}, 180_000);
