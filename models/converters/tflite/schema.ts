/**
 * The parts of the TFLite schema (tensorflow/lite/schema/schema.fbs, file identifier "TFL3") this converter
 * reads, decoded into plain objects. Field indices follow the schema's declaration order; a union takes two
 * slots (its type, then its value).
 */
import { FlatBuffer, type Table } from './flatbuffer.ts';

export const TENSOR_TYPES = [
  'float32',
  'float16',
  'int32',
  'uint8',
  'int64',
  'string',
  'bool',
  'int16',
  'complex64',
  'int8',
  'float64',
] as const;
export type TensorType = (typeof TENSOR_TYPES)[number];

/** BuiltinOperator codes (schema.fbs enum) of the ops this converter knows by name. */
export const BUILTIN: Readonly<Record<number, string>> = {
  0: 'ADD',
  1: 'AVERAGE_POOL_2D',
  2: 'CONCATENATION',
  3: 'CONV_2D',
  4: 'DEPTHWISE_CONV_2D',
  5: 'DEPTH_TO_SPACE',
  6: 'DEQUANTIZE',
  9: 'FULLY_CONNECTED',
  14: 'LOGISTIC',
  17: 'MAX_POOL_2D',
  18: 'MUL',
  19: 'RELU',
  21: 'RELU6',
  22: 'RESHAPE',
  23: 'RESIZE_BILINEAR',
  25: 'SOFTMAX',
  28: 'TANH',
  32: 'CUSTOM',
  34: 'PAD',
  39: 'TRANSPOSE',
  40: 'MEAN',
  41: 'SUB',
  42: 'DIV',
  43: 'SQUEEZE',
  45: 'STRIDED_SLICE',
  53: 'CAST',
  54: 'PRELU',
  55: 'MAXIMUM',
  57: 'MINIMUM',
  60: 'PADV2',
  67: 'TRANSPOSE_CONV',
  70: 'EXPAND_DIMS',
  74: 'SUM',
  75: 'SQRT',
  76: 'RSQRT',
  82: 'REDUCE_MAX',
  92: 'SQUARE',
  97: 'RESIZE_NEAREST_NEIGHBOR',
  98: 'LEAKY_RELU',
  99: 'SQUARED_DIFFERENCE',
  100: 'MIRROR_PAD',
  114: 'QUANTIZE',
  117: 'HARD_SWISH',
};

export interface Quantization {
  scale: number[];
  zeroPoint: number[];
  /** Axis the per-channel scales run along. */
  axis: number;
}

export interface TfliteTensor {
  index: number;
  name: string;
  shape: number[];
  type: TensorType;
  /** Constant data (a view into the file), or undefined for activations and graph inputs. */
  data?: Uint8Array;
  quant?: Quantization;
}

export interface TfliteOperator {
  index: number;
  /** Builtin op name ("CONV_2D"), "CUSTOM:<code>" for custom ops, or "BUILTIN_<n>" when unknown here. */
  op: string;
  inputs: number[];
  outputs: number[];
  /** The op's options table (read with the op's own field indices), if any. */
  options?: Table;
  /** custom_options bytes of a custom op (their layout is the op's own). */
  custom?: Uint8Array;
}

export interface TfliteModel {
  file: string;
  version: number;
  description: string;
  tensors: TfliteTensor[];
  operators: TfliteOperator[];
  inputs: number[];
  outputs: number[];
}

/** Decodes a `.tflite` file. Throws TfliteFormatError (naming the file) on anything malformed or truncated. */
export function readTflite(bytes: Uint8Array, file: string): TfliteModel {
  const fb = new FlatBuffer(bytes, file);
  if (bytes.length < 8) fb.fail(`only ${bytes.length} B`);
  const ident = new TextDecoder().decode(bytes.subarray(4, 8));
  if (ident !== 'TFL3')
    fb.fail(`file identifier is "${ident.replace(/[^\x20-\x7e]/g, '?')}", expected "TFL3"`);
  const model = fb.root();
  const version = model.u32(0);
  const opcodes = model.tables(1, 'OperatorCode').map((oc) => {
    // builtin_code (field 3, int32) superseded deprecated_builtin_code (field 0, byte) at 127 ops; readers take
    // the larger of the two, as TFLite's own GetBuiltinCode does.
    const code = Math.max(oc.i8(0), oc.i32(3));
    if (code === 32) return `CUSTOM:${oc.string(1)}`;
    return BUILTIN[code] ?? `BUILTIN_${code}`;
  });
  const subgraphs = model.tables(2, 'SubGraph');
  if (subgraphs.length === 0) fb.fail('no subgraphs');
  const buffers = model.tables(4, 'Buffer');
  const sg = subgraphs[0]!;
  const tensors = sg.tables(0, 'Tensor').map((t, index): TfliteTensor => {
    const typeCode = t.i8(1);
    const type = TENSOR_TYPES[typeCode] ?? fb.fail(`tensor ${index} has unknown type ${typeCode}`);
    const bufferIndex = t.u32(2);
    if (bufferIndex >= buffers.length && bufferIndex !== 0)
      fb.fail(`tensor ${index} refers to buffer ${bufferIndex} of ${buffers.length}`);
    const buf = buffers[bufferIndex];
    if (buf?.has(1)) fb.fail(`tensor ${index} keeps its data outside the flatbuffer (not supported)`);
    const data = buf?.bytes(0);
    const q = t.table(4, `Tensor ${index} quantization`);
    const scale = q?.f32s(2) ?? [];
    const quant: Quantization | undefined = scale.length
      ? { scale, zeroPoint: q!.i64s(3), axis: q!.i32(6) }
      : undefined;
    return {
      index,
      name: t.string(3) || `tensor_${index}`,
      shape: t.i32s(0),
      type,
      data: data && data.length ? data : undefined,
      quant,
    };
  });
  const operators = sg.tables(3, 'Operator').map((o, index): TfliteOperator => {
    const opcode = o.u32(0);
    const op = opcodes[opcode] ?? fb.fail(`operator ${index} uses opcode ${opcode} of ${opcodes.length}`);
    const inputs = o.i32s(1);
    const outputs = o.i32s(2);
    for (const t of [...inputs, ...outputs])
      if (t >= tensors.length) fb.fail(`operator ${index} refers to tensor ${t} of ${tensors.length}`);
    const custom = o.bytes(5);
    return {
      index,
      op,
      inputs,
      outputs,
      options: o.table(4, `Operator ${index} options`),
      custom: custom.length ? custom : undefined,
    };
  });
  const check = (list: number[], what: string): number[] => {
    for (const t of list) if (t < 0 || t >= tensors.length) fb.fail(`${what} tensor ${t} out of range`);
    return list;
  };
  return {
    file,
    version,
    description: model.string(3),
    tensors,
    operators,
    inputs: check(sg.i32s(1), 'input'),
    outputs: check(sg.i32s(2), 'output'),
  };
}
