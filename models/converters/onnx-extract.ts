/**
 * A general ONNX subgraph extractor that never decodes the weights: it walks the protobuf wire format of a
 * ModelProto, keeps byte ranges (tag excluded) of every node, initializer and value info, and writes a new
 * model from the nodes and initializers that the chosen outputs need, copying their bytes verbatim from the
 * source. A 605 MB model (CLIP ViT-B/32 joint graph) is split with a few MB of memory: onnx-proto (protobufjs)
 * would decode it into objects and then allocate the whole output again; onnx's Python `extract_model` is
 * not available in Node.
 *
 * Field numbers are onnx.proto's (ModelProto.graph = 7, GraphProto.node = 1, initializer = 5, input = 11,
 * output = 12, value_info = 13, sparse_initializer = 15; NodeProto input = 1, output = 2, op_type = 4,
 * attribute = 5; AttributeProto g = 6, graphs = 11; TensorProto name = 8; SparseTensorProto values = 1;
 * ValueInfoProto name = 1). Nodes are topologically sorted (an ONNX rule), which the backward walk relies on.
 */
import { closeSync, openSync, readSync, fstatSync, writeSync } from 'node:fs';

/** Random access to the bytes of a model: a file read in windows, or a buffer. */
export interface ByteSource {
  readonly size: number;
  /** `length` bytes at `position` (a view; valid until the next call). */
  bytes(position: number, length: number): Uint8Array;
  close(): void;
}

export function bufferSource(data: Uint8Array): ByteSource {
  return {
    size: data.byteLength,
    bytes: (position, length) => data.subarray(position, position + length),
    close: () => undefined,
  };
}

/** A file read through a 4 MiB window, so scanning a large model touches each header once, cheaply. */
export function fileSource(file: string): ByteSource {
  const fd = openSync(file, 'r');
  const size = fstatSync(fd).size;
  const WINDOW = 1 << 22;
  let window = new Uint8Array(WINDOW);
  let windowStart = 0;
  let windowEnd = 0;
  return {
    size,
    bytes(position, length) {
      if (position < windowStart || position + length > windowEnd) {
        if (length > window.byteLength) window = new Uint8Array(length);
        windowStart = position;
        windowEnd = position + readSync(fd, window, 0, Math.max(length, WINDOW), position);
        if (position + length > windowEnd)
          throw new Error(`${file} ends at ${windowEnd}, before ${position + length}`);
      }
      return window.subarray(position - windowStart, position - windowStart + length);
    },
    close: () => closeSync(fd),
  };
}

/** A field's payload: [start, end) in the source (a length-delimited field's bytes, after its length). */
export interface Span {
  start: number;
  end: number;
}

interface Field {
  number: number;
  wire: number;
  /** Length-delimited: the payload; varint: the value (as a number) in `value`. */
  payload: Span;
  value: number;
}

/** Reads one varint at `pos`; returns [value, next position]. Values above 2^53 lose precision (never lengths). */
function varint(src: ByteSource, pos: number): [number, number] {
  const b = src.bytes(pos, Math.min(10, src.size - pos));
  let value = 0;
  let scale = 1;
  for (let i = 0; i < b.length; i++) {
    value += (b[i]! & 0x7f) * scale;
    if ((b[i]! & 0x80) === 0) return [value, pos + i + 1];
    scale *= 128;
  }
  throw new Error(`malformed varint at byte ${pos}`);
}

/** The fields of a message occupying `span`, in order, without reading length-delimited payloads. */
function* fields(src: ByteSource, span: Span): Generator<Field> {
  let pos = span.start;
  while (pos < span.end) {
    const [tag, afterTag] = varint(src, pos);
    const number = Math.floor(tag / 8);
    const wire = tag % 8;
    let start = afterTag;
    let end: number;
    let value = 0;
    if (wire === 0) [value, end] = varint(src, afterTag);
    else if (wire === 1) end = afterTag + 8;
    else if (wire === 5) end = afterTag + 4;
    else if (wire === 2) {
      const [length, afterLength] = varint(src, afterTag);
      start = afterLength;
      end = afterLength + length;
    } else throw new Error(`unsupported protobuf wire type ${wire} at byte ${pos} (not an ONNX model?)`);
    if (end > span.end)
      throw new Error(`field ${number} at byte ${pos} runs past its message (truncated file?)`);
    yield { number, wire, payload: { start, end }, value };
    pos = end;
  }
}

function text(src: ByteSource, span: Span): string {
  return Buffer.from(src.bytes(span.start, span.end - span.start)).toString('utf8');
}

/** The string in field `number` of the message at `span` ('' when absent). */
function stringField(src: ByteSource, span: Span, number: number): string {
  for (const f of fields(src, span)) if (f.number === number && f.wire === 2) return text(src, f.payload);
  return '';
}

export interface NodeInfo {
  payload: Span;
  opType: string;
  inputs: string[];
  outputs: string[];
  /** Outer-scope names read by subgraphs in the node's attributes (If/Loop/Scan bodies). */
  implicitInputs: string[];
}

