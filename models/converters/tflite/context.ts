/**
 * State shared by the op mappers while one TFLite subgraph is written as ONNX: TFLite tensor index → ONNX
 * tensor name, constants decoded (and dequantized) into float initializers on first use, and the NHWC↔NCHW
 * transposes around the layout-sensitive ops. Activations stay NHWC between ops, exactly as in TFLite, so every
 * other op keeps TFLite semantics unchanged; onnxruntime's transpose optimiser cancels back-to-back pairs.
 */
import { halfToFloat } from '../float16.ts';
import type { OnnxGraph } from '../onnx-graph.ts';
import type { TfliteModel, TfliteOperator, TfliteTensor } from './schema.ts';

export const NHWC_TO_NCHW = [0, 3, 1, 2];
export const NCHW_TO_NHWC = [0, 2, 3, 1];

/**
 * How int8/uint8 activations are handled. `float`: every activation is float and only the weights are
 * dequantized (fastest here, differs from the int8 runtime by its rounding). `qdq`: each quantized activation
 * is rounded through QuantizeLinear→DequantizeLinear with the file's scale and zero point, reproducing the int8
 * runtime's numbers closely.
 */
export type QuantMode = 'float' | 'qdq';

export class UnsupportedTfliteError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsupportedTfliteError';
  }
}

export function opError(model: TfliteModel, op: TfliteOperator, message: string): UnsupportedTfliteError {
  const out = model.tensors[op.outputs[0] ?? -1]?.name ?? '?';
  return new UnsupportedTfliteError(
    `${model.file}: ${op.op} (operator ${op.index}, output "${out}"): ${message}`,
  );
}

export class ConvertContext {
  private readonly names = new Map<number, string>();
  private readonly nchw = new Map<string, string>();
  private readonly scalars = new Map<number, string>();

  constructor(
    readonly g: OnnxGraph,
    readonly model: TfliteModel,
    readonly quantMode: QuantMode,
    readonly dynamicSpatial = false,
  ) {}

  /** DEQUANTIZE outputs of constants: read as the constant itself (fp16/int8 weights of float graphs). */
  private readonly aliases = new Map<number, number>();

  aliasConst(out: number, input: number): void {
    this.aliases.set(out, this.aliases.get(input) ?? input);
  }

  tensor(index: number): TfliteTensor {
    index = this.aliases.get(index) ?? index;
    const t = this.model.tensors[index];
    if (!t) throw new UnsupportedTfliteError(`${this.model.file}: tensor ${index} does not exist`);
    return t;
  }

  /** The ONNX name holding a TFLite tensor's value (float for anything numeric that is quantized). */
  value(index: number): string {
    index = this.aliases.get(index) ?? index;
    const known = this.names.get(index);
    if (known) return known;
    const t = this.tensor(index);
    if (!t.data)
      throw new UnsupportedTfliteError(
        `${this.model.file}: tensor "${t.name}" is read before any operator writes it (graph out of order)`,
      );
    const name = `c${index}`;
    if (t.type === 'int32' && !t.quant) this.g.addInt32(name, t.shape, this.ints(index));
    else this.g.addFloat(name, t.shape, this.floats(index));
    this.names.set(index, name);
    return name;
  }

  set(index: number, name: string): void {
    this.names.set(index, name);
  }

  /** Constant data as numbers (int32 shapes, axes, paddings, sizes). */
  ints(index: number): Int32Array {
    const t = this.tensor(index);
    if (!t.data)
      throw new UnsupportedTfliteError(`${this.model.file}: tensor "${t.name}" must be a constant`);
    if (t.type === 'int32') return copyTyped(t.data, Int32Array);
    if (t.type === 'int64') return Int32Array.from(copyTyped(t.data, BigInt64Array), Number);
    throw new UnsupportedTfliteError(
      `${this.model.file}: tensor "${t.name}" of type ${t.type} is not an index`,
    );
  }

