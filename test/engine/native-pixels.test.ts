/**
 * The native pixel loops (core/native/src/pixels.cc) against their TypeScript twins, bit for bit: the
 * product uses the addon when it is built and the TypeScript when it is not, so both must render the same
 * pixels. Covered: resampling (area down, bilinear up, mixed, 1/3/4 channels, BGR order, padded rows, a
 * region of the source; u8, u16 and f32 samples; a real photo at the ISNet packing sizes), the stabiliser's
 * luma (u8 and u16), motion map (planes narrower than the filter radii too) and window average; matte's
 * rgba-straight compose (u8 and u16, alpha rounding ties and out-of-range alpha); bad
 * geometry refused instead of reading outside the buffer; the addon loading in a worker thread, where the
 * engine runs effects.
 */
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { createFrame, frameOver } from '../../core/src/contract/frame.ts';
import { composeOutput, composeStraightTypeScript } from '../../core/src/effects/matte/compose.ts';
import { NATIVE_ADDON_PATH, nativeAddon } from '../../core/src/native/addon.ts';
import { noise } from '../support/noise.ts';
import {
  computeTaps,
  resampleRows,
  resampleRowsTypeScript,
  resampleToPlanes,
  writePlanes,
  type Box,
  type SourceImage,
} from '../../core/src/runtime/resample.ts';
import {
  averageWindow,
  averageWindowTypeScript,
  lumaOf,
  lumaOfIntegerTypeScript,
  motionMap,
  motionMapTypeScript,
} from '../../core/src/effects/matte/stabilizer.ts';

const addon = nativeAddon();

function collect(
  run: typeof resampleRows,
  src: SourceImage,
  offsets: number[],
  region: Box,
  w: number,
  h: number,
): Float32Array {
  const out = new Float32Array(w * h * offsets.length);
  run(src, offsets, region, w, h, (y, row) => out.set(row, y * row.length));
  return out;
}

function expectBitEqual(a: Float32Array, b: Float32Array): void {
  expect(a.length).toBe(b.length);
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  let differing = 0;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) differing++;
  expect(differing).toBe(0);
}

