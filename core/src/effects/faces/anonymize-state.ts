/**
 * What face-anonymize remembers between frames, arranged so that the faces covered on frame N depend only on
 * frames N-ANONYMIZE_PRE_ROLL..N (see anonymize-descriptor.ts): a window of per-frame detections (each a pure
 * function of its frame) that the tracker is re-run over for every frame, plus a tracker over the whole run
 * for track ids (keep by id, the audit), plus per-detection reference-photo distances for keep by photo.
 * Keep by id from a face-track file (`keptBoxes`: the kept tracks' boxes on this frame, looked up by frame
 * number) replaces the whole-run tracker's ids, so it too depends on the window only.
 */
import type { FaceBox } from './face-detector.ts';

/** A face box in frame pixels (top-left origin). */
type Box = Pick<FaceBox, 'x' | 'y' | 'w' | 'h'>;

import { faceIou } from './face-detector.ts';
import { FaceTracker, type TrackedFace } from './face-tracker.ts';

/** Frames of history the covered faces of a frame depend on (descriptor preRoll); `hold` is capped to it. */
export const ANONYMIZE_PRE_ROLL = 48;
/** Reference-photo match: a track is kept when its median identity distance is below this (fail safe). */
export const KEEP_PHOTO_MATCH = 0.03;

export interface FrameFaces {
  detections: FaceBox[];
  /** Per detection: identity distance to the reference photo (undefined: no photo, or no landmarks). */
  distances: (number | undefined)[];
}

export interface CoveredFace {
  face: TrackedFace;
  /** Why it is left visible, or false when it is covered. */
  kept: false | 'id' | 'photo';
}

export interface AuditTrack {
  id: number;
  firstFrame: number;
  lastFrame: number;
  framesDetected: number;
  framesHeld: number;
  framesCovered: number;
  framesKept: number;
}

const median = (v: number[]): number => {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

export class AnonymizeState {
  private window: FrameFaces[] = [];
  private whole: FaceTracker;
  private frame = 0;
  private readonly audit = new Map<number, AuditTrack>();

  constructor(private readonly hold: number) {
    this.whole = new FaceTracker({ holdFrames: hold });
  }

  reset(): void {
    this.window = [];
    this.whole.reset();
    this.frame = 0;
    this.audit.clear();
  }

  /**
   * The faces of the next frame and whether each is covered. Kept by id: a face overlapping (IoU > 0.5) one of
   * `keptBoxes` when given (the kept tracks of a face-track file on this frame), else a whole-run track whose
   * id is in `keepIds`.
   */
  next(faces: FrameFaces, keepIds: ReadonlySet<number>, keptBoxes?: readonly Box[]): CoveredFace[] {
    this.window.push(faces);
    if (this.window.length > ANONYMIZE_PRE_ROLL + 1) this.window.shift();
    // The window replay: the same tracker code, from a fresh start at the window's first frame.
    const tracker = new FaceTracker({ holdFrames: Math.min(this.hold, ANONYMIZE_PRE_ROLL) });
    const distances = new Map<number, number[]>();
    let current: TrackedFace[] = [];
    for (const entry of this.window) {
      current = tracker.update(entry.detections);
      for (const t of current) {
        if (t.held) continue;
        // A detected track's box is the detection object itself.
        const d = entry.distances[entry.detections.indexOf(t.box)];
        if (d !== undefined) distances.set(t.id, [...(distances.get(t.id) ?? []), d]);
      }
    }
    const named = this.whole.update(faces.detections);
    const out = current.map((face): CoveredFace => {
      const d = distances.get(face.id);
      if (d && median(d) < KEEP_PHOTO_MATCH) return { face, kept: 'photo' };
      const byId = keptBoxes
        ? keptBoxes.some((b) => faceIou(b, face.box) > 0.5)
        : named.some((n) => keepIds.has(n.id) && faceIou(n.box, face.box) > 0.5);
      return { face, kept: byId ? 'id' : false };
    });
    this.record(named, out);
    this.frame++;
    return out;
  }

  /** Audit per whole-run track id: frames detected, held, covered and kept. */
  private record(named: TrackedFace[], out: CoveredFace[]): void {
    for (const n of named) {
      const a = this.audit.get(n.id) ?? {
        id: n.id,
        firstFrame: this.frame,
        lastFrame: this.frame,
        framesDetected: 0,
        framesHeld: 0,
        framesCovered: 0,
        framesKept: 0,
      };
      a.lastFrame = this.frame;
      if (n.held) a.framesHeld++;
      else a.framesDetected++;
      const best = out.reduce<CoveredFace | undefined>(
        (b, c) => (faceIou(c.face.box, n.box) > (b ? faceIou(b.face.box, n.box) : 0.3) ? c : b),
        undefined,
      );
      if (best?.kept) a.framesKept++;
      else if (best) a.framesCovered++;
      this.audit.set(n.id, a);
    }
  }

  auditReport(): { frames: number; tracks: AuditTrack[] } {
    return { frames: this.frame, tracks: [...this.audit.values()].sort((a, b) => a.id - b.id) };
  }
}
