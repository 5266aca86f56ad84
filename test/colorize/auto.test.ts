/**
 * colorize mode=auto: the learned colorizers' real path (manifest → resolver → hash check → session → Lab
 * pre/post-processing) with graphs built here with the same signature as clibdev's ONNX exports of Zhang et
 * al.'s models (in `input` [1,1,256,256] L* 0..100 → out `output` [1,2,256,256] a*b*), because the real
 * files (123-130 MB) cannot reach this machine. The graph's answer is a known function of L*
 * (a* = 0.6 (L* − 50), b* = 25), so the test can tell that L* went in at the right scale and that a*b* came
 * back, were resized and recombined with the full-resolution luminance. CIELAB of the output is measured by
 * libvips, not by the effect's own conversion.
 */
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { OnnxGraph } from '../../models/converters/onnx-graph.ts';
import { createEffectContext } from '../../core/src/runtime/context.ts';
import { resolveParams } from '../../core/src/effects/params.ts';
import { createFrame, type U8Frame } from '../../core/src/effects/frame.ts';
import { colorizeEffect, type ColorizeParams } from '../../core/src/effects/colorize/descriptor.ts';
import { chromaRmse, labOf, lumaOf, psnr, ROOT, toGrey } from './support.ts';

/** Zhang et al.'s signature, in L* [1,1,256,256]: a* = 0.6 (L* − 50), b* = 25, at the input's size. */
function lightnessGraph(): Uint8Array {
  const g = new OnnxGraph('colorization-same-signature');
  g.addInput('input', 'float32', [1, 1, 256, 256]);
  g.addOutput('output', 'float32', [1, 2, 256, 256]);
  const fifty = g.addFloat('fifty', [1], [50]);
  const gain = g.addFloat('gain', [1], [0.6]);
  const zero = g.addFloat('zero', [1], [0]);
  const b0 = g.addFloat('b0', [1], [25]);
  const [centred] = g.addNode('Sub', ['input', fifty], 1);
  const [a] = g.addNode('Mul', [centred!, gain], 1);
  const [nothing] = g.addNode('Mul', ['input', zero], 1);
  const [b] = g.addNode('Add', [nothing!, b0], 1);
  g.addNode('Concat', [a!, b!], ['output'], { axis: 1 });
  return g.toBytes(13);
}

/**
 * DDColor's signature, in RGB [1,3,256,256]: a* = 60 (G − 0.5), b* = 25 + 100 (R − B). b* stays 25 only if
 * the input is a neutral grey (R = B), as DDColor's Lab(L*, 0, 0) pre-processing makes it.
 */
function greyRgbGraph(): Uint8Array {
  const g = new OnnxGraph('ddcolor-same-signature');
  g.addInput('input', 'float32', [1, 3, 256, 256]);
  g.addOutput('output', 'float32', [1, 2, 256, 256]);
  const half = g.addFloat('half', [1], [0.5]);
  const sixty = g.addFloat('sixty', [1], [60]);
  const hundred = g.addFloat('hundred', [1], [100]);
  const b0 = g.addFloat('b0', [1], [25]);
  const [r, gr, bl] = g.addNode('Split', ['input'], 3, { axis: 1 });
  const [gc] = g.addNode('Sub', [gr!, half], 1);
  const [a] = g.addNode('Mul', [gc!, sixty], 1);
  const [rb] = g.addNode('Sub', [r!, bl!], 1);
  const [rb100] = g.addNode('Mul', [rb!, hundred], 1);
  const [b] = g.addNode('Add', [rb100!, b0], 1);
  g.addNode('Concat', [a!, b!], ['output'], { axis: 1 });
  return g.toBytes(13);
}

/** sRGB-encoded grey value of CIELAB (L*, 0, 0), written here from the CIE/sRGB definitions. */
function greyOfLightness(l: number): number {
  const fy = (l + 16) / 116;
  const y = fy > 6 / 29 ? fy ** 3 : (fy - 16 / 116) * (108 / 841);
  return y <= 0.0031308 ? 12.92 * y : 1.055 * y ** (1 / 2.4) - 0.055;
}

/**
 * The shipped manifests, with the colorizers' sha256/source pointed at the same-signature graph. `bytes` stays
 * the published rounded figure (123 / 129.9 MB, `bytesRounded`): the graph of a few hundred bytes is accepted by
 * its sha256 alone, as the real download will be.
 */
function manifestsWithGraph(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mlxv-colorize-auto-'));
  const manifests = path.join(dir, 'manifests');
  cpSync(path.join(ROOT, 'models/manifests'), manifests, { recursive: true });
  const graphs = { lightness: lightnessGraph(), greyRgb: greyRgbGraph() };
  const models = [
    { id: 'colorization-eccv16', graph: 'lightness', rounded: true },
    { id: 'colorization-siggraph17', graph: 'lightness', rounded: true },
    { id: 'ddcolor-paper-tiny', graph: 'greyRgb', rounded: false },
  ] as const;
  for (const { id, graph, rounded } of models) {
    const bytes = graphs[graph];
    const file = path.join(dir, `${graph}.onnx`);
    writeFileSync(file, bytes);
    const p = path.join(manifests, `${id}.json`);
    const m = JSON.parse(readFileSync(p, 'utf8')) as Record<string, unknown>;
    expect(m.bytes).toBeGreaterThan(100e6);
    if (rounded) expect(m).toMatchObject({ bytesRounded: true });
    else m.bytes = bytes.length; // an exact size (DDColor's catalog gives one): it must match the file
    m.sha256 = createHash('sha256').update(bytes).digest('hex');
    m.sources = [{ kind: 'local', path: file }];
    writeFileSync(p, JSON.stringify(m));
  }
  expect(readdirSync(manifests)).toContain('rife-v4.6-flow-final.json');
  return manifests;
}

