/**
 * colorize (issue 13), on real footage and photos; every colour figure is CIELAB computed by libvips
 * (support.ts), not by the effect's own colour code, and printed for docs/colorize.md.
 *
 * - Reference propagation: OpenCV's vtest street clip (test/fixtures/wide-street.mp4) turned grey, frame 0's
 *   colour original as the reference, chroma RMSE at frames 10, 20, 40 against the colour truth, beside two
 *   baselines (grey; frame 0's chroma copied without motion), on the whole frame and where the scene moved.
 * - Luminance kept: PSNR of Y' between the grey input and the output >= 50 dB on every frame.
 * - Flicker on static regions with and without stabilisation.
 * - Hints on a real still (OpenCV's smarties.png): strokes of two colours on two candies give those candies the
 *   colour (inside their masks) without bleeding into a band outside them. The masks come from the colour
 *   original by hue/saturation thresholds and the connected component under a seed point: a method
 *   independent of the effect.
 * - Stills, colour input, bad input (another aspect, another shot, hints that are not an image).
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEffectContext } from '../../core/src/runtime/context.ts';
import { decodeFrames } from '../../core/src/media/decode.ts';
import { resolveParams } from '../../core/src/effects/params.ts';
import { createFrame, type U8Frame } from '../../core/src/effects/frame.ts';
import {
  ColorizeInputError,
  colorizeEffect,
  colorizeStats,
  type ColorizeParams,
} from '../../core/src/effects/colorize/descriptor.ts';
import { FrameSessions } from '../../core/src/daemon/frame-sessions.ts';
import type { FilterEffect } from '../../core/src/effects/types.ts';
import { chromaRmse, copyChroma, labOf, lumaOf, psnr, ROOT, toGrey, writePng } from './support.ts';

const ctx = createEffectContext({ providers: ['cpu'] });
afterAll(() => ctx.sessions.dispose());
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'mlxv-colorize-'));
});

const params = (over: Record<string, unknown>): ColorizeParams =>
  resolveParams(colorizeEffect.params, over) as ColorizeParams;

async function clipFrames(name: string, last: number): Promise<U8Frame[]> {
  const out: U8Frame[] = [];
  for await (const f of decodeFrames(path.join(ROOT, 'test/fixtures', name), {
    samples: 'native',
    range: { start: 0, end: last },
  }))
    out.push(f as U8Frame);
  return out;
}

async function stillFrame(file: string, width: number): Promise<U8Frame> {
  const { data, info } = await sharp(file)
    .resize({ width })
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const f = createFrame(info.width, info.height, 'u8');
  f.data.set(data);
  return f;
}

/** Pixels where the colour truth at frame t differs from frame 0 (Lab ΔE > 10): what moved. */
function movedMask(t: { l: Float32Array; a: Float32Array; b: Float32Array }, z: typeof t): Uint8Array {
  return Uint8Array.from(t.l, (_, i) =>
    Math.hypot(t.l[i]! - z.l[i]!, t.a[i]! - z.a[i]!, t.b[i]! - z.b[i]!) > 10 ? 1 : 0,
  );
}

/** Mean |Δa| + |Δb| between consecutive outputs over pixels whose colour truth stays still. */
async function flicker(outputs: U8Frame[], truth: U8Frame[]): Promise<number> {
  const labs = await Promise.all(truth.map(labOf));
  const still = new Uint8Array(labs[0]!.l.length).fill(1);
  for (let t = 1; t < labs.length; t++)
    for (let i = 0; i < still.length; i++)
      if (Math.abs(labs[t]!.l[i]! - labs[t - 1]!.l[i]!) > 2) still[i] = 0;
  const outs = await Promise.all(outputs.map(labOf));
  let s = 0;
  let k = 0;
  for (let t = 1; t < outs.length; t++)
    for (let i = 0; i < still.length; i++) {
      if (!still[i]) continue;
      s += Math.abs(outs[t]!.a[i]! - outs[t - 1]!.a[i]!) + Math.abs(outs[t]!.b[i]! - outs[t - 1]!.b[i]!);
      k++;
    }
  return s / k;
}

