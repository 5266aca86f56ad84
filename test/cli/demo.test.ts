/**
 * The README's first command (`npm start` = `mlxv demo`): matte on the repository's street clip, written
 * where the user can open it. Alpha is checked by decoding the outputs, not by their names.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { alphaPlane, mlxv, probe } from './helpers.ts';

let cwd: string;
beforeAll(async () => {
  cwd = await mkdtemp(path.join(tmpdir(), 'mlxv-cli-demo-'));
});
afterAll(async () => {
  await rm(cwd, { recursive: true, force: true });
});

/** Share of pixels that are clearly transparent and clearly opaque. */
function coverage(alpha: Uint8Array): { clear: number; solid: number } {
  let clear = 0;
  let solid = 0;
  for (const a of alpha) {
    if (a < 16) clear++;
    else if (a > 240) solid++;
  }
  return { clear: clear / alpha.length, solid: solid / alpha.length };
}

it('mlxv demo writes a ProRes 4444 .mov with a real matte and an RGBA PNG sequence into ./mlxv-output', async () => {
  const r = await mlxv(['demo', '--frames', '0-2'], {}, cwd);
  expect(r.stderr).not.toMatch(/mlxv: error/);
  expect(r.code).toBe(0);
  const mov = path.join(cwd, 'mlxv-output', 'matte.mov');
  const pngDir = path.join(cwd, 'mlxv-output', 'matte-png');
  expect(r.stdout).toContain(mov);
  expect(r.stdout).toContain(pngDir);

  const info = await probe(mov);
  expect(info).toMatchObject({ frames: 3, codec: 'prores', rate: '10/1' });
  expect(info.pixFmt).toMatch(/^yuva444/);
  // A street with small people: mostly background (transparent), some people (opaque).
  const movAlpha = coverage(await alphaPlane(mov));
  expect(movAlpha.clear).toBeGreaterThan(0.5);
  expect(movAlpha.solid).toBeGreaterThan(0.002);

  const pngs = (await readdir(pngDir)).sort();
  expect(pngs).toEqual(['matte_0000.png', 'matte_0001.png', 'matte_0002.png']);
  const { data, info: png } = await sharp(path.join(pngDir, pngs[0]!))
    .raw()
    .toBuffer({ resolveWithObject: true });
  expect(png.channels).toBe(4);
  const alpha = new Uint8Array(png.width * png.height);
  const step = data.length / (png.width * png.height);
  for (let i = 0; i < alpha.length; i++) alpha[i] = data[i * step + (step === 8 ? 6 : 3)]!;
  const pngAlpha = coverage(alpha);
  expect(pngAlpha.clear).toBeGreaterThan(0.5);
  expect(pngAlpha.solid).toBeGreaterThan(0.002);
});
