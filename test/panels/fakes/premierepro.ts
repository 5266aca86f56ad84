/**
 * An in-memory `premierepro` module that keeps the rules documented for Premiere Pro UXP (HOSTS.md §1.3),
 * so the real PremiereAdapter can be exercised without Premiere:
 * - every getter is async; create*Action, executeTransaction and cast are synchronous;
 * - a create*Action call outside `project.lockedAccess` throws (enforced by Premiere since 26.3), and so
 *   does executeTransaction outside it (the official samples always commit inside the lock);
 * - a lockedAccess or transaction callback that returns a Promise throws (the callbacks are `() => void`);
 * - a transaction's actions apply together when its callback returns, and its undo label is recorded;
 * - `importFiles` resolves to a boolean only; new items land in the target bin;
 * - video tracks are 0-based; an overwrite onto an occupied range clobbers the clips there (recorded in
 *   `clobbered` so tests can assert that none were), and a track index past the end adds a track;
 * - an insert edit (`createInsertProjectItemAction`) pushes later clips right by the inserted length: on the
 *   target track only with limitShift, on every track without it (each moved clip is recorded in `shifted`),
 *   and a clip the insert point falls inside is cut in two (recorded in `split`); a track index past the end
 *   adds a track ("a new track will be created");
 * - the playhead is `sequence.getPlayerPosition()` (async, a TickTime); the project's file is `project.path`;
 * - markers: `Markers.getMarkers(owner)` is async and takes only a Sequence or a ClipProjectItem;
 *   `createAddMarkerAction(name, type?, start?, duration?, comments?)` is synchronous, needs the lock, takes
 *   TickTimes (not numbers) and one of the Marker.MARKER_TYPE_* strings, and a marker starting outside the
 *   owner's media or sequence length is refused when applied; markers appear only when the transaction
 *   commits.
 * No Node imports: the same fake runs in the headless-Chromium panel test.
 */
import type {
  ClipProjectItem,
  ClipProjectItemStatic,
  CompoundAction,
  FolderItem,
  FolderItemStatic,
  Project,
  ProjectItemStatic,
  ProjectStatic,
  Marker,
  Markers,
  MarkersStatic,
  MarkerStatic,
  Sequence,
  SequenceEditor,
  SequenceEditorStatic,
  TickTime,
  TickTimeStatic,
  TrackItemSelection,
  VideoClipTrackItem,
  VideoTrack,
} from '@adobe/premierepro';
import type { FakeOf } from './fake-of.ts';

/** What the fake "disk" knows about a media file (tests back it with real probes of real files). */
export interface FakeMediaInfo {
  durationSeconds: number;
  frameRate: number;
}
export type MediaLookup = (path: string) => Promise<FakeMediaInfo | null>;

export class FakeTickTime implements FakeOf<TickTime, 'seconds' | 'ticks' | 'ticksNumber'> {
  static readonly TICKS_PER_SECOND = 254016000000;
  constructor(readonly seconds: number) {}
  get ticksNumber(): number {
    return Math.round(this.seconds * FakeTickTime.TICKS_PER_SECOND);
  }
  get ticks(): string {
    return String(this.ticksNumber);
  }
}
const secondsOf = (t: TickTime | FakeTickTime): number => t.seconds;

/** The fake's Action: created only inside lockedAccess, applied when its transaction commits. */
export class FakeAction {
  constructor(
    readonly description: string,
    readonly apply: () => void,
  ) {}
}

export class FakeCompoundAction implements FakeOf<CompoundAction, 'addAction' | 'empty'> {
  readonly actions: FakeAction[] = [];
  addAction(action: object): boolean {
    if (!(action instanceof FakeAction)) throw new TypeError('addAction: not an Action');
    this.actions.push(action);
    return true;
  }
  get empty(): boolean {
    return this.actions.length === 0;
  }
}

const TYPE_CLIP = 1;
const TYPE_BIN = 2;
const TYPE_ROOT = 3;

