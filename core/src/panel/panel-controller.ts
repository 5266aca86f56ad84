/**
 * The panel's logic, shared by every host: pairing and connecting to the daemon, the effect list and
 * parameter values, one daemon job per selected clip (used range + handles), per-clip progress and
 * cancel, and handing finished renders to the host adapter to place above their originals in one undo
 * step. No DOM and no host API here: the view (panel-view.ts) renders `state`, the adapter does the host.
 */
import { DaemonClient, DaemonError, pairedToken, type WebSocketConstructor } from '../client/client.ts';
import {
  DEFAULT_PORT,
  type ClientInfo,
  type EffectSummary,
  type ErrorCode,
  type JobDoneEvent,
  type JobSpecMessage,
  type JsonParams,
} from '../client/protocol.ts';
import type { ClipFaceTracks, ClipShots, HostAdapter, SelectedClip } from './host-adapter.ts';
import { FACE_TRACKS_UNDO } from './face-keyframe-plan.ts';
import {
  analysisOutputPath,
  generatedOutputPath,
  planClipJob,
  unsupportedReason,
  type ClipJobPlan,
} from './job-plan.ts';
import {
  coerceValue,
  defaultValues,
  formFields,
  toJsonParams,
  type FieldValue,
  type FormField,
} from './param-form.ts';

/** Where the pairing token lives between sessions (UXP localStorage in the plugins, memory in tests). */
export interface TokenStore {
  load(): string | null;
  save(token: string): void;
  clear(): void;
}

export type ConnectionState = 'disconnected' | 'connecting' | 'unreachable' | 'needs-pairing' | 'connected';
export type ClipStatus = 'rejected' | 'queued' | 'running' | 'placing' | 'placed' | 'failed' | 'cancelled';

export interface ClipJobState {
  clipId: string;
  name: string;
  status: ClipStatus;
  done: number;
  total: number;
  message: string;
  jobId?: string;
  output?: string;
  trackIndex?: number;
}

export interface PanelState {
  connection: ConnectionState;
  /** The panel-wide message: why it is not connected, what went wrong with the last apply. */
  message: string;
  effects: EffectSummary[];
  effectId: string | null;
  fields: FormField[];
  values: Record<string, FieldValue>;
  clips: ClipJobState[];
  busy: boolean;
}

export interface PanelControllerOptions {
  adapter: HostAdapter;
  tokens: TokenStore;
  /** Default ws://127.0.0.1:7433/ (127.0.0.1, not localhost: macOS blocks localhost in places, HOSTS.md §1.2). */
  url?: string;
  /** UXP and browsers have a global WebSocket; Node tests pass the `ws` class. */
  WebSocket?: WebSocketConstructor;
  client?: ClientInfo;
  handleFrames?: number;
  now?: () => Date;
  connectTimeoutMs?: number;
  /** Params of the `analyze` job the Analyse button runs (sampling stride, model resolution); default its own. */
  analysisParams?: JsonParams;
}

/** The analyzer the Analyse button runs (core/src/analysis/descriptor.ts). */
export const ANALYZE_EFFECT = 'analyze';
/** The library index analyses go into, in the saved project's folder (`mlxv search --index` reads it). */
export const PROJECT_LIBRARY_NAME = 'mlxvideo-library.db';
export const SHOT_MARKERS_UNDO_LABEL = 'mlxvideo: shot markers';
/** With this analyzer chosen, Analyse tracks faces and hands the tracks to the host (keyframes or markers). */
export const FACE_TRACK_EFFECT = 'face-track';
export const FACE_TRACKS_UNDO_LABEL = FACE_TRACKS_UNDO;

/** The clip-list row of a generator's job (there is no source clip to name it after). */
export const GENERATED_ROW = 'generated';

const TERMINAL: readonly ClipStatus[] = ['rejected', 'placed', 'failed', 'cancelled'];

