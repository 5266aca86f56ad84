/**
 * Converter behaviour: deterministic bytes matching the manifests' pinned sha256, and clear errors (file +
 * layer named) for corrupt or truncated .param/.bin, never a crash or a silently wrong model.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { findPackageDir } from '../../../core/src/models/npm-package.ts';
import { getManifest } from '../../../core/src/models/manifests.ts';
import { sha256Bytes as sha256 } from '../../../core/src/models/hash.ts';
import { convertNcnn, convertNcnnBuffers, NcnnFormatError } from './index.ts';
import { halfToFloat } from '../float16.ts';

function manifestFiles(id: string) {
  const m = getManifest(id);
  const src = m.sources.find((s) => s.kind === 'converter' && s.converter === 'ncnn');
  if (!src || src.kind !== 'converter') throw new Error(`${id} has no ncnn source`);
  if (!src.package) throw new Error(`${id}: its ncnn source names no npm package`);
  const dir = findPackageDir(src.package);
  return {
    manifest: m,
    options: src.options ?? {},
    files: Object.fromEntries(Object.entries(src.files).map(([k, v]) => [k, path.join(dir, v)])),
  };
}

async function animeBuffers() {
  const { files } = manifestFiles('realesr-animevideov3-x4');
  return {
    param: await readFile(files.param!, 'utf8'),
    bin: new Uint8Array(await readFile(files.bin!)),
  };
}

function expectNcnnError(fn: () => unknown, ...fragments: string[]) {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(NcnnFormatError);
  for (const f of fragments) expect((err as Error).message).toContain(f);
}

describe('convertNcnn output', () => {
  it.each(['realesr-animevideov3-x4', 'realesr-animevideov3-x2', 'rife-v4.6'])(
    '%s: deterministic and equal to the pinned sha256 and size',
    async (id) => {
      const { manifest, files, options } = manifestFiles(id);
      const a = await convertNcnn(files, options);
      const b = await convertNcnn(files, options);
      expect(sha256(a)).toBe(sha256(b));
      expect(a.length).toBe(manifest.bytes);
      expect(sha256(a)).toBe(manifest.sha256);
    },
  );

  it('decodes IEEE half floats (normal, subnormal, inf)', () => {
    expect(halfToFloat(0x3c00)).toBe(1);
    expect(halfToFloat(0xc000)).toBe(-2);
    expect(halfToFloat(0x0001)).toBeCloseTo(5.96e-8, 10);
    expect(halfToFloat(0x7c00)).toBe(Infinity);
  });
});

describe('corrupt or truncated input is a clear error', () => {
  it('truncated .bin names the file, the layer and says truncated', async () => {
    const { param, bin } = await animeBuffers();
    expectNcnnError(
      () => convertNcnnBuffers(param, bin.subarray(0, bin.length - 1000), { binFile: 'x4.bin' }),
      'x4.bin',
      'Conv_34',
      'truncated',
    );
  });

  it('.bin with extra bytes (mismatched pair) is rejected', async () => {
    const { param, bin } = await animeBuffers();
    const longer = new Uint8Array(bin.length + 4);
    longer.set(bin);
    expectNcnnError(
      () => convertNcnnBuffers(param, longer, { binFile: 'x4.bin' }),
      'x4.bin',
      'does not belong',
    );
  });

  it('a NaN weight (flipped fp16 exponent bits) is rejected', async () => {
    const { param, bin } = await animeBuffers();
    const bad = bin.slice();
    // First layer: 4-byte fp16 tag, then weights; 0x7e00 is a half-float NaN.
    bad[4 + 2 * 10] = 0x00;
    bad[4 + 2 * 10 + 1] = 0x7e;
    expectNcnnError(() => convertNcnnBuffers(param, bad, { binFile: 'x4.bin' }), 'Conv_0', 'not finite');
  });

  it('an unknown weight tag (int8) is rejected', async () => {
    const { param, bin } = await animeBuffers();
    const bad = bin.slice();
    new DataView(bad.buffer).setUint32(0, 0x000d4b38, true);
    expectNcnnError(() => convertNcnnBuffers(param, bad), 'Conv_0', 'int8');
  });

  it('.param with a bad magic number', async () => {
    const { param, bin } = await animeBuffers();
    expectNcnnError(
      () => convertNcnnBuffers(param.replace('7767517', '1234'), bin, { paramFile: 'x4.param' }),
      'x4.param',
      'magic',
    );
  });

  it('.param truncated mid-file (layer count mismatch)', async () => {
    const { param, bin } = await animeBuffers();
    const lines = param.split('\n');
    expectNcnnError(
      () => convertNcnnBuffers(lines.slice(0, 20).join('\n') + '\n', bin, { paramFile: 'x4.param' }),
      'x4.param',
      'truncated or corrupt',
    );
  });

  it('.param truncated mid-line (missing blob names)', async () => {
    const { param, bin } = await animeBuffers();
    const cut = param.slice(0, param.indexOf('Conv_2') + 30);
    expectNcnnError(() => convertNcnnBuffers(cut, bin, { paramFile: 'x4.param' }), 'x4.param', 'truncated');
    // Same cut but newline-terminated: the layer line itself is reported.
    expectNcnnError(
      () => convertNcnnBuffers(cut + '\n', bin, { paramFile: 'x4.param' }),
      'x4.param',
      'Conv_2',
    );
  });

  it('.param referring to a blob nobody produces', async () => {
    const { param, bin } = await animeBuffers();
    expectNcnnError(
      () => convertNcnnBuffers(param.replace(' 56 57 ', ' 5x6 57 '), bin),
      'Conv_2',
      'consumes blob "5x6"',
    );
  });

  it('.param with a garbled param value', async () => {
    const { param, bin } = await animeBuffers();
    expectNcnnError(
      () => convertNcnnBuffers(param.replace('6=36864', '6=3x864'), bin),
      'Conv_2',
      'non-numeric',
    );
  });

  it('.param with a weight size that does not match the .bin', async () => {
    const { param, bin } = await animeBuffers();
    expectNcnnError(() => convertNcnnBuffers(param.replace('6=36864', '6=36800'), bin), 'Conv_2');
  });

  it('an unsupported layer type names the layer and the supported set', async () => {
    const { param, bin } = await animeBuffers();
    expectNcnnError(
      () =>
        convertNcnnBuffers(
          param.replace('PReLU                    PRelu_3', 'Swish                    PRelu_3'),
          bin,
        ),
      'PRelu_3',
      'not supported',
    );
  });

  it('missing files are named', async () => {
    await expect(convertNcnn({ param: '/nonexistent/a.param', bin: '/nonexistent/a.bin' })).rejects.toThrow(
      /nonexistent\/a\.(param|bin)/,
    );
    await expect(convertNcnn({ model: '/x' })).rejects.toThrow(/needs files \{ param, bin \}/);
  });
});
