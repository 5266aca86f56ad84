import { describe, expect, it } from 'vitest';
import { detectionTiles, dropCutAtTileEdge } from '../../core/src/effects/matte/person-detector.ts';
import { getManifest } from '../../core/src/models/manifests.ts';
import { MATTE_MODEL_IDS } from '../../core/src/effects/matte/descriptor.ts';

// The detector the matte ships with (NanoDet, 416x416): tiles are 1.5 x 416 = 624 px.
const INPUT = getManifest(MATTE_MODEL_IDS.detector).input.size![0];

describe('detection tiles', () => {
  it('small frames need no tiles (the whole-frame pass finds their people)', () => {
    expect(INPUT).toBe(416);
    expect(detectionTiles(384, 288, INPUT)).toEqual([]);
    expect(detectionTiles(768, 576, INPUT)).toEqual([]);
  });

  it('a 1080p frame is covered by overlapping square tiles that stay inside it', () => {
    const tiles = detectionTiles(1920, 1080, INPUT);
    expect(tiles.length).toBe(8);
    for (const t of tiles) {
      expect(t.x).toBeGreaterThanOrEqual(0);
      expect(t.y).toBeGreaterThanOrEqual(0);
      expect(t.x + t.width).toBeLessThanOrEqual(1920);
      expect(t.y + t.height).toBeLessThanOrEqual(1080);
      expect(t.width).toBe(624);
    }
    // Every pixel is inside some tile, and neighbouring tiles overlap by at least a quarter tile.
    for (const [x, y] of [
      [0, 0],
      [1919, 1079],
      [960, 540],
      [1919, 0],
      [0, 1079],
    ] as const) {
      expect(tiles.some((t) => x >= t.x && x < t.x + t.width && y >= t.y && y < t.y + t.height)).toBe(true);
    }
    const xs = [...new Set(tiles.map((t) => t.x))].sort((a, b) => a - b);
    for (let i = 1; i < xs.length; i++) expect(xs[i - 1]! + 624 - xs[i]!).toBeGreaterThanOrEqual(156);
  });

  it('a person cut by a tile edge inside the frame is left to the neighbouring tile', () => {
    const frame = { width: 1920, height: 1080 };
    const tile = { x: 432, y: 0, width: 624, height: 624 };
    const person = (x: number, y: number) => ({ x, y, w: 40, h: 100, score: 0.8 });
    const kept = dropCutAtTileEdge(
      [
        person(600, 200), // well inside: kept
        person(432, 200), // on the left edge (frame continues to the left): cut
        person(1016, 200), // on the right edge: cut
        person(600, 524), // on the bottom edge: cut
        person(600, 0), // on the top edge, which is the frame's edge: a whole person in view, kept
      ],
      tile,
      frame,
    );
    expect(kept.map((b) => [b.x, b.y])).toEqual([
      [600, 200],
      [600, 0],
    ]);
  });
});