/** User-facing text for daemon job errors; the daemon's own message follows with the detail. */
const JOB_ERROR_TEXT: Partial<Record<ErrorCode | 'CONNECTION_CLOSED' | 'TIMEOUT', string>> = {
  INPUT_MISSING: 'the daemon cannot find the media file',
  INPUT_NOT_VIDEO: 'unsupported media (not a video the daemon can decode)',
  INPUT_CORRUPT: 'the media file is damaged or unsupported',
  OUTPUT_UNWRITABLE: 'cannot write the render next to the media (folder not writable)',
  OUTPUT_EXISTS: 'a render with this name already exists',
  MODEL_UNAVAILABLE: 'a model this effect needs is not installed (see `mlxv models fetch`)',
  MODEL_HASH_MISMATCH: 'a model file failed its checksum (see `mlxv models verify`)',
  QUEUE_FULL: 'the daemon queue is full; wait for running jobs to finish',
  BAD_PARAM: 'a parameter was rejected',
  UNKNOWN_EFFECT: 'the daemon does not know this effect',
  CONNECTION_CLOSED: 'lost the connection to the daemon',
  INTERNAL: 'the job failed inside the daemon',
};

export class PanelController {
  private client: DaemonClient | null = null;
  private readonly listeners = new Set<(s: PanelState) => void>();
  private readonly aborts = new Map<string, AbortController>();
  private readonly url: string;
  private current: PanelState = {
    connection: 'disconnected',
    message: '',
    effects: [],
    effectId: null,
    fields: [],
    values: {},
    clips: [],
    busy: false,
  };

  constructor(private readonly options: PanelControllerOptions) {
    this.url = options.url ?? `ws://127.0.0.1:${DEFAULT_PORT}/`;
  }

  get state(): PanelState {
    return this.current;
  }

  subscribe(listener: (s: PanelState) => void): () => void {
    this.listeners.add(listener);
    listener(this.current);
    return () => this.listeners.delete(listener);
  }

  private update(patch: Partial<PanelState>): void {
    this.current = { ...this.current, ...patch };
    for (const l of this.listeners) l(this.current);
  }

  private updateClip(clipId: string, patch: Partial<ClipJobState>): void {
    this.update({ clips: this.current.clips.map((c) => (c.clipId === clipId ? { ...c, ...patch } : c)) });
  }

  private clientInfo(): ClientInfo {
    return (
      this.options.client ?? { name: `mlxvideo-panel-${this.options.adapter.hostName}`, version: '0.1.0' }
    );
  }

  /** Connects with the stored token; without one (or with a refused one) the panel asks for pairing. */
  async connect(): Promise<void> {
    const token = this.options.tokens.load();
    if (!token) {
      this.update({
        connection: 'needs-pairing',
        message: 'Run `mlxv pair` in a terminal and enter the 6-digit code.',
      });
      return;
    }
    await this.open({ token });
  }

  /** Exchanges a code from `mlxv pair` for a token, stores it and connects. */
  async pair(code: string): Promise<void> {
    const trimmed = code.trim();
    if (!/^\d{6}$/.test(trimmed)) {
      this.update({
        connection: 'needs-pairing',
        message: 'The pairing code is the 6 digits `mlxv pair` prints.',
      });
      return;
    }
    await this.open({ pairCode: trimmed });
  }

  private async open(auth: { token?: string; pairCode?: string }): Promise<void> {
    this.client?.close();
    this.client = null;
    this.update({ connection: 'connecting', message: `Connecting to ${this.url}…` });
    try {
      let token = auth.token;
      if (auth.pairCode) {
        token = await pairedToken(this.connectOptions({ pairCode: auth.pairCode }));
        this.options.tokens.save(token);
      }
      this.client = await DaemonClient.connect(this.connectOptions({ token: token ?? '' }));
    } catch (err) {
      this.onConnectError(err, auth.pairCode !== undefined);
      return;
    }
    const effects = this.client.effects;
    const keep = effects.find((e) => e.id === this.current.effectId) ?? effects[0] ?? null;
    this.update({ connection: 'connected', message: '', effects });
    if (keep) this.selectEffect(keep.id);
  }

  private connectOptions(extra: { token?: string; pairCode?: string }) {
    return {
      url: this.url,
      client: this.clientInfo(),
      ...(this.options.WebSocket ? { WebSocket: this.options.WebSocket } : {}),
      timeoutMs: this.options.connectTimeoutMs ?? 5000,
      ...extra,
    };
  }

