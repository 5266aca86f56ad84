/**
 * Reads a `face-track` job's output (`mlxv run face-track in.mp4 -o tracks.json`): the clip's size and rate and
 * each track's per-frame boxes. Shared by the daemon's `face.tracks` request (panels) and face-anonymize's
 * `tracks` param (keep by id in any render order); each maps the two failures to its own error.
 */
import { readFile } from 'node:fs/promises';
import type { TrackSample } from './track-sample.ts';

export interface FaceTrackFile {
  /** The media file that was tracked. */
  file: string;
  frameRate: { num: number; den: number };
  width: number;
  height: number;
  tracks: { id: number; samples: TrackSample[] }[];
}

export class FaceTrackFileError extends Error {
  constructor(
    message: string,
    /** unreadable: missing or not JSON; not-face-track: JSON, but not a face-track output. */
    readonly reason: 'unreadable' | 'not-face-track',
  ) {
    super(message);
    this.name = 'FaceTrackFileError';
  }
}

export async function readFaceTrackFile(path: string): Promise<FaceTrackFile> {
  let doc: {
    effect?: unknown;
    input?: string;
    frameRate?: { num: number; den: number };
    width?: number;
    height?: number;
    records?: { kind: string; data?: { id: number; samples: TrackSample[] } }[];
  };
  try {
    doc = JSON.parse(await readFile(path, 'utf8')) as typeof doc;
  } catch (err) {
    throw new FaceTrackFileError(
      `cannot read the face tracks ${path}: ${(err as Error).message}`,
      'unreadable',
    );
  }
  if (doc?.effect !== 'face-track' || !Array.isArray(doc.records) || !doc.frameRate?.num) {
    throw new FaceTrackFileError(`${path} is not the output of a face-track job`, 'not-face-track');
  }
  return {
    file: doc.input ?? '',
    frameRate: doc.frameRate,
    width: doc.width ?? 0,
    height: doc.height ?? 0,
    tracks: doc.records.flatMap((r) =>
      r.kind === 'face-track' && Array.isArray(r.data?.samples)
        ? [{ id: r.data.id, samples: r.data.samples }]
        : [],
    ),
  };
}
