/**
 * HostAdapter over Premiere Pro's UXP DOM (`require("premierepro")`, typed by @adobe/premierepro 26.3).
 * The rules it keeps (HOSTS.md §1.3): every getter is async, so all reads happen first; then ONE
 * `project.lockedAccess` creates every action and commits them in ONE synchronous
 * `executeTransaction` (one undo step per apply); `importFiles` only says true/false, so results are
 * imported into a dedicated bin and found again by media path; tracks are 0-based; a result goes on
 * the track above its original only where that time range is empty there, otherwise on a new track,
 * so no existing clip is ever overwritten.
 */
import type {
  Action,
  AudioClipTrackItem,
  ClipProjectItem,
  FolderItem,
  premierepro,
  Project,
  ProjectItem,
  Sequence,
  VideoClipTrackItem,
} from '@adobe/premierepro';
import {
  folderOf,
  HostError,
  RENDER_FOLDER_NAME,
  type ClipFaceTracks,
  type ClipShots,
  type FaceTracksOutcome,
  type GeneratedPlaceOutcome,
  type GeneratedPlaceRequest,
  type HostAdapter,
  type PlaceOptions,
  type PlaceOutcome,
  type PlaceRequest,
  type SelectedClip,
} from '../../core/src/panel/host-adapter.ts';
import { TrackOccupancy } from '../../core/src/panel/track-occupancy.ts';
import { addShotMarkers } from './shot-markers.ts';
import { faceMarkersMessage, faceTrackMarkers } from '../../core/src/panel/face-keyframe-plan.ts';

/** Selections mix video and linked audio items; only video items have video transitions. */
function isVideoItem(item: VideoClipTrackItem | AudioClipTrackItem): item is VideoClipTrackItem {
  return 'createAddVideoTransitionAction' in item;
}

/** Paths from the OS and from Premiere may differ in separators and (Windows/macOS) case. */
function samePath(a: string, b: string): boolean {
  const norm = (p: string) => p.replace(/\\/g, '/').toLowerCase();
  return norm(a) === norm(b);
}

export class PremiereAdapter implements HostAdapter {
  readonly hostName = 'premiere';
  /** Track items handed out by the last getSelectedClips(), by the id given to the panel. */
  private readonly selected = new Map<string, VideoClipTrackItem>();

  constructor(private readonly ppro: premierepro) {}

  private async activeSequence(): Promise<{ project: Project; sequence: Sequence }> {
    const project = await this.ppro.Project.getActiveProject();
    if (!project) throw new HostError('No project is open in Premiere Pro.');
    const sequence = await project.getActiveSequence();
    if (!sequence) throw new HostError('Open a sequence and select clips in its timeline.');
    return { project, sequence };
  }

  async getSelectedClips(): Promise<SelectedClip[]> {
    const { sequence } = await this.activeSequence();
    const items = await (await sequence.getSelection()).getTrackItems();
    this.selected.clear();
    const clips: SelectedClip[] = [];
    for (const item of items.filter(isVideoItem)) {
      const id = `clip-${this.selected.size + 1}`;
      this.selected.set(id, item);
      clips.push(await this.describe(id, item));
    }
    return clips;
  }

  private async describe(id: string, item: VideoClipTrackItem): Promise<SelectedClip> {
    const [name, inPoint, outPoint, start, trackIndex, speed, reversed, adjustment, projectItem] =
      await Promise.all([
        item.getName(),
        item.getInPoint(),
        item.getOutPoint(),
        item.getStartTime(),
        item.getTrackIndex(),
        item.getSpeed(),
        item.isSpeedReversed(),
        item.isAdjustmentLayer(),
        item.getProjectItem(),
      ]);
    const base: SelectedClip = {
      id,
      name,
      mediaPath: '',
      sourceInSeconds: inPoint.seconds,
      sourceOutSeconds: outPoint.seconds,
      timelineStartSeconds: start.seconds,
      trackIndex,
      speed,
      // isSpeedReversed() is typed Promise<number> (non-zero = reversed).
      reversed: reversed !== 0,
      offline: false,
    };
    if (adjustment) return { ...base, unsupportedReason: `"${name}" is an adjustment layer, not footage.` };
    const clip = projectItem ? this.ppro.ClipProjectItem.cast(projectItem) : null;
    if (!clip)
      return { ...base, unsupportedReason: `"${name}" is not a media clip (graphics or generated).` };
    if (await clip.isSequence()) {
      return { ...base, unsupportedReason: `"${name}" is a nested sequence: render it to a file first.` };
    }
    if (await clip.isOffline()) return { ...base, offline: true };
    const [mediaPath, interpretation, media] = await Promise.all([
      clip.getMediaFilePath(),
      clip.getFootageInterpretation(),
      clip.getMedia(),
    ]);
    const frameRate = interpretation.getFrameRate();
    return {
      ...base,
      mediaPath,
      ...(frameRate > 0 ? { frameRate } : {}),
      ...(media ? { mediaDurationSeconds: media.duration.seconds } : {}),
    };
  }

