/**
 * Semantic areas with DeepLabv3 (`deeplabv3-mnv2-257`, PASCAL VOC, converted from TFLite by the project's
 * converter): the frame stretched to 257x257 as the TFLite example does, the best class per pixel, and each
 * class's share of the frame. Background (everything outside VOC's 20 classes) is left out.
 */
import type { F32Frame } from '../../effects/frame.ts';
import { runOn, type AnalysisModel } from './run-model.ts';

export const VOC_CLASSES = [
  'background',
  'aeroplane',
  'bicycle',
  'bird',
  'boat',
  'bottle',
  'bus',
  'car',
  'cat',
  'chair',
  'cow',
  'dining table',
  'dog',
  'horse',
  'motorbike',
  'person',
  'potted plant',
  'sheep',
  'sofa',
  'train',
  'tv/monitor',
] as const;

/** Best VOC class per model pixel (at the model's 257x257 output; the frame was stretched to it). */
export async function vocClassMap(
  model: AnalysisModel,
  frame: F32Frame,
): Promise<{ width: number; height: number; classes: Uint8Array }> {
  const { outputs } = await runOn(model, frame);
  const out = outputs[model.session.outputNames[0]!]!;
  const dims = out.dims.map(Number);
  const classes = dims[dims.length - 1]!;
  const logits = out.data as Float32Array;
  const pixels = logits.length / classes;
  const map = new Uint8Array(pixels);
  for (let p = 0; p < pixels; p++) {
    let best = 0;
    let bestV = -Infinity;
    for (let c = 0; c < classes; c++) {
      const v = logits[p * classes + c]!;
      if (v > bestV) {
        bestV = v;
        best = c;
      }
    }
    map[p] = best;
  }
  return { width: dims[dims.length - 2]!, height: dims[dims.length - 3]!, classes: map };
}

/** Share of the frame (0..1) per class present on at least 1% of it. */
export async function semanticAreas(model: AnalysisModel, frame: F32Frame): Promise<Record<string, number>> {
  const { classes: map } = await vocClassMap(model, frame);
  const counts = new Float64Array(VOC_CLASSES.length);
  for (const c of map) counts[c]!++;
  const shares: Record<string, number> = {};
  for (let c = 1; c < counts.length; c++) {
    const share = counts[c]! / map.length;
    if (share >= 0.01) shares[VOC_CLASSES[c] ?? `class ${c}`] = share;
  }
  return shares;
}
