/**
 * Face tracks with stable ids across frames. Each frame's detections are matched to the tracks' predicted
 * boxes (constant velocity, damped) by overlap, or by centre distance relative to face size when a fast
 * move leaves no overlap; among candidate pairs, the one whose six BlazeFace landmarks agree best wins; a track that misses detections is held at its predicted box for `holdFrames`
 * (short occlusions are bridged and, for anonymising, nothing is unmasked for a frame the detector missed);
 * only a detection no live track claims starts a new id.
 */
import { faceIou, type FaceBox } from './face-detector.ts';

export interface TrackedFace {
  id: number;
  box: FaceBox;
  /** True when this frame's box is the track's prediction (no detection matched it). */
  held: boolean;
  /** Frames since the track was last detected (0 when detected this frame). */
  missed: number;
}

export interface TrackerOptions {
  /** Frames a lost track is kept at its predicted box before it ends. */
  holdFrames: number;
  /** Minimum overlap for a match; below it, centres closer than `maxCentreShift` x face size still match. */
  minIou?: number;
  maxCentreShift?: number;
}

interface Track {
  id: number;
  box: FaceBox;
  vx: number;
  vy: number;
  missed: number;
}

export class FaceTracker {
  private tracks: Track[] = [];
  private nextId = 1;

  constructor(private readonly options: TrackerOptions) {}

  reset(): void {
    this.tracks = [];
    this.nextId = 1;
  }

  update(detections: readonly FaceBox[]): TrackedFace[] {
    const minIou = this.options.minIou ?? 0.2;
    const maxShift = this.options.maxCentreShift ?? 0.6;
    const predicted = this.tracks.map((t) => shift(t.box, t.vx, t.vy));
    // Every (track, detection) pair that may match, best first: greedy assignment is exact enough for the
    // handful of faces in a frame and never swaps two well-separated faces.
    const pairs: { t: number; d: number; score: number }[] = [];
    predicted.forEach((p, t) =>
      detections.forEach((d, di) => {
        const overlap = faceIou(p, d);
        const size = Math.max(p.w, p.h, d.w, d.h);
        const dist = centreDistance(p, d) / size;
        // Landmarks break ties between overlapping faces (two heads crossing): the box centres may agree
        // while eyes, nose and mouth do not.
        const marks = keypointDistance(p, d) / size;
        if (overlap >= minIou || dist <= maxShift)
          pairs.push({ t, d: di, score: overlap + (1 - dist) + (1 - Math.min(1, marks)) });
      }),
    );
    pairs.sort((a, b) => b.score - a.score);
    const trackTaken = new Set<number>();
    const detTaken = new Set<number>();
    const out: TrackedFace[] = [];
    for (const p of pairs) {
      if (trackTaken.has(p.t) || detTaken.has(p.d)) continue;
      trackTaken.add(p.t);
      detTaken.add(p.d);
      const track = this.tracks[p.t]!;
      const det = detections[p.d]!;
      const dx = det.x + det.w / 2 - (track.box.x + track.box.w / 2);
      const dy = det.y + det.h / 2 - (track.box.y + track.box.h / 2);
      const steps = track.missed + 1;
      track.vx = 0.5 * track.vx + 0.5 * (dx / steps);
      track.vy = 0.5 * track.vy + 0.5 * (dy / steps);
      track.box = det;
      track.missed = 0;
    }
    const survivors: Track[] = [];
    this.tracks.forEach((track, t) => {
      if (!trackTaken.has(t)) {
        track.missed++;
        if (track.missed > this.options.holdFrames) return;
        track.box = predicted[t]!;
        // Damp the velocity while held: a lost face is more likely to have stopped than to keep going.
        track.vx *= 0.7;
        track.vy *= 0.7;
      }
      survivors.push(track);
      out.push({ id: track.id, box: track.box, held: track.missed > 0, missed: track.missed });
    });
    detections.forEach((det, d) => {
      if (detTaken.has(d)) return;
      const track: Track = { id: this.nextId++, box: det, vx: 0, vy: 0, missed: 0 };
      survivors.push(track);
      out.push({ id: track.id, box: det, held: false, missed: 0 });
    });
    this.tracks = survivors;
    return out.sort((a, b) => a.id - b.id);
  }
}

function shift(b: FaceBox, dx: number, dy: number): FaceBox {
  return {
    ...b,
    x: b.x + dx,
    y: b.y + dy,
    keypoints: b.keypoints.map(([x, y]) => [x + dx, y + dy] as const),
  };
}

/** Mean distance between corresponding keypoints (Infinity-free: 0 when either has none). */
function keypointDistance(a: FaceBox, b: FaceBox): number {
  const n = Math.min(a.keypoints.length, b.keypoints.length);
  let sum = 0;
  for (let k = 0; k < n; k++)
    sum += Math.hypot(a.keypoints[k]![0] - b.keypoints[k]![0], a.keypoints[k]![1] - b.keypoints[k]![1]);
  return n > 0 ? sum / n : 0;
}

function centreDistance(a: FaceBox, b: FaceBox): number {
  return Math.hypot(a.x + a.w / 2 - (b.x + b.w / 2), a.y + a.h / 2 - (b.y + b.h / 2));
}