describe('colorize: reference propagation on real footage turned grey', () => {
  // Working height 144 = half the clip's 288 lines, the same ratio as the default 540 for 1080p.
  const WORK = 144;
  let truth: U8Frame[];
  let ref: string;
  beforeAll(async () => {
    truth = await clipFrames('wide-street.mp4', 40);
    ref = path.join(dir, 'street-ref0.png');
    await writePng(truth[0]!, ref);
  });

  it('beats both baselines at frames 10, 20, 40, keeps Y (PSNR >= 50 dB), and stabilisation lowers flicker', async () => {
    const proc = await colorizeEffect.createProcessor(ctx);
    const p = params({ reference: ref, referenceFrame: '0', workingHeight: WORK });
    const outputs: U8Frame[] = [];
    let minPsnr = Infinity;
    for (let t = 0; t <= 40; t++) {
      const grey = toGrey(truth[t]!);
      const out = (await proc.process(grey, p)) as U8Frame;
      expect(out.format).toBe('u8');
      minPsnr = Math.min(minPsnr, psnr(lumaOf(out), lumaOf(grey)));
      outputs.push(out);
    }
    const stats = colorizeStats(proc)!;
    console.log(
      `colorize street: min Y PSNR ${minPsnr.toFixed(1)} dB; ${stats.frames} frames, flow ${(stats.flowMs / stats.totalMs).toFixed(2)} / solver ${(stats.solveMs / stats.totalMs).toFixed(2)} of the time`,
    );
    expect(minPsnr).toBeGreaterThanOrEqual(50);
    const lab0 = await labOf(truth[0]!);
    for (const t of [10, 20, 40]) {
      const lt = await labOf(truth[t]!);
      const moved = movedMask(lt, lab0);
      const ours = await labOf(outputs[t]!);
      const grey = await labOf(toGrey(truth[t]!));
      const copy = await labOf(copyChroma(truth[t]!, truth[0]!));
      const row = {
        ours: chromaRmse(ours, lt),
        grey: chromaRmse(grey, lt),
        copy: chromaRmse(copy, lt),
        oursMoved: chromaRmse(ours, lt, moved),
        copyMoved: chromaRmse(copy, lt, moved),
        greyMoved: chromaRmse(grey, lt, moved),
        movedShare: moved.reduce((a, b) => a + b, 0) / moved.length,
      };
      console.log(
        `colorize street frame ${t}: ${JSON.stringify(row, (_, v: unknown) => (typeof v === 'number' ? +v.toFixed(3) : v))}`,
      );
      expect(row.ours).toBeLessThan(row.copy);
      expect(row.ours).toBeLessThan(row.grey / 3);
      expect(row.oursMoved).toBeLessThan(row.copyMoved);
    }

    // Without stabilisation over the first 21 frames (the same frames the stabilised run saw first).
    const plain = await colorizeEffect.createProcessor(ctx);
    const p0 = { ...p, temporalWeight: 0 };
    const plainOut: U8Frame[] = [];
    for (let t = 0; t <= 20; t++) plainOut.push((await plain.process(toGrey(truth[t]!), p0)) as U8Frame);
    const withStab = await flicker(outputs.slice(0, 21), truth.slice(0, 21));
    const without = await flicker(plainOut, truth.slice(0, 21));
    console.log(
      `colorize street flicker on static pixels (mean |Δa|+|Δb| per frame): with ${withStab.toFixed(3)}, without ${without.toFixed(3)}`,
    );
    expect(withStab).toBeLessThanOrEqual(without);
  }, 900_000);
});

/** Connected component of `mask` containing (sx, sy) (4-connected flood fill). */
function component(mask: Uint8Array, w: number, h: number, sx: number, sy: number): Uint8Array {
  const out = new Uint8Array(w * h);
  const stack = [sy * w + sx];
  while (stack.length) {
    const i = stack.pop()!;
    if (out[i] || !mask[i]) continue;
    out[i] = 1;
    const x = i % w;
    const y = (i / w) | 0;
    if (x > 0) stack.push(i - 1);
    if (x + 1 < w) stack.push(i + 1);
    if (y > 0) stack.push(i - w);
    if (y + 1 < h) stack.push(i + w);
  }
  return out;
}

