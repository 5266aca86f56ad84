/**
 * Builds the UXP plugins: `plugin-<host>/dist/` is the folder the UXP Developer Tool loads (manifest.json,
 * index.html, panel.css, main.js bundled as CommonJS with the host modules left to UXP's `require`), and
 * `plugin-<host>/dist/mlxvideo-<host>.ccx` is the installable package (a zip of that folder).
 * Usage: node --import tsx scripts/build-uxp.ts [premiere|aftereffects ...]  (default: both)
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';
import { build } from 'esbuild';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const HOSTS = { premiere: 'plugin-premiere', aftereffects: 'plugin-aftereffects' } as const;
type Host = keyof typeof HOSTS;

export async function buildPlugin(host: Host): Promise<{ dist: string; ccx: string }> {
  const dir = join(repo, HOSTS[host]);
  const dist = join(dir, 'dist');
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { host?: unknown };
  // The Marketplace and UPIA refuse a .ccx whose host is an array (HOSTS.md §1.2).
  if (typeof manifest.host !== 'object' || manifest.host === null || Array.isArray(manifest.host)) {
    throw new Error(`${dir}/manifest.json: "host" must be one object for a .ccx package`);
  }
  rmSync(dist, { recursive: true, force: true });
  mkdirSync(dist, { recursive: true });
  await build({
    entryPoints: [join(dir, 'src/main.ts')],
    outfile: join(dist, 'main.js'),
    bundle: true,
    format: 'cjs',
    platform: 'neutral',
    target: 'es2020',
    // Provided by the host at run time through require().
    external: ['premierepro', 'aftereffects', 'uxp', 'fs', 'os'],
    logLevel: 'warning',
  });
  copyFileSync(join(dir, 'manifest.json'), join(dist, 'manifest.json'));
  // The page and its style are the shared panel's; the host shows only in main.js (its adapter).
  copyFileSync(join(repo, 'core/src/panel/index.html'), join(dist, 'index.html'));
  copyFileSync(join(repo, 'core/src/panel/panel.css'), join(dist, 'panel.css'));
  const ccx = join(dist, `mlxvideo-${host}.ccx`);
  // -X: no extra file attributes, so the package depends only on the content.
  execFileSync('zip', ['-q', '-r', '-X', ccx, 'manifest.json', 'index.html', 'panel.css', 'main.js'], {
    cwd: dist,
  });
  if (!existsSync(ccx)) throw new Error(`zip did not write ${ccx} (is Debian zip installed?)`);
  return { dist, ccx };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const wanted = (process.argv.slice(2).length ? process.argv.slice(2) : Object.keys(HOSTS)) as Host[];
  for (const host of wanted) {
    if (!(host in HOSTS))
      throw new Error(`unknown plugin "${host}"; use one of ${Object.keys(HOSTS).join(', ')}`);
    if (!existsSync(join(repo, HOSTS[host], 'src/main.ts'))) continue;
    const { dist, ccx } = await buildPlugin(host);
    console.log(`built ${dist} and ${ccx}`);
  }
}
