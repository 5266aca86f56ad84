/**
 * Layered depth from models that run offline on every machine (no depth net): a ground-plane prior plus
 * objects that stand on the ground ("pop-up" depth, Hoiem, Efros, Hebert 2005).
 *
 * 1. Ground plane: for a level camera over flat ground, disparity grows linearly with the image row below the
 *    horizon. The horizon is unknown, so the prior is a linear ramp over the whole frame: nearness = row/(h-1)
 *    (bottom near, top far).
 * 2. Objects: DeepLabv3's 20 PASCAL VOC classes (people, vehicles, animals, furniture, plants...) and the
 *    salient object (ISNet, the matte effect's model) are upright layers. Each connected object region gets
 *    the ground's nearness at its lowest pixel (where it touches the ground), so a person is as near as the
 *    ground under their feet, the whole body at one depth, in front of the ground behind them.
 * 3. The layers are merged and snapped to the picture's edges with a guided filter (luma guide).
 *
 * What it is: an ordering of "things" and "floor" that is right for ordinary shots of people, cars and objects
 * on the ground. What it is not: metric, nor aware of walls, ceilings, sky vs mountains, overhangs or a tilted
 * camera; within one object depth is flat. docs/depth.md measures it against stereo ground truth.
 */
import { createMask, type Mask } from '../../runtime/mask-ops.ts';
import { resizeMask } from '../../runtime/tensor.ts';
import { toFloat32, type Frame } from '../frame.ts';
import type { AnalysisModel } from '../../analysis/models/run-model.ts';
import { vocClassMap } from '../../analysis/models/areas.ts';
import { segmentFrame, type Segmenter } from '../matte/segment.ts';
import { guidedFilter, lumaMask, type DepthMap } from './depth-map.ts';

export interface LayeredModels {
  /** DeepLabv3 (PASCAL VOC): semantic object layers. */
  semantic?: AnalysisModel;
  /** ISNet: the salient object as one more layer. */
  salient?: Segmenter;
}

/** The ground-plane prior alone: nearness = row / (h - 1). */
export function groundPrior(width: number, height: number): DepthMap {
  const out = createMask(width, height);
  for (let y = 0; y < height; y++) {
    const v = height > 1 ? y / (height - 1) : 0.5;
    out.data.fill(v, y * width, (y + 1) * width);
  }
  return out;
}

/**
 * Gives each 4-connected region of `objects` (> 0.5) the ground nearness at the region's lowest row; other
 * pixels keep the ground's. In place on `depth` (same size).
 */
export function standObjects(depth: DepthMap, objects: Mask): void {
  const { width: w, height: h } = depth;
  const label = new Int32Array(w * h).fill(-1);
  const stack: number[] = [];
  const members: number[] = [];
  for (let start = 0; start < w * h; start++) {
    if (label[start]! >= 0 || objects.data[start]! <= 0.5) continue;
    label[start] = start;
    stack.push(start);
    members.length = 0;
    let lowest = 0;
    while (stack.length) {
      const p = stack.pop()!;
      members.push(p);
      const y = (p / w) | 0;
      const x = p - y * w;
      if (y > lowest) lowest = y;
      const visit = (q: number) => {
        if (label[q]! < 0 && objects.data[q]! > 0.5) {
          label[q] = start;
          stack.push(q);
        }
      };
      if (x > 0) visit(p - 1);
      if (x < w - 1) visit(p + 1);
      if (y > 0) visit(p - w);
      if (y < h - 1) visit(p + w);
    }
    const v = depth.data[lowest * w]!; // the ground prior is constant along a row
    for (const p of members) depth.data[p] = v;
  }
}

/** Long side of the working grid: object layers and the guided filter run here, then resize to the frame. */
export const LAYERED_WORK_SIDE = 384;

export async function layeredDepth(input: Frame, models: LayeredModels): Promise<DepthMap> {
  const frame = toFloat32(input);
  const s = Math.min(1, LAYERED_WORK_SIDE / Math.max(frame.width, frame.height));
  const w = Math.max(1, Math.round(frame.width * s));
  const h = Math.max(1, Math.round(frame.height * s));
  const depth = groundPrior(w, h);
  const objects = createMask(w, h);
  if (models.semantic) {
    const map = await vocClassMap(models.semantic, frame);
    const fg = createMask(map.width, map.height);
    for (let i = 0; i < fg.data.length; i++) fg.data[i] = map.classes[i]! > 0 ? 1 : 0;
    const small = resizeMask(fg, w, h);
    for (let i = 0; i < objects.data.length; i++)
      objects.data[i] = Math.max(objects.data[i]!, small.data[i]!);
  }
  if (models.salient) {
    const sal = resizeMask(await segmentFrame(models.salient, frame), w, h);
    for (let i = 0; i < objects.data.length; i++) objects.data[i] = Math.max(objects.data[i]!, sal.data[i]!);
  }
  standObjects(depth, objects);
  const guide = resizeMask(lumaMask(frame), w, h);
  return guidedFilter(depth, guide, Math.max(w, h) / 48, 1e-3);
}