  /** The dedicated bin for renders; created (its own small undo step) the first time. */
  private async renderBin(project: Project): Promise<FolderItem> {
    const find = async () => {
      const root = await project.getRootItem();
      const items = await root.getItems();
      const bin = items.find(
        (i) => i.name === RENDER_FOLDER_NAME && i.type === this.ppro.ProjectItem.TYPE_BIN,
      );
      return { root, bin: bin ? this.ppro.FolderItem.cast(bin) : null };
    };
    const found = await find();
    if (found.bin) return found.bin;
    project.lockedAccess(() => {
      const create = found.root.createBinAction(RENDER_FOLDER_NAME, false);
      project.executeTransaction((compound) => {
        compound.addAction(create);
      }, `mlxvideo: create bin "${RENDER_FOLDER_NAME}"`);
    });
    const again = await find();
    if (!again.bin) throw new HostError(`Premiere did not create the bin "${RENDER_FOLDER_NAME}".`);
    return again.bin;
  }

  /** Imported renders by media path (newest wins if a path was imported twice). */
  private async importedItems(
    bin: FolderItem,
  ): Promise<{ path: string; item: ProjectItem; clip: ClipProjectItem }[]> {
    const found: { path: string; item: ProjectItem; clip: ClipProjectItem }[] = [];
    for (const item of await bin.getItems()) {
      const clip = this.ppro.ClipProjectItem.cast(item);
      if (clip) found.push({ path: await clip.getMediaFilePath(), item, clip });
    }
    return found.reverse();
  }

  private async occupancy(sequence: Sequence): Promise<TrackOccupancy> {
    const count = await sequence.getVideoTrackCount();
    const tracks: [number, number][][] = [];
    for (let i = 0; i < count; i++) {
      const track = await sequence.getVideoTrack(i);
      const items = track.getTrackItems(this.ppro.Constants.TrackItemType.CLIP, false);
      tracks.push(
        await Promise.all(
          items.map(async (it): Promise<[number, number]> => [
            (await it.getStartTime()).seconds,
            (await it.getEndTime()).seconds,
          ]),
        ),
      );
    }
    return new TrackOccupancy(tracks);
  }

  async placeResults(requests: PlaceRequest[], options: PlaceOptions): Promise<PlaceOutcome[]> {
    const { project, sequence } = await this.activeSequence();
    const bin = await this.renderBin(project);
    const imported = await project.importFiles(
      requests.map((r) => r.resultPath),
      true,
      this.ppro.ProjectItem.cast(bin),
    );
    const items = await this.importedItems(bin);
    const occupancy = await this.occupancy(sequence);
    // A new audio track for the renders' audio (if any): the originals' audio is never overwritten.
    const audioTrack = await sequence.getAudioTrackCount();

    const outcomes: PlaceOutcome[] = [];
    const edits: {
      clipId: string;
      item: ProjectItem;
      clip: ClipProjectItem;
      request: PlaceRequest;
      start: number;
      track: number;
    }[] = [];
    for (const request of requests) {
      const original = this.selected.get(request.clipId);
      const result = items.find((i) => samePath(i.path, request.resultPath));
      if (!original) {
        outcomes.push({
          clipId: request.clipId,
          ok: false,
          message: 'The clip is no longer known: select it and apply again.',
        });
        continue;
      }
      if (!result) {
        const why = imported ? 'was not found in the bin after import' : 'could not be imported';
        outcomes.push({
          clipId: request.clipId,
          ok: false,
          message: `Premiere: the render ${request.resultPath} ${why}.`,
        });
        continue;
      }
      const start = (await original.getStartTime()).seconds;
      const track = occupancy.claimAbove(
        await original.getTrackIndex(),
        start,
        start + request.durationSeconds,
      );
      edits.push({ clipId: request.clipId, item: result.item, clip: result.clip, request, start, track });
    }
    if (edits.length === 0) return outcomes;

    const T = this.ppro.TickTime;
    let committed = false;
    project.lockedAccess(() => {
      const editor = this.ppro.SequenceEditor.getEditor(sequence);
      const actions: Action[] = [];
      for (const e of edits) {
        // Trim the render to the original's used range (the handles stay available for trimming), then lay it down.
        const inPoint = T.createWithSeconds(e.request.resultInSeconds);
        const outPoint = T.createWithSeconds(e.request.resultInSeconds + e.request.durationSeconds);
        actions.push(e.clip.createSetInOutPointsAction(inPoint, outPoint));
        actions.push(
          editor.createOverwriteItemAction(e.item, T.createWithSeconds(e.start), e.track, audioTrack),
        );
      }
      committed = project.executeTransaction((compound) => {
        for (const a of actions) compound.addAction(a);
      }, options.undoLabel);
    });
    for (const e of edits) {
      outcomes.push(
        committed
          ? {
              clipId: e.clipId,
              ok: true,
              trackIndex: e.track,
              newTrack: occupancy.isNew(e.track),
              where: `${occupancy.isNew(e.track) ? 'new track ' : ''}V${e.track + 1}`,
            }
          : {
              clipId: e.clipId,
              ok: false,
              message: 'Premiere refused the edit (transaction failed); nothing was changed.',
            },
      );
    }
    return outcomes;
  }

