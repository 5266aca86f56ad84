/**
 * Binary `.param.bin`: the shared fast-neural-style text param (itself decoded from the carrier's binary
 * param) is written back in ncnn's binary layout by an encoder here (after ncnn's ncnn2mem: type index, blob
 * indices, (id, raw 4 bytes) pairs, -233), then both forms are converted and run on a real photo: the outputs
 * must be identical. Truncations and a bad type index are clear errors.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { convertNcnnBuffers, isBinaryParam, NcnnFormatError } from './index.ts';
import { NCNN_LAYER_TYPES } from './param-bin.ts';
import { loadPlanar } from './testing/images.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const paramText = readFileSync(path.join(root, 'models/params/fast-neural-style.param'), 'utf8');
const bin = new Uint8Array(
  readFileSync(path.resolve(root, '../shared/models/fast-neural-style-ncnn/udnie.bin')),
);

/** Text .param → ncnn binary layout; returns the bytes and blob index → name. */
function encodeBinary(text: string): { bytes: Uint8Array; names: Record<string, string> } {
  const lines = text.trim().split('\n');
  const [layerCount, blobCount] = lines[1]!.trim().split(/\s+/).map(Number) as [number, number];
  const ids = new Map<string, number>();
  const out: number[] = [7767517, layerCount, blobCount];
  const idOf = (n: string): number => {
    if (!ids.has(n)) ids.set(n, ids.size);
    return ids.get(n)!;
  };
  const bits = (s: string): number => {
    if (!/[.eE]/.test(s)) return Number(s);
    const dv = new DataView(new ArrayBuffer(4));
    dv.setFloat32(0, Number(s), true);
    return dv.getInt32(0, true);
  };
  for (const line of lines.slice(2)) {
    const tok = line.trim().split(/\s+/);
    const [type, , nb, nt] = tok as [string, string, string, string];
    out.push(NCNN_LAYER_TYPES.indexOf(type as (typeof NCNN_LAYER_TYPES)[number]), Number(nb), Number(nt));
    const blobs = tok.slice(4, 4 + Number(nb) + Number(nt));
    for (const b of blobs) out.push(idOf(b));
    for (const kv of tok.slice(4 + blobs.length)) {
      const [k, v] = kv.split('=') as [string, string];
      if (Number(k) <= -23300) {
        const parts = v.split(',');
        out.push(Number(k), Number(parts[0]), ...parts.slice(1).map(bits));
      } else out.push(Number(k), bits(v));
    }
    out.push(-233);
  }
  const bytes = new Uint8Array(out.length * 4);
  const dv = new DataView(bytes.buffer);
  out.forEach((v, i) => dv.setInt32(i * 4, v, true));
  return { bytes, names: Object.fromEntries([...ids].map(([n, i]) => [String(i), n])) };
}

async function run(onnx: Uint8Array, input: Float32Array, h: number, w: number): Promise<Float32Array> {
  const s = await ort.InferenceSession.create(onnx);
  const r = await s.run({ input1: new ort.Tensor('float32', input, [1, 3, h, w]) });
  const out = r.output1!.data as Float32Array;
  await s.release();
  return out;
}

describe('ncnn binary .param', () => {
  const { bytes, names } = encodeBinary(paramText);

  it('is recognised and converts to the same network as the text form (identical outputs on a real photo)', async () => {
    expect(isBinaryParam(bytes)).toBe(true);
    expect(isBinaryParam(new TextEncoder().encode(paramText))).toBe(false);
    const img = await loadPlanar(path.join(root, 'test/fixtures/astronaut-256.png'), {
      left: 64,
      top: 32,
      width: 128,
      height: 96,
    });
    const x = img.data.map((v) => v * 255);
    const fromText = await run(
      convertNcnnBuffers(paramText, bin, { inputChannels: { input1: 3 } }),
      x,
      96,
      128,
    );
    const fromBin = await run(
      convertNcnnBuffers(bytes, bin, { inputChannels: { input1: 3 }, blobNames: names }),
      x,
      96,
      128,
    );
    expect(fromBin.length).toBe(fromText.length);
    let max = 0;
    for (let i = 0; i < fromBin.length; i++) max = Math.max(max, Math.abs(fromBin[i]! - fromText[i]!));
    expect(max).toBe(0);
  });

  it('truncated or unknown-layer binaries are NcnnFormatErrors naming the file', () => {
    for (const len of [4, 12, 100, bytes.length - 4]) {
      expect(() => convertNcnnBuffers(bytes.slice(0, len), bin, { paramFile: 'style.param.bin' })).toThrow(
        NcnnFormatError,
      );
    }
    const bad = bytes.slice();
    new DataView(bad.buffer).setInt32(12, 9999, true); // first layer's type index
    expect(() => convertNcnnBuffers(bad, bin, { paramFile: 'style.param.bin' })).toThrow(
      /style\.param\.bin: layer 0.*type index 9999/,
    );
  });
});