  private onConnectError(err: unknown, pairing: boolean): void {
    const code = err instanceof DaemonError ? err.code : null;
    if (code === 'AUTH_FAILED') {
      this.options.tokens.clear();
      this.update({
        connection: 'needs-pairing',
        message: 'The daemon no longer accepts this panel: run `mlxv pair` and enter the new code.',
      });
    } else if (code === 'PAIRING_FAILED' || (pairing && code === null)) {
      this.update({
        connection: 'needs-pairing',
        message: 'That code was wrong, used or expired (codes last 2 minutes): run `mlxv pair` again.',
      });
    } else {
      this.update({
        connection: 'unreachable',
        message: `The mlxvideo daemon is not running at ${this.url}: start it with \`mlxv serve\`, then press Connect.`,
      });
    }
  }

  selectEffect(effectId: string): void {
    const effect = this.current.effects.find((e) => e.id === effectId);
    if (!effect) return;
    const fields = formFields(effect);
    this.update({ effectId, fields, values: defaultValues(fields) });
  }

  /** Sets one parameter from a widget value; returns false (value unchanged) when it cannot be read. */
  setValue(name: string, raw: unknown): boolean {
    const field = this.current.fields.find((f) => f.name === name);
    if (!field) return false;
    const value = coerceValue(field, raw);
    if (value === null) return false;
    this.update({ values: { ...this.current.values, [name]: value } });
    return true;
  }

  /**
   * Renders every selected clip and places the results. Resolves when all clips reached a final state
   * (placed, failed, cancelled, rejected); never throws for a clip's failure — that is in its state.
   */
  async apply(): Promise<ClipJobState[]> {
    const client = this.client;
    const effect = this.current.effects.find((e) => e.id === this.current.effectId);
    if (this.current.busy) return this.current.clips;
    if (!client || this.current.connection !== 'connected') {
      this.update({ message: 'Not connected to the mlxvideo daemon: press Connect first.' });
      return [];
    }
    if (!effect) {
      this.update({ message: 'Pick an effect first.' });
      return [];
    }
    if (effect.kind === 'analyzer') {
      this.update({ message: `${effect.label} is an analysis, not a render: use Analyse.` });
      return [];
    }
    this.update({ busy: true, message: '', clips: [] });
    try {
      if (effect.kind === 'generator') return await this.generate(client, effect);
      const clips = await this.selectedClipsOrSay('Apply');
      if (clips.length === 0) return [];
      const now = this.options.now?.() ?? new Date();
      const plans: ClipJobPlan[] = [];
      this.update({
        clips: clips.map((clip) => {
          const reason = unsupportedReason(clip);
          if (reason) return rejectedRow(clip, reason);
          const plan = planClipJob(clip, effect.id, {
            now,
            ...(this.options.handleFrames !== undefined ? { handleFrames: this.options.handleFrames } : {}),
          });
          plans.push(plan);
          const total = plan.endFrame - plan.startFrame + 1;
          return { clipId: clip.id, name: clip.name, status: 'queued', done: 0, total, message: 'Queued' };
        }),
      });
      await Promise.all(plans.map((plan) => this.render(client, effect, clips, plan)));
      await this.place(effect, plans);
      return this.current.clips;
    } finally {
      this.aborts.clear();
      this.update({ busy: false });
    }
  }

  /**
   * Runs one daemon job for one row of the clip list: its progress, cancel and errors land in that row.
   * Resolves with the job's result, or null when it was cancelled or failed (the row says which and why).
   */
  private async runRowJob(
    client: DaemonClient,
    row: { clipId: string; name: string },
    job: JobSpecMessage,
  ): Promise<JobDoneEvent | null> {
    const abort = new AbortController();
    this.aborts.set(row.clipId, abort);
    try {
      return await client.submitJob(job, {
        signal: abort.signal,
        onAccepted: (jobId) => {
          this.updateClip(row.clipId, { jobId });
          // Cancel pressed while the submit was in flight: the job exists only now.
          if (abort.signal.aborted) void client.cancelJob(jobId).catch(() => {});
        },
        onProgress: (p) =>
          this.updateClip(row.clipId, {
            status: 'running',
            done: p.done,
            total: p.total,
            message: `${p.stage} ${p.done}/${p.total}`,
          }),
      });
    } catch (err) {
      const code = err instanceof DaemonError ? err.code : null;
      if (code === 'CANCELLED' || abort.signal.aborted) {
        this.updateClip(row.clipId, { status: 'cancelled', message: 'Cancelled' });
        return null;
      }
      if (code === 'CONNECTION_CLOSED') {
        this.client = null;
        this.update({
          connection: 'unreachable',
          message: 'Lost the connection to the daemon; press Connect.',
        });
      }
      const what = (code && JOB_ERROR_TEXT[code]) ?? 'the job failed';
      this.updateClip(row.clipId, {
        status: 'failed',
        message: `${row.name}: ${what}${code ? ` [${code}]` : ''}: ${(err as Error).message}`,
      });
      return null;
    }
  }

