/**
 * Where a file's shot markers land on a clip that uses part of that file: markers are kept when they start
 * inside the clip's source range, trimmed to it, and given both their media time (clip/source markers move
 * with the clip) and their timeline time (sequence/comp markers), speed and reversal included.
 * Shared by the Premiere and After Effects panels; no Node imports (it runs in UXP).
 */
export interface ShotMarkerLike {
  frame: number;
  duration: number;
  name: string;
  comment: string;
}

export interface ClipRange {
  sourceInSeconds: number;
  sourceOutSeconds: number;
  timelineStartSeconds: number;
  speed: number;
  reversed: boolean;
}

export interface PlacedMarker {
  name: string;
  comment: string;
  /** Media time of the marker's start and its length in media seconds. */
  mediaSeconds: number;
  mediaDuration: number;
  /** Timeline time of the marker's start and its length in timeline seconds. */
  timelineSeconds: number;
  timelineDuration: number;
}

export function placeShotMarkers(
  markers: readonly ShotMarkerLike[],
  fps: number,
  clip: ClipRange,
): PlacedMarker[] {
  const eps = 1e-6;
  const placed: PlacedMarker[] = [];
  for (const m of markers) {
    const start = m.frame / fps;
    // The length straight from frames unless trimmed (start + length - start is not exact in floats).
    const length = Math.min(m.duration / fps, clip.sourceOutSeconds - start);
    const end = start + length;
    if (start < clip.sourceInSeconds - eps || start >= clip.sourceOutSeconds - eps) continue;
    const speed = Math.abs(clip.speed) || 1;
    const offset = clip.reversed ? clip.sourceOutSeconds - end : start - clip.sourceInSeconds;
    placed.push({
      name: m.name,
      comment: m.comment,
      mediaSeconds: start,
      mediaDuration: length,
      timelineSeconds: clip.timelineStartSeconds + offset / speed,
      timelineDuration: length / speed,
    });
  }
  return placed;
}
