/**
 * HostAdapter for After Effects 2024–2026 through CEP: the panel runs in CEP's Chromium and reaches the
 * AE DOM only through `CSInterface.evalScript`, which runs a string of ExtendScript in AE's engine and
 * calls back, later, with the script's result as a string. The ExtendScript half
 * (plugin-aftereffects/cep/jsx/mlxvideo.jsx, loaded by the manifest) does the DOM work; this side sends
 * it JSON and reads JSON back, and keeps the rules (what can be processed, the frame maths) here in
 * TypeScript where they are shared and tested. The panel does not know which adapter it has.
 */
import {
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
} from './host-adapter.ts';
import { layerMarkerTimes } from './layer-marker-times.ts';
import { faceNullName, faceNullsMessage, planFaceKeyframes } from './face-keyframe-plan.ts';

/** The one CSInterface method this adapter uses (Adobe's CSInterface.js, CEP 11/12). */
export interface CsInterfaceLike {
  evalScript(script: string, callback?: (result: string) => void): void;
}

/** What CEP hands back when the ExtendScript threw or did not parse (CSInterface passes it through). */
export const EVAL_SCRIPT_ERROR = 'EvalScript error.';

/** The global the .jsx defines; the script checks it first, so a missing .jsx is told apart from a failure. */
export const JSX_NAMESPACE = 'mlxvideoHost';
const NOT_LOADED = '__mlxvideo_not_loaded__';

/** One selected layer as the .jsx reports it: facts read from the DOM, no decisions. */
export interface CepLayerFacts {
  layerId: number;
  index: number;
  name: string;
  inPoint: number;
  outPoint: number;
  startTime: number;
  stretch: number;
  locked: boolean;
  timeRemapEnabled: boolean;
  source: 'none' | 'comp' | 'footage';
  footageMissing: boolean;
  file: string;
  frameRate: number;
  duration: number;
}

interface CepSelection {
  compId: number;
  compName: string;
  frameRate: number;
  layers: CepLayerFacts[];
}

type CepPlaceOutcome =
  { clipId: string; ok: true; index: number; where: string } | { clipId: string; ok: false; message: string };

/**
 * The argument as ExtendScript source: JSON is a JS expression, except that U+2028/U+2029 end a line in
 * an ES3 string literal, so they are escaped (JSON.stringify leaves them raw).
 */