describe.runIf(addon)('native resampling equals the TypeScript, bit for bit', () => {
  const sources = {
    u8: (n: number, seed: number) => Uint8Array.from(noise(n, seed), (v) => Math.floor(v * 256)),
    u16: (n: number, seed: number) => Uint16Array.from(noise(n, seed), (v) => Math.floor(v * 65536)),
    f32: (n: number, seed: number) => Float32Array.from(noise(n, seed), (v) => v * 1.5 - 0.25),
  };
  const cases: [string, number, number, number, Box, number, number][] = [
    // name, source width, height, row padding (samples), region, output width, height
    ['shrink both axes', 61, 47, 0, { x: 0, y: 0, width: 61, height: 47 }, 17, 13],
    ['enlarge both axes', 13, 9, 4, { x: 0, y: 0, width: 13, height: 9 }, 40, 31],
    ['shrink x, enlarge y', 50, 11, 8, { x: 0, y: 0, width: 50, height: 11 }, 23, 29],
    ['a region of the source', 64, 48, 0, { x: 7, y: 5, width: 33, height: 21 }, 20, 30],
    ['same size', 19, 7, 0, { x: 0, y: 0, width: 19, height: 7 }, 19, 7],
    ['1080p-like ratio', 192, 108, 0, { x: 0, y: 0, width: 192, height: 108 }, 103, 103],
  ];
  for (const [kind, make] of Object.entries(sources)) {
    it.each(cases)(`${kind}: %s`, (_name, sw, sh, pad, region, w, h) => {
      for (const offsets of [[0, 1, 2], [2, 1, 0], [0, 1, 2, 3], [3]]) {
        const rowStride = sw * 4 + pad;
        const src = { data: make(rowStride * sh, sw * 31 + w), rowStride, pixelStride: 4 };
        const native = collect(resampleRows, src, offsets, region, w, h);
        const reference = collect(resampleRowsTypeScript, src, offsets, region, w, h);
        expectBitEqual(native, reference);
      }
    });
  }

  it.each(cases)(
    'into normalised tensor planes (letterboxed, BGR): %s',
    (_name, sw, sh, pad, region, w, h) => {
      const rowStride = sw * 4 + pad;
      const src = { data: sources.u8(rowStride * sh, sw + h), rowStride, pixelStride: 4 };
      // The tensor is larger than the output and the output sits off its corner, as when letterboxed.
      const tensorW = w + 5;
      const plane = tensorW * (h + 3);
      const target = (data: Float32Array) => ({
        data,
        plane,
        width: tensorW,
        x0: 2,
        y0: 3,
        scale: Float32Array.of(1 / 255 / 0.229, 1 / 255 / 0.224, 1 / 255 / 0.225),
        bias: Float32Array.of(-0.485 / 0.229, -0.456 / 0.224, -0.406 / 0.225),
      });
      const native = new Float32Array(3 * plane).fill(-7);
      resampleToPlanes(src, [2, 1, 0], region, w, h, target(native));
      const reference = new Float32Array(3 * plane).fill(-7);
      resampleRowsTypeScript(src, [2, 1, 0], region, w, h, writePlanes(target(reference), 3, w));
      expectBitEqual(native, reference);
    },
  );

  it('a real photo packed at the ISNet size and its mask resized back', async () => {
    const { data, info } = await sharp(path.resolve('test/fixtures/astronaut-256.png'))
      .resize(480, 270)
      .ensureAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    const src = { data: new Uint8Array(data), rowStride: info.width * 4, pixelStride: 4 };
    const whole = { x: 0, y: 0, width: info.width, height: info.height };
    const packedNative = collect(resampleRows, src, [0, 1, 2], whole, 256, 256);
    expectBitEqual(packedNative, collect(resampleRowsTypeScript, src, [0, 1, 2], whole, 256, 256));
    const mask = { data: packedNative, rowStride: 256 * 3, pixelStride: 3 };
    const square = { x: 0, y: 0, width: 256, height: 256 };
    expectBitEqual(
      collect(resampleRows, mask, [1], square, info.width, info.height),
      collect(resampleRowsTypeScript, mask, [1], square, info.width, info.height),
    );
  });

  it('refuses a region outside the source and taps outside the region, instead of reading past the buffer', () => {
    const data = new Float32Array(10 * 10 * 4);
    const h = computeTaps(0, 10, 5);
    const v = computeTaps(0, 10, 5);
    const call = (d: Float32Array, regionH: number, vIndex: Int32Array) =>
      addon!.resampleRows(
        d,
        40,
        4,
        Int32Array.of(0, 1, 2),
        0,
        0,
        10,
        regionH,
        h.index,
        h.weight,
        h.count,
        h.maxTaps,
        vIndex,
        v.weight,
        v.count,
        v.maxTaps,
        5,
        5,
        new Float32Array(75),
      );
    expect(() => call(data, 10, v.index)).not.toThrow();
    expect(() => call(data.subarray(0, 300), 10, v.index)).toThrow(/outside the source/);
    const bad = v.index.slice();
    bad[0] = 12;
    expect(() => call(data, 10, bad)).toThrow(/outside the source region/);
    expect(() => call(data, 4, v.index)).toThrow(/outside the source region/);
  });
});

