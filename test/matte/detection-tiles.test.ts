import { describe, expect, it } from 'vitest';
import { detectionTiles } from '../../core/src/effects/matte/person-detector.ts';

describe('detection tiles', () => {
  it('small frames need no tiles (the whole-frame pass finds their people)', () => {
    expect(detectionTiles(384, 288, 512)).toEqual([]);
    expect(detectionTiles(768, 576, 512)).toEqual([]);
  });

  it('a 1080p frame is covered by overlapping square tiles that stay inside it', () => {
    const tiles = detectionTiles(1920, 1080, 512);
    expect(tiles.length).toBe(6);
    for (const t of tiles) {
      expect(t.x).toBeGreaterThanOrEqual(0);
      expect(t.y).toBeGreaterThanOrEqual(0);
      expect(t.x + t.width).toBeLessThanOrEqual(1920);
      expect(t.y + t.height).toBeLessThanOrEqual(1080);
      expect(t.width).toBe(768);
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
    for (let i = 1; i < xs.length; i++) expect(xs[i - 1]! + 768 - xs[i]!).toBeGreaterThanOrEqual(192);
  });
});
