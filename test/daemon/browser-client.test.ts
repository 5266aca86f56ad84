/**
 * The browser-safe client in a real browser (Debian's Chromium, headless, via playwright-core) against the
 * real daemon: a page opened from file:// (as a panel is) connects with a token, pairs with a code and
 * renders a frame; a page on a web origin is refused. The client's two files are transpiled with
 * TypeScript and inlined as a classic script, so no bundler is involved and no Node API could sneak in.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestDaemon, type TestDaemon } from './helpers.ts';

const clientDir = fileURLToPath(new URL('../../core/src/client/', import.meta.url));

/** protocol.ts + client.ts as one classic script exposing `window.mlxv`. */
function clientScript(): string {
  const parts = ['protocol.ts', 'client.ts'].map((f) => {
    const js = ts.transpileModule(readFileSync(join(clientDir, f), 'utf8'), {
      compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext },
    }).outputText;
    return js.replace(/import\s*\{[^}]*\}\s*from\s*'\.\/protocol\.ts';/gs, '').replace(/^export /gm, '');
  });
  return `window.mlxv = (() => {\n${parts.join('\n')}\nreturn { DaemonClient, encodeFrameMessage };\n})();`;
}

let t: TestDaemon;
let browser: Browser;
let pageDir: string;
let token: string;
const refusedOrigins: string[] = [];
beforeAll(async () => {
  t = await startTestDaemon({
    log: (_level, msg, fields) => {
      if (msg === 'refused a web origin') refusedOrigins.push(String(fields?.origin));
    },
  });
  token = readFileSync(join(t.dir, 'token'), 'utf8').trim();
  pageDir = mkdtempSync(join(tmpdir(), 'mlxv-browser-'));
  writeFileSync(join(pageDir, 'panel.html'), `<!doctype html><script>${clientScript()}</script>`);
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    // Chromium's own private/local-network checks would block the web page before it reaches the daemon;
    // switched off so the test shows the daemon's refusal (older browsers and other engines lack them).
    args: [
      '--no-sandbox',
      '--disable-features=BlockInsecurePrivateNetworkRequests,PrivateNetworkAccessSendPreflights,PrivateNetworkAccessRespectPreflightResults,LocalNetworkAccessChecks',
    ],
  });
});
afterAll(async () => {
  await browser?.close();
  await t.stop();
  rmSync(pageDir, { recursive: true, force: true });
});

it('a file:// page connects with the token and renders a frame', async () => {
  const page = await browser.newPage();
  await page.goto(`file://${join(pageDir, 'panel.html')}`);
  const result = await page.evaluate(
    async ({ url, token }) => {
      const { DaemonClient } = (
        window as unknown as { mlxv: typeof import('../../core/src/client/client.ts') }
      ).mlxv;
      const c = await DaemonClient.connect({ url, token, client: { name: 'chromium-test', version: '1' } });
      const pixels = new Float32Array(16 * 9 * 4).map((_, i) => (i % 10) / 10);
      const out = await c.renderFrame({
        instance: 'p',
        effect: 'identity',
        params: { gain: 2 },
        index: 0,
        width: 16,
        height: 9,
        pixels,
      });
      c.close();
      return {
        effects: c.effects.map((e) => e.id),
        width: out.width,
        sample: out.pixels![1],
        alpha: out.pixels![3],
      };
    },
    { url: t.daemon.url, token },
  );
  expect(result.effects).toContain('identity');
  expect(result).toMatchObject({ width: 16 });
  expect(result.sample).toBeCloseTo(0.2);
  expect(result.alpha).toBeCloseTo(0.3);
  await page.close();
});

it('a file:// page pairs with a code from `mlxv pair` and keeps working with its token', async () => {
  const native = await t.connect();
  const { code } = await native.createPairCode();
  const page = await browser.newPage();
  await page.goto(`file://${join(pageDir, 'panel.html')}`);
  const ok = await page.evaluate(
    async ({ url, code }) => {
      const { DaemonClient } = (
        window as unknown as { mlxv: typeof import('../../core/src/client/client.ts') }
      ).mlxv;
      const c = await DaemonClient.connect({ url, pairCode: code });
      await c.ping();
      c.close();
      return true;
    },
    { url: t.daemon.url, code },
  );
  expect(ok).toBe(true);
  await page.close();
});

it('a page on a web origin cannot open a socket to the daemon', async () => {
  const page = await browser.newPage();
  await page.route('http://evil.example/', (route) =>
    route.fulfill({ contentType: 'text/html', body: '<!doctype html><p>hi</p>' }),
  );
  await page.goto('http://evil.example/');
  const outcome = await page.evaluate(
    (url) =>
      new Promise<string>((resolve) => {
        const ws = new WebSocket(url);
        ws.onopen = () => resolve('open');
        ws.onclose = (ev) => resolve(`closed ${ev.code}`);
      }),
    t.daemon.url,
  );
  expect(outcome).toBe('closed 1006'); // the upgrade got 403: the browser reports an abnormal closure
  // The daemon itself refused it (not the browser's own private-network rules).
  expect(refusedOrigins).toContain('http://evil.example');
  await page.close();
});
