/**
 * ncnn (.param + .bin) → ONNX converter, run by the model manager for manifests whose source is
 * `{ kind: "converter", converter: "ncnn", files: { param, bin } }`.
 *
 * Covers the layer set of Real-ESRGAN (x4plus, animevideov3) and RIFE v4.6 (EMITTERS in layers.ts);
 * an unknown layer type is an error naming the layer, never a silently dropped op. The output is
 * deterministic (same inputs → same bytes) so manifests can pin its sha256.
 */
import { readFile } from 'node:fs/promises';
import { OnnxGraph, type Dim } from '../onnx-graph.ts';
import { NcnnWeightReader } from './bin.ts';
import { EMITTERS, NCNN_ONNX_OPSET } from './layers.ts';
import { LayerParams, NcnnFormatError, parseNcnnParam, type NcnnNet } from './param.ts';
import { isBinaryParam, parseNcnnParamBin } from './param-bin.ts';

export { NcnnFormatError } from './param.ts';
export { isBinaryParam, parseNcnnParamBin } from './param-bin.ts';

export interface NcnnConvertOptions {
  /** Channel count per graph input (e.g. { data: 3 }); unknown channels stay symbolic. */
  inputChannels?: Record<string, number>;
  /** Extra internal blobs to expose as graph outputs (e.g. RIFE's "flow3"). */
  extraOutputs?: readonly string[];
  /** Graph name stored in the model. */
  name?: string;
  /** Binary .param only: blob index → name (the text form's names, e.g. { "0": "input1", "69": "output1" }). */
  blobNames?: Record<string, string>;
}

/** Reads the files named by role (`param`, `bin`: absolute paths) and returns the ONNX model bytes. */
export async function convertNcnn(
  files: Record<string, string>,
  options: Record<string, unknown> | NcnnConvertOptions = {},
): Promise<Uint8Array> {
  const paramPath = files.param;
  const binPath = files.bin;
  if (!paramPath || !binPath)
    throw new Error(
      `ncnn converter needs files { param, bin }, got roles: ${Object.keys(files).join(', ') || '(none)'}`,
    );
  const [paramBytes, bin] = await Promise.all([readFile(paramPath), readFile(binPath)]);
  const param = new Uint8Array(paramBytes);
  return convertNcnnBuffers(isBinaryParam(param) ? param : paramBytes.toString('utf8'), new Uint8Array(bin), {
    ...(options as NcnnConvertOptions),
    paramFile: paramPath,
    binFile: binPath,
  });
}

/** In-memory form (tests feed corrupted bytes through here). */
export function convertNcnnBuffers(
  /** Text .param, or the bytes of a binary .param.bin. */
  paramText: string | Uint8Array,
  bin: Uint8Array,
  options: NcnnConvertOptions & { paramFile?: string; binFile?: string } = {},
): Uint8Array {
  const paramFile = options.paramFile ?? 'model.param';
  const binFile = options.binFile ?? 'model.bin';
  const net =
    typeof paramText === 'string'
      ? parseNcnnParam(paramText, paramFile)
      : parseNcnnParamBin(paramText, paramFile, options.blobNames);
  const graph = new OnnxGraph(options.name ?? 'ncnn');
  const weights = new NcnnWeightReader(bin, binFile);
  emitNet(net, graph, weights, paramFile, options);
  weights.assertConsumed();
  return graph.toBytes(NCNN_ONNX_OPSET);
}

function emitNet(
  net: NcnnNet,
  graph: OnnxGraph,
  weights: NcnnWeightReader,
  paramFile: string,
  options: NcnnConvertOptions,
): void {
  const consumed = new Set(net.layers.flatMap((l) => l.bottoms));
  const allTops = new Set(net.layers.flatMap((l) => l.tops));
  for (const extra of options.extraOutputs ?? [])
    if (!allTops.has(extra))
      throw new NcnnFormatError(
        paramFile,
        'options',
        `extra output "${extra}" is not a blob of this network`,
      );
  const outputs = net.layers
    .filter((l) => l.type !== 'Input')
    .flatMap((l) => l.tops)
    .filter((t) => !consumed.has(t) || options.extraOutputs?.includes(t));
  const inputs = net.layers.filter((l) => l.type === 'Input').flatMap((l) => l.tops);
  // Graph inputs/outputs keep ncnn's blob names (data, output, in0, out0); internal blobs get a prefix
  // that OnnxGraph.uniqueName never generates, so helper tensors cannot collide with them.
  const boundary = new Set([...inputs, ...outputs]);
  const alias = new Map<string, string>();
  const tensorOf = (blob: string) => alias.get(blob) ?? (boundary.has(blob) ? blob : `ncnn/${blob}`);

  for (const layer of net.layers) {
    const p = new LayerParams(layer, paramFile);
    if (layer.type === 'Input') {
      for (const top of layer.tops) {
        const c = options.inputChannels?.[top] ?? (p.int(2, 0) || `${top}_channels`);
        graph.addInput(top, 'float32', [1, c, 'height', 'width'] satisfies Dim[]);
      }
      continue;
    }
    if (layer.type === 'Split') {
      // Split only fans a blob out to several consumers; ONNX tensors can be read many times.
      const src = tensorOf(layer.bottoms[0]!);
      for (const top of layer.tops) {
        if (boundary.has(top)) graph.addNode('Identity', [src], [top]);
        else alias.set(top, src);
      }
      continue;
    }
    const emit = EMITTERS[layer.type];
    if (!emit)
      throw new NcnnFormatError(
        paramFile,
        p.where(),
        `layer type "${layer.type}" is not supported by the ncnn converter (supported: Input, Split, ${Object.keys(EMITTERS).join(', ')})`,
      );
    emit(layer, p, {
      graph,
      weights,
      file: paramFile,
      inputs: layer.bottoms.map(tensorOf),
      outputs: layer.tops.map(tensorOf),
    });
  }
  for (const out of outputs) graph.addOutput(out, 'float32', null);
}