function isThenable(v: unknown): boolean {
  return typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function';
}

export class FakeClipProjectItem implements FakeOf<
  ClipProjectItem,
  | 'name'
  | 'type'
  | 'isSequence'
  | 'isOffline'
  | 'getMediaFilePath'
  | 'getFootageInterpretation'
  | 'getMedia'
  | 'createSetInOutPointsAction'
> {
  readonly type = TYPE_CLIP;
  /** Project-item in/out (what an overwrite edit places), seconds of media time. */
  inPoint = 0;
  outPoint: number;
  constructor(
    private readonly project: FakeProject,
    readonly name: string,
    readonly mediaPath: string,
    readonly media: FakeMediaInfo,
    readonly flags: { offline?: boolean; sequence?: boolean } = {},
  ) {
    this.outPoint = media.durationSeconds;
  }
  async isSequence(): Promise<boolean> {
    return this.flags.sequence === true;
  }
  async isOffline(): Promise<boolean> {
    return this.flags.offline === true;
  }
  async getMediaFilePath(): Promise<string> {
    return this.flags.sequence ? '' : this.mediaPath;
  }
  async getFootageInterpretation(): Promise<{ getFrameRate(): number }> {
    return { getFrameRate: () => this.media.frameRate };
  }
  async getMedia(): Promise<{ start: FakeTickTime; duration: FakeTickTime }> {
    return { start: new FakeTickTime(0), duration: new FakeTickTime(this.media.durationSeconds) };
  }
  getProjectItemId(): string {
    return this.mediaPath;
  }
  createSetInOutPointsAction(inPoint: TickTime, outPoint: TickTime): FakeAction {
    const [i, o] = [secondsOf(inPoint), secondsOf(outPoint)];
    return this.project.newAction(`set in/out of ${this.name}`, () => {
      if (!(o > i) || i < 0 || o > this.media.durationSeconds + 1e-6) {
        throw new Error(`in/out ${i}-${o} outside the media of ${this.name}`);
      }
      this.inPoint = i;
      this.outPoint = o;
    });
  }
}

export class FakeFolderItem implements FakeOf<FolderItem, 'name' | 'type' | 'getItems' | 'createBinAction'> {
  readonly items: (FakeFolderItem | FakeClipProjectItem)[] = [];
  constructor(
    private readonly project: FakeProject,
    readonly name: string,
    readonly type: number = TYPE_BIN,
  ) {}
  async getItems(): Promise<(FakeFolderItem | FakeClipProjectItem)[]> {
    return [...this.items];
  }
  createBinAction(name: string, makeUnique: boolean): FakeAction {
    return this.project.newAction(`create bin ${name}`, () => {
      let unique = name;
      for (let n = 2; makeUnique && this.items.some((i) => i.name === unique); n++) unique = `${name} ${n}`;
      this.items.push(new FakeFolderItem(this.project, unique));
    });
  }
}

export class FakeTrackItem implements FakeOf<
  VideoClipTrackItem,
  | 'getName'
  | 'getInPoint'
  | 'getOutPoint'
  | 'getStartTime'
  | 'getEndTime'
  | 'getTrackIndex'
  | 'getSpeed'
  | 'isSpeedReversed'
  | 'isAdjustmentLayer'
  | 'getProjectItem'
  | 'createAddVideoTransitionAction'
