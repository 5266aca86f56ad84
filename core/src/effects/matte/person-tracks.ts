/**
 * Detection hysteresis across frames. A person detector's score for a small, partly hidden person
 * wanders around any single threshold, and a person whose box blinks in and out would make the matte
 * blink with it. So: a new person needs `enter` confidence, a person already matted stays while the
 * detector still sees it above the lower `keep` score, and a person the detector lost is held at its last
 * box for `hold` frames (the crop segmenter still decides the pixels, so a held box over empty ground adds
 * nothing).
 */
import { iou, type PersonBox } from '../../runtime/person-detections.ts';

export interface Track {
  box: PersonBox;
  /** Consecutive frames without a matching detection. */
  missed: number;
}

export interface TrackOptions {
  enter: number;
  keep: number;
  hold: number;
  /** Minimum box IoU for a detection to continue a track. */
  matchIoU?: number;
}

export function updateTracks(
  previous: readonly Track[],
  detections: readonly PersonBox[],
  o: TrackOptions,
): Track[] {
  const matchIoU = o.matchIoU ?? 0.3;
  const used = new Set<number>();
  const next: Track[] = [];
  const sorted = [...detections].filter((d) => d.score >= o.keep).sort((a, b) => b.score - a.score);
  for (const det of sorted) {
    let best = -1;
    let bestIoU = matchIoU;
    previous.forEach((t, i) => {
      const overlap = iou(t.box, det);
      if (!used.has(i) && overlap >= bestIoU) {
        best = i;
        bestIoU = overlap;
      }
    });
    if (best >= 0) {
      used.add(best);
      next.push({ box: det, missed: 0 });
    } else if (det.score >= o.enter) {
      next.push({ box: det, missed: 0 });
    }
  }
  previous.forEach((t, i) => {
    if (!used.has(i) && t.missed < o.hold) next.push({ box: t.box, missed: t.missed + 1 });
  });
  return next;
}