describe.runIf(addon)('native matte stabiliser equals the TypeScript, bit for bit', () => {
  it('luma of u8 and u16 frames with padded rows', () => {
    for (const format of ['u8', 'u16'] as const) {
      const w = 37;
      const h = 23;
      const stride = w * 4 + 12;
      const max = format === 'u8' ? 256 : 65536;
      const values = noise(stride * h, 7).map((v) => Math.floor(v * max));
      const data = format === 'u8' ? Uint8Array.from(values) : Uint16Array.from(values);
      const frame = { ...frameOver(w, h, format, 'display', data as never), stride };
      expectBitEqual(lumaOf(frame), lumaOfIntegerTypeScript(frame));
    }
  });

  it.each([
    [64, 40],
    [5, 3],
    [2, 9],
    [1, 1],
  ])('motion map of a %ix%i plane', (w, h) => {
    const prev = Float32Array.from(noise(w * h, 11));
    // Mostly small (sensor-noise) changes with a few large ones, so every branch of the ramp is taken.
    const change = noise(w * h, 12);
    const cur = prev.map((v, i) => v + (change[i]! > 0.9 ? 0.5 : change[i]! * 0.06 - 0.03));
    expectBitEqual(motionMap(prev, cur, w, h).data, motionMapTypeScript(prev, cur, w, h).data);
  });

  it('window average over 1 to 9 frames', () => {
    const n = 999;
    for (const frames of [1, 2, 9]) {
      const alphas = Array.from({ length: frames }, (_, f) => Float32Array.from(noise(n, 20 + f)));
      const motions = Array.from({ length: frames - 1 }, (_, f) => Float32Array.from(noise(n, 40 + f)));
      for (const kStatic of [1 - 0.95, 0.24, 1]) {
        expectBitEqual(
          averageWindow(alphas, motions, kStatic),
          averageWindowTypeScript(alphas, motions, kStatic),
        );
      }
    }
    expect(() =>
      addon!.stabiliseWindow([new Float32Array(3)], [new Float32Array(3)], 0.5, new Float32Array(3)),
    ).toThrow(/one motion map per alpha/);
    expect(() =>
      addon!.stabiliseWindow(
        [new Float32Array(3), new Float32Array(4)],
        [new Float32Array(3)],
        0.5,
        new Float32Array(3),
      ),
    ).toThrow(/Float32Array of the output's length/);
  });
});

describe.runIf(addon)('native matte compose equals the TypeScript, bit for bit', () => {
  it('rgba-straight from u8 and u16 with padded rows; alpha at 0, 1, outside 0..1 and near rounding ties', () => {
    for (const format of ['u8', 'u16'] as const) {
      const w = 41;
      const h = 17;
      const stride = w * 4 + 8;
      const max = format === 'u8' ? 256 : 65536;
      const values = noise(stride * h, 31).map((v) => Math.floor(v * max));
      const data = format === 'u8' ? Uint8Array.from(values) : Uint16Array.from(values);
      const frame = { ...frameOver(w, h, format, 'display', data as never), stride };
      const special = [0, 1, -0.25, 1.5, 0.5 / 65535, 1.5 / 65535, 32767.5 / 65535, 1 - 0.5 / 65535];
      const a = Float32Array.from(noise(w * h, 32), (v, i) => (i < special.length ? special[i]! : v));
      const alpha = { width: w, height: h, data: a };
      const native = createFrame(w, h, 'u16', 'display');
      addon!.composeStraight16(frame.data, w, h, stride, a, native.data);
      const twin = createFrame(w, h, 'u16', 'display');
      composeStraightTypeScript(frame, alpha, twin);
      expect(native.data).toEqual(twin.data);
      // And what the product calls (composeOutput dispatches to the addon) gives the same.
      expect(composeOutput(frame, alpha, 'rgba-straight', { color: [0, 0, 0, 0] }).data).toEqual(twin.data);
    }
    expect(() =>
      addon!.composeStraight16(new Uint8Array(16), 2, 2, 8, new Float32Array(3), new Uint16Array(16)),
    ).toThrow(/bad geometry/);
  });
});

it.runIf(addon)('the addon loads and runs in a worker thread, where the engine runs effects', async () => {
  const code = `
    const { parentPort, workerData } = require('node:worker_threads');
    const addon = require(workerData);
    const out = new Float32Array(1);
    addon.stabiliseWindow([Float32Array.of(0), Float32Array.of(1)], [Float32Array.of(1)], 0.24, out);
    parentPort.postMessage(out[0]);
  `;
  const worker = new Worker(code, { eval: true, workerData: NATIVE_ADDON_PATH });
  const value = await new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  await worker.terminate();
  expect(value).toBe(1);
});
