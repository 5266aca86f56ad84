/**
 * The TFLite-converted models through the model manager: the upstream URL source fails offline and the local
 * (CI) source converts the pinned `.tflite`, giving exactly the pinned ONNX (conversion is deterministic).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createModelResolver } from '../../../core/src/models/resolver.ts';
import { getManifest } from '../../../core/src/models/manifests.ts';
import { sha256File } from '../../../core/src/models/hash.ts';

const dirs: string[] = [];
afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

describe('TFLite manifests', () => {
  for (const id of ['deeplabv3-mnv2-257', 'magenta-style-predictor']) {
    it(`${id}: converts the pinned .tflite into the pinned ONNX`, async () => {
      const dir = await mkdtemp(path.join(tmpdir(), 'mlxv-tflite-'));
      dirs.push(dir);
      const manifest = getManifest(id);
      const sources = manifest.sources.filter((s) => s.kind === 'converter' && s.converter === 'tflite');
      // Product source first (upstream URL, input pinned), then the CI copy.
      expect(sources.map((s) => s.kind === 'converter' && s.files.model!.startsWith('https://'))).toEqual([
        true,
        false,
      ]);
      const r = createModelResolver({ cacheDir: dir });
      const res = await r.fetch(id);
      expect(await sha256File(res.path)).toBe(manifest.sha256);
      expect(manifest.card.trainedOn.length).toBeGreaterThan(10);
    });
  }
});
