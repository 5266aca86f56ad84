/** Helpers shared by the TFJS converter tests: real images as model inputs, manifests' converter sources. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { expect } from 'vitest';
import { getManifest } from '../../../core/src/models/manifests.ts';
import { findPackageDir, packageFile } from '../../../core/src/models/npm-package.ts';
import type { ModelManifest } from '../../../core/src/models/manifest.ts';
import { iou, type PersonBox } from '../../../core/src/runtime/person-detections.ts';

export const TESTDATA = path.join(path.dirname(fileURLToPath(import.meta.url)), 'testdata');

/** An image region resized (stretched) to w×h, as NHWC RGB float `value * scale - offset` from 0..1. */
export async function imageTensor(
  file: string,
  w: number,
  h: number,
  opts: {
    scale?: number;
    offset?: number;
    crop?: { left: number; top: number; width: number; height: number };
  } = {},
): Promise<Float32Array> {
  let img = sharp(file).removeAlpha();
  if (opts.crop) img = img.extract(opts.crop);
  const data = await img.resize(w, h, { fit: 'fill' }).raw().toBuffer();
  const scale = opts.scale ?? 1;
  const offset = opts.offset ?? 0;
  const out = new Float32Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = (data[i]! / 255) * scale - offset;
  return out;
}

/** The manifest's TFJS converter source, with package files as absolute paths. */
export function tfjsSource(id: string): {
  manifest: ModelManifest;
  files: Record<string, string>;
  options: Record<string, unknown>;
} {
  const manifest = getManifest(id);
  const src = manifest.sources.find((s) => s.kind === 'converter' && s.converter === 'tfjs');
  if (!src || src.kind !== 'converter') throw new Error(`manifest ${id} has no tfjs converter source`);
  if (!src.package) throw new Error(`manifest ${id}: its tfjs source names no npm package`);
  const pkgDir = findPackageDir(src.package);
  const files = Object.fromEntries(
    Object.entries(src.files).map(([role, p]) => [role, packageFile(pkgDir, p)]),
  );
  return { manifest, files, options: src.options ?? {} };
}

/** A person box of the reference footage, [x, y, w, h] in that image's pixels. */
export type RefBox = readonly [number, number, number, number];

export const refBox = ([x, y, w, h]: RefBox): PersonBox => ({ x, y, w, h, score: 1 });

/** Every reference person is matched (IoU ≥ 0.4, loose: the people are 12–40 px wide) and nothing else was found. */
export function expectPeople(found: readonly PersonBox[], people: readonly RefBox[]): void {
  for (const p of people) {
    const best = Math.max(0, ...found.map((d) => iou(d, refBox(p))));
    expect(best, `person at ${p[0]},${p[1]}`).toBeGreaterThanOrEqual(0.4);
  }
  expect(found.length).toBe(people.length);
}

/**
 * Every person in testdata/vtest-20s.jpg (768×576), boxed by looking at the annotated frame; both detectors'
 * boxes were checked against it.
 */
export const VTEST_20S_PEOPLE: readonly RefBox[] = [
  [80, 152, 28, 66],
  [220, 190, 28, 76],
  [486, 144, 30, 78],
  [614, 260, 36, 108],
  [702, 252, 40, 104],
  [676, 96, 24, 60],
  [701, 104, 21, 50],
];

/** Every person in frame 40 of test/fixtures/wide-street.mp4 (384×288), as above. */
export const WIDE_STREET_40_PEOPLE: readonly RefBox[] = [
  [58, 71, 13, 35],
  [86, 79, 12, 35],
  [182, 79, 17, 36],
  [251, 123, 17, 45],
  [323, 108, 17, 43],
  [166, 193, 29, 70],
];

/** The player in testdata/messi5.jpg (548×342). */
export const MESSI_PLAYER: RefBox = [70, 60, 390, 280];