  private async render(
    client: DaemonClient,
    effect: EffectSummary,
    clips: SelectedClip[],
    plan: ClipJobPlan,
  ) {
    const clip = clips.find((c) => c.id === plan.clipId)!;
    const done = await this.runRowJob(
      client,
      { clipId: plan.clipId, name: clip.name },
      {
        effect: effect.id,
        input: clip.mediaPath,
        output: plan.output,
        params: toJsonParams(this.current.values),
        frames: { start: plan.startFrame, end: plan.endFrame },
        format: 'prores4444',
      },
    );
    if (done) this.updateClip(plan.clipId, { status: 'placing', output: done.output, message: 'Placing…' });
  }

  /**
   * A generator makes a clip from its parameters alone: rendered next to the saved project, then placed on
   * a new track (Premiere) or a new layer (After Effects) at the playhead, as long as the render is.
   */
  /** The host's selected clips; when there are none or the host refuses, says why in the panel and gives []. */
  private async selectedClipsOrSay(button: string): Promise<SelectedClip[]> {
    try {
      const clips = await this.options.adapter.getSelectedClips();
      if (clips.length === 0) {
        this.update({ message: `Select one or more clips in the timeline, then press ${button}.` });
      }
      return clips;
    } catch (err) {
      this.update({ message: (err as Error).message });
      return [];
    }
  }

  private async generate(client: DaemonClient, effect: EffectSummary): Promise<ClipJobState[]> {
    let folder: string;
    try {
      folder = await this.options.adapter.generatedFolder();
    } catch (err) {
      this.update({ message: (err as Error).message });
      return [];
    }
    const row = { clipId: GENERATED_ROW, name: effect.label };
    const output = generatedOutputPath(folder, effect.id, this.options.now?.() ?? new Date());
    this.update({ clips: [{ ...row, status: 'queued', done: 0, total: 0, message: 'Queued' }] });
    const done = await this.runRowJob(client, row, {
      effect: effect.id,
      input: '',
      output,
      params: toJsonParams(this.current.values),
      format: 'prores4444',
    });
    if (!done) return this.current.clips;
    if (!done.frameRate || !(done.frameRate.num > 0) || !(done.frameRate.den > 0)) {
      this.updateClip(row.clipId, {
        status: 'failed',
        message: `The daemon did not say the frame rate of ${done.output}, so its length is unknown: update the daemon.`,
      });
      return this.current.clips;
    }
    const durationSeconds = (done.frames * done.frameRate.den) / done.frameRate.num;
    this.updateClip(row.clipId, { status: 'placing', output: done.output, message: 'Placing…' });
    try {
      const placed = await this.options.adapter.placeGenerated(
        { resultPath: done.output, durationSeconds },
        { undoLabel: `mlxvideo: ${effect.label}` },
      );
      this.updateClip(
        row.clipId,
        placed.ok
          ? {
              status: 'placed',
              trackIndex: placed.trackIndex,
              message: `Placed on ${placed.where} at ${placed.startSeconds.toFixed(2)} s (${durationSeconds.toFixed(2)} s long)`,
            }
          : { status: 'failed', message: placed.message },
      );
    } catch (err) {
      this.updateClip(row.clipId, {
        status: 'failed',
        message: `Could not place the render: ${(err as Error).message}`,
      });
    }
    return this.current.clips;
  }