> {
  constructor(
    private readonly sequence: FakeSequence,
    readonly name: string,
    readonly projectItem: FakeClipProjectItem,
    /** Source in/out (seconds of media time) and timeline start (seconds). */
    readonly inSeconds: number,
    readonly outSeconds: number,
    readonly startSeconds: number,
    readonly options: { speed?: number; reversed?: boolean; adjustment?: boolean } = {},
  ) {}
  get endSeconds(): number {
    return this.startSeconds + (this.outSeconds - this.inSeconds) / (this.options.speed ?? 1);
  }
  async getName(): Promise<string> {
    return this.name;
  }
  async getInPoint(): Promise<FakeTickTime> {
    return new FakeTickTime(this.inSeconds);
  }
  async getOutPoint(): Promise<FakeTickTime> {
    return new FakeTickTime(this.outSeconds);
  }
  async getStartTime(): Promise<FakeTickTime> {
    return new FakeTickTime(this.startSeconds);
  }
  async getEndTime(): Promise<FakeTickTime> {
    return new FakeTickTime(this.endSeconds);
  }
  async getTrackIndex(): Promise<number> {
    return this.sequence.videoTracks.findIndex((t) => t.items.includes(this));
  }
  async getSpeed(): Promise<number> {
    return this.options.speed ?? 1;
  }
  async isSpeedReversed(): Promise<number> {
    return this.options.reversed ? 1 : 0;
  }
  async isAdjustmentLayer(): Promise<boolean> {
    return this.options.adjustment === true;
  }
  async getProjectItem(): Promise<FakeClipProjectItem> {
    return this.projectItem;
  }
  createAddVideoTransitionAction(): FakeAction {
    throw new Error('not used by mlxvideo');
  }
}

export class FakeVideoTrack implements FakeOf<VideoTrack, 'getTrackItems' | 'name'> {
  readonly items: FakeTrackItem[] = [];
  constructor(readonly name: string) {}
  getTrackItems(trackItemType: number, includeEmptyTrackItems: boolean): FakeTrackItem[] {
    void includeEmptyTrackItems;
    if (trackItemType !== FAKE_CONSTANTS.TrackItemType.CLIP) return [];
    return [...this.items].sort((a, b) => a.startSeconds - b.startSeconds);
  }
}

export interface Clobbered {
  track: number;
  name: string;
  by: string;
}

export class FakeSequence implements FakeOf<
  Sequence,
  'name' | 'getSelection' | 'getVideoTrackCount' | 'getVideoTrack' | 'getAudioTrackCount'
