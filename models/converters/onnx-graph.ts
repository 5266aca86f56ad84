/**
 * A small typed writer for ONNX graphs, shared by every converter (ncnn, TFJS) and by tests that build tiny
 * graphs with a real model's signature. onnx-proto carries the official protobuf schema; this wraps it so
 * converters only say "add this node / this weight" and never touch protobuf field numbers.
 */
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

export type AttrValue =
  number | string | readonly number[] | readonly string[] | { float: number } | { floats: readonly number[] };

export type ElemType = 'float32' | 'int64' | 'int32' | 'uint8' | 'int8' | 'float16';

const ELEM: Record<ElemType, number> = {
  float32: onnx.TensorProto.DataType.FLOAT,
  int64: onnx.TensorProto.DataType.INT64,
  int32: onnx.TensorProto.DataType.INT32,
  uint8: onnx.TensorProto.DataType.UINT8,
  int8: onnx.TensorProto.DataType.INT8,
  float16: onnx.TensorProto.DataType.FLOAT16,
};

/** A dimension is a fixed size or a symbolic name (dynamic). */
export type Dim = number | string;

export class OnnxGraph {
  private readonly nodes: InstanceType<typeof onnx.NodeProto>[] = [];
  private readonly initializers: InstanceType<typeof onnx.TensorProto>[] = [];
  private readonly inputs: InstanceType<typeof onnx.ValueInfoProto>[] = [];
  private readonly outputs: InstanceType<typeof onnx.ValueInfoProto>[] = [];
  private readonly names = new Set<string>();
  private counter = 0;

  constructor(readonly name: string) {}

  /** A fresh tensor name with a readable prefix (node outputs, constants). */
  uniqueName(prefix: string): string {
    let n: string;
    do n = `${prefix}_${this.counter++}`;
    while (this.names.has(n));
    this.names.add(n);
    return n;
  }

  addInput(name: string, elem: ElemType, shape: readonly Dim[]): void {
    this.inputs.push(valueInfo(name, elem, shape));
  }

  addOutput(name: string, elem: ElemType, shape: readonly Dim[] | null): void {
    this.outputs.push(valueInfo(name, elem, shape));
  }

  /** A float32 weight. Data is copied into raw bytes (little-endian, as ONNX requires). */
  addFloat(name: string, dims: readonly number[], data: Float32Array | readonly number[]): string {
    const arr = data instanceof Float32Array ? data : Float32Array.from(data);
    return this.addRaw(name, dims, 'float32', arr);
  }

  /** An int64 constant (shapes, axes, slice bounds). */
  addInt64(name: string, dims: readonly number[], data: readonly number[]): string {
    return this.addRaw(name, dims, 'int64', BigInt64Array.from(data.map((v) => BigInt(v))));
  }

  /** An int32 constant (TFJS graphs compute index arithmetic in int32). */
  addInt32(name: string, dims: readonly number[], data: Int32Array | readonly number[]): string {
    return this.addRaw(name, dims, 'int32', data instanceof Int32Array ? data : Int32Array.from(data));
  }

  /** An 8-bit constant (zero points of QuantizeLinear / DequantizeLinear). */
  addInt8(name: string, dims: readonly number[], data: readonly number[], elem: 'int8' | 'uint8'): string {
    return this.addRaw(name, dims, elem, elem === 'int8' ? Int8Array.from(data) : Uint8Array.from(data));
  }

  /** Registers an initializer from a typed array; its bytes are copied, so later edits of `arr` do not leak in. */
  private addRaw(
    name: string,
    dims: readonly number[],
    elem: ElemType,
    arr: Float32Array | Int32Array | BigInt64Array | Int8Array | Uint8Array,
  ): string {
    assertCount(name, dims, arr.length);
    this.initializers.push(
      onnx.TensorProto.create({
        name,
        dims: [...dims],
        dataType: ELEM[elem],
        rawData: new Uint8Array(arr.buffer.slice(arr.byteOffset, arr.byteOffset + arr.byteLength)),
      }),
    );
    this.names.add(name);
    return name;
  }

  /** Adds a node; returns its output names. Pass `outputs` as a count to get generated names. */
  addNode(
    opType: string,
    inputs: readonly string[],
    outputs: readonly string[] | number,
    attrs: Record<string, AttrValue> = {},
    domain = '',
  ): string[] {
    const outs =
      typeof outputs === 'number'
        ? Array.from({ length: outputs }, () => this.uniqueName(opType))
        : [...outputs];
    for (const o of outs) this.names.add(o);
    this.nodes.push(
      onnx.NodeProto.create({
        opType,
        domain,
        name: this.uniqueName(`${opType}_node`),
        input: [...inputs],
        output: outs,
        attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
      }),
    );
    return outs;
  }

  /** Serialises the model. `opset` is the default-domain opset the graph's ops were written against. */
  toBytes(opset: number, extraOpsets: Record<string, number> = {}): Uint8Array {
    const model = onnx.ModelProto.create({
      irVersion: 8,
      producerName: 'mlxvideo',
      opsetImport: [
        { domain: '', version: opset },
        ...Object.entries(extraOpsets).map(([domain, version]) => ({ domain, version })),
      ],
      graph: onnx.GraphProto.create({
        name: this.name,
        node: this.nodes,
        initializer: this.initializers,
        input: this.inputs,
        output: this.outputs,
      }),
    });
    return onnx.ModelProto.encode(model).finish();
  }

  get nodeCount(): number {
    return this.nodes.length;
  }
}

function assertCount(name: string, dims: readonly number[], count: number): void {
  const expected = dims.reduce((a, b) => a * b, 1);
  if (expected !== count)
    throw new Error(`tensor ${name}: dims [${dims.join(',')}] need ${expected} values, got ${count}`);
}

function valueInfo(
  name: string,
  elem: ElemType,
  shape: readonly Dim[] | null,
): InstanceType<typeof onnx.ValueInfoProto> {
  return onnx.ValueInfoProto.create({
    name,
    type: {
      tensorType: {
        elemType: ELEM[elem],
        ...(shape
          ? { shape: { dim: shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } }
          : {}),
      },
    },
  });
}

function attribute(name: string, v: AttrValue): InstanceType<typeof onnx.AttributeProto> {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof v === 'number') {
    // Integers are INT unless wrapped as { float }: ONNX attributes are typed and ops check the type.
    return Number.isInteger(v)
      ? onnx.AttributeProto.create({ name, type: T.INT, i: v })
      : onnx.AttributeProto.create({ name, type: T.FLOAT, f: v });
  }
  if (typeof v === 'string')
    return onnx.AttributeProto.create({ name, type: T.STRING, s: new TextEncoder().encode(v) });
  if ('float' in v) return onnx.AttributeProto.create({ name, type: T.FLOAT, f: v.float });
  if ('floats' in v) return onnx.AttributeProto.create({ name, type: T.FLOATS, floats: [...v.floats] });
  if (v.length > 0 && typeof v[0] === 'string') {
    return onnx.AttributeProto.create({
      name,
      type: T.STRINGS,
      strings: (v as readonly string[]).map((s) => new TextEncoder().encode(s)),
    });
  }
  return onnx.AttributeProto.create({ name, type: T.INTS, ints: [...(v as readonly number[])] });
}
