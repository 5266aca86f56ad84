/**
 * Runs the `person-detector` model (CenterNet, COCO) on the whole frame and returns person boxes in frame
 * pixels. Decoding of the heads is shared (runtime/person-detections.ts).
 */
import { Tensor } from 'onnxruntime-node';
import type { Frame } from '../frame.ts';
import type { LoadedSession } from '../../runtime/types.ts';
import type { ModelManifest } from '../../models/manifest.ts';
import { frameToTensor, type Box } from '../../runtime/tensor.ts';
import { decodePersonDetections, iou, type PersonBox } from '../../runtime/person-detections.ts';

function findOutput(session: LoadedSession, hint: RegExp, role: string): string {
  const name = session.outputNames.find((n) => hint.test(n));
  if (!name) {
    throw new Error(
      `person detector "${session.modelId}" has no ${role} output (outputs: ${session.outputNames.join(', ')}); ` +
        'the matte expects the CenterNet heads "keypoints" (class heatmap) and "wh" (box distances)',
    );
  }
  return name;
}

/**
 * Tiles for frames too large for one detector pass: squashing a 1920x1080 wide shot into 512x512 leaves a
 * 45-pixel-tall walker 21 pixels tall, below what the detector finds. Square tiles of about 1.5x the
 * detector input (the scale at which it finds vtest.avi's small people), overlapping by a quarter so
 * anyone cut by one tile's edge is whole in the next. Small frames get no tiles (the whole-frame pass
 * suffices).
 */
export function detectionTiles(width: number, height: number, inputSide: number): Box[] {
  const side = Math.round(inputSide * 1.5);
  if (Math.max(width, height) <= side * 1.34) return [];
  const axis = (len: number) => {
    if (len <= side) return [{ start: 0, len }];
    const n = Math.ceil((len - side) / (side * 0.75)) + 1;
    const step = (len - side) / (n - 1);
    return Array.from({ length: n }, (_, i) => ({ start: Math.round(i * step), len: side }));
  };
  const tiles: Box[] = [];
  for (const ty of axis(height)) {
    for (const tx of axis(width)) tiles.push({ x: tx.start, y: ty.start, width: tx.len, height: ty.len });
  }
  return tiles;
}

async function detectIn(
  session: LoadedSession,
  spec: ModelManifest['input'],
  frame: Frame,
  region: Box,
  minScore: number,
): Promise<PersonBox[]> {
  const heatName = findOutput(session, /keypoint|heatmap/i, 'heatmap');
  const whName = findOutput(session, /(^|[/_:])wh($|[/_:])/i, 'box-size');
  const packed = frameToTensor(frame, spec, { region });
  const out = await session.run({ [spec.name]: new Tensor('float32', packed.data, packed.dims) });
  const keypoints = out[heatName] as Tensor;
  const wh = out[whName] as Tensor;
  const boxes = decodePersonDetections(
    {
      keypoints: { data: keypoints.data as Float32Array, dims: keypoints.dims.map(Number) },
      wh: { data: wh.data as Float32Array, dims: wh.dims.map(Number) },
    },
    {
      imageWidth: region.width,
      imageHeight: region.height,
      inputWidth: packed.width,
      inputHeight: packed.height,
      minScore,
      iouThreshold: 0.5,
    },
  );
  return boxes.map((b) => ({ ...b, x: b.x + region.x, y: b.y + region.y }));
}

/**
 * Person boxes in frame pixels: one pass on the whole frame stretched to the model's square input (as the
 * upstream library does; finds the large people), plus overlapping tiles on large frames (the small
 * ones), merged by non-maximum suppression.
 */
export async function detectPeople(
  session: LoadedSession,
  spec: ModelManifest['input'],
  frame: Frame,
  minScore: number,
  options: { tiles?: boolean } = {},
): Promise<PersonBox[]> {
  const whole = { x: 0, y: 0, width: frame.width, height: frame.height };
  const boxes = await detectIn(session, spec, frame, whole, minScore);
  const inputSide = Math.min(spec.size?.[0] ?? 512, spec.size?.[1] ?? 512);
  const tiles = options.tiles === false ? [] : detectionTiles(frame.width, frame.height, inputSide);
  for (const tile of tiles) {
    boxes.push(...(await detectIn(session, spec, frame, tile, minScore)));
  }
  return suppressOverlaps(boxes, 0.5);
}

/** Greedy NMS, best score first; also drops a box mostly inside a better one (a tile-cut partial person). */
function suppressOverlaps(boxes: PersonBox[], threshold: number): PersonBox[] {
  const kept: PersonBox[] = [];
  for (const b of [...boxes].sort((p, q) => q.score - p.score)) {
    const covered = kept.some((k) => iou(k, b) > threshold || intersection(k, b) > 0.8 * b.w * b.h);
    if (!covered) kept.push(b);
  }
  return kept;
}

function intersection(a: PersonBox, b: PersonBox): number {
  const ix = Math.max(0, Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x));
  const iy = Math.max(0, Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y));
  return ix * iy;
}