> {
  readonly videoTracks: FakeVideoTrack[] = [];
  audioTrackCount = 1;
  selection: FakeTrackItem[] = [];
  /** Clips an edit overwrote (wholly or partly): the adapter must keep this empty. */
  readonly clobbered: Clobbered[] = [];
  /** Audio placements (the render's audio never goes onto an existing audio track). */
  readonly audioPlacements: { track: number; name: string }[] = [];
  /** Clips an insert edit moved later (ripple): the adapter must keep this empty. */
  readonly shifted: { track: number; name: string; bySeconds: number }[] = [];
  /** Clips an insert edit cut in two. */
  readonly split: { track: number; name: string }[] = [];
  /** The playhead (current time indicator), seconds. */
  playerPosition = 0;

  constructor(
    readonly name: string,
    videoTracks: number,
  ) {
    for (let i = 0; i < videoTracks; i++) this.videoTracks.push(new FakeVideoTrack(`V${i + 1}`));
  }
  async getSelection(): Promise<{ getTrackItems(): Promise<FakeTrackItem[]> }> {
    const items = [...this.selection];
    return { getTrackItems: async () => items } satisfies FakeOf<TrackItemSelection, 'getTrackItems'>;
  }
  async getVideoTrackCount(): Promise<number> {
    return this.videoTracks.length;
  }
  async getVideoTrack(trackIndex: number): Promise<FakeVideoTrack> {
    const t = this.videoTracks[trackIndex];
    if (!t) throw new RangeError(`no video track ${trackIndex} (0-based; ${this.videoTracks.length} tracks)`);
    return t;
  }
  async getAudioTrackCount(): Promise<number> {
    return this.audioTrackCount;
  }
  async getPlayerPosition(): Promise<FakeTickTime> {
    return new FakeTickTime(this.playerPosition);
  }

  /** Test helper: puts a clip on a track (not an edit the panel makes). */
  addClip(
    track: number,
    name: string,
    item: FakeClipProjectItem,
    range: { in: number; out: number; start: number },
    options: FakeTrackItem['options'] = {},
  ): FakeTrackItem {
    const clip = new FakeTrackItem(this, name, item, range.in, range.out, range.start, options);
    this.videoTracks[track]!.items.push(clip);
    return clip;
  }

  /** Insert edit semantics: later clips move right (target track only with limitShift), a straddled clip is cut. */
  insert(
    item: FakeClipProjectItem,
    startSeconds: number,
    videoTrack: number,
    audioTrack: number,
    limitShift: boolean,
  ): void {
    while (this.videoTracks.length <= videoTrack)
      this.videoTracks.push(new FakeVideoTrack(`V${this.videoTracks.length + 1}`));
    const length = item.outPoint - item.inPoint;
    const tracks = limitShift ? [videoTrack] : this.videoTracks.map((_, i) => i);
    for (const index of tracks) {
      const track = this.videoTracks[index]!;
      for (const other of [...track.items]) {
        if (other.startSeconds < startSeconds - 1e-6 && other.endSeconds > startSeconds + 1e-6) {
          this.split.push({ track: index, name: other.name });
        } else if (other.startSeconds >= startSeconds - 1e-6) {
          track.items.splice(track.items.indexOf(other), 1);
          track.items.push(
            new FakeTrackItem(
              this,
              other.name,
              other.projectItem,
              other.inSeconds,
              other.outSeconds,
              other.startSeconds + length,
              other.options,
            ),
          );
          this.shifted.push({ track: index, name: other.name, bySeconds: length });
        }
      }
    }
    this.videoTracks[videoTrack]!.items.push(
      new FakeTrackItem(this, item.name, item, item.inPoint, item.outPoint, startSeconds),
    );
    while (this.audioTrackCount <= audioTrack) this.audioTrackCount++;
    this.audioPlacements.push({ track: audioTrack, name: item.name });
  }

  /** Overwrite edit semantics: whatever overlaps [start, end) on the target track is clobbered. */
  overwrite(item: FakeClipProjectItem, startSeconds: number, videoTrack: number, audioTrack: number): void {
    while (this.videoTracks.length <= videoTrack)
      this.videoTracks.push(new FakeVideoTrack(`V${this.videoTracks.length + 1}`));
    const placed = new FakeTrackItem(this, item.name, item, item.inPoint, item.outPoint, startSeconds);
    const track = this.videoTracks[videoTrack]!;
    for (const other of [...track.items]) {
      if (other.endSeconds > placed.startSeconds + 1e-6 && other.startSeconds < placed.endSeconds - 1e-6) {
        this.clobbered.push({ track: videoTrack, name: other.name, by: item.name });
        track.items.splice(track.items.indexOf(other), 1);
      }
    }
    track.items.push(placed);
    while (this.audioTrackCount <= audioTrack) this.audioTrackCount++;
    this.audioPlacements.push({ track: audioTrack, name: item.name });
  }
}

export class FakeProject implements FakeOf<
  Project,
  | 'name'
  | 'path'
  | 'getActiveSequence'
  | 'getRootItem'
  | 'importFiles'
  | 'lockedAccess'
  | 'executeTransaction'
