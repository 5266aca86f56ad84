/**
 * A deliberately naive ncnn interpreter in TypeScript, used only as the reference the converted ONNX graphs
 * are checked against. Each layer follows ncnn's plain C++ implementation (src/layer/<type>.cpp, not the
 * SIMD variants) and rife-ncnn-vulkan's Warp, written as direct loops: it shares the .param/.bin parsing
 * with the converter but none of the ONNX op mapping, so a wrong axis, weight layout, padding or resize
 * convention in the converter shows up as a mismatch. Slow by design; run it on small inputs only.
 */
import { NcnnWeightReader } from '../bin.ts';
import { LayerParams, parseNcnnParam, type NcnnLayer } from '../param.ts';

export interface Blob {
  c: number;
  h: number;
  w: number;
  data: Float32Array;
}

export function blob(c: number, h: number, w: number, data?: Float32Array): Blob {
  return { c, h, w, data: data ?? new Float32Array(c * h * w) };
}

/** Runs the net on `inputs` (by Input blob name); returns every blob (so tests can compare internals). */
export function runNcnnReference(
  paramText: string,
  bin: Uint8Array,
  inputs: Record<string, Blob>,
): Map<string, Blob> {
  const net = parseNcnnParam(paramText, 'reference.param');
  const weights = new NcnnWeightReader(bin, 'reference.bin');
  const blobs = new Map<string, Blob>();
  for (const layer of net.layers) {
    const p = new LayerParams(layer, 'reference.param');
    const ins = layer.bottoms.map((b) => blobs.get(b)!);
    const outs = forward(layer, p, ins, weights, inputs);
    layer.tops.forEach((t, i) => blobs.set(t, outs[i] ?? outs[0]!));
  }
  weights.assertConsumed();
  return blobs;
}

function forward(
  layer: NcnnLayer,
  p: LayerParams,
  ins: Blob[],
  weights: NcnnWeightReader,
  feeds: Record<string, Blob>,
): Blob[] {
  const x = ins[0]!;
  switch (layer.type) {
    case 'Input': {
      const f = feeds[layer.tops[0]!];
      if (!f) throw new Error(`no feed for input ${layer.tops[0]}`);
      return [f];
    }
    case 'Split':
      return [x];
    case 'Convolution':
    case 'ConvolutionDepthWise':
      return [convolution(x, p, weights, layer.type === 'ConvolutionDepthWise' ? p.int(7, 1) : 1)];
    case 'Deconvolution':
      return [deconvolution(x, p, weights)];
    case 'PReLU': {
      const n = p.int(0, 0);
      const slope = weights.read(n, false, 'prelu');
      return [map(x, (v, c) => (v > 0 ? v : v * slope[n === 1 ? 0 : c]!))];
    }
    case 'ReLU': {
      const s = p.float(0, 0);
      return [map(x, (v) => (v > 0 ? v : v * s))];
    }
    case 'Sigmoid':
      return [map(x, (v) => 1 / (1 + Math.exp(-v)))];
    case 'PixelShuffle':
      return [pixelShuffle(x, p.int(0, 1))];
    case 'Interp':
      return [interp(x, p)];
    case 'BinaryOp':
      return [binaryOp(ins, p)];
    case 'Eltwise': {
      const coeffs = p.array(1);
      const out = blob(x.c, x.h, x.w);
      ins.forEach((b, i) => {
        const k = coeffs[i] ?? 1;
        for (let j = 0; j < out.data.length; j++) out.data[j]! += k * b.data[j]!;
      });
      return [out];
    }
    case 'Concat': {
      const c = ins.reduce((s, b) => s + b.c, 0);
      const out = blob(c, x.h, x.w);
      let off = 0;
      for (const b of ins) {
        out.data.set(b.data, off);
        off += b.data.length;
      }
      return [out];
    }
    case 'Crop': {
      // Only the channel-axis form RIFE uses: starts/ends on axis 0.
      const [s] = p.array(9);
      const [e] = p.array(10);
      const size = x.h * x.w;
      return [blob(e! - s!, x.h, x.w, x.data.slice(s! * size, e! * size))];
    }
    case 'rife.Warp':
      return [warp(x, ins[1]!)];
    default:
      throw new Error(`reference interpreter has no ${layer.type}`);
  }
}

