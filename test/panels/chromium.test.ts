/**
 * The real panel bundle in headless Chromium (Debian chromium + playwright-core), with the premierepro
 * fake injected, against a real daemon running the real `matte` effect on a real clip (slow enough on
 * CPU to catch mid-job). Checks progress is visible mid-job (DOM and the bar's pixels in a screenshot,
 * saved to test/panels/__screenshots__/), then clicks Cancel and sees the job cancelled.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { TestDaemon } from '../daemon/helpers.ts';
import {
  openPanel,
  pickEffect,
  premiereChromiumRig,
  type PremiereChromiumRig,
} from './browser/premiere-rig.ts';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const screenshots = here('./__screenshots__');

let rig: PremiereChromiumRig;
let t: TestDaemon;

beforeAll(async () => {
  // Real effect context (models from the model manager), unlike the identity-only daemon tests.
  rig = await premiereChromiumRig({
    realEffects: true,
    // The whole clip (48 frames at 10 fps): long enough to catch mid-job and cancel even on a fast machine.
    clips: [{ name: 'street', track: 0, in: 0, out: 4.8, start: 2 }],
  });
  t = rig.t;
});

afterAll(async () => {
  await rig?.close();
});

/** Fraction of the bar's pixels (a thin row through its middle) that are the fill colour #2680eb. */
async function filledFraction(png: Buffer, box: { x: number; y: number; width: number; height: number }) {
  const y = Math.round(box.y + box.height - 4);
  const { data, info } = await sharp(png)
    .extract({ left: Math.round(box.x), top: y, width: Math.round(box.width), height: 1 })
    .raw()
    .toBuffer({ resolveWithObject: true });
  let blue = 0;
  for (let i = 0; i < info.width; i++) {
    const [r, g, b] = [data[i * info.channels]!, data[i * info.channels + 1]!, data[i * info.channels + 2]!];
    if (Math.abs(r - 0x26) < 24 && Math.abs(g - 0x80) < 24 && Math.abs(b - 0xeb) < 24) blue++;
  }
  return blue / info.width;
}

it('shows progress mid-job and cancels from the panel', async () => {
  const { tab, errors } = await openPanel(rig, { width: 380, height: 1000 });
  await pickEffect(tab, 'matte');
  await tab.waitForSelector('[data-param=model]', { state: 'attached' });
  await tab.click('[data-role=apply]');

  // Mid-job: at least 12 % done (6 of 48 frames), the job not finished.
  await tab.waitForFunction(
    () => {
      const bar = document.querySelector('[data-role=progress]');
      return (
        bar !== null && Number(bar.getAttribute('value')) >= 12 && Number(bar.getAttribute('value')) < 100
      );
    },
    undefined,
    { timeout: 180_000, polling: 200 },
  );
  const bar = tab.locator('[data-role=progress]');
  const box = (await bar.boundingBox())!;
  const before = Number(await bar.getAttribute('value'));
  const shot = await tab.screenshot();
  const after = Number(await bar.getAttribute('value'));
  mkdirSync(screenshots, { recursive: true });
  writeFileSync(join(screenshots, 'premiere-panel-mid-job.png'), shot);
  expect(await tab.locator('.mlxv-clip').getAttribute('data-status')).toBe('running');
  expect(await tab.locator('.mlxv-clip sp-body').textContent()).toMatch(/street — Rendering/);
  // The bar's fill in the pixels matches the progress the DOM reported around the screenshot.
  const fill = await filledFraction(shot, box);
  expect(fill).toBeGreaterThan(0.1);
  expect(fill).toBeGreaterThan(before / 100 - 0.03);
  expect(fill).toBeLessThan(after / 100 + 0.03);

  await tab.click('[data-role=cancel]');
  await tab.waitForSelector('.mlxv-clip[data-status=cancelled]', { timeout: 60_000 });
  writeFileSync(join(screenshots, 'premiere-panel-cancelled.png'), await tab.screenshot());
  const jobs = await (await t.connect()).listJobs();
  expect(jobs.map((j) => j.state)).toEqual(['cancelled']);
  const fake = await tab.evaluate(() => {
    const f = (
      window as unknown as {
        mlxvFake: { project: { undoStack: string[] }; sequence: { clobbered: unknown[] } };
      }
    ).mlxvFake;
    return { undo: f.project.undoStack, clobbered: f.sequence.clobbered };
  });
  expect(fake).toEqual({ undo: [], clobbered: [] });
  expect(errors).toEqual([]);
  await tab.context().close();
});
