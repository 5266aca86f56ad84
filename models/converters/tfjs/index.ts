/**
 * Entry point the model manager calls for manifests with a `{"kind":"converter","converter":"tfjs"}` source:
 * reads a TFJS graph model (role `model` = absolute path of model.json; shards are found next to it, as TFJS
 * does) and returns the ONNX bytes. The same inputs always give the same bytes, so the result's sha256 can be
 * pinned in the manifest.
 */
import { convertGraph, type ConvertOptions } from './convert.ts';
import { readTfjsGraphModel } from './model-json.ts';

export { SUPPORTED_OPS } from './convert.ts';
export { TfjsModelError } from './model-json.ts';
export { UnsupportedTfjsError } from './attrs.ts';

export async function convertTfjsGraph(
  files: Record<string, string>,
  options: Record<string, unknown> = {},
): Promise<Uint8Array> {
  const modelJson = files.model;
  if (!modelJson) throw new Error('the tfjs converter needs a "model" file (the model.json path)');
  const model = await readTfjsGraphModel(modelJson);
  return convertGraph(model, parseOptions(options));
}

function parseOptions(options: Record<string, unknown>): ConvertOptions {
  const out: ConvertOptions = {};
  const o = options.outputs;
  if (o !== undefined) {
    const okList = Array.isArray(o) && o.every((v) => typeof v === 'string');
    const okMap =
      !!o &&
      typeof o === 'object' &&
      !Array.isArray(o) &&
      Object.values(o).every((v) => typeof v === 'string');
    if (!okList && !okMap)
      throw new Error(
        'tfjs converter option "outputs" must be a list of tensor names or a map { onnxName: tensorName }',
      );
    out.outputs = o as ConvertOptions['outputs'];
  }
  const batch = options.dynamicBatch;
  if (batch !== undefined && typeof batch !== 'boolean')
    throw new Error('tfjs converter option "dynamicBatch" must be true or false');
  if (batch) out.dynamicBatch = true;
  if (typeof options.graphName === 'string') out.graphName = options.graphName;
  return out;
}
