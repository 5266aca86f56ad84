/**
 * The bundle's effect catalog (Contents/Resources/effects.json, or MLXV_OFX_EFFECTS_FILE): a descriptor
 * that declares a constant scale gets the larger region of definition without any daemon, an effect the
 * daemon does not know renders the defined on-image error, and a damaged catalog loads as zero plugins
 * with a message naming the file (never a crash in the host).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { listEffects } from '../../core/src/effects/registry.ts';
import { getManifest } from '../../core/src/models/manifests.ts';
import { ofxBuild, runHost, type OfxBuild } from './helpers.ts';

describe('OFX effect catalog', () => {
  let build: OfxBuild;
  let dir: string;
  beforeAll(() => {
    build = ofxBuild();
    dir = mkdtempSync(path.join(tmpdir(), 'mlxv-ofx-catalog-'));
  });

  it('a descriptor with a constant scale factor grows the region of definition', async () => {
    const file = path.join(dir, 'effects.json');
    const effect = {
      id: 'test-triple',
      label: 'Triple',
      category: 'utility',
      description: 'declares 3x output',
      temporal: 'stateless',
      params: [
        {
          name: 'amount',
          type: 'number',
          label: 'Amount',
          default: 1,
          min: 0,
          max: 2,
          displayMin: 0,
          displayMax: 1,
        },
      ],
      outputSize: { factor: 3 },
    };
    writeFileSync(file, JSON.stringify({ version: 1, effects: [effect] }));
    const noDaemon = mkdtempSync(path.join(tmpdir(), 'mlxv-ofx-nodaemon-'));
    const r = await runHost(
      build,
      [
        '--plugin',
        'org.mlxvideo.test-triple',
        '--synthetic',
        '40x30',
        '--resolve',
        '--expect',
        'error',
        '--max-ms',
        '5000',
      ],
      {
        MLXV_OFX_EFFECTS_FILE: file,
        MLXV_CONFIG_DIR: noDaemon,
        MLXV_PORT: '9',
        MLXV_OFX_CONNECT_TIMEOUT_MS: '200',
      },
    );
    expect(r.code, r.report.why + r.stderr).toBe(0);
    expect(r.report.outputs[0]).toMatchObject({ rod: [0, 0, 120, 90], width: 120, height: 90 });
  });

  it('a damaged catalog gives zero plugins and names the file', async () => {
    const file = path.join(dir, 'broken.json');
    writeFileSync(file, '{"effects": [ {"id": ');
    const r = await runHost(build, ['--list'], { MLXV_OFX_EFFECTS_FILE: file });
    expect(r.code).toBe(0);
    expect((r.report as unknown as { plugins: unknown[] }).plugins).toEqual([]);
    expect(r.stderr).toContain(file);
  });

  it('each plugin description carries its models’ cards from the manifests (#11)', async () => {
    const r = await runHost(build, ['--list']);
    expect(r.code, r.stderr).toBe(0);
    const plugins = (r.report as unknown as { plugins: { id: string; description: string }[] }).plugins;
    const filters = listEffects().filter((fx) => fx.kind === 'filter');
    expect(plugins).toHaveLength(filters.length);
    for (const fx of filters) {
      const { description } = plugins.find((p) => p.id === `org.mlxvideo.${fx.id}`)!;
      expect(description.startsWith(fx.description), fx.id).toBe(true);
      for (const model of fx.models) {
        const card = getManifest(model).card;
        expect(description, `${fx.id}: ${model}`).toContain(model);
        expect(description).toContain(`Licence: ${card.license}.`);
        expect(description).toContain(`Learned from: ${card.trainedOn}.`);
        expect(description).toContain(`Known biases: ${card.knownBiases}.`);
      }
      if (fx.models.length === 0) expect(description).toBe(fx.description);
    }
  });

  it('style’s working height is in frame pixels, so proxy renders scale it (#11)', () => {
    const catalog = JSON.parse(
      readFileSync(path.join(build.bundle, 'Contents', 'Resources', 'effects.json'), 'utf8'),
    ) as { effects: { id: string; params: { name: string; unit?: string }[] }[] };
    const style = catalog.effects.find((e) => e.id === 'style')!;
    expect(style.params.find((p) => p.name === 'workingHeight')).toMatchObject({ unit: 'px' });
    // Tile size is a memory budget, not a picture size: it stays as set at any render scale.
    expect(style.params.find((p) => p.name === 'tileSize')!.unit).toBeUndefined();
  });
});
