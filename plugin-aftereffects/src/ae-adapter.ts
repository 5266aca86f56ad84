/**
 * HostAdapter over the After Effects DOM (UXP, AE 27+ beta). AE's DOM is synchronous and layers, not
 * tracks, so "above the original" is a new layer moved right before it (nothing can be overwritten), timed
 * so every rendered frame sits on the comp frame its source frame occupied. All edits of one apply are
 * one undo group. A CEP/ExtendScript adapter for AE 2024–2026 would implement the same HostAdapter by
 * sending the same steps through `evalScript`.
 */
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
import type { AeCompItem, AeFolderItem, AeLayer, AeModule } from './ae-types.ts';
import { addLayerShotMarkers } from './layer-markers.ts';
import { addFaceTrackKeyframesToLayers } from './face-keyframes.ts';
import { faceNullsMessage } from '../../core/src/panel/face-keyframe-plan.ts';

export class AfterEffectsAdapter implements HostAdapter {
  readonly hostName = 'aftereffects';
  private readonly selected = new Map<string, AeLayer>();

  constructor(private readonly ae: AeModule) {}

  private activeComp(): AeCompItem {
    const item = this.ae.app.project.activeItem;
    if (!item || item.typeName !== 'Composition') {
      throw new HostError('Open a composition and select layers in its timeline.');
    }
    return item;
  }

  async getSelectedClips(): Promise<SelectedClip[]> {
    const comp = this.activeComp();
    this.selected.clear();
    return comp.selectedLayers.map((layer) => {
      const id = `layer-${layer.index}`;
      this.selected.set(id, layer);
      return this.describe(id, layer);
    });
  }

  private describe(id: string, layer: AeLayer): SelectedClip {
    const speed = 100 / Math.abs(layer.stretch || 100);
    const base: SelectedClip = {
      id,
      name: layer.name,
      mediaPath: '',
      // Source time = (comp time - startTime) * speed.
      sourceInSeconds: (layer.inPoint - layer.startTime) * speed,
      sourceOutSeconds: (layer.outPoint - layer.startTime) * speed,
      timelineStartSeconds: layer.inPoint,
      trackIndex: layer.index - 1,
      speed,
      reversed: layer.stretch < 0,
      offline: false,
    };
    const source = layer.source;
    if (!source)
      return { ...base, unsupportedReason: `"${layer.name}" has no footage (text, shape or camera layer).` };
    if (source.typeName === 'Composition') {
      return { ...base, unsupportedReason: `"${layer.name}" is a precomp: render it to a file first.` };
    }
    if (layer.timeRemapEnabled) {
      return {
        ...base,
        unsupportedReason: `"${layer.name}" uses time remapping: turn it off, apply, then remap the result.`,
      };
    }
    if (source.footageMissing) return { ...base, offline: true };
    const file = source.mainSource.file;
    if (!file)
      return { ...base, unsupportedReason: `"${layer.name}" is a solid or placeholder, not a file.` };
    return { ...base, mediaPath: file, frameRate: source.frameRate, mediaDurationSeconds: source.duration };
  }

  private renderFolder(): AeFolderItem {
    const project = this.ae.app.project;
    for (let i = 1; i <= project.numItems; i++) {
      const item = project.item(i);
      if (item.typeName === 'Folder' && item.name === RENDER_FOLDER_NAME) return item;
    }
    return project.items.addFolder(RENDER_FOLDER_NAME);
  }

  async placeResults(requests: PlaceRequest[], options: PlaceOptions): Promise<PlaceOutcome[]> {
    const comp = this.activeComp();
    const { app, ImportOptions } = this.ae;
    const outcomes: PlaceOutcome[] = [];
    app.beginUndoGroup(options.undoLabel);
    try {
      const folder = this.renderFolder();
      for (const request of requests) {
        const original = this.selected.get(request.clipId);
        if (!original) {
          outcomes.push({
            clipId: request.clipId,
            ok: false,
            message: 'The layer is no longer known: select it and apply again.',
          });
          continue;
        }
        let footage;
        try {
          footage = app.project.importFile(new ImportOptions(request.resultPath));
        } catch (err) {
          outcomes.push({
            clipId: request.clipId,
            ok: false,
            message: `After Effects could not import ${request.resultPath}: ${(err as Error).message}`,
          });
          continue;
        }
        footage.parentFolder = folder;
        const layer = comp.layers.add(footage);
        // The render's frame 0 is `resultInSeconds` before the original's first visible frame.
        layer.startTime = original.inPoint - request.resultInSeconds;
        layer.inPoint = original.inPoint;
        layer.outPoint = original.inPoint + request.durationSeconds;
        layer.moveBefore(original);
        outcomes.push({
          clipId: request.clipId,
          ok: true,
          trackIndex: layer.index - 1,
          newTrack: true,
          where: `layer ${layer.index}, above "${original.name}"`,
        });
      }
    } finally {
      app.endUndoGroup();
    }
    return outcomes;
  }

  async generatedFolder(): Promise<string> {
    const folder = folderOf(this.ae.app.project.file ?? '');
    if (!folder) throw new HostError('Save the project first: generated clips are written next to it.');
    return folder;
  }

  /**
   * A new top layer at the current time. `layers.add` honours the "Create Layers at Composition Start Time"
   * preference (AE scripting guide, LayerCollection.add), so the start is set explicitly, then the out point.
   */
  async placeGenerated(
    request: GeneratedPlaceRequest,
    options: PlaceOptions,
  ): Promise<GeneratedPlaceOutcome> {
    const comp = this.activeComp();
    const { app, ImportOptions } = this.ae;
    const at = comp.time;
    app.beginUndoGroup(options.undoLabel);
    try {
      let footage;
      try {
        footage = app.project.importFile(new ImportOptions(request.resultPath));
      } catch (err) {
        return {
          ok: false,
          message: `After Effects could not import ${request.resultPath}: ${(err as Error).message}`,
        };
      }
      footage.parentFolder = this.renderFolder();
      const layer = comp.layers.add(footage);
      layer.startTime = at;
      layer.outPoint = at + request.durationSeconds;
      return { ok: true, startSeconds: at, trackIndex: layer.index - 1, where: `new layer ${layer.index}` };
    } finally {
      app.endUndoGroup();
    }
  }

  async addShotMarkers(items: ClipShots[], options: PlaceOptions): Promise<number> {
    const layers = items.flatMap((shots) => {
      const layer = this.selected.get(shots.clipId);
      return layer ? [{ layer, shots }] : [];
    });
    return addLayerShotMarkers(this.ae, layers, options.undoLabel);
  }

  /** A null per track with Position/Scale keys, parented to the layer, all in one undo group. */
  async addFaceTracks(items: ClipFaceTracks[], options: PlaceOptions): Promise<FaceTracksOutcome> {
    const comp = this.activeComp();
    const footage = items.flatMap((item) => {
      const layer = this.selected.get(item.clipId);
      return layer ? [{ footage: layer, tracks: item.tracks, mediaFrameRate: item.frameRate }] : [];
    });
    const nulls = addFaceTrackKeyframesToLayers(this.ae.app, comp.layers, footage, options.undoLabel);
    return { placed: nulls.length, message: faceNullsMessage(nulls.length) };
  }
}