const ctx = createEffectContext({
  providers: ['cpu'],
  manifestsDir: manifestsWithGraph(),
  cacheDir: mkdtempSync(path.join(os.tmpdir(), 'mlxv-colorize-cache-')),
});
afterAll(() => ctx.sessions.dispose());

async function astronaut(size: number): Promise<U8Frame> {
  const { data, info } = await sharp(path.join(ROOT, 'test/fixtures/astronaut-256.png'))
    .resize(size)
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const f = createFrame(info.width, info.height, 'u8');
  f.data.set(data);
  return f;
}

const params = (over: Record<string, unknown>): ColorizeParams =>
  resolveParams(colorizeEffect.params, over) as ColorizeParams;

describe('colorize mode=auto through same-signature graphs', () => {
  // Each model's graph answers a* = gain · x(L*) for the L* it was given (the input's); the test measures the
  // output's a* against x of the input's L* (both by libvips) on mid-tone pixels (far from the gamut's tips,
  // where chroma is scaled down to keep Y').
  const cases = [
    { autoModel: 'siggraph17', x: (l: number) => l - 50, gain: 0.6 },
    { autoModel: 'eccv16', x: (l: number) => l - 50, gain: 0.6 },
    // A colour input: DDColor must still be fed its lightness as neutral grey (else b* leaves 25).
    { autoModel: 'ddcolor-tiny', x: (l: number) => greyOfLightness(l) - 0.5, gain: 60, colour: true },
  ];
  it('feeds the lightness (L* or its neutral grey RGB), takes a*b* back, recombines with full-resolution luminance', async () => {
    for (const { autoModel, x, gain, colour } of cases) {
      const photo = await astronaut(200); // not 256: the model size is a resize away
      const input = colour ? photo : toGrey(photo);
      const proc = await colorizeEffect.createProcessor(ctx);
      const out = (await proc.process(
        input,
        params({ mode: 'auto', autoModel, workingHeight: 0 }),
      )) as U8Frame;
      expect(psnr(lumaOf(out), lumaOf(input))).toBeGreaterThanOrEqual(50);
      const lab = await labOf(out);
      const given = (await labOf(input)).l;
      let n = 0;
      let bSum = 0;
      let sxy = 0;
      let sxx = 0;
      let syy = 0;
      const pts: [number, number][] = [];
      for (let i = 0; i < lab.l.length; i++) {
        if (given[i]! < 35 || given[i]! > 75) continue;
        pts.push([x(given[i]!), lab.a[i]!]);
        bSum += lab.b[i]!;
        n++;
      }
      const mx = pts.reduce((s, p) => s + p[0], 0) / n;
      const my = pts.reduce((s, p) => s + p[1], 0) / n;
      for (const [px, py] of pts) {
        sxy += (px - mx) * (py - my);
        sxx += (px - mx) ** 2;
        syy += (py - my) ** 2;
      }
      const slope = sxy / sxx;
      const corr = sxy / Math.sqrt(sxx * syy);
      console.log(
        `colorize auto (${autoModel}): ${n} mid-tone px, mean b* ${(bSum / n).toFixed(2)} (graph 25), a* slope ${slope.toFixed(3)} (graph ${gain}), r ${corr.toFixed(3)}`,
      );
      expect(n).toBeGreaterThan(1000);
      expect(Math.abs(bSum / n - 25)).toBeLessThan(4);
      expect(Math.abs(slope / gain - 1)).toBeLessThan(0.2);
      expect(corr).toBeGreaterThan(0.9);
    }
  });

  it('references win where they reach', async () => {
    const colour = await astronaut(128);
    const refFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'mlxv-colorize-ref-')), 'ref.png');
    await sharp(Buffer.from(colour.data), { raw: { width: 128, height: 128, channels: 4 } })
      .png()
      .toFile(refFile);
    const proc = await colorizeEffect.createProcessor(ctx);
    const grey = toGrey(colour);
    const out = (await proc.process(
      grey,
      params({ mode: 'auto', reference: refFile, workingHeight: 0 }),
    )) as U8Frame;
    const truth = await labOf(colour);
    const err = chromaRmse(await labOf(out), truth);
    const autoOnly = (await (
      await colorizeEffect.createProcessor(ctx)
    ).process(grey, params({ mode: 'auto', workingHeight: 0 }))) as U8Frame;
    const autoErr = chromaRmse(await labOf(autoOnly), truth);
    console.log(
      `colorize auto + reference: chroma RMSE ${err.toFixed(2)} vs the graph alone ${autoErr.toFixed(2)}`,
    );
    expect(err).toBeLessThan(autoErr / 5);
  });
});