/** Morphological dilation (r > 0) or erosion (r < 0) with a square of side 2|r| + 1. */
function morph(mask: Uint8Array, w: number, h: number, r: number): Uint8Array {
  const out = new Uint8Array(w * h);
  const grow = r > 0;
  const k = Math.abs(r);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      let v = grow ? 0 : 1;
      for (let dy = -k; dy <= k && v === (grow ? 0 : 1); dy++)
        for (let dx = -k; dx <= k; dx++) {
          const xx = Math.min(w - 1, Math.max(0, x + dx));
          const yy = Math.min(h - 1, Math.max(0, y + dy));
          const m = mask[yy * w + xx]!;
          if (grow && m) v = 1;
          if (!grow && !m) v = 0;
        }
      out[y * w + x] = v;
    }
  return out;
}

describe('colorize: hints on a real still', () => {
  it('two strokes colour two candies inside their masks and do not bleed into a band outside', async () => {
    const photo = await stillFrame('/usr/share/doc/opencv-doc/examples/data/smarties.png', 413);
    const { width: w, height: h } = photo;
    // Independent masks from the colour original (HSV saturation > 0.35: the candies, not the white table),
    // each candy the component under a seed point in its middle.
    const hsv = (i: number): [number, number, number] => {
      const r = photo.data[i * 4]! / 255;
      const g = photo.data[i * 4 + 1]! / 255;
      const b = photo.data[i * 4 + 2]! / 255;
      const max = Math.max(r, g, b);
      const d = max - Math.min(r, g, b);
      let hue = 0;
      if (d > 0)
        hue =
          max === r
            ? 60 * (((g - b) / d + 6) % 6)
            : max === g
              ? 60 * ((b - r) / d + 2)
              : 60 * ((r - g) / d + 4);
      return [hue, max > 0 ? d / max : 0, max];
    };
    const saturated = Uint8Array.from({ length: w * h }, (_, i) => (hsv(i)[1] > 0.35 ? 1 : 0));
    // A red candy touching a dark brown one (the brown one falls in its band), and a lone green one.
    const seedA = [Math.round(w * 0.235), Math.round(h * 0.725)] as const;
    const seedB = [Math.round(w * 0.65), Math.round(h * 0.33)] as const;
    const maskA = morph(morph(component(saturated, w, h, ...seedA), w, h, 2), w, h, -2); // close small holes
    const maskB = morph(morph(component(saturated, w, h, ...seedB), w, h, 2), w, h, -2);
    const areaA = maskA.reduce((a, b) => a + b, 0);
    const areaB = maskB.reduce((a, b) => a + b, 0);
    expect(areaA).toBeGreaterThan(1000);
    expect(areaB).toBeGreaterThan(1000);
    expect(areaA + areaB).toBeLessThan(w * h * 0.1); // two candies, not the table

    // Strokes: a short line through each seed, in colours the candies are NOT (blue on the red candy, magenta on the green one).
    const strokes = Buffer.alloc(w * h * 4);
    const stroke = (
      seed: readonly [number, number],
      rgb: [number, number, number],
      mask: Uint8Array,
    ): void => {
      for (let dx = -12; dx <= 12; dx++)
        for (let dy = -1; dy <= 1; dy++) {
          const x = seed[0] + dx;
          const y = seed[1] + dy;
          const i = y * w + x;
          if (!mask[i]) continue;
          strokes.set([...rgb, 255], i * 4);
        }
    };
    const BLUE: [number, number, number] = [40, 70, 230];
    const MAGENTA: [number, number, number] = [220, 40, 200];
    stroke(seedA, BLUE, maskA);
    stroke(seedB, MAGENTA, maskB);
    const hintsFile = path.join(dir, 'strokes.png');
    await sharp(strokes, { raw: { width: w, height: h, channels: 4 } })
      .png()
      .toFile(hintsFile);

    const proc = await colorizeEffect.createProcessor(ctx);
    const grey = toGrey(photo);
    const out = (await proc.process(grey, params({ hints: hintsFile, workingHeight: 0 }))) as U8Frame;
    await writePng(out, path.join(dir, 'smarties-hinted.png'));
    if (process.env.MLXV_COLORIZE_DEBUG) await writePng(out, process.env.MLXV_COLORIZE_DEBUG);
    expect(psnr(lumaOf(out), lumaOf(grey))).toBeGreaterThanOrEqual(50);

    const lab = await labOf(out);
    const strokeLab = async (rgb: [number, number, number]) => {
      const f = createFrame(1, 1, 'u8');
      f.data.set([...rgb, 255]);
      const l = await labOf(f);
      return [l.a[0]!, l.b[0]!] as const;
    };
    const measure = (mask: Uint8Array, dirAb: readonly [number, number]) => {
      // Chroma along the stroke colour's hue direction, inside (eroded 2 px) and in a band 3..8 px outside.
      const norm = Math.hypot(...dirAb);
      const ux = dirAb[0] / norm;
      const uy = dirAb[1] / norm;
      const inside = morph(mask, w, h, -2);
      const near = morph(mask, w, h, 3);
      const band = morph(mask, w, h, 8).map((v, i) => (v && !near[i] ? 1 : 0));
      const along = (m: Uint8Array): { along: number; chroma: number } => {
        let s = 0;
        let c = 0;
        let k = 0;
        for (let i = 0; i < m.length; i++) {
          if (!m[i]) continue;
          s += lab.a[i]! * ux + lab.b[i]! * uy;
          c += Math.hypot(lab.a[i]!, lab.b[i]!);
          k++;
        }
        return { along: s / k, chroma: c / k };
      };
      return { inside: along(inside), band: along(band) };
    };
    const a = measure(maskA, await strokeLab(BLUE));
    const b = measure(maskB, await strokeLab(MAGENTA));
    console.log(
      `colorize hints (Lab chroma along the stroke hue): red candy ${JSON.stringify(a)}, green candy ${JSON.stringify(b)}`,
    );
    for (const m of [a, b]) {
      expect(m.inside.along).toBeGreaterThan(15); // clearly the stroke's hue
      expect(m.inside.along).toBeGreaterThan(0.8 * m.inside.chroma); // and not another hue
      expect(m.band.along).toBeLessThan(0.25 * m.inside.along); // little of it outside
    }
  }, 300_000);
});