export interface NamedSpan {
  name: string;
  payload: Span;
}

/** Where everything of a model sits in its bytes. */
export interface OnnxLayout {
  /** ModelProto fields other than the graph (ir_version, opset_import, producer, metadata...), as found. */
  modelFields: { number: number; wire: number; raw: Span }[];
  graphName: string;
  nodes: NodeInfo[];
  initializers: NamedSpan[];
  sparseInitializers: NamedSpan[];
  inputs: NamedSpan[];
  outputs: NamedSpan[];
  valueInfo: NamedSpan[];
}

const MODEL_GRAPH = 7;
const GRAPH = { node: 1, name: 2, initializer: 5, input: 11, output: 12, valueInfo: 13, sparse: 15 };

/** Scans a model's structure (nodes fully, weights by name only). */
export function scanOnnx(src: ByteSource): OnnxLayout {
  const layout: OnnxLayout = {
    modelFields: [],
    graphName: '',
    nodes: [],
    initializers: [],
    sparseInitializers: [],
    inputs: [],
    outputs: [],
    valueInfo: [],
  };
  let graph: Span | undefined;
  let fieldStart = 0;
  for (const f of fields(src, { start: 0, end: src.size })) {
    if (f.number === MODEL_GRAPH && f.wire === 2) graph = f.payload;
    else
      layout.modelFields.push({
        number: f.number,
        wire: f.wire,
        raw: { start: fieldStart, end: f.payload.end },
      });
    fieldStart = f.payload.end;
  }
  if (!graph) throw new Error('no graph in this file (not an ONNX model?)');
  for (const f of fields(src, graph)) {
    switch (f.number) {
      case GRAPH.node:
        layout.nodes.push(scanNode(src, f.payload));
        break;
      case GRAPH.name:
        layout.graphName = text(src, f.payload);
        break;
      case GRAPH.initializer:
        layout.initializers.push({ name: stringField(src, f.payload, 8), payload: f.payload });
        break;
      case GRAPH.sparse: {
        const values = [...fields(src, f.payload)].find((v) => v.number === 1);
        const name = values ? stringField(src, values.payload, 8) : '';
        layout.sparseInitializers.push({ name, payload: f.payload });
        break;
      }
      case GRAPH.input:
      case GRAPH.output:
      case GRAPH.valueInfo: {
        const entry = { name: stringField(src, f.payload, 1), payload: f.payload };
        if (f.number === GRAPH.input) layout.inputs.push(entry);
        else if (f.number === GRAPH.output) layout.outputs.push(entry);
        else layout.valueInfo.push(entry);
        break;
      }
      default:
      // doc_string, quantization annotations, metadata: not carried into extracted graphs.
    }
  }
  return layout;
}

function scanNode(src: ByteSource, payload: Span): NodeInfo {
  const node: NodeInfo = { payload, opType: '', inputs: [], outputs: [], implicitInputs: [] };
  for (const f of fields(src, payload)) {
    if (f.number === 1) node.inputs.push(text(src, f.payload));
    else if (f.number === 2) node.outputs.push(text(src, f.payload));
    else if (f.number === 4) node.opType = text(src, f.payload);
    else if (f.number === 5) node.implicitInputs.push(...subgraphReads(src, f.payload));
  }
  return node;
}

/** Every name a subgraph attribute's nodes read (its own names included: harmless, they match no outer tensor). */
function subgraphReads(src: ByteSource, attribute: Span): string[] {
  const names: string[] = [];
  for (const f of fields(src, attribute)) {
    if (f.wire !== 2 || (f.number !== 6 && f.number !== 11)) continue;
    for (const g of fields(src, f.payload)) {
      if (g.number !== GRAPH.node) continue;
      const inner = scanNode(src, g.payload);
      names.push(...inner.inputs, ...inner.implicitInputs);
    }
  }
  return names.filter(Boolean);
}

/** The graph inputs that are real inputs (IR < 4 also lists every initializer as an input). */
export function realInputs(layout: OnnxLayout): string[] {
  const weights = new Set([...layout.initializers, ...layout.sparseInitializers].map((i) => i.name));
  return layout.inputs.map((i) => i.name).filter((n) => !weights.has(n));
}

export interface ExtractPlan {
  /** Graph inputs of the new model (real inputs of the source graph). */
  inputs: string[];
  /** Tensors that become the new model's outputs, in order. */
  outputs: string[];
  graphName: string;
  /** Output tensor -> the name the new model gives it (through an Identity node). */
  rename?: Record<string, string>;
}

