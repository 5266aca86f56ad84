import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { main } from './main.ts';

let cache: string;
beforeAll(() => {
  cache = mkdtempSync(path.join(tmpdir(), 'mlxv-models-cli-'));
});
afterAll(() => rmSync(cache, { recursive: true, force: true }));

/** Runs `mlxv models ...` in-process with a temp cache; returns exit code and what it printed. */
async function mlxv(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
  try {
    process.exitCode = undefined;
    const code = await main(['models', '--cache-dir', cache, ...args]);
    return { code, out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
    process.exitCode = undefined;
  }
}

describe('mlxv models', () => {
  it('fetch puts a model into the cache with progress lines; list shows it cached', async () => {
    // Test fixtures are hidden from a user's list and shown with --all (mobilenetv2-int8 is the analysis
    // effect's model, so it is listed).
    const plain = JSON.parse((await mlxv('list', '--json')).out) as { id: string }[];
    expect(plain.map((r) => r.id)).toContain('isnet-general');
    expect(plain.map((r) => r.id)).toContain('mobilenetv2-int8');
    for (const fixture of ['omori-sprite-dcgan', 'style-mosaic-nc16'])
      expect(plain.map((r) => r.id)).not.toContain(fixture);
    const before = await mlxv('list', '--json', '--all');
    const row = (JSON.parse(before.out) as { id: string; cached: string; license: string }[]).find(
      (r) => r.id === 'omori-sprite-dcgan',
    );
    expect(row).toMatchObject({ cached: 'no' });

    const fetched = await mlxv('fetch', 'omori-sprite-dcgan');
    expect(fetched.code).toBe(0);
    expect(fetched.err).toMatch(/\[omori-sprite-dcgan\] local \.\.\/shared\/models\/.*: verified, cached at/);
    expect(existsSync(path.join(cache, 'omori-sprite-dcgan.onnx'))).toBe(true);

    const listed = await mlxv('list', '--all');
    expect(listed.code).toBe(0);
    expect(listed.out).toMatch(/^omori-sprite-dcgan\s+generator\s+2\.9 MB\s+yes\s/m);
    expect(listed.out).toMatch(/^isnet-general\s+segmentation\s+88\.2 MB\s+no\s+MIT \(carrier: AGPL-3\.0\)/m);

    const where = await mlxv('where', 'omori-sprite-dcgan');
    expect(where).toMatchObject({ code: 0, out: `${path.join(cache, 'omori-sprite-dcgan.onnx')}\n` });
  });

  it('verify re-hashes and exits 5 on a tampered file; where then explains the fix', async () => {
    await mlxv('fetch', 'omori-sprite-dcgan');
    expect((await mlxv('verify', 'omori-sprite-dcgan')).code).toBe(0);
    const file = path.join(cache, 'omori-sprite-dcgan.onnx');
    const bytes = readFileSync(file);
    bytes[5000] = bytes[5000]! ^ 1;
    writeFileSync(file, bytes);
    utimesSync(file, new Date(), new Date(Date.now() + 5000));
    const verify = await mlxv('verify');
    expect(verify.code).toBe(5);
    expect(verify.out).toMatch(/MISMATCH\s+omori-sprite-dcgan .*expected 887c23f9/);
    const where = await mlxv('where', 'omori-sprite-dcgan');
    expect(where.code).toBe(5);
    expect(where.err).toMatch(/MODEL_HASH_MISMATCH.*mlxv models fetch omori-sprite-dcgan/s);
    const refetch = await mlxv('fetch', 'omori-sprite-dcgan');
    expect(refetch.code).toBe(0);
    expect((await mlxv('verify', 'omori-sprite-dcgan')).code).toBe(0);
    rmSync(file);
  });

  it('where names the cache path, each source and how to supply a missing model', async () => {
    const res = await mlxv('where', 'mobilenetv2-int8');
    expect(res.code).toBe(5);
    expect(res.err).toContain(`expected at ${path.join(cache, 'mobilenetv2-int8.onnx')}`);
    expect(res.err).toMatch(/local \.\.\/shared\/models\/mobilenetv2-12-int8\.onnx: available here/);
    expect(res.err).toMatch(/url https:\/\/.*: needs network access/);
    expect(res.err).toContain('mlxv models fetch mobilenetv2-int8');
    expect(res.err).toContain('--model-path mobilenetv2-int8=<file>');
  });

  it('where points a split model (CLIP, used through its parts) at fetch --model-path', async () => {
    const res = await mlxv('where', 'clip-vit-b32');
    expect(res.code).toBe(5);
    expect(res.err).toContain('mlxv models fetch clip-vit-b32 --model-path clip-vit-b32=<file>');
    expect(res.err).not.toContain('pass it to a job');
  });

  it('an unknown id is a usage error listing the known ids', async () => {
    const res = await mlxv('fetch', 'no-such-model');
    expect(res.code).toBe(2);
    expect(res.err).toMatch(/unknown model "no-such-model"; known models: .*isnet-general/);
  });
});
