/**
 * `face-track`: face tracks with stable ids as an analyzer. One record per track (kind 'face-track', first and
 * last frame, and per frame the box, whether it was detected or held); the same detector, tracker and params
 * as face-anonymize, so its ids are the ones `--param keep=` takes and its records are the per-track audit of
 * what face-anonymize covers. `faceTracksToCsv` writes the compositor's 2D track (Nuke-style: y up).
 */
import type { AnalysisRecord, AnalyzerEffect } from '../../contract/effect.ts';
import { getManifest } from '../../models/manifests.ts';
import { FACE_MODEL_ID, FaceDetector } from './face-detector.ts';
import { FaceTracker } from './face-tracker.ts';
import { faceParams, type FaceParams } from './face-params.ts';

/** One tracked frame: [frame, x, y, w, h, held (1) or detected (0)], frame pixels, top-left origin. */
export type TrackSample = [number, number, number, number, number, 0 | 1];

export const faceTrackEffect: AnalyzerEffect<FaceParams> = {
  kind: 'analyzer',
  id: 'face-track',
  label: 'Track faces',
  category: 'utility',
  description:
    'Finds every face (BlazeFace with tiles for small faces) and tracks it with a stable id, bridging short ' +
    'occlusions; one record per track with its box on every frame (detected or held).',
  params: { ...faceParams },
  models: [FACE_MODEL_ID],
  outputs: [],
  async createAnalyzer(ctx, p) {
    const detector = new FaceDetector(
      await ctx.sessions.get(FACE_MODEL_ID),
      getManifest(FACE_MODEL_ID).input,
    );
    const tracker = new FaceTracker({ holdFrames: p.hold });
    const tracks = new Map<number, TrackSample[]>();
    return {
      async push(frame, index) {
        const detections = await detector.detect(frame, {
          minScore: p.minScore,
          tileSide: p.smallFaces ? undefined : 0,
        });
        for (const face of tracker.update(detections)) {
          const samples = tracks.get(face.id) ?? [];
          const { x, y, w, h } = face.box;
          samples.push([index, x, y, w, h, face.held ? 1 : 0]);
          tracks.set(face.id, samples);
        }
      },
      async finish() {
        const records: AnalysisRecord[] = [...tracks].map(([id, samples]) => {
          // A track that ended while held carries its held tail; the face was last seen before it.
          const detected = samples.filter((s) => s[5] === 0).length;
          return {
            kind: 'face-track',
            start: samples[0]![0],
            end: samples[samples.length - 1]![0],
            data: { id, detectedFrames: detected, heldFrames: samples.length - detected, samples },
          };
        });
        return { records };
      },
    };
  },
};

/**
 * A 2D track per face for compositors (Resolve, Nuke and others import such columns): one row per tracked
 * frame with the box centre in pixels, y measured up from the bottom as Nuke does, and the box size.
 */
export function faceTracksToCsv(records: readonly AnalysisRecord[], height: number): string {
  const rows = ['track,frame,center_x,center_y_up,width,height,held'];
  for (const r of records) {
    if (r.kind !== 'face-track') continue;
    const { id, samples } = r.data as { id: number; samples: TrackSample[] };
    for (const [frame, x, y, w, h, held] of samples) {
      const f = (v: number) => v.toFixed(2);
      rows.push([id, frame, f(x + w / 2), f(height - (y + h / 2)), f(w), f(h), held].join(','));
    }
  }
  return rows.join('\n') + '\n';
}
