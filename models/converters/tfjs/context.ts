/**
 * State shared by the op mappers while one TFJS graph is written as ONNX: TF tensor references → ONNX tensor
 * names, constant lookup (weights and folded shape inputs), and the NHWC↔NCHW transposes that wrap the
 * layout-sensitive ops. Tensors stay NHWC between ops, exactly as in TF, so every other op keeps TF semantics
 * unchanged; onnxruntime's transpose optimiser cancels the back-to-back pairs when the session is built.
 */
import type { OnnxGraph } from '../onnx-graph.ts';
import { nodeError } from './attrs.ts';
import type { TfGraphModel, TfNode, TfWeight } from './model-json.ts';

export const NHWC_TO_NCHW = [0, 3, 1, 2];
export const NCHW_TO_NHWC = [0, 2, 3, 1];

/** Splits "node:1" / "^node" into the producing node and its output index. */
export function parseRef(ref: string): { node: string; index: number; control: boolean } {
  const control = ref.startsWith('^');
  const r = control ? ref.slice(1) : ref;
  const m = /^(.*):(\d+)$/.exec(r);
  return m ? { node: m[1]!, index: Number(m[2]), control } : { node: r, index: 0, control };
}

export class ConvertContext {
  /** ONNX tensor names of each converted TF node's outputs. */
  private readonly produced = new Map<string, string[]>();
  private readonly emittedConsts = new Map<string, string>();
  private readonly nchwCache = new Map<string, string>();
  private readonly scalarCache = new Map<string, string>();
  /** Constants computed at conversion time from other constants (see foldConstant). */
  private readonly folded = new Map<string, TfWeight>();
  readonly nodes: Map<string, TfNode>;
  /**
   * Reshape nodes whose constant target pins batch 1 at axis 0, proved to be the batch (batch-axis.ts): their
   * mapper writes ONNX's 0 ("copy the input's dim") there. Empty unless the dynamicBatch option is on.
   */
  batchPinnedReshapes: ReadonlySet<string> = new Set();

  constructor(
    readonly g: OnnxGraph,
    readonly model: TfGraphModel,
  ) {
    this.nodes = new Map(model.nodes.map((n) => [n.name, n]));
  }

  setOutputs(node: TfNode, names: string[]): void {
    this.produced.set(node.name, names);
  }

  /** The constant behind a reference (a Const node, possibly behind Identity), or undefined. */
  constOf(ref: string): TfWeight | undefined {
    const { node: name } = parseRef(ref);
    let node = this.nodes.get(name);
    while (node && node.op === 'Identity' && node.input[0])
      node = this.nodes.get(parseRef(node.input[0]).node);
    if (!node) return undefined;
    const folded = this.folded.get(node.name);
    if (folded) return folded;
    if (node.op !== 'Const') return undefined;
    return this.model.weights.get(node.name);
  }

  /** A constant input the ONNX op needs at conversion time (shapes, axes, paddings, sizes). */
  requireConst(node: TfNode, inputIndex: number, what: string): TfWeight {
    const ref = node.input[inputIndex];
    const c = ref === undefined ? undefined : this.constOf(ref);
    if (!c) throw nodeError(node, `${what} (input ${inputIndex}) must be a constant in this converter`);
    return c;
  }

  /** The ONNX tensor name for a TF input reference; constants become initializers on first use. */
  tensor(ref: string): string {
    const { node: name, index } = parseRef(ref);
    const done = this.produced.get(name);
    if (done) {
      const t = done[index];
      if (t === undefined) throw new Error(`TFJS node "${name}" has no output ${index}`);
      return t;
    }
    const node = this.nodes.get(name);
    if (!node) throw new Error(`TFJS graph references "${ref}", which no node produces`);
    if (node.op !== 'Const') throw new Error(`TFJS node "${name}" is used before it is converted`);
    const cached = this.emittedConsts.get(name);
    if (cached) return cached;
    const w = this.model.weights.get(name);
    if (!w) throw nodeError(node, 'constant has no entry in weightsManifest; the model.json is incomplete');
    const onnxName =
      w.dtype === 'int32'
        ? this.g.addInt32(name, w.shape, w.data as Int32Array)
        : this.g.addFloat(name, w.shape, w.data as Float32Array);
    this.emittedConsts.set(name, onnxName);
    return onnxName;
  }

  /** Registers a node's value computed at conversion time and emits it as an initializer named after the node. */
  foldConstant(node: TfNode, w: TfWeight): string[] {
    this.folded.set(node.name, w);
    const name =
      w.dtype === 'int32'
        ? this.g.addInt32(node.name, w.shape, w.data as Int32Array)
        : this.g.addFloat(node.name, w.shape, w.data as Float32Array);
    return [name];
  }

  /** An NCHW view of an NHWC tensor (one Transpose per tensor, reused). */
  toNchw(nhwc: string): string {
    let t = this.nchwCache.get(nhwc);
    if (!t) {
      [t] = this.g.addNode('Transpose', [nhwc], 1, { perm: NHWC_TO_NCHW }) as [string];
      this.nchwCache.set(nhwc, t);
    }
    return t;
  }

  /** Writes an NCHW result back to NHWC under the TF node's name. */
  toNhwc(nchw: string, name: string): string {
    this.g.addNode('Transpose', [nchw], [name], { perm: NCHW_TO_NHWC });
    return name;
  }

  /** A shared scalar float constant (Clip bounds, etc.). */
  scalar(value: number): string {
    const key = `f${value}`;
    let t = this.scalarCache.get(key);
    if (!t) {
      t = this.g.addFloat(
        this.g.uniqueName(`const_${String(value).replace(/[^0-9a-z]/gi, '_')}`),
        [],
        [value],
      );
      this.scalarCache.set(key, t);
    }
    return t;
  }

  /** A fresh int64 constant (axes, shapes, pads). */
  int64(prefix: string, values: readonly number[]): string {
    return this.g.addInt64(this.g.uniqueName(prefix), [values.length], values);
  }

  /** A fresh float32 constant derived from weights (re-laid-out filters, folded alphas). */
  float(prefix: string, dims: readonly number[], data: Float32Array): string {
    return this.g.addFloat(this.g.uniqueName(prefix), dims, data);
  }
}

/** Integer values of a constant as plain numbers. */
export function ints(w: TfWeight): number[] {
  return Array.from(w.data, Number);
}