/** The nodes and initializers `plan.outputs` need, given `plan.inputs`; throws when they need another input. */
export function planExtraction(layout: OnnxLayout, plan: ExtractPlan) {
  const inputs = new Set(plan.inputs);
  const weights = new Map([...layout.initializers, ...layout.sparseInitializers].map((i) => [i.name, i]));
  const needed = new Set(plan.outputs);
  const keep: boolean[] = new Array<boolean>(layout.nodes.length).fill(false);
  for (let i = layout.nodes.length - 1; i >= 0; i--) {
    const node = layout.nodes[i]!;
    if (!node.outputs.some((o) => needed.has(o) && !inputs.has(o))) continue;
    keep[i] = true;
    for (const name of [...node.inputs, ...node.implicitInputs]) if (name) needed.add(name);
  }
  const produced = new Set(layout.nodes.flatMap((n, i) => (keep[i] ? n.outputs : [])));
  const graphInputs = new Set(layout.inputs.map((i) => i.name));
  for (const name of needed) {
    if (produced.has(name) || inputs.has(name) || weights.has(name)) continue;
    if (graphInputs.has(name))
      throw new Error(
        `${plan.outputs.join(', ')} also depend(s) on the graph input ${name}, which this part does not keep`,
      );
    // A name read only inside a subgraph body that the body defines itself: not an outer tensor.
    if (layout.nodes.some((n) => n.implicitInputs.includes(name))) continue;
    throw new Error(`tensor ${name} is needed but nothing in the graph produces it`);
  }
  return {
    nodes: layout.nodes.filter((_, i) => keep[i]),
    initializers: layout.initializers.filter((w) => needed.has(w.name)),
    sparseInitializers: layout.sparseInitializers.filter((w) => needed.has(w.name)),
    // IR < 4 models list weights as inputs too; keep those entries for the weights we keep.
    weightInputs: layout.inputs.filter((i) => weights.has(i.name) && needed.has(i.name)),
  };
}

/** Bytes to write: new small pieces, or spans copied from the source. */
type Piece = Uint8Array | Span;

function encodeVarint(n: number): number[] {
  const out: number[] = [];
  while (n >= 128) {
    out.push((n % 128) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}

function pieceLength(p: Piece): number {
  return p instanceof Uint8Array ? p.byteLength : p.end - p.start;
}

/** A length-delimited field made of pieces: its tag and length, then the pieces. */
function delimited(number: number, pieces: Piece[]): Piece[] {
  const length = pieces.reduce((s, p) => s + pieceLength(p), 0);
  return [Uint8Array.from([...encodeVarint(number * 8 + 2), ...encodeVarint(length)]), ...pieces];
}

function stringPiece(number: number, value: string): Piece[] {
  return delimited(number, [new Uint8Array(Buffer.from(value, 'utf8'))]);
}

/**
 * Writes the extracted model to `file`: the source's model fields (opsets, IR version, producer), then a graph
 * of the kept nodes and weights, the chosen inputs, and the outputs (with their type where the source records
 * one as an output or value_info; a bare name otherwise, which onnxruntime accepts and infers).
 * Returns the number of bytes written.
 */
export function writeExtracted(src: ByteSource, layout: OnnxLayout, plan: ExtractPlan, file: string): number {
  const kept = planExtraction(layout, plan);
  // Types for the new inputs and outputs: as the source declares them (graph input/output, or value_info).
  const typed = new Map([...layout.valueInfo, ...layout.outputs, ...layout.inputs].map((v) => [v.name, v]));
  const graph: Piece[] = [
    ...kept.nodes.flatMap((n) => delimited(GRAPH.node, [n.payload])),
    ...stringPiece(GRAPH.name, plan.graphName),
    ...kept.initializers.flatMap((w) => delimited(GRAPH.initializer, [w.payload])),
    ...kept.sparseInitializers.flatMap((w) => delimited(GRAPH.sparse, [w.payload])),
    ...plan.inputs.flatMap((name) => {
      const info = typed.get(name);
      return delimited(GRAPH.input, info ? [info.payload] : stringPiece(1, name));
    }),
    ...kept.weightInputs.flatMap((i) => delimited(GRAPH.input, [i.payload])),
    ...Object.entries(plan.rename ?? {}).flatMap(([from, to]) =>
      delimited(GRAPH.node, [
        ...stringPiece(1, from),
        ...stringPiece(2, to),
        ...stringPiece(3, `rename_${to}`),
        ...stringPiece(4, 'Identity'),
      ]),
    ),
    ...plan.outputs.flatMap((name) => {
      const renamed = plan.rename?.[name];
      const info = typed.get(name);
      if (renamed !== undefined) return delimited(GRAPH.output, stringPiece(1, renamed));
      return delimited(GRAPH.output, info ? [info.payload] : stringPiece(1, name));
    }),
  ];
  const pieces: Piece[] = [...layout.modelFields.map((f) => f.raw), ...delimited(MODEL_GRAPH, graph)];
  const fd = openSync(file, 'w');
  let written = 0;
  try {
    for (const p of pieces) {
      if (p instanceof Uint8Array) {
        written += writeSync(fd, p);
        continue;
      }
      // Copy in slices: a weight can be hundreds of MB.
      for (let at = p.start; at < p.end;) {
        const n = Math.min(1 << 22, p.end - at);
        written += writeSync(fd, src.bytes(at, n));
        at += n;
      }
    }
  } finally {
    closeSync(fd);
  }
  return written;
}
