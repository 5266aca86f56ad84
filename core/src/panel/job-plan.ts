/**
 * Turns a selected clip into a daemon job: which source frames to render (the used range plus handles),
 * where the output goes, and where the result lines up with the original. Pure functions, no host or
 * network, so the frame maths is tested on its own.
 */
import type { PlaceRequest, SelectedClip } from './host-adapter.ts';

/** Extra frames rendered on each side so the editor can trim or add a transition later. */
export const DEFAULT_HANDLE_FRAMES = 12;

export interface ClipJobPlan {
  clipId: string;
  /** First and last source frame to render (inclusive, 0-based media frames). */
  startFrame: number;
  endFrame: number;
  /** Frames of handle actually available before the clip's first frame (clamped at the media start). */
  leadFrames: number;
  frameRate: number;
  output: string;
  place: PlaceRequest;
}

/** Returns why the clip cannot be processed, or null when it can. Messages say what to do instead. */
export function unsupportedReason(clip: SelectedClip): string | null {
  if (clip.offline) return `"${clip.name}" is offline: relink its media, then apply again.`;
  if (clip.unsupportedReason) return clip.unsupportedReason;
  if (!clip.mediaPath) {
    return `"${clip.name}" is not a media file (a nested sequence, comp or generated clip): render it to a file first.`;
  }
  if (clip.reversed)
    return `"${clip.name}" plays reversed: remove the reverse, apply, then reverse the result.`;
  if (Math.abs(clip.speed - 1) > 1e-6) {
    return `"${clip.name}" plays at ${Math.round(clip.speed * 100)} % speed: set it to 100 %, apply, then change the speed of the result.`;
  }
  if (!clip.frameRate || !(clip.frameRate > 0)) {
    return `"${clip.name}": the host reports no frame rate for its media, so its frames cannot be located.`;
  }
  if (!(clip.sourceOutSeconds > clip.sourceInSeconds)) return `"${clip.name}" has an empty range.`;
  return null;
}

// Host times are rounded (to ticks, or to milliseconds by a script bridge): at 23.976 fps a millisecond is
// 0.024 frame, so a frame boundary may arrive that much early or late. Clip edges sit on frame boundaries,
// so anything within 5 % of a frame of one is that boundary.
const FRAME_EPSILON = 0.05;

/** Source frames [first, last] covered by the clip's in/out (out exclusive). */
export function usedFrames(clip: SelectedClip, frameRate: number): { first: number; last: number } {
  const first = Math.max(0, Math.floor(clip.sourceInSeconds * frameRate + FRAME_EPSILON));
  const last = Math.max(first, Math.ceil(clip.sourceOutSeconds * frameRate - FRAME_EPSILON) - 1);
  return { first, last };
}

/** Splits a path into folder (with its trailing separator) and file stem, for either separator. */
function splitPath(path: string): { folder: string; stem: string } {
  const cut = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  const folder = path.slice(0, cut + 1);
  const file = path.slice(cut + 1);
  const dot = file.lastIndexOf('.');
  return { folder, stem: dot > 0 ? file.slice(0, dot) : file };
}

/** yyyymmdd-hhmmss in UTC: keeps renders of the same range apart without reading the folder. */
function stamp(date: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${date.getUTCFullYear()}${p(date.getUTCMonth() + 1)}${p(date.getUTCDate())}-${p(date.getUTCHours())}${p(date.getUTCMinutes())}${p(date.getUTCSeconds())}`;
}

/**
 * The render goes next to its source (the folder the editor already manages and backs up), as a
 * ProRes 4444 .mov so alpha mattes survive the import.
 */
export function outputPathFor(
  mediaPath: string,
  effectId: string,
  first: number,
  last: number,
  now: Date,
): string {
  const { folder, stem } = splitPath(mediaPath);
  return `${folder}${stem}.mlxv-${effectId}-${first}-${last}-${stamp(now)}.mov`;
}

/** Where an analyzer's result for a media file goes: next to it, `<stem>.mlxv-<effect>-<stamp>.json`. */
export function analysisOutputPath(mediaPath: string, now: Date, effectId = 'analyze'): string {
  const { folder, stem } = splitPath(mediaPath);
  return `${folder}${stem}.mlxv-${effectId}-${stamp(now)}.json`;
}

/** Where a generator's clip goes: `<folder>mlxv-<effect>-<stamp>.mov` (ProRes 4444, like every render). */
export function generatedOutputPath(folder: string, effectId: string, now: Date): string {
  return `${folder}mlxv-${effectId}-${stamp(now)}.mov`;
}

export function planClipJob(
  clip: SelectedClip,
  effectId: string,
  options: { handleFrames?: number; now?: Date } = {},
): ClipJobPlan {
  const frameRate = clip.frameRate!;
  const handles = Math.max(0, Math.floor(options.handleFrames ?? DEFAULT_HANDLE_FRAMES));
  const { first, last } = usedFrames(clip, frameRate);
  const startFrame = Math.max(0, first - handles);
  const mediaFrames =
    clip.mediaDurationSeconds !== undefined
      ? Math.floor(clip.mediaDurationSeconds * frameRate + FRAME_EPSILON)
      : Number.POSITIVE_INFINITY;
  const endFrame = Math.max(last, Math.min(last + handles, mediaFrames - 1));
  const leadFrames = first - startFrame;
  const output = outputPathFor(clip.mediaPath, effectId, startFrame, endFrame, options.now ?? new Date());
  return {
    clipId: clip.id,
    startFrame,
    endFrame,
    leadFrames,
    frameRate,
    output,
    place: {
      clipId: clip.id,
      resultPath: output,
      resultInSeconds: leadFrames / frameRate,
      durationSeconds: (last - first + 1) / frameRate,
    },
  };
}
