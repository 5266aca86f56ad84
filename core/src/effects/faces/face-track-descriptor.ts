/**
 * `face-track`: face tracks with stable ids as an analyzer. One record per track (kind 'face-track', first and
 * last frame, per frame the box, whether it was detected or held, and on detected frames the landmarks:
 * BlazeFace's 6 keypoints or FaceMesh's 468 points); the same detector, tracker and params
 * as face-anonymize, so its ids are the ones `--param keep=` takes and its records are the per-track audit of
 * what face-anonymize covers. `faceTracksToCsv` writes the compositor's 2D track (Nuke-style: y up).
 */
import type { AnalysisRecord, AnalyzerEffect } from '../../contract/effect.ts';
import { getManifest } from '../../models/manifests.ts';
import { FACE_MODEL_ID, FaceDetector } from './face-detector.ts';
import { FaceTracker } from './face-tracker.ts';
import { faceParams, type FaceParams } from './face-params.ts';
import { FACEMESH_MODEL_ID, FaceMesher } from './face-mesh.ts';

import type { TrackSample } from './track-sample.ts';
export type { TrackSample };

export type FaceTrackParams = FaceParams & { landmarks: string };

/** Landmarks of one tracked frame: [frame, x0, y0, x1, y1, ...] in frame pixels (held frames have none). */
export type LandmarkSample = number[];

const round1 = (v: number): number => Math.round(v * 10) / 10;

export const faceTrackEffect: AnalyzerEffect<FaceTrackParams> = {
  kind: 'analyzer',
  id: 'face-track',
  label: 'Track faces',
  category: 'utility',
  description:
    'Finds every face (BlazeFace with tiles for small faces) and tracks it with a stable id, bridging short ' +
    'occlusions; one record per track with its box on every frame (detected or held).',
  params: {
    ...faceParams,
    landmarks: {
      type: 'choice',
      label: 'Landmarks',
      help: "Per detected frame: BlazeFace's 6 keypoints, or FaceMesh's 468 points (x, y; one more model per face)",
      default: 'keypoints',
      options: [
        { value: 'keypoints', label: '6 keypoints (eyes, nose, mouth, ears)' },
        { value: 'mesh', label: 'FaceMesh 468 points' },
      ],
    },
  },
  models: [FACE_MODEL_ID, FACEMESH_MODEL_ID],
  outputs: [],
  async createAnalyzer(ctx, p) {
    const detector = new FaceDetector(
      await ctx.sessions.get(FACE_MODEL_ID),
      getManifest(FACE_MODEL_ID).input,
    );
    const tracker = new FaceTracker({ holdFrames: p.hold });
    const mesher =
      p.landmarks === 'mesh'
        ? new FaceMesher(await ctx.sessions.get(FACEMESH_MODEL_ID), getManifest(FACEMESH_MODEL_ID).input)
        : undefined;
    const tracks = new Map<number, TrackSample[]>();
    const landmarks = new Map<number, LandmarkSample[]>();
    return {
      async push(frame, index) {
        const detections = await detector.detect(frame, {
          minScore: p.minScore,
          tileSide: p.smallFaces ? undefined : 0,
        });
        // All faces' meshes in one batch; a detected track's box is its detection object.
        const meshes = mesher ? await mesher.forFaces(frame, detections) : [];
        for (const face of tracker.update(detections)) {
          const samples = tracks.get(face.id) ?? [];
          const { x, y, w, h } = face.box;
          samples.push([index, x, y, w, h, face.held ? 1 : 0]);
          tracks.set(face.id, samples);
          if (face.held) continue;
          const points = mesher
            ? [...meshes[detections.indexOf(face.box)]!.points].filter((_, i) => i % 3 !== 2)
            : face.box.keypoints.flat();
          landmarks.set(face.id, [...(landmarks.get(face.id) ?? []), [index, ...points.map(round1)]]);
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
            data: {
              id,
              detectedFrames: detected,
              heldFrames: samples.length - detected,
              samples,
              landmarkSet: p.landmarks,
              landmarks: landmarks.get(id) ?? [],
            },
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