  private async place(effect: EffectSummary, plans: ClipJobPlan[]): Promise<void> {
    const ready = plans.filter(
      (p) => this.current.clips.find((c) => c.clipId === p.clipId)?.status === 'placing',
    );
    if (ready.length === 0) return;
    try {
      const outcomes = await this.options.adapter.placeResults(
        ready.map((p) => p.place),
        { undoLabel: `mlxvideo: ${effect.label}` },
      );
      for (const o of outcomes) {
        if (o.ok) {
          const where =
            o.where ?? (o.newTrack ? `new track ${o.trackIndex + 1}` : `track ${o.trackIndex + 1}`);
          this.updateClip(o.clipId, {
            status: 'placed',
            trackIndex: o.trackIndex,
            message: `Placed on ${where}`,
          });
        } else {
          this.updateClip(o.clipId, { status: 'failed', message: o.message });
        }
      }
    } catch (err) {
      for (const p of ready) {
        this.updateClip(p.clipId, {
          status: 'failed',
          message: `Could not place the render: ${(err as Error).message}`,
        });
      }
    }
    // An adapter that skipped a request must not leave its clip "Placing…" forever.
    for (const p of ready) {
      const clip = this.current.clips.find((c) => c.clipId === p.clipId);
      if (clip?.status === 'placing') {
        this.updateClip(p.clipId, { status: 'failed', message: `The host did not place ${p.output}.` });
      }
    }
  }

  /**
   * Analyses the media of every selected clip (one `analyze` job per media file, with progress and cancel),
   * stores each analysis in the project's library index when the project is saved, and adds the shots as
   * markers on the clips, all in one undo step. With `face-track` chosen as the effect, tracks faces instead
   * (trackFaces). Never throws for a clip's failure: that is in its row.
   */
  async analyse(): Promise<ClipJobState[]> {
    const client = this.client;
    if (this.current.busy) return this.current.clips;
    if (!client || this.current.connection !== 'connected') {
      this.update({ message: 'Not connected to the mlxvideo daemon: press Connect first.' });
      return [];
    }
    const faces = this.current.effectId === FACE_TRACK_EFFECT;
    if (!this.current.effects.some((e) => e.id === (faces ? FACE_TRACK_EFFECT : ANALYZE_EFFECT))) {
      this.update({ message: 'This daemon cannot analyse footage: update mlxvideo.' });
      return [];
    }
    this.update({ busy: true, message: '', clips: [] });
    try {
      return await (faces ? this.trackFaces(client) : this.markShots(client));
    } finally {
      this.aborts.clear();
      this.update({ busy: false });
    }
  }

  /**
   * One analyzer job per media file of the selected clips (every selected clip of that file shares it),
   * with progress, cancel and errors in the clip rows; `read` turns each finished output into results for
   * the clips of that file. Speed and reverse are fine here (results are placed through them), unlike for
   * renders. Returns the rows' results, or null when nothing was selected.
   */
  private async analyseSelection<T>(
    client: DaemonClient,
    effect: string,
    params: JsonParams,
    read: (output: string, sameMedia: SelectedClip[], rowId: string) => Promise<T>,
  ): Promise<{ rowId: string; result: T }[] | null> {
    const clips = await this.selectedClipsOrSay('Analyse');
    if (clips.length === 0) return null;
    const byMedia = new Map<string, SelectedClip[]>();
    const rows: ClipJobState[] = [];
    for (const clip of clips) {
      const reason = clip.offline
        ? `"${clip.name}" is offline: relink its media, then analyse again.`
        : (clip.unsupportedReason ??
          (clip.mediaPath ? null : `"${clip.name}" is not a media file: nothing to analyse.`));
      if (reason) {
        rows.push(rejectedRow(clip, reason));
        continue;
      }
      const same = byMedia.get(clip.mediaPath);
      if (same) same.push(clip);
      else {
        byMedia.set(clip.mediaPath, [clip]);
        rows.push({
          clipId: clip.id,
          name: clip.name,
          status: 'queued',
          done: 0,
          total: 0,
          message: 'Queued',
        });
      }
    }
    this.update({ clips: rows });
    const now = this.options.now?.() ?? new Date();
    const found: { rowId: string; result: T }[] = [];
    await Promise.all(
      [...byMedia].map(async ([mediaPath, sameMedia]) => {
        const row = { clipId: sameMedia[0]!.id, name: sameMedia[0]!.name };
        const done = await this.runRowJob(client, row, {
          effect,
          input: mediaPath,
          output: analysisOutputPath(mediaPath, now, effect),
          params,
        });
        if (!done) return;
        this.updateClip(row.clipId, {
          status: 'placing',
          output: done.output,
          message: 'Adding to the timeline…',
        });
        try {
          found.push({ rowId: row.clipId, result: await read(done.output, sameMedia, row.clipId) });
        } catch (err) {
          this.updateClip(row.clipId, {
            status: 'failed',
            message: `${row.name}: the analysis could not be read: ${(err as Error).message}`,
          });
        }
      }),
    );
    return found;
  }

