/**
 * `face.tracks`: what a panel needs after a `face-track` job (the analyzer writes its tracks as JSON
 * records): each track's id and per-frame boxes, in pixels and frames of the media file, for After Effects
 * keyframes or Premiere markers. The panel cannot read files itself (UXP's file access is the user's to
 * grant), so the daemon reads the job's output for it; only a `face-track` output is accepted, nothing is
 * written.
 */
import type { FaceTracksReply } from '../client/protocol.ts';
import { FaceTrackFileError, readFaceTrackFile } from '../effects/faces/face-track-file.ts';
import { JobError } from '../pipeline/types.ts';
import { assertJobJsonPath } from './job-output-path.ts';

export async function faceTracks(path: string): Promise<Omit<FaceTracksReply, 'type' | 'id'>> {
  assertJobJsonPath(path, 'tracks', "a face-track job's");
  try {
    return await readFaceTrackFile(path);
  } catch (err) {
    if (!(err instanceof FaceTrackFileError)) throw err;
    throw err.reason === 'unreadable'
      ? new JobError('INPUT_CORRUPT', err.message, 'run face-track again')
      : new JobError('BAD_PARAM', err.message, 'run face-track on the clip first');
  }
}
