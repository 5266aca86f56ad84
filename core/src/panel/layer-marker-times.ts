/**
 * Where a file's shots land as After Effects layer markers: at comp times (media second m of a layer shows
 * at startTime + m x stretch / 100), keeping only shots that start between the layer's in and out points,
 * each lasting its shot in comp time. Shared by the UXP adapter (plugin-aftereffects/src/layer-markers.ts)
 * and the CEP adapter, which sends the times to its .jsx. No host API, no Node imports.
 */
import { placeShotMarkers, type ShotMarkerLike } from '../analysis/markers/placement.ts';

export interface LayerTiming {
  inPoint: number;
  outPoint: number;
  startTime: number;
  /** Percent; 100 = normal speed, negative = reversed. */
  stretch: number;
}

export interface LayerMarkerTime {
  compTime: number;
  /** Comp seconds. */
  duration: number;
  /** "Shot N · scale: objects; tags; text". */
  comment: string;
}

export function layerMarkerTimes(
  layer: LayerTiming,
  shots: { markers: readonly ShotMarkerLike[]; frameRate: number },
): LayerMarkerTime[] {
  const speed = 100 / layer.stretch;
  const toMedia = (compTime: number) => (compTime - layer.startTime) * speed;
  const placed = placeShotMarkers(shots.markers, shots.frameRate, {
    sourceInSeconds: Math.min(toMedia(layer.inPoint), toMedia(layer.outPoint)),
    sourceOutSeconds: Math.max(toMedia(layer.inPoint), toMedia(layer.outPoint)),
    timelineStartSeconds: layer.startTime,
    speed: Math.abs(speed),
    reversed: false,
  });
  // Comp time of each marker from its media time (the layer's start is media second 0).
  return placed.map((p) => ({
    compTime: layer.startTime + p.mediaSeconds / speed,
    duration: p.timelineDuration,
    comment: `${p.name}: ${p.comment}`,
  }));
}
