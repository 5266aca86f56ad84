/**
 * TFLite flatbuffer → ONNX (opset 17). The graph keeps TFLite's NHWC layout and tensor names at its boundary:
 * inputs and outputs have the same names and shapes as in the `.tflite` file (optionally with free H and W).
 * Every op is checked before anything is written, so an unsupported op is one error listing each op and node.
 */
import { type Dim, OnnxGraph } from '../onnx-graph.ts';
import { ConvertContext, type QuantMode, UnsupportedTfliteError } from './context.ts';
import { OPS } from './ops.ts';
import type { TfliteModel } from './schema.ts';

export const OPSET = 17;

export interface TfliteConvertOptions {
  quantMode?: QuantMode;
  /** Make the H and W of every 4-D image input symbolic (fully convolutional graphs run at any size). */
  dynamicSpatial?: boolean;
  graphName?: string;
}

/** The TFLite ops this converter maps (for documentation and error messages). */
export const SUPPORTED_OPS = Object.keys(OPS).sort();

export function convertModel(model: TfliteModel, options: TfliteConvertOptions = {}): Uint8Array {
  const unsupported = model.operators.filter((o) => !OPS[o.op]);
  if (unsupported.length) {
    const list = unsupported
      .map((o) => `${o.op} (operator ${o.index}, output "${model.tensors[o.outputs[0] ?? -1]?.name ?? '?'}")`)
      .join(', ');
    throw new UnsupportedTfliteError(
      `${model.file} uses ops this converter does not map: ${list}. Supported: ${SUPPORTED_OPS.join(', ')}.`,
    );
  }
  const g = new OnnxGraph(options.graphName ?? (model.description || 'tflite-graph'));
  const ctx = new ConvertContext(g, model, options.quantMode ?? 'float', options.dynamicSpatial ?? false);
  for (const i of model.inputs) {
    const t = model.tensors[i]!;
    if (t.type !== 'float32')
      throw new UnsupportedTfliteError(
        `${model.file}: input "${t.name}" is ${t.type}; only float32 inputs are supported`,
      );
    const shape: Dim[] =
      options.dynamicSpatial && t.shape.length === 4 && t.shape[1]! > 1
        ? [t.shape[0]!, 'height', 'width', t.shape[3]!]
        : t.shape;
    g.addInput(t.name, 'float32', shape);
    ctx.set(i, t.name);
  }
  for (const op of model.operators) OPS[op.op]!(ctx, op);
  for (const i of model.outputs) {
    const t = model.tensors[i]!;
    g.addNode('Identity', [ctx.value(i)], [t.name]);
    const shape: Dim[] | null = options.dynamicSpatial ? null : t.shape;
    g.addOutput(t.name, 'float32', shape);
  }
  return g.toBytes(OPSET);
}