describe('colorize: stills, colour input and bad input', () => {
  const astronaut = path.join(ROOT, 'test/fixtures/astronaut-256.png');

  it('a still with its own colour reference gets the reference chroma and keeps its luminance', async () => {
    const colour = await stillFrame(astronaut, 256);
    const grey = toGrey(colour);
    const proc = await colorizeEffect.createProcessor(ctx);
    const out = (await proc.process(grey, params({ reference: astronaut, workingHeight: 0 }))) as U8Frame;
    const err = chromaRmse(await labOf(out), await labOf(colour));
    const greyErr = chromaRmse(await labOf(grey), await labOf(colour));
    console.log(`colorize still: chroma RMSE ${err.toFixed(2)} (grey ${greyErr.toFixed(2)})`);
    expect(err).toBeLessThan(greyErr / 5);
    expect(psnr(lumaOf(out), lumaOf(grey))).toBeGreaterThanOrEqual(50);
  });

  it('a colour input is coloured from its luminance: its own chroma is replaced, Y kept', async () => {
    const colour = await stillFrame(astronaut, 128);
    // Reference: the same photo with its colours rotated (R→G→B→R), so the output's chroma must come from it.
    const rotated = createFrame(colour.width, colour.height, 'u8');
    for (let i = 0; i < colour.width * colour.height; i++)
      rotated.data.set([colour.data[i * 4 + 2]!, colour.data[i * 4]!, colour.data[i * 4 + 1]!, 255], i * 4);
    const refFile = path.join(dir, 'rotated.png');
    await writePng(rotated, refFile);
    const proc = await colorizeEffect.createProcessor(ctx);
    const out = (await proc.process(
      colour,
      params({ reference: refFile, workingHeight: 0, minMatch: 0 }),
    )) as U8Frame;
    expect(psnr(lumaOf(out), lumaOf(colour))).toBeGreaterThanOrEqual(50);
    const fromRef = chromaRmse(await labOf(out), await labOf(copyChroma(colour, rotated)));
    const fromInput = chromaRmse(await labOf(out), await labOf(colour));
    expect(fromRef).toBeLessThan(fromInput / 3);
  });

  it('without a reference, hints or mode=auto a frame is refused naming the params (hosts skip it as identity)', async () => {
    const grey = toGrey(await stillFrame(astronaut, 64));
    const proc = await colorizeEffect.createProcessor(ctx);
    const err = await proc.process(grey, params({})).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ColorizeInputError);
    for (const name of ['reference=', 'referenceFrame=', 'hints=', 'mode=auto'])
      expect((err as Error).message).toContain(`--param ${name}`);
    // Blank entries (", ") count as none.
    const blank = await proc.process(grey, params({ reference: ' ', hints: ' ' })).catch((e: unknown) => e);
    expect((blank as Error).message).toContain('nothing to take colours from');
    // OFX hosts answer IsIdentity from this, so a freshly applied effect shows the picture instead.
    expect(colorizeEffect.identityWhen).toEqual({ mode: 'propagate', reference: '', hints: '' });
  });

  it('refuses a reference of another aspect, naming the file and the size to export', async () => {
    const wide = path.join(dir, 'wide.png');
    await sharp(astronaut).resize(256, 128, { fit: 'fill' }).toFile(wide);
    const proc = await colorizeEffect.createProcessor(ctx);
    const grey = toGrey(await stillFrame(astronaut, 128));
    const err = await proc.process(grey, params({ reference: wide })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ColorizeInputError);
    expect((err as Error).message).toContain(wide);
    expect((err as Error).message).toMatch(/256x128.*128x128.*export the reference at 128x128/);
  });

  it('refuses a reference from another shot with its low match score', async () => {
    const street = await clipFrames('wide-street.mp4', 0);
    const other = path.join(dir, 'other-shot.png');
    // The astronaut photo stretched to the street clip's aspect: right size, wrong picture.
    await sharp(astronaut).resize(street[0]!.width, street[0]!.height, { fit: 'fill' }).toFile(other);
    const proc = await colorizeEffect.createProcessor(ctx);
    const err = await proc
      .process(toGrey(street[0]!), params({ reference: other, workingHeight: 144 }))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ColorizeInputError);
    console.log(`colorize another shot: ${(err as Error).message}`);
    expect((err as Error).message).toMatch(
      /other-shot\.png matches frame 0 poorly \(match score -?0\.\d\d < minMatch 0\.5\).*another shot/,
    );
    // The right reference of the same frame scores high (so the threshold separates the two).
    const right = path.join(dir, 'street0.png');
    await writePng(street[0]!, right);
    const ok = await colorizeEffect.createProcessor(ctx);
    await expect(
      ok.process(toGrey(street[0]!), params({ reference: right, workingHeight: 144, minMatch: 0.95 })),
    ).resolves.toBeDefined();
  });

  it('daemon frame sessions (OFX) number frames by the host: a reference of frame 7 is checked at frame 7', async () => {
    const street = await clipFrames('wide-street.mp4', 0);
    const other = path.join(dir, 'other-shot-7.png');
    await sharp(astronaut).resize(street[0]!.width, street[0]!.height, { fit: 'fill' }).toFile(other);
    const sessions = new FrameSessions(async () => ctx);
    try {
      const p = params({ reference: other, referenceFrame: '7', workingHeight: 144 });
      const err = await sessions
        .render('ofx-1', colorizeEffect as FilterEffect, p, 7, toGrey(street[0]!), () => true)
        .catch((e: unknown) => e);
      expect((err as Error).message).toMatch(/other-shot-7\.png matches frame 7 poorly/);
    } finally {
      sessions.closeAll();
    }
  });

  it('refuses a hints file that is not an image, naming it', async () => {
    const bogus = path.join(dir, 'strokes.png.txt');
    await writeFile(bogus, 'these are not strokes');
    const proc = await colorizeEffect.createProcessor(ctx);
    const grey = toGrey(await stillFrame(astronaut, 64));
    const err = await proc.process(grey, params({ hints: bogus })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ColorizeInputError);
    expect((err as Error).message).toContain(`cannot read the hints file ${bogus} as an image`);
    const missing = path.join(dir, 'nope.png');
    const err2 = await proc.process(grey, params({ hints: missing })).catch((e: unknown) => e);
    expect((err2 as Error).message).toContain(`the hints file ${missing} does not exist`);
  });

  it('refuses mismatched reference and frame lists', async () => {
    const proc = await colorizeEffect.createProcessor(ctx);
    const grey = toGrey(await stillFrame(astronaut, 64));
    const err = await proc
      .process(grey, params({ reference: `${astronaut},${astronaut}`, referenceFrame: '0' }))
      .catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/2 reference file\(s\).*but 1 referenceFrame/);
  });
});