> {
  /** The .prproj file; '' for a project never saved. */
  path = '';
  readonly root: FakeFolderItem;
  activeSequence: FakeSequence | null = null;
  /** Undo labels of committed transactions, oldest first. */
  readonly undoStack: string[] = [];
  private lockDepth = 0;

  constructor(
    readonly name: string,
    private readonly lookup: MediaLookup,
  ) {
    this.root = new FakeFolderItem(this, name, TYPE_ROOT);
  }

  newAction(description: string, apply: () => void): FakeAction {
    if (this.lockDepth === 0) {
      throw new Error(
        `${description}: create*Action must be called inside project.lockedAccess() (enforced since Premiere 26.3)`,
      );
    }
    return new FakeAction(description, apply);
  }

  /** Test helper: a media clip already in the project (as if imported earlier). */
  addMedia(path: string, info: FakeMediaInfo, flags: FakeClipProjectItem['flags'] = {}): FakeClipProjectItem {
    const name = path.slice(Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1);
    const item = new FakeClipProjectItem(this, name, path, info, flags);
    this.root.items.push(item);
    return item;
  }

  async getActiveSequence(): Promise<FakeSequence | null> {
    return this.activeSequence;
  }
  async getRootItem(): Promise<FakeFolderItem> {
    return this.root;
  }

  async importFiles(
    filePaths: string[],
    suppressUI?: boolean,
    targetBin?: object,
    asNumberedStills?: boolean,
  ): Promise<boolean> {
    void suppressUI;
    void asNumberedStills;
    const bin = targetBin instanceof FakeFolderItem ? targetBin : this.root;
    let all = true;
    for (const path of filePaths) {
      const info = await this.lookup(path);
      if (!info) {
        all = false;
        continue;
      }
      const name = path.slice(Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1);
      bin.items.push(new FakeClipProjectItem(this, name, path, info));
    }
    return all;
  }

  lockedAccess(callback: () => void): void {
    this.lockDepth++;
    try {
      const r: unknown = callback();
      if (isThenable(r))
        throw new TypeError('lockedAccess callback returned a Promise: it must be synchronous');
    } finally {
      this.lockDepth--;
    }
  }

  executeTransaction(callback: (compoundAction: CompoundAction) => void, undoString?: string): boolean {
    if (this.lockDepth === 0)
      throw new Error('executeTransaction must be called inside project.lockedAccess()');
    const compound = new FakeCompoundAction();
    const r: unknown = callback(compound as unknown as CompoundAction);
    if (isThenable(r)) {
      throw new TypeError(
        'executeTransaction callback returned a Promise: it must be synchronous (await before the lock)',
      );
    }
    // Atomic: on any failure nothing of this transaction stays applied (the fake snapshots what actions touch).
    const snapshot = this.snapshot();
    try {
      for (const a of compound.actions) a.apply();
    } catch (err) {
      snapshot();
      throw err;
    }
    this.undoStack.push(undoString ?? '');
    return true;
  }

  /** Returns a function restoring track contents, bins and clip in/outs (enough for atomic transactions). */
  private snapshot(): () => void {
    const seq = this.activeSequence;
    const tracks = seq?.videoTracks.map((t) => [...t.items]) ?? [];
    const trackCount = seq?.videoTracks.length ?? 0;
    const clobbered = seq?.clobbered.length ?? 0;
    const moved = [seq?.shifted.length ?? 0, seq?.split.length ?? 0] as const;
    const bins: [FakeFolderItem, (FakeFolderItem | FakeClipProjectItem)[]][] = [];
    const clips: [FakeClipProjectItem, number, number][] = [];
    const walk = (f: FakeFolderItem) => {
      bins.push([f, [...f.items]]);
      for (const i of f.items) {
        if (i instanceof FakeFolderItem) walk(i);
        else clips.push([i, i.inPoint, i.outPoint]);
      }
    };
    walk(this.root);
    return () => {
      if (seq) {
        seq.videoTracks.length = trackCount;
        tracks.forEach((items, i) => seq.videoTracks[i]!.items.splice(0, Infinity, ...items));
        seq.clobbered.length = clobbered;
        seq.shifted.length = moved[0];
        seq.split.length = moved[1];
      }
      for (const [f, items] of bins) f.items.splice(0, Infinity, ...items);
      for (const [c, i, o] of clips) {
        c.inPoint = i;
        c.outPoint = o;
      }
    };
  }
}

