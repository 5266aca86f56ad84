/**
 * Loads the model manifests (models/manifests/<id>.json). A malformed manifest is reported with its file and
 * the failing field; an unknown id lists the ids that exist.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { modelManifestSchema, type ModelManifest } from './manifest.ts';
import { ManifestError, UnknownModelError } from './errors.ts';
import { defaultManifestsDir } from './paths.ts';

/** Parses and validates one manifest file; the id must equal the file name. */
export function loadManifestFile(file: string): ModelManifest {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ManifestError(file, `not readable JSON (${(err as Error).message})`);
  }
  const parsed = modelManifestSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .map((i) => `field "${i.path.join('.') || '(root)'}": ${i.message}`)
      .join('; ');
    throw new ManifestError(file, issues);
  }
  const expectedId = path.basename(file, '.json');
  if (parsed.data.id !== expectedId) {
    throw new ManifestError(file, `field "id": "${parsed.data.id}" must equal the file name "${expectedId}"`);
  }
  return parsed.data;
}

/** Every manifest in the folder, sorted by id. Throws ManifestError on the first invalid file. */
export function listManifests(manifestsDir: string = defaultManifestsDir): ModelManifest[] {
  let names: string[];
  try {
    names = readdirSync(manifestsDir).filter((n) => n.endsWith('.json'));
  } catch (err) {
    throw new ManifestError(manifestsDir, `manifest folder not readable (${(err as Error).message})`);
  }
  return names
    .sort()
    .map((n) => loadManifestFile(path.join(manifestsDir, n)))
    .sort((a, b) => a.id.localeCompare(b.id));
}

/** The manifest of one model; UnknownModelError (listing the known ids) when there is none. */
export function getManifest(modelId: string, manifestsDir: string = defaultManifestsDir): ModelManifest {
  const file = path.join(manifestsDir, `${modelId}.json`);
  // Ids are plain names; anything path-like is unknown rather than a file lookup outside the folder.
  if (!/^[a-z0-9][a-z0-9-.]*$/.test(modelId) || !existsSync(file)) {
    throw new UnknownModelError(modelId, knownIds(manifestsDir));
  }
  return loadManifestFile(file);
}

function knownIds(manifestsDir: string): string[] {
  try {
    return readdirSync(manifestsDir)
      .filter((n) => n.endsWith('.json'))
      .map((n) => n.slice(0, -5))
      .sort();
  } catch {
    return [];
  }
}

/** The model card of a model, or undefined when it has no manifest here (listings must not fail on it). */
export function cardOf(
  modelId: string,
  manifestsDir: string = defaultManifestsDir,
): ModelManifest['card'] | undefined {
  try {
    return getManifest(modelId, manifestsDir).card;
  } catch {
    return undefined;
  }
}
