/**
 * The set-up every Premiere panel test in Chromium shares: a real daemon (identity-only, or the real effect
 * context), the street clip in a media folder, a paired token, the panel page written with the premierepro
 * fake's config, and Debian's chromium. One place, so the tests differ only in what they check.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import WebSocket from 'ws';
import { pairedToken, type WebSocketConstructor } from '../../../core/src/client/client.ts';
import { startTestDaemon, type TestDaemon } from '../../daemon/helpers.ts';
import { mediaFolder, realLookup, type MediaFolder } from '../helpers.ts';
import { launchChromium, writePremierePage } from './premiere-page.ts';

export interface PremiereChromiumRig {
  t: TestDaemon;
  media: MediaFolder;
  /** The street clip inside the media folder. */
  clip: string;
  /** file:// URL of the panel page. */
  page: string;
  browser: Browser;
  close(): Promise<void>;
}

export async function premiereChromiumRig(options: {
  /** Real effect context (models from the model manager) instead of the identity-only daemon. */
  realEffects: boolean;
  /** Timeline clips of the fake sequence (seconds). */
  clips: readonly { name: string; track: number; in: number; out: number; start: number }[];
  /** More page config (e.g. the files the fake file picker returns), given the clip and media folder. */
  config?: (clip: string, media: MediaFolder) => Record<string, unknown>;
}): Promise<PremiereChromiumRig> {
  const t = await startTestDaemon(options.realEffects ? { createContext: undefined } : {});
  const media = mediaFolder();
  const workDir = mkdtempSync(join(tmpdir(), 'mlxv-panel-page-'));
  const close = async () => {
    await t.stop();
    media.remove();
    rmSync(workDir, { recursive: true, force: true });
  };
  try {
    const clip = media.add('wide-street.mp4', 'street.mp4');
    const { code } = await (await t.connect()).createPairCode();
    const token = await pairedToken({
      url: t.daemon.url,
      pairCode: code,
      WebSocket: WebSocket as unknown as WebSocketConstructor,
    });
    const page = await writePremierePage(workDir, {
      url: t.daemon.url,
      token,
      media: { path: clip, info: await realLookup(clip) },
      clips: options.clips,
      ...options.config?.(clip, media),
    });
    const browser = await launchChromium();
    return {
      t,
      media,
      clip,
      page,
      browser,
      close: async () => {
        await browser.close();
        await close();
      },
    };
  } catch (err) {
    await close();
    throw err;
  }
}

/** A new tab on the panel page, connected to the daemon; page errors are collected in `errors`. */
export async function openPanel(
  rig: Pick<PremiereChromiumRig, 'browser' | 'page'>,
  viewport: { width: number; height: number },
): Promise<{ tab: Page; errors: string[] }> {
  const ctx = await rig.browser.newContext({ viewport });
  const tab = await ctx.newPage();
  const errors: string[] = [];
  tab.on('pageerror', (e) => errors.push(String(e)));
  await tab.exposeFunction('mlxvLookup', (p: string) => realLookup(p));
  await tab.goto(rig.page);
  await tab.waitForSelector('[data-role=status][data-state=connected]', { timeout: 20_000 });
  return { tab, errors };
}

/** Picks an effect the way the Spectrum dropdown reports a choice: a change event with selectedIndex. */
export async function pickEffect(tab: Page, effectId: string): Promise<void> {
  await tab.waitForSelector(`[data-role=effect] sp-menu-item[value="${effectId}"]`, { state: 'attached' });
  await tab.evaluate((id) => {
    const dropdown = document.querySelector('[data-role=effect]') as HTMLElement & { selectedIndex?: number };
    const items = [...dropdown.querySelectorAll('sp-menu-item')];
    dropdown.selectedIndex = items.findIndex((i) => i.getAttribute('value') === id);
    dropdown.dispatchEvent(new Event('change'));
  }, effectId);
}
