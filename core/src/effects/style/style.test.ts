/**
 * `style` on real photos and a real clip. What is measured (figures printed, bounds generous):
 * - strongly different from the input (mean |Δ| of RGB) yet keeping its structure: the Pearson correlation of
 *   the Sobel edge magnitude of the input's and the output's luma;
 * - two paintings (Van Gogh's Starry Night vs a flat cartoon fish) give measurably different results;
 * - keep-colours keeps the input's chroma;
 * - flicker on the static background of a real street clip (mean |frame-to-frame change| where the input is
 *   still), with and without temporal consistency.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { createEffectContext } from '../../runtime/context.ts';
import { createFrame, toFloat32, type F32Frame as Frame } from '../frame.ts';
import { decodeFrames } from '../../media/decode.ts';
import { StyleInputError, styleEffect, type StyleParams } from './descriptor.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../../../..');
const STARRY = path.join(here, 'testdata/starry_night.jpg');
const FISH = path.join(here, 'testdata/HappyFish.jpg');
const PHOTOS = [
  path.join(root, 'test/fixtures/astronaut-256.png'),
  path.join(root, 'models/converters/tfjs/testdata/messi5.jpg'),
];

const ctx = createEffectContext({ providers: ['cpu'] });
afterAll(() => ctx.sessions.dispose());

const params = (over: Partial<StyleParams>): StyleParams => ({
  style: 'mosaic',
  strength: 1,
  keepColors: false,
  workingHeight: 720,
  tileSize: 1024,
  temporalConsistency: false,
  temporalWeight: 0.7,
  ...over,
});

async function loadFrame(file: string, maxHeight = 256): Promise<Frame> {
  const { data, info } = await sharp(file)
    .resize({ height: maxHeight, withoutEnlargement: true })
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const f = createFrame(info.width, info.height);
  for (let i = 0; i < data.length; i++) f.data[i] = data[i]! / 255;
  return f;
}

function luma(f: Frame): Float32Array {
  const out = new Float32Array(f.width * f.height);
  for (let i = 0; i < out.length; i++)
    out[i] = 0.2126 * f.data[i * 4]! + 0.7152 * f.data[i * 4 + 1]! + 0.0722 * f.data[i * 4 + 2]!;
  return out;
}

function sobel(l: Float32Array, w: number, h: number): Float32Array {
  const out = new Float32Array(w * h);
  const at = (x: number, y: number): number =>
    l[Math.min(h - 1, Math.max(0, y)) * w + Math.min(w - 1, Math.max(0, x))]!;
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const gx =
        at(x + 1, y - 1) +
        2 * at(x + 1, y) +
        at(x + 1, y + 1) -
        at(x - 1, y - 1) -
        2 * at(x - 1, y) -
        at(x - 1, y + 1);
      const gy =
        at(x - 1, y + 1) +
        2 * at(x, y + 1) +
        at(x + 1, y + 1) -
        at(x - 1, y - 1) -
        2 * at(x, y - 1) -
        at(x + 1, y - 1);
      out[y * w + x] = Math.hypot(gx, gy);
    }
  return out;
}

/** Edge maps blurred a little first (3×3 box): strokes move edges by a pixel or two, structure stays. */
function edgeCorrelation(a: Frame, b: Frame): number {
  const blur = (f: Frame): Float32Array => {
    const l = luma(f);
    const out = new Float32Array(l.length);
    for (let y = 0; y < f.height; y++)
      for (let x = 0; x < f.width; x++) {
        let s = 0;
        let n = 0;
        for (let dy = -1; dy <= 1; dy++)
          for (let dx = -1; dx <= 1; dx++) {
            const yy = y + dy;
            const xx = x + dx;
            if (yy < 0 || xx < 0 || yy >= f.height || xx >= f.width) continue;
            s += l[yy * f.width + xx]!;
            n++;
          }
        out[y * f.width + x] = s / n;
      }
    return out;
  };
  return pearson(sobel(blur(a), a.width, a.height), sobel(blur(b), b.width, b.height));
}

function pearson(a: Float32Array, b: Float32Array): number {
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < a.length; i++) {
    ma += a[i]!;
    mb += b[i]!;
  }
  ma /= a.length;
  mb /= b.length;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < a.length; i++) {
    sab += (a[i]! - ma) * (b[i]! - mb);
    saa += (a[i]! - ma) ** 2;
    sbb += (b[i]! - mb) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
}

function meanAbsRgb(a: Frame, b: Frame, where?: Uint8Array): number {
  let s = 0;
  let n = 0;
  for (let i = 0; i < a.width * a.height; i++) {
    if (where && !where[i]) continue;
    for (let c = 0; c < 3; c++) s += Math.abs(a.data[i * 4 + c]! - b.data[i * 4 + c]!);
    n += 3;
  }
  return s / n;
}

