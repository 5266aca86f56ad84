/**
 * The headless-Chromium page for the Premiere panel tests: the real panel bundle (browser/entry.ts, the
 * shared panel over the premierepro fake) with the panel's CSS and the Spectrum test shims, as a file://
 * page (the daemon refuses web origins at the upgrade, as it should), and Debian's chromium through
 * playwright-core.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { chromium, type Browser } from 'playwright-core';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

/** Writes index.html + panel.js into `workDir` with `config` as window.mlxvConfig; returns the page URL. */
export async function writePremierePage(workDir: string, config: unknown): Promise<string> {
  const bundle = await build({
    entryPoints: [here('./entry.ts')],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    write: false,
    logLevel: 'warning',
  });
  writeFileSync(join(workDir, 'panel.js'), bundle.outputFiles[0]!.text);
  const css =
    readFileSync(here('../../../core/src/panel/panel.css'), 'utf8') +
    readFileSync(here('./spectrum-shim.css'), 'utf8');
  writeFileSync(
    join(workDir, 'index.html'),
    `<!doctype html><html><head><meta charset="utf-8"><style>${css}</style>
<script>${readFileSync(here('./spectrum-shim.js'), 'utf8')}</script>
<script>window.mlxvConfig = ${JSON.stringify(config)};</script></head>
<body><div id="mlxvideo-root"></div><script src="panel.js"></script></body></html>`,
  );
  return pathToFileURL(join(workDir, 'index.html')).href;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--headless'],
  });
}