  async generatedFolder(): Promise<string> {
    const project = await this.ppro.Project.getActiveProject();
    if (!project) throw new HostError('No project is open in Premiere Pro.');
    const folder = folderOf(project.path ?? '');
    if (!folder) throw new HostError('Save the project first: generated clips are written next to it.');
    return folder;
  }

  /**
   * A new video track above all others (index = track count), inserted with limitShift so nothing on any
   * existing track moves (HOSTS.md §1.3, gotcha 4), at the playhead; in/out set to the whole render first.
   */
  async placeGenerated(
    request: GeneratedPlaceRequest,
    options: PlaceOptions,
  ): Promise<GeneratedPlaceOutcome> {
    const { project, sequence } = await this.activeSequence();
    const playhead = await sequence.getPlayerPosition();
    const bin = await this.renderBin(project);
    const imported = await project.importFiles([request.resultPath], true, this.ppro.ProjectItem.cast(bin));
    const result = (await this.importedItems(bin)).find((i) => samePath(i.path, request.resultPath));
    if (!result) {
      const why = imported ? 'was not found in the bin after import' : 'could not be imported';
      return { ok: false, message: `Premiere: the render ${request.resultPath} ${why}.` };
    }
    const [videoTrack, audioTrack] = await Promise.all([
      sequence.getVideoTrackCount(),
      sequence.getAudioTrackCount(),
    ]);
    const T = this.ppro.TickTime;
    let committed = false;
    project.lockedAccess(() => {
      const editor = this.ppro.SequenceEditor.getEditor(sequence);
      const actions: Action[] = [
        result.clip.createSetInOutPointsAction(
          T.createWithSeconds(0),
          T.createWithSeconds(request.durationSeconds),
        ),
        editor.createInsertProjectItemAction(result.item, playhead, videoTrack, audioTrack, true),
      ];
      committed = project.executeTransaction((compound) => {
        for (const a of actions) compound.addAction(a);
      }, options.undoLabel);
    });
    if (!committed) {
      return { ok: false, message: 'Premiere refused the edit (transaction failed); nothing was changed.' };
    }
    return {
      ok: true,
      startSeconds: playhead.seconds,
      trackIndex: videoTrack,
      where: `new track V${videoTrack + 1}`,
    };
  }

  /** Comment markers on each clip's project item (media time: they travel with every use of the clip). */
  async addShotMarkers(items: ClipShots[], options: PlaceOptions): Promise<number> {
    const { project, sequence } = await this.activeSequence();
    const clips = items.flatMap((shots) => {
      const item = this.selected.get(shots.clipId);
      return item ? [{ item, shots }] : [];
    });
    return addShotMarkers(this.ppro, project, sequence, clips, 'clip', options.undoLabel);
  }

  /** A comment marker per face track on each clip's project item (no keyframes: see faceMarkersMessage). */
  async addFaceTracks(items: ClipFaceTracks[], options: PlaceOptions): Promise<FaceTracksOutcome> {
    const placed = await this.addShotMarkers(
      items.map((item) => ({
        clipId: item.clipId,
        markers: faceTrackMarkers(item.tracks),
        frameRate: item.frameRate,
      })),
      options,
    );
    return { placed, message: faceMarkersMessage(placed) };
  }
}