export function scriptLiteral(value: unknown): string {
  return JSON.stringify(value)
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** SelectedClip for one layer: the same rules as the UXP adapter (plugin-aftereffects/src/ae-adapter.ts). */
export function clipFromLayer(id: string, layer: CepLayerFacts): SelectedClip {
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
  const refuse = (why: string): SelectedClip => ({ ...base, unsupportedReason: why });
  if (layer.source === 'none') return refuse(`"${layer.name}" has no footage (text, shape or camera layer).`);
  if (layer.source === 'comp') return refuse(`"${layer.name}" is a precomp: render it to a file first.`);
  if (layer.locked) return refuse(`"${layer.name}" is locked: unlock it in the timeline, then apply again.`);
  if (layer.timeRemapEnabled) {
    return refuse(`"${layer.name}" uses time remapping: turn it off, apply, then remap the result.`);
  }
  if (layer.footageMissing) return { ...base, offline: true };
  if (!layer.file) return refuse(`"${layer.name}" is a solid or placeholder, not a file.`);
  return { ...base, mediaPath: layer.file, frameRate: layer.frameRate, mediaDurationSeconds: layer.duration };
}

export class CepHostAdapter implements HostAdapter {
  readonly hostName = 'aftereffects-cep';
  private compId: number | null = null;
  private readonly layers = new Map<string, CepLayerFacts>();

  constructor(private readonly cs: CsInterfaceLike) {}

  /** Runs one .jsx call; resolves with its value, rejects with a HostError carrying a message for the user. */
  private call<T>(name: string, arg: unknown): Promise<T> {
    const script =
      `typeof ${JSX_NAMESPACE} === "undefined" ? "${NOT_LOADED}" : ` +
      `${JSX_NAMESPACE}.call(${scriptLiteral(name)}, ${scriptLiteral(arg)})`;
    return new Promise<T>((resolve, reject) => {
      this.cs.evalScript(script, (result) => {
        if (result === NOT_LOADED) {
          reject(
            new HostError(
              'The mlxvideo ExtendScript (jsx/mlxvideo.jsx) is not loaded in After Effects: reinstall the extension and restart After Effects.',
            ),
          );
          return;
        }
        if (result === EVAL_SCRIPT_ERROR) {
          reject(new HostError(`After Effects could not run the mlxvideo script (${EVAL_SCRIPT_ERROR})`));
          return;
        }
        let reply: { ok: boolean; value?: T; error?: string };
        try {
          reply = JSON.parse(result) as typeof reply;
        } catch {
          reject(new HostError(`After Effects answered something unexpected: ${result.slice(0, 200)}`));
          return;
        }
        if (reply.ok) resolve(reply.value as T);
        else reject(new HostError(reply.error ?? 'After Effects reported an error.'));
      });
    });
  }

  async getSelectedClips(): Promise<SelectedClip[]> {
    const selection = await this.call<CepSelection>('selection', null);
    this.compId = selection.compId;
    this.layers.clear();
    return selection.layers.map((layer) => {
      // Layer ids are persistent (unlike indexes, which shift as layers are added or moved).
      const id = `${selection.compId}:${layer.layerId}`;
      this.layers.set(id, layer);
      return clipFromLayer(id, layer);
    });
  }

  async placeResults(requests: PlaceRequest[], options: PlaceOptions): Promise<PlaceOutcome[]> {
    const known = requests.filter((r) => this.layers.has(r.clipId));
    const unknown: PlaceOutcome[] = requests
      .filter((r) => !this.layers.has(r.clipId))
      .map((r) => ({
        clipId: r.clipId,
        ok: false,
        message: 'The layer is no longer known: select it and apply again.',
      }));
    if (known.length === 0 || this.compId === null) return unknown;
    const outcomes = await this.call<CepPlaceOutcome[]>('place', {
      compId: this.compId,
      undoLabel: options.undoLabel,
      folderName: RENDER_FOLDER_NAME,
      items: known.map((r) => ({
        clipId: r.clipId,
        layerId: this.layers.get(r.clipId)!.layerId,
        resultPath: r.resultPath,
        resultInSeconds: r.resultInSeconds,
        durationSeconds: r.durationSeconds,
      })),
    });
    return [
      ...outcomes.map((o): PlaceOutcome =>
        o.ok
          ? { clipId: o.clipId, ok: true, trackIndex: o.index - 1, newTrack: true, where: o.where }
          : { clipId: o.clipId, ok: false, message: o.message },
      ),
      ...unknown,
    ];
  }

  async generatedFolder(): Promise<string> {
    const folder = await this.call<string>('projectFolder', null);
    if (!folder) throw new HostError('Save the project first: generated clips are written next to it.');
    return /[\\/]$/.test(folder) ? folder : `${folder}/`;
  }

  async placeGenerated(
    request: GeneratedPlaceRequest,
    options: PlaceOptions,
  ): Promise<GeneratedPlaceOutcome> {
    return this.call<GeneratedPlaceOutcome>('placeGenerated', {
      undoLabel: options.undoLabel,
      folderName: RENDER_FOLDER_NAME,
      resultPath: request.resultPath,
      durationSeconds: request.durationSeconds,
    });
  }

  /** Layer markers at comp times computed here (the shared rules), written by the .jsx in one undo group. */
  async addShotMarkers(items: ClipShots[], options: PlaceOptions): Promise<number> {
    const layers = items.flatMap((shots) => {
      const layer = this.layers.get(shots.clipId);
      return layer ? [{ layerId: layer.layerId, markers: layerMarkerTimes(layer, shots) }] : [];
    });
    if (this.compId === null || layers.every((l) => l.markers.length === 0)) return 0;
    return this.call<number>('markers', { compId: this.compId, undoLabel: options.undoLabel, layers });
  }

  /** Keyframes planned here (the shared rules), a null per track written by the .jsx in one undo group. */
  async addFaceTracks(items: ClipFaceTracks[], options: PlaceOptions): Promise<FaceTracksOutcome> {
    const layers = items.flatMap((item) => {
      const layer = this.layers.get(item.clipId);
      if (!layer) return [];
      const tracks = planFaceKeyframes(item.tracks, layer, item.frameRate).map((plan) => ({
        name: faceNullName(plan.id),
        ...plan,
      }));
      return [{ layerId: layer.layerId, tracks }];
    });
    const placed =
      this.compId === null || layers.every((l) => l.tracks.length === 0)
        ? 0
        : await this.call<number>('faceKeyframes', {
            compId: this.compId,
            undoLabel: options.undoLabel,
            layers,
          });
    return { placed, message: faceNullsMessage(placed) };
  }
}