  /** Constant data as float32: fp16 widened, int8/uint8/int32 dequantized (per tensor or per channel). */
  floats(index: number): Float32Array {
    const t = this.tensor(index);
    if (!t.data)
      throw new UnsupportedTfliteError(`${this.model.file}: tensor "${t.name}" must be a constant`);
    const count = t.shape.reduce((a, b) => a * b, 1);
    let raw: ArrayLike<number>;
    switch (t.type) {
      case 'float32':
        raw = copyTyped(t.data, Float32Array);
        break;
      case 'float16':
        raw = Float32Array.from(copyTyped(t.data, Uint16Array), halfToFloat);
        break;
      case 'int8':
        raw = copyTyped(t.data, Int8Array);
        break;
      case 'uint8':
        raw = t.data;
        break;
      case 'int32':
        raw = copyTyped(t.data, Int32Array);
        break;
      default:
        throw new UnsupportedTfliteError(`${this.model.file}: constant "${t.name}" of type ${t.type}`);
    }
    if (raw.length !== count)
      throw new UnsupportedTfliteError(
        `${this.model.file}: constant "${t.name}" holds ${raw.length} values for shape [${t.shape.join(',')}]`,
      );
    const out = new Float32Array(count);
    const q = t.quant;
    if (!q || t.type === 'float32' || t.type === 'float16') {
      for (let i = 0; i < count; i++) out[i] = raw[i]!;
      return out;
    }
    // Per-channel: index i belongs to channel floor(i / inner) % channels along the quantized axis.
    const channels = q.scale.length;
    const inner = channels > 1 ? t.shape.slice(q.axis + 1).reduce((a, b) => a * b, 1) : 1;
    for (let i = 0; i < count; i++) {
      const c = channels > 1 ? Math.floor(i / inner) % channels : 0;
      out[i] = q.scale[c]! * (raw[i]! - (q.zeroPoint[c] ?? 0));
    }
    return out;
  }

  isConst(index: number): boolean {
    return this.tensor(index).data !== undefined;
  }

  scalar(v: number): string {
    let n = this.scalars.get(v);
    if (!n) {
      n = this.g.addFloat(this.g.uniqueName('scalar'), [], [v]);
      this.scalars.set(v, n);
    }
    return n;
  }

  int64(values: readonly number[]): string {
    return this.g.addInt64(this.g.uniqueName('i64'), [values.length], values);
  }

  /** NCHW view of an NHWC activation (one Transpose per tensor). */
  toNchw(name: string): string {
    let n = this.nchw.get(name);
    if (!n) {
      n = this.g.addNode('Transpose', [name], 1, { perm: NHWC_TO_NCHW })[0]!;
      this.nchw.set(name, n);
    }
    return n;
  }

  fromNchw(name: string): string {
    return this.g.addNode('Transpose', [name], 1, { perm: NCHW_TO_NHWC })[0]!;
  }

  /**
   * Records an op's result for its TFLite output tensor; in `qdq` mode a quantized output is rounded through
   * QuantizeLinear→DequantizeLinear first, as the int8 kernel would store it.
   */
  output(op: TfliteOperator, name: string, outIndex = 0): void {
    const index = op.outputs[outIndex]!;
    const t = this.tensor(index);
    if (this.quantMode === 'qdq' && t.quant && (t.type === 'int8' || t.type === 'uint8')) {
      if (t.quant.scale.length !== 1)
        throw opError(this.model, op, 'per-channel quantized activations are not supported');
      const scale = this.g.addFloat(this.g.uniqueName('q_scale'), [], [t.quant.scale[0]!]);
      const zp = this.g.addInt8(this.g.uniqueName('q_zero'), [], [t.quant.zeroPoint[0] ?? 0], t.type);
      const q = this.g.addNode('QuantizeLinear', [name, scale, zp], 1)[0]!;
      name = this.g.addNode('DequantizeLinear', [q, scale, zp], 1)[0]!;
    }
    this.names.set(index, name);
  }
}

function copyTyped<T extends Int8Array | Int32Array | Float32Array | Uint16Array | BigInt64Array>(
  bytes: Uint8Array,
  Ctor: { new (buf: ArrayBuffer): T; BYTES_PER_ELEMENT: number },
): T {
  if (bytes.length % Ctor.BYTES_PER_ELEMENT) throw new Error(`constant of ${bytes.length} B is not aligned`);
  // Copy: the file's buffers need not be aligned for a typed-array view.
  return new Ctor(Uint8Array.prototype.slice.call(bytes).buffer);
}
