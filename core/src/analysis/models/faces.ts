/**
 * Faces with BlazeFace (`blazeface`, MediaPipe back-camera model, 256x256): the frame letterboxed into the
 * input (faces keep their shape), anchors decoded as MediaPipe does: 2 anchors per cell on the 16x16 grid
 * (stride 16) then 6 per cell on the 8x8 grid (stride 32), anchor centre ((x+0.5)·s, (y+0.5)·s); each box row
 * holds the centre offset and size in input pixels. Score = sigmoid(logit).
 */
import type { F32Frame } from '../../effects/frame.ts';
import { iou, type PersonBox } from '../../runtime/person-detections.ts';
import { runOn, type AnalysisModel } from './run-model.ts';

const GRIDS = [
  { scores: 'scores_16', boxes: 'boxes_16', grid: 16, perCell: 2 },
  { scores: 'scores_8', boxes: 'boxes_8', grid: 8, perCell: 6 },
];

export async function detectFaces(
  model: AnalysisModel,
  frame: F32Frame,
  minScore = 0.6,
): Promise<PersonBox[]> {
  const { outputs, packed } = await runOn(model, frame, { fit: 'letterbox' });
  const side = packed.width;
  const t = packed.transform;
  const found: PersonBox[] = [];
  for (const g of GRIDS) {
    const scores = outputs[g.scores]!.data as Float32Array;
    const boxes = outputs[g.boxes]!.data as Float32Array;
    const stride = side / g.grid;
    for (let i = 0; i < scores.length; i++) {
      const score = 1 / (1 + Math.exp(-Math.max(-80, Math.min(80, scores[i]!))));
      if (score < minScore) continue;
      const cell = Math.floor(i / g.perCell);
      const ax = ((cell % g.grid) + 0.5) * stride;
      const ay = (Math.floor(cell / g.grid) + 0.5) * stride;
      const b = i * 16;
      const cx = ax + boxes[b]!;
      const cy = ay + boxes[b + 1]!;
      const w = boxes[b + 2]!;
      const h = boxes[b + 3]!;
      found.push({
        x: t.offsetX + (cx - w / 2) * t.scaleX,
        y: t.offsetY + (cy - h / 2) * t.scaleY,
        w: w * t.scaleX,
        h: h * t.scaleY,
        score,
      });
    }
  }
  found.sort((a, b) => b.score - a.score);
  const kept: PersonBox[] = [];
  for (const f of found) if (kept.every((k) => iou(k, f) < 0.3)) kept.push(f);
  return kept;
}
