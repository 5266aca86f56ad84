/**
 * A model file whose sha256 does not match its manifest is refused with a message naming the model, the file
 * and the fix (exit 5), whether it comes from --model-path or from the model cache; nothing is written.
 */
import { execFileSync } from 'node:child_process';
import { copyFile, mkdtemp, mkdir, open, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createModelResolver } from '../../core/src/models/resolver.ts';
import { makeClip, mlxv } from './helpers.ts';

const modelId = 'selfie-segmentation';
let dir: string;
let clip: string;
let tampered: string;
let genuineFile: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'mlxv-cli-model-'));
  clip = path.join(dir, 'in.mp4');
  await makeClip(clip, { frames: 4 });
  // A real model file with one byte flipped in the middle: same size, different hash.
  const genuine = await createModelResolver().resolve(modelId);
  genuineFile = genuine.path;
  tampered = path.join(dir, 'tampered.onnx');
  await copyFile(genuine.path, tampered);
  const bytes = await readFile(tampered);
  const middle = bytes.length >> 1;
  bytes[middle] = bytes[middle]! ^ 0xff;
  await writeFile(tampered, bytes);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('model hash mismatch', () => {
  it('via --model-path: exit 5, names the file and the expected hash, existing output untouched', async () => {
    const out = path.join(dir, 'out.mov');
    await writeFile(out, 'keep');
    const r = await mlxv([
      'run',
      'matte',
      clip,
      '-o',
      out,
      '--overwrite',
      '--param',
      'model=selfie',
      '--model-path',
      `${modelId}=${tampered}`,
    ]);
    expect(r.stderr).toMatch(/MODEL_HASH_MISMATCH/);
    expect(r.stderr).toContain(tampered);
    expect(r.stderr).toMatch(/does not match its manifest: sha256 [0-9a-f]{64}, expected [0-9a-f]{64}/);
    expect(r.code).toBe(5);
    expect(await readFile(out, 'utf8')).toBe('keep');
  });

  it('via a tampered file in the model cache ($MLXV_MODEL_CACHE): exit 5 with the fix', async () => {
    const cache = path.join(dir, 'cache');
    await mkdir(cache);
    await copyFile(tampered, path.join(cache, `${modelId}.onnx`));
    const out = path.join(dir, 'cached.mov');
    const r = await mlxv(['run', 'matte', clip, '-o', out, '--param', 'model=selfie'], {
      MLXV_MODEL_CACHE: cache,
    });
    expect(r.stderr).toMatch(/MODEL_HASH_MISMATCH.*selfie-segmentation/);
    expect(r.stderr).toMatch(/mlxv models fetch selfie-segmentation/);
    expect(r.code).toBe(5);
    await expect(readFile(out)).rejects.toThrow(/ENOENT/);
  });

  it('a cache file changed in place after it was verified, times restored with touch -r: exit 5', async () => {
    const cache = path.join(dir, 'cache-restored-times');
    await mkdir(cache);
    const file = path.join(cache, `${modelId}.onnx`);
    await copyFile(genuineFile, file);
    // A verified run first: the cache now holds a "verified" marker for this file.
    const ok = await mlxv(['run', 'matte', clip, '-o', path.join(dir, 'ok.mov'), '--param', 'model=selfie'], {
      MLXV_MODEL_CACHE: cache,
    });
    expect(ok.code).toBe(0);
    // The reproduction: flip one byte, then put the old mtime back (touch -r).
    const ref = path.join(dir, 'times-ref');
    await writeFile(ref, '');
    execFileSync('touch', ['-r', file, ref]);
    const fh = await open(file, 'r+');
    const one = Buffer.alloc(1);
    await fh.read(one, 0, 1, 200_000);
    one[0] = one[0]! ^ 0xff;
    await fh.write(one, 0, 1, 200_000);
    await fh.close();
    execFileSync('touch', ['-r', ref, file]);

    const out = path.join(dir, 'restored.mov');
    const r = await mlxv(['run', 'matte', clip, '-o', out, '--param', 'model=selfie'], {
      MLXV_MODEL_CACHE: cache,
    });
    expect(r.stderr).toMatch(/MODEL_HASH_MISMATCH.*selfie-segmentation/);
    expect(r.stderr).toContain(file);
    expect(r.code).toBe(5);
    await expect(readFile(out)).rejects.toThrow(/ENOENT/);
  });

  it('--model-path for a model the effect does not use is a usage error (exit 2)', async () => {
    const r = await mlxv([
      'run',
      'identity',
      clip,
      '-o',
      path.join(dir, 'x.mov'),
      '--model-path',
      `${modelId}=${tampered}`,
    ]);
    expect(r.stderr).toMatch(/BAD_PARAM.*selfie-segmentation.*identity/);
    expect(r.code).toBe(2);
  });
});
