/**
 * colorize through OpenFX (#13 "All modes from ... OFX (hints and references as file parameters)"): the real
 * plugin bundle in the test host, a real daemon. The plugin declares `reference` and `hints` as string params
 * in kOfxParamStringIsFilePath mode (a host shows a file browser), and a file path set on either reaches the
 * effect: a grey still takes its colour reference's chroma, and a hint stroke colours its region.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFrame, type U8Frame } from '../../core/src/effects/frame.ts';
import {
  fixture,
  ofxBuild,
  rawFromImage,
  readRaw,
  runHost,
  startDaemonProcess,
  tempFile,
  type DaemonProcess,
  type OfxBuild,
} from '../ofx/helpers.ts';
import { toGrey, writePng } from './support.ts';

const W = 64;
const H = 64;
let build: OfxBuild;
let daemon: DaemonProcess;
let dir: string;
let colour: U8Frame;
let greyInput: string;

/** Mean Cb, Cr (BT.709, 0..1 scale) of a float RGBA frame inside a box. */
function chromaIn(px: Float32Array, box: { x0: number; x1: number; y0: number; y1: number }) {
  let cb = 0;
  let cr = 0;
  let n = 0;
  for (let y = box.y0; y < box.y1; y++)
    for (let x = box.x0; x < box.x1; x++) {
      const i = (y * W + x) * 4;
      const luma = 0.2126 * px[i]! + 0.7152 * px[i + 1]! + 0.0722 * px[i + 2]!;
      cb += (px[i + 2]! - luma) / 1.8556;
      cr += (px[i]! - luma) / 1.5748;
      n++;
    }
  return { cb: cb / n, cr: cr / n };
}

/** Mean |ΔCb| + |ΔCr| over the whole frame between a float frame and a u8 one. */
function chromaDistance(px: Float32Array, ref: U8Frame): number {
  let s = 0;
  for (let i = 0; i < W * H; i++) {
    const a = [px[i * 4]!, px[i * 4 + 1]!, px[i * 4 + 2]!];
    const b = [ref.data[i * 4]! / 255, ref.data[i * 4 + 1]! / 255, ref.data[i * 4 + 2]! / 255];
    const c = (p: number[]) => {
      const l = 0.2126 * p[0]! + 0.7152 * p[1]! + 0.0722 * p[2]!;
      return [(p[2]! - l) / 1.8556, (p[0]! - l) / 1.5748];
    };
    const [ab, ar] = c(a);
    const [bb, br] = c(b);
    s += Math.abs(ab! - bb!) + Math.abs(ar! - br!);
  }
  return s / (W * H);
}

beforeAll(async () => {
  build = ofxBuild();
  daemon = await startDaemonProcess();
  dir = mkdtempSync(path.join(tmpdir(), 'mlxv-colorize-ofx-'));
  const { data } = await sharp(fixture('astronaut-256.png'))
    .resize(W, H)
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  colour = createFrame(W, H, 'u8');
  colour.data.set(data);
  await writePng(colour, path.join(dir, 'colour.png'));
  await writePng(toGrey(colour), path.join(dir, 'grey.png'));
  greyInput = (await rawFromImage(path.join(dir, 'grey.png'), W, H)).path;
}, 120_000);
afterAll(async () => daemon?.stop());

const render = (params: string[]) => {
  const out = tempFile('colorize.rgbaf');
  return runHost(
    build,
    ['--plugin', 'org.mlxvideo.colorize', '--input', greyInput, '--width', String(W), '--height', String(H)]
      .concat(params.flatMap((p) => ['--param', p]))
      .concat(['--output', out, '--expect', 'ok']),
    { ...daemon.env, MLXV_OFX_TIMEOUT_MS: '180000' },
  ).then((r) => ({ ...r, out }));
};

describe('colorize in OFX: reference and hints are file-path params', () => {
  it('declares reference and hints as kOfxParamStringIsFilePath, the frame numbers as single lines', async () => {
    const r = await runHost(build, ['--list']);
    expect(r.code, r.stderr).toBe(0);
    const plugin = (
      r.report as unknown as { plugins: { id: string; params: Record<string, unknown>[] }[] }
    ).plugins.find((p) => p.id === 'org.mlxvideo.colorize')!;
    const param = (name: string) => plugin.params.find((p) => p.name === name);
    for (const name of ['reference', 'hints'])
      expect(param(name), name).toMatchObject({
        type: 'OfxParamTypeString',
        stringMode: 'OfxParamStringIsFilePath',
      });
    expect(param('referenceFrame')).toMatchObject({ stringMode: 'OfxParamStringIsSingleLine' });
  });

  it('a reference file set in the host colours the grey frame with its chroma', async () => {
    const r = await render([`reference=${path.join(dir, 'colour.png')}`, 'workingHeight=0']);
    expect(r.code, `${r.report.why} ${JSON.stringify(r.report.messages)}`).toBe(0);
    const out = readRaw(r.out);
    const grey = readRaw(greyInput);
    const ours = chromaDistance(out, colour);
    const none = chromaDistance(grey, colour);
    console.log(`colorize OFX reference: chroma distance ${ours.toFixed(4)} (grey input ${none.toFixed(4)})`);
    expect(ours).toBeLessThan(none / 4);
  }, 240_000);

  it('a hints file set in the host colours the stroke region', async () => {
    const strokes = path.join(dir, 'strokes.png');
    const px = Buffer.alloc(W * H * 4);
    for (let y = 28; y < 36; y++) for (let x = 16; x < 48; x++) px.set([255, 140, 0, 255], (y * W + x) * 4);
    await sharp(px, { raw: { width: W, height: H, channels: 4 } })
      .png()
      .toFile(strokes);
    const r = await render([`hints=${strokes}`, 'workingHeight=0']);
    expect(r.code, `${r.report.why} ${JSON.stringify(r.report.messages)}`).toBe(0);
    const box = { x0: 18, x1: 46, y0: 29, y1: 35 };
    const hinted = chromaIn(readRaw(r.out), box);
    const before = chromaIn(readRaw(greyInput), box);
    console.log(`colorize OFX hints: stroke region Cb ${hinted.cb.toFixed(3)}, Cr ${hinted.cr.toFixed(3)}`);
    expect(Math.abs(before.cb) + Math.abs(before.cr)).toBeLessThan(0.01);
    expect(hinted.cr).toBeGreaterThan(0.05);
    expect(hinted.cb).toBeLessThan(-0.05);
  }, 240_000);
});
