/**
 * The UXP build: dist/ holds what the UXP Developer Tool loads, the .ccx is a zip of it, and the bundled
 * main.js registers the manifest's panel with `entrypoints.setup` as soon as it is loaded, asking UXP's
 * `require` only for host modules (nothing from Node).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildPlugin } from '../../scripts/build-uxp.ts';
import { createFakeUxp } from './fakes/uxp.ts';

const cases = [
  { host: 'premiere', app: 'premierepro', module: 'premierepro' },
  { host: 'aftereffects', app: 'aftereffects', module: 'aftereffects' },
] as const;

describe.each(cases)('$host plugin build', ({ host, app, module }) => {
  it('writes dist/ and a .ccx with the manifest, and main.js registers the panel at load', async () => {
    const { dist, ccx } = await buildPlugin(host);
    const manifest = JSON.parse(readFileSync(join(dist, 'manifest.json'), 'utf8')) as {
      manifestVersion: number;
      host: { app: string; minVersion: string };
      entrypoints: { type: string; id: string }[];
      requiredPermissions: { network: { domains: string[] } };
    };
    expect(manifest.manifestVersion).toBe(5);
    expect(manifest.host.app).toBe(app);
    expect(manifest.requiredPermissions.network.domains).toEqual([
      'ws://127.0.0.1:7433',
      'ws://localhost:7433',
    ]);
    const listing = execFileSync('unzip', ['-Z1', ccx], { encoding: 'utf8' }).trim().split('\n').sort();
    expect(listing).toEqual(['index.html', 'main.js', 'manifest.json', 'panel.css']);

    const uxp = createFakeUxp();
    const required: string[] = [];
    const fakeRequire = (id: string): unknown => {
      required.push(id);
      if (id === 'uxp') return uxp.module;
      return {};
    };
    const code = readFileSync(join(dist, 'main.js'), 'utf8');
    new Function('require', 'module', 'exports', code)(fakeRequire, { exports: {} }, {});
    const panelId = manifest.entrypoints.find((e) => e.type === 'panel')!.id;
    expect(Object.keys(uxp.registered?.panels ?? {})).toEqual([panelId]);
    // The host module is required only when the panel is shown, never something Node-only.
    expect(required).toEqual(['uxp']);
    expect(required).not.toContain(module);
  });
});