function map(x: Blob, f: (v: number, c: number) => number): Blob {
  const out = blob(x.c, x.h, x.w);
  const size = x.h * x.w;
  for (let i = 0; i < x.data.length; i++) out.data[i] = f(x.data[i]!, Math.floor(i / size));
  return out;
}

function activate(v: number, type: number, args: readonly number[]): number {
  if (type === 1) return Math.max(v, 0);
  if (type === 2) return v > 0 ? v : v * args[0]!;
  if (type === 3) return Math.min(Math.max(v, args[0]!), args[1]!);
  if (type === 4) return 1 / (1 + Math.exp(-v));
  return v;
}

function convolution(x: Blob, p: LayerParams, weights: NcnnWeightReader, group: number): Blob {
  const outC = p.int(0, 0);
  const kw = p.int(1, 0);
  const kh = p.int(11, kw);
  const dil = p.int(2, 1);
  const stride = p.int(3, 1);
  const pad = p.int(4, 0);
  const w = weights.read(p.int(6, 0), true, 'conv');
  const bias = p.int(5, 0) ? weights.read(outC, false, 'bias') : null;
  const act = p.int(9, 0);
  const args = p.array(10);
  const outH = Math.floor((x.h + 2 * pad - dil * (kh - 1) - 1) / stride) + 1;
  const outW = Math.floor((x.w + 2 * pad - dil * (kw - 1) - 1) / stride) + 1;
  const inPerG = x.c / group;
  const outPerG = outC / group;
  const out = blob(outC, outH, outW);
  for (let o = 0; o < outC; o++) {
    const g = Math.floor(o / outPerG);
    for (let oy = 0; oy < outH; oy++)
      for (let ox = 0; ox < outW; ox++) {
        let sum = bias ? bias[o]! : 0;
        for (let i = 0; i < inPerG; i++) {
          const ic = g * inPerG + i;
          for (let ky = 0; ky < kh; ky++) {
            const iy = oy * stride - pad + ky * dil;
            if (iy < 0 || iy >= x.h) continue;
            for (let kx = 0; kx < kw; kx++) {
              const ix = ox * stride - pad + kx * dil;
              if (ix < 0 || ix >= x.w) continue;
              sum += x.data[(ic * x.h + iy) * x.w + ix]! * w[((o * inPerG + i) * kh + ky) * kw + kx]!;
            }
          }
        }
        out.data[(o * outH + oy) * outW + ox] = activate(sum, act, args);
      }
  }
  return out;
}

/** ncnn Deconvolution::forward: scatter every input pixel through the kernel, then cut `pad` off each side. */
function deconvolution(x: Blob, p: LayerParams, weights: NcnnWeightReader): Blob {
  const outC = p.int(0, 0);
  const k = p.int(1, 0);
  const stride = p.int(3, 1);
  const pad = p.int(4, 0);
  const w = weights.read(p.int(6, 0), true, 'deconv');
  const bias = p.int(5, 0) ? weights.read(outC, false, 'bias') : null;
  const fullH = (x.h - 1) * stride + k;
  const fullW = (x.w - 1) * stride + k;
  const full = blob(outC, fullH, fullW);
  for (let o = 0; o < outC; o++) {
    full.data.fill(bias ? bias[o]! : 0, o * fullH * fullW, (o + 1) * fullH * fullW);
    for (let i = 0; i < x.c; i++)
      for (let y = 0; y < x.h; y++)
        for (let xx = 0; xx < x.w; xx++) {
          const v = x.data[(i * x.h + y) * x.w + xx]!;
          for (let ky = 0; ky < k; ky++)
            for (let kx = 0; kx < k; kx++)
              full.data[(o * fullH + y * stride + ky) * fullW + xx * stride + kx]! +=
                v * w[((o * x.c + i) * k + ky) * k + kx]!;
        }
  }
  const out = blob(outC, fullH - 2 * pad, fullW - 2 * pad);
  for (let c = 0; c < outC; c++)
    for (let y = 0; y < out.h; y++)
      for (let xx = 0; xx < out.w; xx++)
        out.data[(c * out.h + y) * out.w + xx] = full.data[(c * fullH + y + pad) * fullW + xx + pad]!;
  return out;
}

