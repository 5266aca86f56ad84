/**
 * The seam between the shared panel and a host application. The panel (panel-controller.ts) only talks to
 * this interface; each plugin supplies one implementation (Premiere UXP, After Effects UXP, and later a
 * CEP/ExtendScript adapter for AE 2024–2026 that forwards the same calls through `evalScript`). Everything
 * crossing it is plain data (seconds, paths, indexes) so any host — sync DOM, async DOM or a script
 * bridge — can implement it without the panel knowing which.
 */

import type { FaceTrackData } from './face-keyframe-plan.ts';

/** The project bin (Premiere) or folder (AE) every adapter imports renders into, found again by this name. */
export const RENDER_FOLDER_NAME = 'mlxvideo renders';

/** One clip (Premiere track item) or layer (AE) the user selected. Times are seconds. */
export interface SelectedClip {
  /** Adapter-chosen id, stable for one getSelectedClips()/placeResults() round trip. */
  id: string;
  name: string;
  /** Absolute path of the clip's media file; empty for sequences, nested comps, solids, generators. */
  mediaPath: string;
  /** First source second used by the clip (media time, 0 = first frame of the file). */
  sourceInSeconds: number;
  /** Source second just after the last frame used (exclusive). */
  sourceOutSeconds: number;
  /** Where the clip starts in the sequence/comp. */
  timelineStartSeconds: number;
  /** 0-based video track (Premiere, 0 = V1) or layer position (AE, 0 = top layer). */
  trackIndex: number;
  /** Playback speed, 1 = normal. */
  speed: number;
  reversed: boolean;
  offline: boolean;
  /** Why this item cannot be processed (a sequence, an adjustment layer...), when the adapter knows. */
  unsupportedReason?: string;
  /** Media frame rate (frames per second) when the host reports it. */
  frameRate?: number;
  /** Length of the media file in seconds when known (handles are clamped to it). */
  mediaDurationSeconds?: number;
}

/** Where a rendered file goes: above the clip it was made from, frame-aligned with it. */
export interface PlaceRequest {
  clipId: string;
  /** Absolute path of the rendered file (the daemon's job output). */
  resultPath: string;
  /** Offset into the rendered file of the original clip's first frame (the leading handle), seconds. */
  resultInSeconds: number;
  /** Length of the original clip's used range, seconds (the placed item covers exactly this). */
  durationSeconds: number;
}

export interface PlaceOptions {
  /** One undo step for the whole apply, e.g. "mlxvideo: Matte". */
  undoLabel: string;
}

export type PlaceOutcome =
  | {
      clipId: string;
      ok: true;
      trackIndex: number;
      newTrack: boolean;
      /** Where it went, in the host's words ("V3", "layer 2"), for the panel's message. */
      where?: string;
    }
  | { clipId: string; ok: false; message: string };

/** A generated clip (a generator's render, no source clip): it goes on a new track/layer at the playhead. */
export interface GeneratedPlaceRequest {
  resultPath: string;
  /** Length of the render (frames / frame rate): the placed item covers exactly this. */
  durationSeconds: number;
}

export type GeneratedPlaceOutcome =
  | {
      ok: true;
      /** Timeline/comp second where it starts (the playhead or current time when it was placed). */
      startSeconds: number;
      trackIndex: number;
      where: string;
    }
  | { ok: false; message: string };

/** The shots found in one selected clip's media, as markers in media frames (an analysis job's result). */
export interface ClipShots {
  clipId: string;
  markers: readonly { frame: number; duration: number; name: string; comment: string }[];
  frameRate: number;
}

/** The face tracks found in one selected clip's media (a face-track job's records), frames of the media file. */
export interface ClipFaceTracks {
  clipId: string;
  tracks: readonly FaceTrackData[];
  frameRate: number;
}

/** What the host made of face tracks: how many tracks it placed, and what it did in the user's words. */
export interface FaceTracksOutcome {
  placed: number;
  message: string;
}

export interface HostAdapter {
  /** Shown in the panel header and in client info sent to the daemon. */
  readonly hostName: string;
  getSelectedClips(): Promise<SelectedClip[]>;
  /** Imports the results and places each above its original, all in one undo step. */
  placeResults(items: PlaceRequest[], options: PlaceOptions): Promise<PlaceOutcome[]>;
  /**
   * The folder (ending in a separator) a generated clip is written to: the saved project's folder, which
   * the editor already manages and backs up. A HostError says to save the project first.
   */
  generatedFolder(): Promise<string>;
  /** Imports a generated clip and places it on a new track/layer at the playhead, in one undo step. */
  placeGenerated(request: GeneratedPlaceRequest, options: PlaceOptions): Promise<GeneratedPlaceOutcome>;
  /**
   * Adds each clip's shots as markers where they travel with the clip (Premiere: its project item, in media
   * time; After Effects: its layer, in comp time), all in one undo step. Returns how many were added.
   */
  addShotMarkers(items: ClipShots[], options: PlaceOptions): Promise<number>;
  /**
   * Puts each clip's face tracks where a compositor can use them, all in one undo step: After Effects,
   * Position/Scale keyframes on a new null per track parented to the layer; Premiere (no nulls, and keys
   * on the clip's own Motion would move the footage), a marker per track on the clip's media.
   */
  addFaceTracks(items: ClipFaceTracks[], options: PlaceOptions): Promise<FaceTracksOutcome>;
}

/** The folder part of a file path (with its trailing separator), for either separator. */
export function folderOf(path: string): string {
  return path.slice(0, Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1);
}

/** A host-side problem with a message meant for the user (no active sequence, nothing selected...). */
export class HostError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HostError';
  }
}
