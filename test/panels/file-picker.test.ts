/**
 * Path params in the panels (#13): every effect's `kind: 'path'` string param becomes a form field with the
 * host's file picker, and the pickers call UXP's `localFileSystem` and CEP's `cep.fs` the way their
 * documentation says (the fakes in fakes/uxp.ts and fakes/cep-fs.ts refuse anything else). The Chromium test
 * (file-picker-chromium.test.ts) clicks the real panel's button.
 */
import { describe, expect, it } from 'vitest';
import type { EffectSummary } from '../../core/src/client/protocol.ts';
import { listEffects } from '../../core/src/effects/registry.ts';
import { cepFilePicker, uxpFilePicker, type CepFs } from '../../core/src/panel/file-picker.ts';
import { coerceValue, formFields } from '../../core/src/panel/param-form.ts';
import { createFakeCepFs } from './fakes/cep-fs.ts';
import { createFakeLocalFileSystem } from './fakes/uxp.ts';

/** The effect list as hello.ok carries it: params through JSON, as the daemon sends them. */
const summaries = (): EffectSummary[] =>
  listEffects().map((e) => JSON.parse(JSON.stringify({ id: e.id, params: e.params })) as EffectSummary);

describe('path params become picker fields', () => {
  it('every path param of every effect, with its file types and whether it is written', () => {
    const seen: string[] = [];
    for (const effect of summaries()) {
      const fields = formFields(effect);
      for (const [name, spec] of Object.entries(effect.params as Record<string, { kind?: string }>)) {
        if (spec.kind !== 'path') continue;
        const field = fields.find((f) => f.name === name);
        expect(field?.kind, `${effect.id}.${name}`).toBe('path');
        seen.push(`${effect.id}.${name}`);
      }
    }
    expect(seen).toEqual(
      expect.arrayContaining([
        'colorize.reference',
        'colorize.hints',
        'parallax.image',
        'face-puppet.portrait',
        'face-anonymize.audit',
      ]),
    );
    const colorize = formFields(summaries().find((e) => e.id === 'colorize')!);
    expect(colorize.find((f) => f.name === 'reference')).toMatchObject({
      kind: 'path',
      writes: false,
      fileTypes: expect.arrayContaining(['png', 'jpg', 'tif']),
    });
    const audit = formFields(summaries().find((e) => e.id === 'face-anonymize')!).find(
      (f) => f.name === 'audit',
    )!;
    expect(audit).toMatchObject({ kind: 'path', writes: true, fileTypes: ['json'] });
    expect(coerceValue(audit, '/tmp/report.json')).toBe('/tmp/report.json');
  });
});

describe('UXP picker (storage.localFileSystem)', () => {
  it('opens one file of the given types, returns its native path; Cancel returns null', async () => {
    const fs = createFakeLocalFileSystem(['/Users/me/ref.png', null]);
    const pick = uxpFilePicker(fs);
    expect(await pick({ title: 'Reference', fileTypes: ['png', 'jpg'] })).toBe('/Users/me/ref.png');
    expect(await pick({ title: 'Reference', fileTypes: [] })).toBeNull();
    expect(fs.calls).toEqual([
      { method: 'getFileForOpening', options: { types: ['png', 'jpg'], allowMultiple: false } },
      // No types: UXP's own default (every file), not an empty list.
      { method: 'getFileForOpening', options: { allowMultiple: false } },
    ]);
  });

  it('asks where to save a written file, with the documented (name, { types }) call', async () => {
    const fs = createFakeLocalFileSystem(['C:\\reports\\audit.json']);
    const path = await uxpFilePicker(fs)({
      title: 'Audit report',
      fileTypes: ['json'],
      save: { suggestedName: 'audit.json' },
    });
    expect(path).toBe('C:\\reports\\audit.json');
    expect(fs.calls[0]).toEqual({
      method: 'getFileForSaving',
      suggestedName: 'audit.json',
      options: { types: ['json'] },
    });
  });

  it('the fake refuses calls outside the documented shape', () => {
    const fs = createFakeLocalFileSystem(['/x.png']);
    expect(() => fs.getFileForOpening({ types: ['.png'] })).toThrow(/without the dot/);
    expect(() => fs.getFileForOpening({ filters: ['png'] })).toThrow(/unknown option "filters"/);
    expect(() => fs.getFileForSaving('a.json')).toThrow(/needs options\.types/);
  });
});

describe('CEP picker (window.cep.fs)', () => {
  it('open and save dialogs with the documented arguments; Cancel returns null', async () => {
    const fs = createFakeCepFs(['/Volumes/a/hints.png', null, '/Volumes/a/audit.json']);
    const pick = cepFilePicker(fs as CepFs);
    expect(await pick({ title: 'Colour hints', fileTypes: ['png', 'tif'] })).toBe('/Volumes/a/hints.png');
    expect(await pick({ title: 'Colour hints', fileTypes: [] })).toBeNull();
    expect(
      await pick({ title: 'Audit report', fileTypes: ['json'], save: { suggestedName: 'audit.json' } }),
    ).toBe('/Volumes/a/audit.json');
    expect(fs.calls).toEqual([
      { method: 'showOpenDialogEx', args: [false, false, 'Colour hints', '', ['png', 'tif']] },
      { method: 'showOpenDialogEx', args: [false, false, 'Colour hints', '', undefined] },
      { method: 'showSaveDialogEx', args: ['Audit report', '', ['json'], 'audit.json'] },
    ]);
  });

  it('a dialog error is an error, not a silent cancel', async () => {
    const broken: CepFs = {
      showOpenDialogEx: () => ({ data: [], err: 2 }),
      showSaveDialogEx: () => ({ data: '', err: 2 }),
    };
    await expect(cepFilePicker(broken)({ title: 'x', fileTypes: [] })).rejects.toThrow(/CEP error 2/);
  });
});
