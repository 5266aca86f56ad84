/**
 * `face.tracks`: what a panel needs after a `face-track` job (the analyzer writes its tracks as JSON
 * records): each track's id and per-frame boxes, in pixels and frames of the media file, for After Effects
 * keyframes or Premiere markers. The panel cannot read files itself (UXP's file access is the user's to
 * grant), so the daemon reads the job's output for it; only a `face-track` output is accepted, nothing is
 * written.
 */
import { readFileSync } from 'node:fs';
import { extname, isAbsolute } from 'node:path';
import type { FaceTracksReply, FaceTrackSummary } from '../client/protocol.ts';
import { JobError } from '../pipeline/types.ts';

interface FaceTrackDocument {
  effect: string;
  input: string;
  frameRate: { num: number; den: number };
  width: number;
  height: number;
  records: { kind: string; data: FaceTrackSummary }[];
}

export async function faceTracks(path: string): Promise<Omit<FaceTracksReply, 'type' | 'id'>> {
  if (!isAbsolute(path) || extname(path).toLowerCase() !== '.json') {
    throw new JobError(
      'BAD_PARAM',
      `tracks must be the absolute path of a face-track job's .json output: ${path}`,
    );
  }
  let doc: FaceTrackDocument;
  try {
    doc = JSON.parse(readFileSync(path, 'utf8')) as FaceTrackDocument;
  } catch (err) {
    throw new JobError(
      'INPUT_CORRUPT',
      `cannot read the face tracks ${path}: ${(err as Error).message}`,
      'run face-track again',
    );
  }
  if (doc?.effect !== 'face-track' || !Array.isArray(doc.records) || !doc.frameRate?.num) {
    throw new JobError(
      'BAD_PARAM',
      `${path} is not the output of a face-track job`,
      'run face-track on the clip first',
    );
  }
  return {
    file: doc.input,
    frameRate: doc.frameRate,
    width: doc.width,
    height: doc.height,
    tracks: doc.records
      .filter((r) => r.kind === 'face-track' && Array.isArray(r.data?.samples))
      .map((r) => ({ id: r.data.id, samples: r.data.samples })),
  };
}
