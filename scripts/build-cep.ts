/**
 * Builds the After Effects 2024–2026 CEP extension (plugin-aftereffects/cep/):
 * - `dist/mlxvideo-aftereffects-cep/`: the unsigned development install (copy it into a CEP extensions
 *   folder and set PlayerDebugMode; see plugin-aftereffects/README.md). Holds CSXS/manifest.xml,
 *   index.html, panel.css (the shared panel's) + widgets.css, main.js (the panel bundled for CEF 88),
 *   jsx/mlxvideo.jsx (loaded into AE's ExtendScript engine by the manifest) and .debug (DevTools port).
 * - `dist/zxp-staging/`: the same without .debug: the folder `ZXPSignCmd -sign` turns into a .zxp.
 *   ZXPSignCmd is Adobe's closed tool and is not installed here, so no .zxp is made.
 * Usage: node --import tsx scripts/build-cep.ts
 */
import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const cep = join(repo, 'plugin-aftereffects/cep');
export const CEP_FOLDER_NAME = 'mlxvideo-aftereffects-cep';

/** Every file of the extension, relative to its root (what a ZXP must hold), .debug excluded. */
export const CEP_FILES = [
  'CSXS/manifest.xml',
  'index.html',
  'panel.css',
  'widgets.css',
  'main.js',
  'jsx/mlxvideo.jsx',
] as const;

/** `dist` defaults to plugin-aftereffects/cep/dist; tests pass their own so parallel runs do not collide. */
export async function buildCep(dist = join(cep, 'dist')): Promise<{ dev: string; staging: string }> {
  const manifest = readFileSync(join(cep, 'CSXS/manifest.xml'), 'utf8');
  // CEP refuses a manifest whose ScriptPath/MainPath point nowhere only at load time, in the host: check now.
  for (const path of ['./index.html', './jsx/mlxvideo.jsx']) {
    if (!manifest.includes(`>${path}<`)) throw new Error(`CSXS/manifest.xml does not reference ${path}`);
  }
  const dev = join(dist, CEP_FOLDER_NAME);
  const staging = join(dist, 'zxp-staging');
  rmSync(dist, { recursive: true, force: true });
  mkdirSync(join(dev, 'CSXS'), { recursive: true });
  mkdirSync(join(dev, 'jsx'), { recursive: true });
  await build({
    entryPoints: [join(cep, 'src/main.ts')],
    outfile: join(dev, 'main.js'),
    bundle: true,
    format: 'iife',
    platform: 'browser',
    // CEP 11 embeds Chromium 88, the oldest engine the panel meets.
    target: 'chrome88',
    logLevel: 'warning',
  });
  copyFileSync(join(cep, 'CSXS/manifest.xml'), join(dev, 'CSXS/manifest.xml'));
  copyFileSync(join(cep, 'index.html'), join(dev, 'index.html'));
  copyFileSync(join(repo, 'core/src/panel/panel.css'), join(dev, 'panel.css'));
  copyFileSync(join(cep, 'widgets.css'), join(dev, 'widgets.css'));
  copyFileSync(join(cep, 'jsx/mlxvideo.jsx'), join(dev, 'jsx/mlxvideo.jsx'));
  copyFileSync(join(cep, '.debug'), join(dev, '.debug'));
  // A signed release opens no debug port: the staging folder is the extension minus .debug.
  cpSync(dev, staging, { recursive: true, filter: (src) => !src.endsWith('/.debug') });
  for (const f of CEP_FILES) {
    if (!existsSync(join(staging, f))) throw new Error(`build-cep: ${f} is missing from ${staging}`);
  }
  return { dev, staging };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { dev, staging } = await buildCep();
  console.log(`built ${dev} (unsigned dev install) and ${staging} (the folder ZXPSignCmd signs)`);
}
