/**
 * Overlapping square tiles for running a small-input detector over a large frame (the person detector of the
 * matte, BlazeFace of the face effects), the rule for dropping a box a tile cut in two, and whether a model
 * takes several tiles in one run.
 *
 * Why tiles: squashing a 1920x1080 wide shot into a 256 or 416 px input leaves a bystander's face or a distant
 * walker a few pixels tall, below what the detector finds. Each detector keeps its own tile size and overlap
 * (measured per model, see docs/matte.md and docs/faces.md); the geometry is shared.
 */
import type { InferenceSession } from 'onnxruntime-node';
import type { Box } from '../../runtime/tensor.ts';

export interface TileLayout {
  /** Tile side in frame pixels. */
  side: number;
  /** Least overlap between neighbouring tiles, as a fraction of the side (a cut object is whole next door). */
  overlap: number;
  /** No tiles when the frame's longer side is at most this many tile sides (the whole-frame pass suffices). */
  wholeFrameUpTo: number;
}

/** Square tiles covering the frame, evenly spread, overlapping by at least `overlap`; [] for small frames. */
export function overlappingTiles(width: number, height: number, layout: TileLayout): Box[] {
  const { side } = layout;
  if (Math.max(width, height) <= side * layout.wholeFrameUpTo) return [];
  const axis = (len: number): { start: number; len: number }[] => {
    if (len <= side) return [{ start: 0, len }];
    const n = Math.ceil((len - side) / (side * (1 - layout.overlap))) + 1;
    const step = (len - side) / (n - 1);
    return Array.from({ length: n }, (_, i) => ({ start: Math.round(i * step), len: side }));
  };
  const tiles: Box[] = [];
  for (const ty of axis(height))
    for (const tx of axis(width)) tiles.push({ x: tx.start, y: ty.start, width: tx.len, height: ty.len });
  return tiles;
}

/**
 * Whether a box (frame pixels) touches an edge of its tile that lies inside the frame (within `margin` px):
 * an object cut there is partial in this tile (and often scored higher than the whole one, so merging would
 * keep the part), and whole in the overlapping neighbour or the whole-frame pass.
 */
export function cutByInnerTileEdge(
  box: { x: number; y: number; w: number; h: number },
  tile: Box,
  frame: { width: number; height: number },
  margin: number,
): boolean {
  return (
    (tile.x > 0 && box.x <= tile.x + margin) ||
    (tile.y > 0 && box.y <= tile.y + margin) ||
    (tile.x + tile.width < frame.width && box.x + box.w >= tile.x + tile.width - margin) ||
    (tile.y + tile.height < frame.height && box.y + box.h >= tile.y + tile.height - margin)
  );
}

/**
 * Whether the model's input takes a batch of any size (first dimension symbolic or -1), so several tiles or
 * crops can go through one session.run. Models converted with a fixed batch of 1 do not.
 */
export function acceptsBatch(session: InferenceSession, inputName: string): boolean {
  const meta = session.inputMetadata.find((m) => m.name === inputName);
  const first = meta?.isTensor ? meta.shape[0] : undefined;
  return typeof first === 'string' || first === -1;
}
