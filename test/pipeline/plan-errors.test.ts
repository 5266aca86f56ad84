/**
 * Issue 9, defect 7: a NUL byte in a path was an INTERNAL error ("this is a bug"); an existing folder that
 * refuses new files (/proc) got the hint "mkdir -p /proc". Both through planJob, which the CLI and the
 * daemon's job.submit share.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planJob } from '../../core/src/pipeline/plan.ts';
import { toJobError } from '../../core/src/pipeline/job-error.ts';
import { fixture } from '../support/paths.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'mlxv-plan-errors-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const still = fixture('astronaut-256.png');
const plan = (input: string, output: string, modelPaths?: Record<string, string>) =>
  planJob({ effect: 'identity', input, output, params: {}, ...(modelPaths ? { modelPaths } : {}) }).catch(
    (e: unknown) => toJobError(e),
  );

describe('paths with a NUL byte', () => {
  it('input, output and model paths: BAD_PARAM naming which path, never INTERNAL', async () => {
    const input = await plan(`${still}\0.mp4`, path.join(dir, 'a.png'));
    expect(input).toMatchObject({ code: 'BAD_PARAM', message: expect.stringContaining('input path') });
    const output = await plan(still, path.join(dir, 'a\0b.png'));
    expect(output).toMatchObject({ code: 'BAD_PARAM', message: expect.stringContaining('output path') });
    const model = await planJob({
      effect: 'matte',
      input: still,
      output: path.join(dir, 'm.png'),
      params: {},
      modelPaths: { 'isnet-general': '/tmp/x\0.onnx' },
    }).catch((e: unknown) => toJobError(e));
    expect(model).toMatchObject({ code: 'BAD_PARAM', message: expect.stringContaining('model path') });
  });
});

describe('output folders that refuse new files', () => {
  it('/proc: OUTPUT_UNWRITABLE with a hint that does not say to create it', async () => {
    const err = await plan(still, '/proc/mlxv-out.png');
    expect(err).toMatchObject({ code: 'OUTPUT_UNWRITABLE' });
    expect(String(err && 'message' in err ? err.message : '')).toContain('does not accept new files');
    expect((err as { hint?: string }).hint).not.toMatch(/mkdir/);
    expect((err as { hint?: string }).hint).toMatch(/choose an output folder you can write to/);
  });

  it('a folder that does not exist still gets the mkdir hint', async () => {
    const missing = path.join(dir, 'no', 'such');
    const err = await plan(still, path.join(missing, 'out.png'));
    expect(err).toMatchObject({
      code: 'OUTPUT_UNWRITABLE',
      hint: `create the folder first (mkdir -p ${missing})`,
    });
  });
});