function pixelShuffle(x: Blob, r: number): Blob {
  const oc = x.c / (r * r);
  const out = blob(oc, x.h * r, x.w * r);
  for (let c = 0; c < oc; c++)
    for (let i = 0; i < r; i++)
      for (let j = 0; j < r; j++)
        for (let y = 0; y < x.h; y++)
          for (let xx = 0; xx < x.w; xx++)
            out.data[(c * out.h + y * r + i) * out.w + xx * r + j] =
              x.data[((c * r * r + i * r + j) * x.h + y) * x.w + xx]!;
  return out;
}

/** ncnn Interp: nearest uses floor(d * in/out); bilinear uses half-pixel centres clamped to the edge. */
function interp(x: Blob, p: LayerParams): Blob {
  const type = p.int(0, 0);
  const oh = Math.floor(x.h * p.float(1, 1));
  const ow = Math.floor(x.w * p.float(2, 1));
  const out = blob(x.c, oh, ow);
  const sy = x.h / oh;
  const sx = x.w / ow;
  const coeffs = (d: number, scale: number, n: number): [number, number] => {
    let f = (d + 0.5) * scale - 0.5;
    let i = Math.floor(f);
    f -= i;
    if (i < 0) {
      i = 0;
      f = 0;
    }
    if (i + 1 >= n) {
      i = n - 2;
      f = 1;
    }
    return [i, f];
  };
  for (let c = 0; c < x.c; c++)
    for (let y = 0; y < oh; y++)
      for (let xx = 0; xx < ow; xx++) {
        let v: number;
        if (type === 1) {
          const iy = Math.min(Math.floor(y * sy), x.h - 1);
          const ix = Math.min(Math.floor(xx * sx), x.w - 1);
          v = x.data[(c * x.h + iy) * x.w + ix]!;
        } else if (type === 2) {
          const [iy, fy] = coeffs(y, sy, x.h);
          const [ix, fx] = coeffs(xx, sx, x.w);
          const at = (yy: number, xq: number) => x.data[(c * x.h + yy) * x.w + xq]!;
          v =
            (1 - fy) * ((1 - fx) * at(iy, ix) + fx * at(iy, ix + 1)) +
            fy * ((1 - fx) * at(iy + 1, ix) + fx * at(iy + 1, ix + 1));
        } else throw new Error(`reference Interp type ${type} not implemented`);
        out.data[(c * oh + y) * ow + xx] = v;
      }
  return out;
}

function binaryOp(ins: Blob[], p: LayerParams): Blob {
  const type = p.int(0, 0);
  const a = ins[0]!;
  const scalar = p.int(1, 0) ? p.float(2, 0) : null;
  const b = scalar === null ? ins[1]! : null;
  const ops: Record<number, (u: number, v: number) => number> = {
    0: (u, v) => u + v,
    1: (u, v) => u - v,
    2: (u, v) => u * v,
    3: (u, v) => u / v,
    7: (u, v) => v - u,
    8: (u, v) => v / u,
  };
  const op = ops[type]!;
  const big = b && b.c > a.c ? b : a;
  const out = blob(big.c, big.h, big.w);
  const size = big.h * big.w;
  for (let i = 0; i < out.data.length; i++) {
    // Broadcast a single-channel operand over channels (RIFE's mask × image).
    const u = a.c === big.c ? a.data[i]! : a.data[i % size]!;
    const v = scalar ?? (b!.c === big.c ? b!.data[i]! : b!.data[i % size]!);
    out.data[i] = op(u, v);
  }
  return out;
}

/** rife-ncnn-vulkan Warp: sample at (x + fx, y + fy), coordinates clamped to the image, bilinear. */
function warp(img: Blob, flow: Blob): Blob {
  const out = blob(img.c, img.h, img.w);
  const { h, w } = img;
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const sx = Math.min(Math.max(x + flow.data[y * w + x]!, 0), w - 1);
      const sy = Math.min(Math.max(y + flow.data[(h + y) * w + x]!, 0), h - 1);
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      const x1 = Math.min(x0 + 1, w - 1);
      const y1 = Math.min(y0 + 1, h - 1);
      const ax = sx - x0;
      const ay = sy - y0;
      for (let c = 0; c < img.c; c++) {
        const at = (yy: number, xx: number) => img.data[(c * h + yy) * w + xx]!;
        out.data[(c * h + y) * w + x] =
          (1 - ay) * ((1 - ax) * at(y0, x0) + ax * at(y0, x1)) +
          ay * ((1 - ax) * at(y1, x0) + ax * at(y1, x1));
      }
    }
  return out;
}
