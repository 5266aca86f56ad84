/**
 * The CEP build: the dev install folder and the ZXP staging folder hold the same extension (staging
 * without the .debug DevTools file), the manifest targets AE 24.0+ on CEP 11+, points at files that
 * exist, and the panel bundle is browser code (no Node `require`, since the manifest enables no Node).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CEP_FILES, buildCep } from '../../scripts/build-cep.ts';

/** The text of every `<tag ...>` element, attributes included (the manifest is small and flat enough). */
const tags = (xml: string, tag: string) => xml.match(new RegExp(`<${tag}\\b[^>]*>`, 'g')) ?? [];
const attr = (tagText: string, name: string) => new RegExp(`\\b${name}="([^"]*)"`).exec(tagText)?.[1];
const text = (xml: string, tag: string) =>
  [...xml.matchAll(new RegExp(`<${tag}>([^<]*)</${tag}>`, 'g'))].map((m) => m[1]);

const out = mkdtempSync(join(tmpdir(), 'mlxv-cep-build-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('CEP extension build', () => {
  it('writes the dev install and the ZXP staging folder from one manifest', async () => {
    const { dev, staging } = await buildCep(out);
    for (const f of CEP_FILES) {
      expect(readFileSync(join(staging, f))).toEqual(readFileSync(join(dev, f)));
    }
    expect(existsSync(join(dev, '.debug'))).toBe(true);
    expect(existsSync(join(staging, '.debug'))).toBe(false);

    const xml = readFileSync(join(staging, 'CSXS/manifest.xml'), 'utf8');
    const root = tags(xml, 'ExtensionManifest')[0]!;
    expect(attr(root, 'Version')).toBe('11.0');
    expect(tags(xml, 'Host').map((h) => [attr(h, 'Name'), attr(h, 'Version')])).toEqual([
      ['AEFT', '[24.0,99.9]'],
    ]);
    expect(tags(xml, 'RequiredRuntime').map((r) => [attr(r, 'Name'), attr(r, 'Version')])).toEqual([
      ['CSXS', '11.0'],
    ]);
    // One panel, declared, dispatched and given a DevTools port under the same id.
    const ids = tags(xml, 'Extension').map((e) => attr(e, 'Id'));
    expect(new Set(ids)).toEqual(new Set(['dev.mlxvideo.aftereffects.cep.panel']));
    expect(readFileSync(join(dev, '.debug'), 'utf8')).toContain('Id="dev.mlxvideo.aftereffects.cep.panel"');
    expect(text(xml, 'Type')).toEqual(['Panel']);
    for (const path of [...text(xml, 'MainPath'), ...text(xml, 'ScriptPath')]) {
      expect(existsSync(join(staging, path!))).toBe(true);
    }
    expect(xml).not.toContain('--enable-nodejs');

    const main = readFileSync(join(staging, 'main.js'), 'utf8');
    expect(main).not.toMatch(/\brequire\(/);
    expect(readFileSync(join(staging, 'index.html'), 'utf8')).toMatch(/<script src="main.js">/);
  });
});
