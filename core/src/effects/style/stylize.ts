/**
 * The two style networks as tile runners over planar RGB 0..1 (the layout runtime/tiling.ts hands out):
 * fast-neural-style (NCHW, 0..255 in, unclamped 0..255 out) and the Magenta transformer (NHWC 0..1 in and out,
 * plus a 100-d style vector). Both are fully convolutional with two stride-2 stages, so each tile is
 * edge-padded to a multiple of 4 and cropped back.
 */
import { Tensor } from 'onnxruntime-node';
import type { LoadedSession } from '../../runtime/types.ts';
import type { TileRunner } from '../../runtime/tiling.ts';

const MULTIPLE = 4;

function padPlanar(rgb: Float32Array, w: number, h: number, pw: number, ph: number): Float32Array {
  if (pw === w && ph === h) return rgb;
  const out = new Float32Array(3 * pw * ph);
  for (let c = 0; c < 3; c++)
    for (let y = 0; y < ph; y++) {
      const sy = Math.min(y, h - 1);
      for (let x = 0; x < pw; x++)
        out[c * pw * ph + y * pw + x] = rgb[c * w * h + sy * w + Math.min(x, w - 1)]!;
    }
  return out;
}

const up = (n: number): number => Math.ceil(n / MULTIPLE) * MULTIPLE;

/** fast-neural-style: planar 0..1 → ×255 → network → ÷255, clamped (the network's output is unbounded). */
export function fastStyleRunner(session: LoadedSession): TileRunner {
  const input = session.inputNames[0]!;
  const output = session.outputNames[0]!;
  return async (rgb, w, h) => {
    const pw = up(w);
    const ph = up(h);
    const x = padPlanar(rgb, w, h, pw, ph);
    const scaled = new Float32Array(x.length);
    for (let i = 0; i < x.length; i++) scaled[i] = x[i]! * 255;
    const res = await session.run({ [input]: new Tensor('float32', scaled, [1, 3, ph, pw]) });
    const y = res[output]!.data as Float32Array;
    const out = new Float32Array(3 * w * h);
    for (let c = 0; c < 3; c++)
      for (let j = 0; j < h; j++)
        for (let i = 0; i < w; i++) {
          const v = y[c * pw * ph + j * pw + i]! / 255;
          out[c * w * h + j * w + i] = v < 0 ? 0 : v > 1 ? 1 : v;
        }
    return out;
  };
}

/** Magenta transformer: planar → NHWC, run with the style vector, NHWC → planar. */
export function arbitraryStyleRunner(session: LoadedSession, styleVector: Float32Array): TileRunner {
  const [contentName, styleName] = session.inputNames as [string, string];
  const output = session.outputNames[0]!;
  const style = new Tensor('float32', styleVector, [1, 1, 1, 100]);
  return async (rgb, w, h) => {
    const pw = up(w);
    const ph = up(h);
    const x = padPlanar(rgb, w, h, pw, ph);
    const plane = pw * ph;
    const nhwc = new Float32Array(3 * plane);
    for (let i = 0; i < plane; i++) for (let c = 0; c < 3; c++) nhwc[i * 3 + c] = x[c * plane + i]!;
    const res = await session.run({
      [contentName]: new Tensor('float32', nhwc, [1, ph, pw, 3]),
      [styleName]: style,
    });
    const y = res[output]!.data as Float32Array;
    const out = new Float32Array(3 * w * h);
    for (let c = 0; c < 3; c++)
      for (let j = 0; j < h; j++)
        for (let i = 0; i < w; i++) out[c * w * h + j * w + i] = y[(j * pw + i) * 3 + c]!;
    return out;
  };
}

/** The predictor: a 256×256 NHWC 0..1 image → the 100-d style vector. */
export async function predictStyle(session: LoadedSession, nhwc256: Float32Array): Promise<Float32Array> {
  const res = await session.run({
    [session.inputNames[0]!]: new Tensor('float32', nhwc256, [1, 256, 256, 3]),
  });
  return Float32Array.from(res[session.outputNames[0]!]!.data as Float32Array);
}