export const FAKE_CONSTANTS = {
  TrackItemType: { EMPTY: 0, CLIP: 1, TRANSITION: 2, PREVIEW: 3, FEEDBACK: 4 },
  MediaType: { ANY: 0, DATA: 1, VIDEO: 2, AUDIO: 3 },
  ContentType: { ANY: 0, SEQUENCE: 1, MEDIA: 2 },
} as const;

class FakeSequenceEditor implements FakeOf<
  SequenceEditor,
  'createOverwriteItemAction' | 'createInsertProjectItemAction'
> {
  constructor(
    private readonly project: FakeProject,
    private readonly sequence: FakeSequence,
  ) {}
  createOverwriteItemAction(
    projectItem: object,
    time: TickTime,
    videoTrackIndex: number,
    audioTrackIndex: number,
  ): FakeAction {
    if (!(projectItem instanceof FakeClipProjectItem))
      throw new TypeError('createOverwriteItemAction: not a clip project item');
    const start = secondsOf(time);
    return this.project.newAction(
      `overwrite ${projectItem.name} at ${start}s on V${videoTrackIndex + 1}`,
      () => this.sequence.overwrite(projectItem, start, videoTrackIndex, audioTrackIndex),
    );
  }
  createInsertProjectItemAction(
    projectItem: object,
    time: TickTime,
    videoTrackIndex: number,
    audioTrackIndex: number,
    limitShift: boolean,
  ): FakeAction {
    if (!(projectItem instanceof FakeClipProjectItem))
      throw new TypeError('createInsertProjectItemAction: not a clip project item');
    if (typeof limitShift !== 'boolean')
      throw new TypeError('createInsertProjectItemAction: limitShift is required');
    const start = secondsOf(time);
    return this.project.newAction(`insert ${projectItem.name} at ${start}s on V${videoTrackIndex + 1}`, () =>
      this.sequence.insert(projectItem, start, videoTrackIndex, audioTrackIndex, limitShift),
    );
  }
}

export const FAKE_MARKER_TYPES = {
  MARKER_TYPE_COMMENT: 'Comment',
  MARKER_TYPE_CHAPTER: 'Chapter',
  MARKER_TYPE_FLVCUEPOINT: 'FLVCuePoint',
  MARKER_TYPE_WEBLINK: 'WebLink',
} as const;

export class FakeMarker implements FakeOf<
  Marker,
  'getName' | 'getComments' | 'getType' | 'getStart' | 'getDuration'
> {
  constructor(
    readonly name: string,
    readonly type: string,
    readonly startSeconds: number,
    readonly durationSeconds: number,
    readonly comments: string,
  ) {}
  getName(): string {
    return this.name;
  }
  getComments(): string {
    return this.comments;
  }
  getType(): string {
    return this.type;
  }
  getStart(): FakeTickTime {
    return new FakeTickTime(this.startSeconds);
  }
  getDuration(): FakeTickTime {
    return new FakeTickTime(this.durationSeconds);
  }
}

export class FakeMarkers implements FakeOf<Markers, 'getMarkers' | 'createAddMarkerAction'> {
  readonly list: FakeMarker[] = [];
  constructor(
    private readonly project: FakeProject,
    private readonly ownerName: string,
    /** Length of the owner (media or sequence) in seconds; markers must start inside it. */
    private readonly lengthSeconds: () => number,
  ) {}
  getMarkers(filters?: string[]): FakeMarker[] {
    return this.list.filter((m) => !filters || filters.includes(m.type));
  }
  createAddMarkerAction(
    name: string,
    markerType?: string,
    startTime?: TickTime,
    duration?: TickTime,
    comments?: string,
  ): FakeAction {
    const tick = (t: unknown, what: string) => {
      if (t !== undefined && !(t instanceof FakeTickTime))
        throw new TypeError(`createAddMarkerAction: ${what} must be a TickTime, got ${typeof t}`);
      return t === undefined ? 0 : t.seconds;
    };
    const type = markerType ?? FAKE_MARKER_TYPES.MARKER_TYPE_COMMENT;
    if (!Object.values(FAKE_MARKER_TYPES).includes(type as never))
      throw new TypeError(`createAddMarkerAction: unknown marker type "${type}"`);
    const start = tick(startTime, 'startTime');
    const length = tick(duration, 'duration');
    return this.project.newAction(`add marker ${name} at ${start}s on ${this.ownerName}`, () => {
      if (start < 0 || start >= this.lengthSeconds() + 1e-6)
        throw new Error(`marker ${name} at ${start}s is outside ${this.ownerName}`);
      this.list.push(new FakeMarker(name, type, start, length, comments ?? ''));
    });
  }
}

