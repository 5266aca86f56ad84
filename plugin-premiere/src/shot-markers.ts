/**
 * Shot markers in Premiere Pro (UXP): for each selected timeline clip, the shots found in its media become
 * comment markers, on the clip's project item (media time: they travel with the clip and show in the Source
 * monitor and on every use of the clip) or on the sequence (timeline time).
 *
 * Premiere's rules (HOSTS.md §1.3, @adobe/premierepro 26.3): `Markers.getMarkers(owner)` is async, so every
 * read happens first; then one `project.lockedAccess` creates every `createAddMarkerAction(name, type,
 * start, duration, comments)` with `TickTime`s and commits them in one synchronous `executeTransaction`
 * (one undo step for all markers of all clips).
 */
import type {
  Action,
  ClipProjectItem,
  Markers,
  premierepro,
  Project,
  Sequence,
  VideoClipTrackItem,
} from '@adobe/premierepro';
import { placeShotMarkers, type ShotMarkerLike } from '../../core/src/analysis/markers/placement.ts';
import { HostError } from '../../core/src/panel/host-adapter.ts';

export type MarkerOwner = 'clip' | 'sequence';

/** Shots of one media file: what an analysis job returns for it. */
export interface MediaShots {
  markers: readonly ShotMarkerLike[];
  frameRate: number;
}

export const SHOT_MARKERS_UNDO = 'mlxvideo: shot markers';

/**
 * Analyses the media of every selected video clip (`analyse`, a daemon analysis job in the panel) and adds
 * its shots as markers. Returns how many markers were added.
 */
export async function markSelectedClips(
  ppro: premierepro,
  analyse: (mediaPath: string) => Promise<MediaShots>,
  owner: MarkerOwner = 'clip',
): Promise<number> {
  const project = await ppro.Project.getActiveProject();
  if (!project) throw new HostError('No project is open in Premiere Pro.');
  const sequence = await project.getActiveSequence();
  if (!sequence) throw new HostError('Open a sequence and select clips in its timeline.');
  const items = (await (await sequence.getSelection()).getTrackItems()).filter(
    (i): i is VideoClipTrackItem => 'createAddVideoTransitionAction' in i,
  );
  if (items.length === 0) throw new HostError('Select one or more video clips in the timeline.');
  const analysed: { item: VideoClipTrackItem; shots: MediaShots }[] = [];
  for (const item of items) {
    const clip = ppro.ClipProjectItem.cast(await item.getProjectItem()) as ClipProjectItem | null;
    if (!clip || (await clip.isSequence())) continue;
    const path = await clip.getMediaFilePath();
    if (!path || (await clip.isOffline())) continue;
    analysed.push({ item, shots: await analyse(path) });
  }
  return addShotMarkers(ppro, project, sequence, analysed, owner);
}

/**
 * Adds each clip's shots as comment markers on its project item (`clip`) or on the sequence, in one
 * transaction. Clips that are not media files (nested sequences, graphics) are skipped. Returns the count.
 */
export async function addShotMarkers(
  ppro: premierepro,
  project: Project,
  sequence: Sequence,
  clips: readonly { item: VideoClipTrackItem; shots: MediaShots }[],
  owner: MarkerOwner = 'clip',
  undoLabel: string = SHOT_MARKERS_UNDO,
): Promise<number> {
  // Every read first (async getters), per clip: its media, its range, the markers object of the owner.
  const plans: {
    markers: Markers;
    adds: { name: string; start: number; duration: number; comment: string }[];
  }[] = [];
  const sequenceMarkers = owner === 'sequence' ? await ppro.Markers.getMarkers(sequence) : undefined;
  for (const { item, shots } of clips) {
    const clip = ppro.ClipProjectItem.cast(await item.getProjectItem()) as ClipProjectItem | null;
    if (!clip || (await clip.isSequence())) continue;
    const [inPoint, outPoint, start, speed, reversed] = await Promise.all([
      item.getInPoint(),
      item.getOutPoint(),
      item.getStartTime(),
      item.getSpeed(),
      item.isSpeedReversed(),
    ]);
    const placed = placeShotMarkers(shots.markers, shots.frameRate, {
      sourceInSeconds: inPoint.seconds,
      sourceOutSeconds: outPoint.seconds,
      timelineStartSeconds: start.seconds,
      speed,
      reversed: Boolean(reversed),
    });
    plans.push({
      markers: sequenceMarkers ?? (await ppro.Markers.getMarkers(clip)),
      adds: placed.map((p) => ({
        name: p.name,
        comment: p.comment,
        start: owner === 'sequence' ? p.timelineSeconds : p.mediaSeconds,
        duration: owner === 'sequence' ? p.timelineDuration : p.mediaDuration,
      })),
    });
  }
  const count = plans.reduce((n, p) => n + p.adds.length, 0);
  if (count === 0) return 0;

  let committed = false;
  project.lockedAccess(() => {
    const actions: Action[] = plans.flatMap((p) =>
      p.adds.map((a) =>
        p.markers.createAddMarkerAction(
          a.name,
          ppro.Marker.MARKER_TYPE_COMMENT,
          ppro.TickTime.createWithSeconds(a.start),
          ppro.TickTime.createWithSeconds(a.duration),
          a.comment,
        ),
      ),
    );
    committed = project.executeTransaction((compound) => {
      for (const a of actions) compound.addAction(a);
    }, undoLabel);
  });
  if (!committed) throw new HostError('Premiere did not add the shot markers (the transaction was refused).');
  return count;
}