describe('style on real photos', () => {
  for (const style of ['mosaic', 'udnie', STARRY]) {
    it(`${path.basename(style)}: differs strongly from the input yet keeps its edges`, async () => {
      const p = await styleEffect.createProcessor(ctx);
      for (const photo of PHOTOS) {
        const input = await loadFrame(photo);
        const out = toFloat32(await p.process(input, params({ style })));
        expect([out.width, out.height]).toEqual([input.width, input.height]);
        const change = meanAbsRgb(out, input);
        const corr = edgeCorrelation(input, out);
        console.log(
          `style ${path.basename(style)} on ${path.basename(photo)}: mean |Δ| ${change.toFixed(3)}, edge correlation ${corr.toFixed(3)}`,
        );
        expect(change).toBeGreaterThan(0.08);
        expect(corr).toBeGreaterThan(0.3);
      }
    });
  }

  it('two paintings give measurably different outputs', async () => {
    const p = await styleEffect.createProcessor(ctx);
    const input = await loadFrame(PHOTOS[0]!);
    const a = toFloat32(await p.process(input, params({ style: STARRY })));
    const b = toFloat32(await p.process(input, params({ style: FISH })));
    const d = meanAbsRgb(a, b);
    console.log(`Starry Night vs HappyFish on the astronaut: mean |Δ| ${d.toFixed(3)}`);
    expect(d).toBeGreaterThan(0.05);
  });

  it('strength blends towards the input; keep-colours keeps the chroma', async () => {
    const p = await styleEffect.createProcessor(ctx);
    const input = await loadFrame(PHOTOS[0]!);
    const full = toFloat32(await p.process(input, params({ style: 'candy' })));
    const half = toFloat32(await p.process(input, params({ style: 'candy', strength: 0.5 })));
    expect(meanAbsRgb(half, input)).toBeLessThan(meanAbsRgb(full, input) * 0.7);
    const kept = toFloat32(await p.process(input, params({ style: 'candy', keepColors: true })));
    const chroma = (f: Frame, i: number): [number, number] => {
      const y = 0.2126 * f.data[i]! + 0.7152 * f.data[i + 1]! + 0.0722 * f.data[i + 2]!;
      return [f.data[i + 2]! - y, f.data[i]! - y];
    };
    let dk = 0;
    let df = 0;
    for (let i = 0; i < input.width * input.height * 4; i += 4) {
      const [u0, v0] = chroma(input, i);
      const [u1, v1] = chroma(kept, i);
      const [u2, v2] = chroma(full, i);
      dk += Math.abs(u1 - u0) + Math.abs(v1 - v0);
      df += Math.abs(u2 - u0) + Math.abs(v2 - v0);
    }
    console.log(
      `chroma change: keep-colours ${(dk / input.width / input.height).toFixed(4)}, full ${(df / input.width / input.height).toFixed(4)}`,
    );
    expect(dk).toBeLessThan(df * 0.25);
  });

  it('a style that is neither a name nor a file is a clear error naming it', async () => {
    const p = await styleEffect.createProcessor(ctx);
    const input = await loadFrame(PHOTOS[0]!);
    await expect(p.process(input, params({ style: 'no/such/painting.jpg' }))).rejects.toThrow(
      StyleInputError,
    );
    await expect(p.process(input, params({ style: 'monet' }))).rejects.toThrow(
      /"monet" is neither a style name \(candy, mosaic/,
    );
  });

  it('tiles: a frame larger than the tile size is stylised in tiles of the same size', async () => {
    const p = await styleEffect.createProcessor(ctx);
    const input = await loadFrame(PHOTOS[1]!, 342);
    const tiled = toFloat32(await p.process(input, params({ tileSize: 128 })));
    const whole = toFloat32(await p.process(input, params({ tileSize: 1024 })));
    expect([tiled.width, tiled.height]).toEqual([input.width, input.height]);
    const d = meanAbsRgb(tiled, whole);
    console.log(`tiled (128) vs whole frame: mean |Δ| ${d.toFixed(3)}`);
    // Instance norm sees each tile's own statistics, so tiles differ a little from the whole-frame run.
    expect(d).toBeLessThan(0.12);
  });
});

describe('style on a real clip: flicker', () => {
  it('temporal consistency lowers frame-to-frame change on the static background', async () => {
    const frames: Frame[] = [];
    for await (const f of decodeFrames(path.join(root, 'test/fixtures/wide-street.mp4'), {
      range: { start: 0, end: 7 },
    }))
      frames.push(toFloat32(f));
    // Static pixels: the input hardly changes there between consecutive frames.
    const flicker = async (temporalConsistency: boolean): Promise<number> => {
      const p = await styleEffect.createProcessor(ctx);
      let prevIn: Frame | undefined;
      let prevOut: Frame | undefined;
      let sum = 0;
      let n = 0;
      for (const f of frames) {
        const out = toFloat32(await p.process(f, params({ style: 'mosaic', temporalConsistency })));
        if (prevIn && prevOut) {
          const still = new Uint8Array(f.width * f.height);
          for (let i = 0; i < still.length; i++) {
            let d = 0;
            for (let c = 0; c < 3; c++) d += Math.abs(f.data[i * 4 + c]! - prevIn.data[i * 4 + c]!);
            still[i] = d / 3 < 0.02 ? 1 : 0;
          }
          sum += meanAbsRgb(out, prevOut, still);
          n++;
        }
        prevIn = f;
        prevOut = out;
      }
      return sum / n;
    };
    const without = await flicker(false);
    const withTc = await flicker(true);
    console.log(
      `flicker on the static background (mean |Δ| per frame, 8 frames of wide-street): without ${without.toFixed(4)}, with temporal consistency ${withTc.toFixed(4)}`,
    );
    expect(withTc).toBeLessThan(without * 0.8);
  });
});