export interface FakePremiere {
  /** The object `require("premierepro")` would return; cast to `premierepro` only where it is injected. */
  module: {
    Project: FakeOf<ProjectStatic, 'getActiveProject'>;
    ClipProjectItem: FakeOf<ClipProjectItemStatic, 'cast'>;
    FolderItem: FakeOf<FolderItemStatic, 'cast'>;
    ProjectItem: FakeOf<ProjectItemStatic, 'cast' | 'TYPE_BIN' | 'TYPE_CLIP' | 'TYPE_ROOT'>;
    TickTime: FakeOf<TickTimeStatic, 'createWithSeconds'>;
    SequenceEditor: FakeOf<SequenceEditorStatic, 'getEditor'>;
    Constants: typeof FAKE_CONSTANTS;
    Markers: FakeOf<MarkersStatic, 'getMarkers'>;
    Marker: FakeOf<MarkerStatic, 'MARKER_TYPE_COMMENT' | 'MARKER_TYPE_CHAPTER'>;
  };
  project: FakeProject;
  /** The markers of each owner (sequence or clip project item) the panel asked for. */
  markersOf(owner: object): FakeMarkers | undefined;
  sequence: FakeSequence;
}

export function createFakePremiere(options: { lookup: MediaLookup; videoTracks?: number }): FakePremiere {
  const project = new FakeProject('Test project', options.lookup);
  const sequence = new FakeSequence('Sequence 01', options.videoTracks ?? 3);
  project.activeSequence = sequence;
  const markers = new Map<object, FakeMarkers>();
  const sequenceLength = () =>
    Math.max(0, ...sequence.videoTracks.flatMap((t) => t.items.map((i) => i.endSeconds)));
  return {
    project,
    sequence,
    markersOf: (owner) => markers.get(owner),
    module: {
      Project: { getActiveProject: async () => project },
      ClipProjectItem: { cast: (item: unknown) => (item instanceof FakeClipProjectItem ? item : null) },
      FolderItem: { cast: (item: unknown) => (item instanceof FakeFolderItem ? item : null) },
      ProjectItem: { cast: (item: unknown) => item as object, TYPE_CLIP, TYPE_BIN, TYPE_ROOT },
      TickTime: { createWithSeconds: (s: number) => new FakeTickTime(s) },
      SequenceEditor: {
        getEditor: (s: unknown) => {
          if (s !== sequence) throw new Error('getEditor: unknown sequence');
          return new FakeSequenceEditor(project, sequence);
        },
      },
      Constants: FAKE_CONSTANTS,
      Marker: FAKE_MARKER_TYPES,
      Markers: {
        getMarkers: async (owner: unknown) => {
          if (!(owner instanceof FakeSequence) && !(owner instanceof FakeClipProjectItem))
            throw new TypeError('Markers.getMarkers: the owner must be a Sequence or a ClipProjectItem');
          let m = markers.get(owner);
          if (!m) {
            m =
              owner instanceof FakeSequence
                ? new FakeMarkers(project, owner.name, sequenceLength)
                : new FakeMarkers(project, owner.name, () => owner.media.durationSeconds);
            markers.set(owner, m);
          }
          return m;
        },
      },
    },
  };
}
