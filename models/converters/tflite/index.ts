/**
 * Entry point the model manager calls for manifest sources `{ "kind": "converter", "converter": "tflite" }`:
 * reads a `.tflite` file (role `model`) and returns ONNX bytes. The same inputs always give the same bytes, so
 * the result's sha256 can be pinned in the manifest.
 */
import { readFile } from 'node:fs/promises';
import { convertModel, type TfliteConvertOptions } from './convert.ts';
import { readTflite } from './schema.ts';

export { SUPPORTED_OPS } from './convert.ts';
export { UnsupportedTfliteError } from './context.ts';
export { TfliteFormatError } from './flatbuffer.ts';
export { readTflite } from './schema.ts';

export async function convertTflite(
  files: Record<string, string>,
  options: Record<string, unknown> = {},
): Promise<Uint8Array> {
  const file = files.model;
  if (!file) throw new Error('the tflite converter needs a "model" file (the .tflite path)');
  return convertTfliteBytes(await readFile(file), file, parseOptions(options));
}

export function convertTfliteBytes(
  bytes: Uint8Array,
  file: string,
  options: TfliteConvertOptions = {},
): Uint8Array {
  return convertModel(readTflite(bytes, file), options);
}

function parseOptions(o: Record<string, unknown>): TfliteConvertOptions {
  const out: TfliteConvertOptions = {};
  if (o.quantMode !== undefined) {
    if (o.quantMode !== 'float' && o.quantMode !== 'qdq')
      throw new Error('tflite converter option "quantMode" must be "float" or "qdq"');
    out.quantMode = o.quantMode;
  }
  if (o.dynamicSpatial !== undefined) out.dynamicSpatial = o.dynamicSpatial === true;
  if (typeof o.graphName === 'string') out.graphName = o.graphName;
  return out;
}
