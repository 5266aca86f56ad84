/**
 * The built CEP panel (scripts/build-cep.ts output, unchanged) in headless Chromium (Debian chromium +
 * playwright-core), standing in for CEP's CEF: a fake CSInterface is injected where CEP injects its
 * bridge, and every evalScript runs the real mlxvideo.jsx in the Node-side fake After Effects. Against a
 * real daemon running the real `matte` model: pick the effect in the panel's own dropdown widget, press
 * Apply, see progress, then the result placed right above the layer. Screenshots go to
 * test/panels/__screenshots__/ (look at them).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { chromium, type Browser } from 'playwright-core';
import WebSocket from 'ws';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { pairedToken, type WebSocketConstructor } from '../../core/src/client/client.ts';
import { TOKEN_KEY } from '../../core/src/panel/token-store.ts';
import { RENDER_FOLDER_NAME } from '../../core/src/panel/host-adapter.ts';
import { buildCep } from '../../scripts/build-cep.ts';
import { startTestDaemon, type TestDaemon } from '../daemon/helpers.ts';
import {
  createFakeAfterEffects,
  probeSync,
  type FakeFootageItem,
} from './fakes/aftereffects-extendscript.ts';
import { mediaFolder, type MediaFolder } from './helpers.ts';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const screenshots = here('./__screenshots__');

let t: TestDaemon;
let media: MediaFolder;
let clip: string;
let token: string;
let page: string;
let fakeHost: string;
let browser: Browser;
let workDir: string;

beforeAll(async () => {
  t = await startTestDaemon({ createContext: undefined });
  media = mediaFolder();
  clip = media.add('wide-street.mp4', 'street.mp4');
  const { code } = await (await t.connect()).createPairCode();
  token = await pairedToken({
    url: t.daemon.url,
    pairCode: code,
    WebSocket: WebSocket as unknown as WebSocketConstructor,
  });

  const bundle = await build({
    entryPoints: [here('./browser/cep-fake-host.ts')],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    write: false,
    logLevel: 'warning',
  });
  fakeHost = bundle.outputFiles[0]!.text;
  workDir = mkdtempSync(join(tmpdir(), 'mlxv-cep-page-'));
  const { dev } = await buildCep(workDir);
  page = pathToFileURL(join(dev, 'index.html')).href;
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--headless'],
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await t?.stop();
  media?.remove();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

it('the built CEP panel applies matte to the selected layer and places it right above', async () => {
  const fake = createFakeAfterEffects();
  const facts = probeSync(clip)!;
  const footage = fake.project.addFootage(clip, facts);
  const top = fake.comp.addFootageLayer(footage, { startTime: 0, inPoint: 0, outPoint: 1 });
  // Visible 2.0-3.0 s of a layer starting at comp 1 s = source 1.0-2.0 s (frames 10-19).
  const original = fake.comp.addFootageLayer(footage, { startTime: 1, inPoint: 2, outPoint: 3 });
  fake.comp.selected = [original];

  const ctx = await browser.newContext({ viewport: { width: 360, height: 560 } });
  const tab = await ctx.newPage();
  const errors: string[] = [];
  tab.on('pageerror', (e) => errors.push(String(e)));
  await tab.exposeFunction('mlxvEvalScript', (script: string) => fake.evalScript(script));
  await tab.addInitScript(
    ({ tokenKey, token, url }) => {
      localStorage.setItem(tokenKey, token);
      localStorage.setItem('mlxvideo.daemonUrl', url);
    },
    { tokenKey: TOKEN_KEY, token, url: t.daemon.url },
  );
  await tab.addInitScript({ content: fakeHost });
  await tab.goto(page);

  await tab.waitForSelector('[data-role=status][data-state=connected]', { timeout: 20_000 });
  // The dropdown widget's own <select> (in its shadow root), as a user would pick.
  await tab.locator('[data-role=effect] select').selectOption('matte');
  await tab.waitForSelector('[data-param=model]', { state: 'attached' });
  await tab.click('[data-role=apply]');
  await tab.waitForSelector('.mlxv-clip[data-status=running]', { timeout: 180_000 });
  mkdirSync(screenshots, { recursive: true });
  writeFileSync(join(screenshots, 'cep-panel-mid-job.png'), await tab.screenshot({ fullPage: true }));
  // Generous: matte on CPU on a shared 2-core machine.
  const row = tab.locator('.mlxv-clip');
  await tab.waitForSelector(
    ['placed', 'failed', 'cancelled'].map((s) => `.mlxv-clip[data-status=${s}]`).join(','),
    { timeout: 540_000 },
  );
  expect([await row.getAttribute('data-status'), await row.locator('sp-detail').textContent()]).toEqual([
    'placed',
    'Placed on layer 2, above "street.mp4"',
  ]);
  writeFileSync(join(screenshots, 'cep-panel-placed.png'), await tab.screenshot({ fullPage: true }));

  const placed = fake.comp.stack[1]!;
  expect(fake.comp.stack).toEqual([top, placed, original]);
  expect([placed.inPoint, placed.outPoint]).toEqual([2, 3]);
  expect((placed.source as FakeFootageItem).parentFolder.name).toBe(RENDER_FOLDER_NAME);
  expect(fake.app.undoGroups).toHaveLength(1);
  expect(fake.app.editsOutsideUndoGroup).toEqual([]);
  expect(fake.app.violations).toEqual([]);
  expect(fake.scriptErrors).toEqual([]);
  expect(errors).toEqual([]);
  await ctx.close();
}, 600_000);
