/**
 * Path params in the real panel bundle (headless Chromium, premierepro + UXP localFileSystem fakes, a real
 * daemon with the real effect context): colorize's reference and hints rows have a "Choose…" button; the
 * picked file fills the field, a Cancel leaves it, and Apply runs colorize with the picked reference (the
 * daemon's job list shows it, and the job finishes). Screenshot: test/panels/__screenshots__/colorize-file-
 * picker.png (look at it).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { TestDaemon } from '../daemon/helpers.ts';
import {
  openPanel,
  pickEffect,
  premiereChromiumRig,
  type PremiereChromiumRig,
} from './browser/premiere-rig.ts';

const screenshots = fileURLToPath(new URL('./__screenshots__', import.meta.url));

let rig: PremiereChromiumRig;
let t: TestDaemon;
let reference: string;

beforeAll(async () => {
  // Real effect context: colorize loads RIFE's flow model.
  rig = await premiereChromiumRig({
    realEffects: true,
    // Three frames (10 fps): a short colorize job.
    clips: [{ name: 'street', track: 0, in: 0, out: 0.3, start: 0 }],
    config: (clip, media) => {
      // The colour reference of the clip's frame 0 (the colourist's graded still).
      reference = join(media.dir, 'street-frame0.png');
      execFileSync('ffmpeg', ['-v', 'error', '-y', '-i', clip, '-frames:v', '1', reference]);
      // The "user" picks the reference, then cancels the hints dialog.
      return { pickFiles: [reference, null] };
    },
  });
  t = rig.t;
});

afterAll(async () => {
  await rig?.close();
});

it('colorize: Choose… fills the reference from the host picker, Cancel keeps hints empty, Apply uses it', async () => {
  const { tab, errors } = await openPanel(rig, { width: 380, height: 1100 });
  await pickEffect(tab, 'colorize');

  const refRow = '[data-param=reference]';
  const hintsRow = '[data-param=hints]';
  await tab.waitForSelector(`${refRow} [data-role=choose-file]`);
  expect(await tab.locator(`${hintsRow} [data-role=choose-file]`).textContent()).toBe('Choose…');
  // Text params stay text fields: no picker on referenceFrame.
  expect(await tab.locator('[data-param=referenceFrame] [data-role=choose-file]').count()).toBe(0);

  await tab.click(`${refRow} [data-role=choose-file]`);
  await tab.waitForFunction(
    (p) => document.querySelector('[data-param=reference] [data-role=path]')?.getAttribute('value') === p,
    reference,
  );
  await tab.click(`${hintsRow} [data-role=choose-file]`);
  const calls = await tab.evaluate(
    () => (window as unknown as { mlxvFiles: { calls: unknown[] } }).mlxvFiles.calls,
  );
  expect(calls).toHaveLength(2);
  expect(calls[0]).toMatchObject({
    method: 'getFileForOpening',
    options: { allowMultiple: false, types: expect.arrayContaining(['png', 'jpg']) },
  });
  expect(await tab.locator(`${hintsRow} [data-role=path]`).getAttribute('value')).toBe('');

  mkdirSync(screenshots, { recursive: true });
  writeFileSync(join(screenshots, 'colorize-file-picker.png'), await tab.screenshot({ fullPage: true }));

  await tab.click('[data-role=apply]');
  await tab.waitForSelector('.mlxv-clip[data-status=placed]', { timeout: 240_000 });
  const jobs = await (await t.connect()).listJobs();
  expect(jobs).toHaveLength(1);
  expect(jobs[0]!.state).toBe('done');
  expect(jobs[0]!.job.effect).toBe('colorize');
  expect(jobs[0]!.job.params).toMatchObject({ reference, hints: '' });
  expect(errors).toEqual([]);
  await tab.context().close();
}, 300_000);