  /** Shots as markers (and the analysis in the project's library index when the project is saved). */
  private async markShots(client: DaemonClient): Promise<ClipJobState[]> {
    let index: string | undefined;
    try {
      index = `${await this.options.adapter.generatedFolder()}${PROJECT_LIBRARY_NAME}`;
    } catch {
      index = undefined; // an unsaved project: markers only
    }
    const found = await this.analyseSelection(
      client,
      ANALYZE_EFFECT,
      this.options.analysisParams ?? {},
      async (output, sameMedia, rowId) => {
        const r = await client.analysisMarkers(output, index);
        const frameRate = r.frameRate.num / r.frameRate.den;
        this.updateClip(rowId, { message: `${r.markers.length} shot(s) found` });
        return {
          shots: sameMedia.map((c): ClipShots => ({ clipId: c.id, markers: r.markers, frameRate })),
          indexed: r.indexed,
        };
      },
    );
    if (!found || found.length === 0) return this.current.clips;
    try {
      const count = await this.options.adapter.addShotMarkers(
        found.flatMap((f) => f.result.shots),
        { undoLabel: SHOT_MARKERS_UNDO_LABEL },
      );
      for (const f of found) {
        const shots = f.result.shots[0]!.markers.length;
        this.updateClip(f.rowId, {
          status: 'placed',
          message: `${shots} shot(s) marked${f.result.indexed ? `, indexed in ${PROJECT_LIBRARY_NAME}` : ''}`,
        });
      }
      this.update({ message: `Added ${count} shot marker(s).` });
    } catch (err) {
      this.failRows(found, `Could not add the markers: ${(err as Error).message}`);
    }
    return this.current.clips;
  }

  /**
   * `face-track` on every selected clip's media with the form's parameters, then the tracks go to the host
   * in one undo step (After Effects: keyframed nulls; Premiere: markers, and why no keyframes).
   */
  private async trackFaces(client: DaemonClient): Promise<ClipJobState[]> {
    const found = await this.analyseSelection(
      client,
      FACE_TRACK_EFFECT,
      toJsonParams(this.current.values),
      async (output, sameMedia, rowId) => {
        const r = await client.faceTracks(output);
        const frameRate = r.frameRate.num / r.frameRate.den;
        this.updateClip(rowId, { message: `${r.tracks.length} face track(s) found` });
        return sameMedia.map((c): ClipFaceTracks => ({ clipId: c.id, tracks: r.tracks, frameRate }));
      },
    );
    if (!found || found.length === 0) return this.current.clips;
    try {
      const outcome = await this.options.adapter.addFaceTracks(
        found.flatMap((f) => f.result),
        { undoLabel: FACE_TRACKS_UNDO_LABEL },
      );
      for (const f of found) {
        this.updateClip(f.rowId, {
          status: 'placed',
          message: `${f.result[0]!.tracks.length} face track(s)`,
        });
      }
      this.update({ message: outcome.message });
    } catch (err) {
      this.failRows(found, `Could not add the face tracks: ${(err as Error).message}`);
    }
    return this.current.clips;
  }

  private failRows(rows: readonly { rowId: string }[], message: string): void {
    for (const r of rows) this.updateClip(r.rowId, { status: 'failed', message });
  }

  /** Cancels one clip's job (or all when no id is given); the clip then reports `cancelled`. */
  cancel(clipId?: string): void {
    for (const [id, abort] of this.aborts) {
      if (clipId !== undefined && id !== clipId) continue;
      const clip = this.current.clips.find((c) => c.clipId === id);
      if (abort.signal.aborted || (clip && TERMINAL.includes(clip.status))) continue;
      abort.abort(new Error('cancelled in the panel'));
      this.updateClip(id, { message: 'Cancelling…' });
    }
  }

  dispose(): void {
    this.cancel();
    this.client?.close();
    this.client = null;
    this.listeners.clear();
  }
}

/** A clip's row when it cannot be processed at all (offline, not a file, ...): the reason is its message. */
function rejectedRow(clip: { id: string; name: string }, reason: string): ClipJobState {
  return { clipId: clip.id, name: clip.name, status: 'rejected', done: 0, total: 0, message: reason };
}
