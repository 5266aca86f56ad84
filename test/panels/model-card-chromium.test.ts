/**
 * Model cards in the panel's effect form (#11): the daemon sends each effect's model cards (from the
 * manifests' `card`) in its effect list, and the real panel bundle in headless Chromium shows them under
 * the chosen effect's form. Screenshots go to test/panels/__screenshots__/model-card-*.png (look at them).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { listEffects } from '../../core/src/effects/registry.ts';
import { getManifest } from '../../core/src/models/manifests.ts';
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

beforeAll(async () => {
  rig = await premiereChromiumRig({
    realEffects: false,
    clips: [{ name: 'street', track: 0, in: 0, out: 1, start: 0 }],
  });
  t = rig.t;
});

afterAll(async () => {
  await rig?.close();
});

it('the daemon lists every model of every effect with its manifest card', async () => {
  const client = await t.connect();
  for (const effect of listEffects()) {
    const summary = client.effects.find((e) => e.id === effect.id)!;
    const listed = (summary.modelCards ?? []).flatMap((c) => c.models);
    expect([...listed].sort(), effect.id).toEqual([...effect.models].sort());
    for (const group of summary.modelCards ?? []) {
      for (const id of group.models) {
        const { license, trainedOn, knownBiases } = getManifest(id).card;
        expect({
          license: group.license,
          trainedOn: group.trainedOn,
          knownBiases: group.knownBiases,
        }).toEqual({
          license,
          trainedOn,
          knownBiases,
        });
      }
    }
  }
});

/** Share of the box's pixels that differ from the panel background (#323232): text was drawn there. */
async function inkFraction(png: Buffer, box: { x: number; y: number; width: number; height: number }) {
  const { data, info } = await sharp(png)
    .extract({
      left: Math.round(box.x),
      top: Math.round(box.y),
      width: Math.round(box.width),
      height: Math.round(box.height),
    })
    .raw()
    .toBuffer({ resolveWithObject: true });
  let ink = 0;
  for (let i = 0; i < data.length; i += info.channels) {
    if (Math.abs(data[i]! - 0x32) + Math.abs(data[i + 1]! - 0x32) + Math.abs(data[i + 2]! - 0x32) > 60) ink++;
  }
  return ink / (info.width * info.height);
}

it('shows the chosen effect’s model cards under its form', async () => {
  const { tab, errors } = await openPanel(rig, { width: 380, height: 1400 });

  await pickEffect(tab, 'style');
  const candy = getManifest('fast-neural-style-candy').card;
  const card = tab.locator('[data-role=model-card]');
  await tab.waitForSelector('[data-role=model-card] [data-models*="fast-neural-style-candy"]', {
    state: 'attached',
  });
  // Collapsed at first to one line (a docked panel is short): the count and the licences.
  const summary = (await tab.locator('[data-role=card-summary]').textContent()) ?? '';
  expect(summary).toContain('8 models');
  expect(summary).toContain(candy.license);
  expect(await tab.locator('[data-role=card-models]').isVisible()).toBe(false);
  mkdirSync(screenshots, { recursive: true });
  writeFileSync(
    join(screenshots, 'model-card-style-collapsed.png'),
    await tab.screenshot({ fullPage: true }),
  );
  await tab.click('[data-role=card-toggle]');
  await tab.waitForSelector('[data-role=card-models]', { state: 'visible' });
  const text = (await card.textContent()) ?? '';
  expect(text).toContain(candy.license);
  expect(text).toContain(candy.trainedOn);
  expect(text).toContain(candy.knownBiases);
  expect(text).toContain(getManifest('magenta-style-predictor').card.trainedOn);
  expect(text).toContain(getManifest('rife-v4.6-flow-final').card.license);
  // Under the form: the last param row ends above the card.
  const formBox = (await tab.locator('[data-role=form]').boundingBox())!;
  const cardBox = (await card.boundingBox())!;
  expect(cardBox.y).toBeGreaterThanOrEqual(formBox.y + formBox.height - 1);
  const shot = await tab.screenshot({ fullPage: true });
  writeFileSync(join(screenshots, 'model-card-style.png'), shot);
  expect(await inkFraction(shot, cardBox)).toBeGreaterThan(0.03);

  // An effect without models says so instead of showing an empty card.
  await pickEffect(tab, 'identity');
  await tab.waitForSelector('[data-role=card-note]', { state: 'attached' });
  expect(await tab.locator('[data-role=card-note]').textContent()).toMatch(/No learned model/);
  expect(await tab.locator('[data-role=model-card] .mlxv-card-model').count()).toBe(0);
  writeFileSync(join(screenshots, 'model-card-identity.png'), await tab.screenshot({ fullPage: true }));
  expect(errors).toEqual([]);
  await tab.context().close();
});
