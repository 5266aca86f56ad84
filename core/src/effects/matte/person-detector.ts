/**
 * Runs the `person-detector-nanodet` model (NanoDet-m, COCO, Apache-2.0 weights) on the whole frame, and on
 * overlapping tiles of large frames, and returns person boxes in frame pixels. Decoding of the heads is
 * shared (runtime/person-detections.ts).
 */
import { Tensor } from 'onnxruntime-node';
import { toFloat32, type Frame, type F32Frame } from '../frame.ts';
import type { LoadedSession } from '../../runtime/types.ts';
import type { ModelManifest } from '../../models/manifest.ts';
import { frameToTensor, type Box } from '../../runtime/tensor.ts';
import { decodeNanoDetDetections, iou, type PersonBox } from '../../runtime/person-detections.ts';
import { cutByInnerTileEdge, overlappingTiles } from '../shared/detection-tiles.ts';

/** The heads decodeNanoDetDetections() reads: class scores and distance bins per stride 8, 16, 32. */
const NANODET_OUTPUTS = ['cls_8', 'reg_8', 'cls_16', 'reg_16', 'cls_32', 'reg_32'];

function checkOutputs(session: LoadedSession): void {
  const missing = NANODET_OUTPUTS.filter((n) => !session.outputNames.includes(n));
  if (missing.length > 0) {
    throw new Error(
      `person detector "${session.modelId}" lacks the NanoDet outputs ${missing.join(', ')} ` +
        `(it has: ${session.outputNames.join(', ')}); the matte expects models/manifests/person-detector-nanodet.json`,
    );
  }
}

/** Tile side in detector inputs: 1.5 x 416 = 624 px (measured against 1.25, 1.85, 2.2 in docs/matte.md). */
const TILE_SCALE = 1.5;

/**
 * Tiles for frames too large for one detector pass: squashing a 1920x1080 wide shot into the detector's
 * 416x416 input leaves a 45-pixel-tall walker 17 pixels tall, below what the detector finds. Square tiles
 * of TILE_SCALE times the detector input, overlapping by at least a quarter so anyone cut by one tile's
 * edge is whole in the next. Frames up to a third larger than a tile get no tiles (the whole-frame pass
 * suffices).
 */
export function detectionTiles(width: number, height: number, inputSide: number): Box[] {
  return overlappingTiles(width, height, {
    side: Math.round(inputSide * TILE_SCALE),
    overlap: 0.25,
    wholeFrameUpTo: 1.34,
  });
}

async function detectIn(
  session: LoadedSession,
  spec: ModelManifest['input'],
  frame: F32Frame,
  region: Box,
  minScore: number,
): Promise<PersonBox[]> {
  const packed = frameToTensor(frame, spec, { region });
  const out = await session.run({ [spec.name]: new Tensor('float32', packed.data, packed.dims) });
  const boxes = decodeNanoDetDetections(out, {
    // Boxes clamped to the region (a tile-cut person stays inside its tile), then moved to frame pixels.
    imageWidth: region.width,
    imageHeight: region.height,
    inputWidth: packed.width,
    inputHeight: packed.height,
    minScore,
    iouThreshold: 0.5,
  });
  return boxes.map((b) => ({ ...b, x: b.x + region.x, y: b.y + region.y }));
}

/**
 * Drops tile boxes that touch a tile edge lying inside the frame: a person cut there is a partial box
 * (often scored higher than the whole one, so NMS would keep the part), and tiles overlap by a quarter,
 * so that person is whole in the neighbouring tile or, when larger than the overlap, in the whole-frame
 * pass.
 */
export function dropCutAtTileEdge(
  boxes: PersonBox[],
  tile: Box,
  frame: { width: number; height: number },
): PersonBox[] {
  const margin = Math.max(2, tile.width * 0.01);
  return boxes.filter((b) => !cutByInnerTileEdge(b, tile, frame, margin));
}

/**
 * Person boxes in frame pixels: one pass on the whole frame stretched to the model's square input (finds
 * the large people), plus overlapping tiles on large frames (the small ones), merged by non-maximum
 * suppression.
 */
export async function detectPeople(
  session: LoadedSession,
  spec: ModelManifest['input'],
  input: Frame,
  minScore: number,
  options: { tiles?: boolean } = {},
): Promise<PersonBox[]> {
  const frame = toFloat32(input);
  checkOutputs(session);
  const whole = { x: 0, y: 0, width: frame.width, height: frame.height };
  const boxes = await detectIn(session, spec, frame, whole, minScore);
  const inputSide = Math.min(spec.size?.[0] ?? 416, spec.size?.[1] ?? 416);
  const tiles = options.tiles === false ? [] : detectionTiles(frame.width, frame.height, inputSide);
  for (const tile of tiles) {
    boxes.push(...dropCutAtTileEdge(await detectIn(session, spec, frame, tile, minScore), tile, frame));
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
