/**
 * The daemon client used by the panels (UXP, Chromium), the CLI and the tests. No Node imports: it uses
 * the global `WebSocket` unless a constructor is passed in (Node 20 has no global WebSocket, so Node
 * callers pass the `ws` package's class; core/src/daemon/connect.ts does that for them).
 */
import {
  CLOSE_AUTH_FAILED,
  DEFAULT_PORT,
  PROTOCOL_VERSION,
  decodeFrameMessage,
  encodeFrameMessage,
  type ClientInfo,
  type DaemonMessage,
  type ErrorCode,
  type HelloOk,
  type JobDoneEvent,
  type JobInfo,
  type JobProgressEvent,
  type JobSpecMessage,
  type JsonParams,
  type ShmTransport,
} from './protocol.ts';

/** The subset of the WHATWG WebSocket that UXP, browsers and `ws` all implement. */
export interface WebSocketLike {
  binaryType: string;
  readyState: number;
  send(data: string | ArrayBuffer | ArrayBufferView): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
}
export type WebSocketConstructor = new (url: string) => WebSocketLike;

/** An error reply from the daemon, with its protocol code. */
export class DaemonError extends Error {
  constructor(
    readonly code: ErrorCode | 'CONNECTION_CLOSED' | 'TIMEOUT',
    message: string,
  ) {
    super(message);
    this.name = 'DaemonError';
  }
}

export interface ConnectOptions {
  url?: string;
  /** Token from the token file (native) or from pairing (panels). */
  token?: string;
  /** Pairing code shown by `mlxv pair`; exchanged for a token before hello (see `pairedToken`). */
  pairCode?: string;
  client?: ClientInfo;
  WebSocket?: WebSocketConstructor;
  /** Milliseconds to wait for the connection + hello. Default 10 s. */
  timeoutMs?: number;
}

export interface RenderFrameOptions {
  instance: string;
  effect: string;
  params?: JsonParams;
  index: number;
  width: number;
  height: number;
  /** Tightly packed float RGBA (width*height*4). Omit when pixels travel through `shm`. */
  pixels?: Float32Array;
  shm?: ShmTransport;
  signal?: AbortSignal;
}
export interface RenderedFrame {
  width: number;
  height: number;
  /** Absent for shm transport: the pixels are in `outShm`. */
  pixels?: Float32Array;
}

export interface SubmitJobOptions {
  onProgress?: (p: JobProgressEvent) => void;
  signal?: AbortSignal;
  keepAlive?: boolean;
  /** Called once the daemon has queued the job. */
  onAccepted?: (jobId: string) => void;
}

interface Pending {
  resolve: (msg: DaemonMessage) => void;
  reject: (err: Error) => void;
  /**
   * Runs synchronously when the reply arrives, before any later message is handled. `ws` delivers several
   * messages in one tick, so a job's events can follow its job.accepted before a promise continuation runs.
   */
  onReply?: (msg: DaemonMessage) => void;
}
interface PendingFrame {
  resolve: (f: RenderedFrame) => void;
  reject: (err: Error) => void;
  result?: { width: number; height: number };
  binary: boolean;
}
interface JobWatch {
  onProgress?: (p: JobProgressEvent) => void;
  resolve: (d: JobDoneEvent) => void;
  reject: (err: Error) => void;
}

const WS_OPEN = 1;

function defaultWebSocket(): WebSocketConstructor {
  const ctor = (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (!ctor) {
    throw new Error(
      'no global WebSocket here (Node 20): pass the `ws` class as options.WebSocket, or use connectToDaemon() from core/src/daemon/connect.ts',
    );
  }
  return ctor;
}

function toBytes(data: unknown): Uint8Array | null {
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return null;
}

export class DaemonClient {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly frames = new Map<number, PendingFrame>();
  private readonly jobs = new Map<string, JobWatch>();
  private closed: Error | null = null;

  private constructor(
    private readonly ws: WebSocketLike,
    readonly hello: HelloOk,
  ) {}

  /** Opens a connection and authenticates (pairing first when `pairCode` is given). */
  static async connect(options: ConnectOptions): Promise<DaemonClient> {
    let token = options.token;
    if (options.pairCode) token = await pairedToken(options);
    if (!token) throw new DaemonError('AUTH_FAILED', 'no token: pass options.token or options.pairCode');
    const ws = await openSocket(options);
    const hello = await firstReply(ws, options, {
      type: 'hello',
      protocol: PROTOCOL_VERSION,
      token,
      client: options.client ?? { name: 'mlxv-client', version: '1' },
    });
    if (hello.type !== 'hello.ok') throw new DaemonError('AUTH_FAILED', 'unexpected reply to hello');
    const client = new DaemonClient(ws, hello);
    client.listen();
    return client;
  }

  get effects(): HelloOk['effects'] {
    return this.hello.effects;
  }

  private listen(): void {
    this.ws.onmessage = (ev) => this.onMessage(ev.data);
    this.ws.onclose = (ev) => this.onClose(new DaemonError('CONNECTION_CLOSED', `closed (${ev.code})`));
    this.ws.onerror = () => {};
  }

  private onClose(err: Error): void {
    if (this.closed) return;
    this.closed = err;
    for (const p of this.pending.values()) p.reject(err);
    for (const f of this.frames.values()) f.reject(err);
    for (const j of this.jobs.values()) j.reject(err);
    this.pending.clear();
    this.frames.clear();
    this.jobs.clear();
  }

  private onMessage(data: unknown): void {
    const bytes = toBytes(data);
    if (bytes) {
      const decoded = decodeFrameMessage(bytes);
      const frame = decoded && this.frames.get(decoded.id);
      if (!decoded || !frame || !frame.result) return;
      this.frames.delete(decoded.id);
      frame.resolve({ ...frame.result, pixels: decoded.pixels() });
      return;
    }
    if (typeof data !== 'string') return;
    let msg: DaemonMessage;
    try {
      msg = JSON.parse(data) as DaemonMessage;
    } catch {
      return;
    }
    switch (msg.type) {
      case 'frame.result': {
        const frame = this.frames.get(msg.id);
        if (!frame) return;
        if (frame.binary) frame.result = { width: msg.width, height: msg.height };
        else {
          this.frames.delete(msg.id);
          frame.resolve({ width: msg.width, height: msg.height });
        }
        return;
      }
      case 'job.progress':
        this.jobs.get(msg.jobId)?.onProgress?.(msg);
        return;
      case 'job.done': {
        const watch = this.jobs.get(msg.jobId);
        this.jobs.delete(msg.jobId);
        watch?.resolve(msg);
        return;
      }
      case 'job.error': {
        const watch = this.jobs.get(msg.jobId);
        this.jobs.delete(msg.jobId);
        watch?.reject(new DaemonError(msg.code, msg.message));
        return;
      }
      case 'error': {
        if (msg.id === undefined) return;
        const err = new DaemonError(msg.code, msg.message);
        const frame = this.frames.get(msg.id);
        if (frame) {
          this.frames.delete(msg.id);
          frame.reject(err);
          return;
        }
        const p = this.pending.get(msg.id);
        this.pending.delete(msg.id);
        p?.reject(err);
        return;
      }
      default: {
        const id = (msg as { id?: number }).id;
        if (id === undefined) return;
        const p = this.pending.get(id);
        this.pending.delete(id);
        p?.onReply?.(msg);
        p?.resolve(msg);
      }
    }
  }

  private allocId(): number {
    const id = this.nextId;
    this.nextId = this.nextId >= 0xfffffffe ? 1 : this.nextId + 1;
    return id;
  }

  private send(msg: object | Uint8Array): void {
    if (this.closed) throw this.closed;
    if (this.ws.readyState !== WS_OPEN) throw new DaemonError('CONNECTION_CLOSED', 'connection is not open');
    this.ws.send(msg instanceof Uint8Array ? msg : JSON.stringify(msg));
  }

  /** Sends a request and resolves with the reply that echoes its id (rejects on an error reply). */
  request<T extends DaemonMessage>(msg: Record<string, unknown>, onReply?: (reply: T) => void): Promise<T> {
    const id = this.allocId();
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, {
        resolve: resolve as (m: DaemonMessage) => void,
        reject,
        ...(onReply ? { onReply: onReply as (m: DaemonMessage) => void } : {}),
      });
      try {
        this.send({ ...msg, id });
      } catch (err) {
        this.pending.delete(id);
        reject(err as Error);
      }
    });
  }

  /** Sends raw text (tests: malformed messages). */
  sendRaw(data: string | Uint8Array): void {
    if (this.closed) throw this.closed;
    this.ws.send(data);
  }

  async ping(): Promise<void> {
    await this.request({ type: 'ping' });
  }

  /** Mints a pairing code (only a client authenticated with the native token may). */
  async createPairCode(): Promise<{ code: string; expiresInSeconds: number }> {
    const r = await this.request<Extract<DaemonMessage, { type: 'pair.code.ok' }>>({ type: 'pair.code' });
    return { code: r.code, expiresInSeconds: r.expiresInSeconds };
  }

  /** Renders one frame; many may be in flight at once. */
  renderFrame(opts: RenderFrameOptions): Promise<RenderedFrame> {
    const id = this.allocId();
    const binary = !opts.shm;
    if (binary && !opts.pixels) {
      return Promise.reject(new DaemonError('BAD_MESSAGE', 'renderFrame needs pixels or shm'));
    }
    return new Promise<RenderedFrame>((resolve, reject) => {
      if (opts.signal?.aborted) {
        reject(new DaemonError('CANCELLED', 'cancelled before sending'));
        return;
      }
      const onAbort = () => {
        if (!this.frames.has(id)) return;
        try {
          this.send({ type: 'frame.cancel', id });
        } catch {
          // connection gone: the close handler rejects the frame
        }
      };
      const done =
        <A>(fn: (a: A) => void) =>
        (a: A) => {
          opts.signal?.removeEventListener('abort', onAbort);
          fn(a);
        };
      this.frames.set(id, { resolve: done(resolve), reject: done(reject), binary });
      opts.signal?.addEventListener('abort', onAbort);
      try {
        this.send({
          type: 'frame.render',
          id,
          instance: opts.instance,
          effect: opts.effect,
          params: opts.params ?? {},
          frame: { index: opts.index, width: opts.width, height: opts.height },
          transport: opts.shm ?? 'binary',
        });
        if (binary) this.send(encodeFrameMessage(id, opts.pixels!));
      } catch (err) {
        this.frames.delete(id);
        reject(err as Error);
      }
    });
  }

  /** Output size of `effect` for an input size (same size unless the effect scales). */
  async outputSize(
    effect: string,
    params: JsonParams,
    width: number,
    height: number,
  ): Promise<{ width: number; height: number }> {
    const r = await this.request<Extract<DaemonMessage, { type: 'effect.outputSize.ok' }>>({
      type: 'effect.outputSize',
      effect,
      params,
      width,
      height,
    });
    return { width: r.width, height: r.height };
  }

  async closeInstance(instance: string): Promise<void> {
    await this.request({ type: 'instance.close', instance });
  }

  /** Asks the daemon for a shared memory region it owns (unlinked when this connection closes). */
  async createShm(bytes: number): Promise<{ name: string; bytes: number }> {
    const r = await this.request<Extract<DaemonMessage, { type: 'shm.created' }>>({
      type: 'shm.create',
      bytes,
    });
    return { name: r.name, bytes: r.bytes };
  }

  async releaseShm(name: string): Promise<void> {
    await this.request({ type: 'shm.release', name });
  }

  /** Submits a job and resolves when it is done (rejects with the job's error code). */
  async submitJob(job: JobSpecMessage, opts: SubmitJobOptions = {}): Promise<JobDoneEvent> {
    let done: Promise<JobDoneEvent> | null = null;
    await this.request<Extract<DaemonMessage, { type: 'job.accepted' }>>(
      { type: 'job.submit', job, keepAlive: opts.keepAlive ?? false },
      (accepted) => {
        // Watch before any event of this job can be handled (see Pending.onReply).
        done = this.watchJob(accepted.jobId, opts);
        opts.onAccepted?.(accepted.jobId);
      },
    );
    return done!;
  }

  /** Follows a job's events (after submit, or after `subscribeJob` on a new connection). */
  watchJob(jobId: string, opts: SubmitJobOptions = {}): Promise<JobDoneEvent> {
    return new Promise<JobDoneEvent>((resolve, reject) => {
      const onAbort = () => void this.cancelJob(jobId).catch(() => {});
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      const settle =
        <A>(fn: (a: A) => void) =>
        (a: A) => {
          opts.signal?.removeEventListener('abort', onAbort);
          fn(a);
        };
      this.jobs.set(jobId, {
        ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
        resolve: settle(resolve),
        reject: settle(reject),
      });
      if (this.closed) reject(this.closed);
    });
  }

  async subscribeJob(jobId: string, opts: SubmitJobOptions = {}): Promise<JobDoneEvent> {
    const done = this.watchJob(jobId, opts);
    await this.request({ type: 'job.subscribe', jobId });
    return done;
  }

  async cancelJob(jobId: string): Promise<void> {
    await this.request({ type: 'job.cancel', jobId });
  }

  /** The shots of a finished `analyze` job's output as markers; with `index`, also stored in that library. */
  async analysisMarkers(
    analysis: string,
    index?: string,
  ): Promise<Omit<Extract<DaemonMessage, { type: 'analysis.markers.ok' }>, 'type' | 'id'>> {
    const {
      type: _type,
      id: _id,
      ...reply
    } = await this.request<Extract<DaemonMessage, { type: 'analysis.markers.ok' }>>({
      type: 'analysis.markers',
      analysis,
      ...(index !== undefined ? { index } : {}),
    });
    return reply;
  }

  /** The face tracks of a finished `face-track` job's output (the panel cannot read files itself). */
  async faceTracks(
    analysis: string,
  ): Promise<Omit<Extract<DaemonMessage, { type: 'face.tracks.ok' }>, 'type' | 'id'>> {
    const {
      type: _type,
      id: _id,
      ...reply
    } = await this.request<Extract<DaemonMessage, { type: 'face.tracks.ok' }>>({
      type: 'face.tracks',
      analysis,
    });
    return reply;
  }

  async listJobs(): Promise<JobInfo[]> {
    const r = await this.request<Extract<DaemonMessage, { type: 'job.list.ok' }>>({ type: 'job.list' });
    return r.jobs;
  }

  close(): void {
    this.onClose(new DaemonError('CONNECTION_CLOSED', 'closed by client'));
    try {
      this.ws.close(1000);
    } catch {
      // already closed
    }
  }
}

/** Exchanges a pairing code for a long-lived token (panels keep it in their settings). */
export async function pairedToken(options: ConnectOptions): Promise<string> {
  const ws = await openSocket(options);
  try {
    // Pairing attempts are answered one at a time, at most one a second, daemon-wide (docs/protocol.md):
    // while others are in line the reply can take longer than a hello's.
    const reply = await firstReply(
      ws,
      { ...options, timeoutMs: options.timeoutMs ?? 60_000 },
      {
        type: 'pair',
        code: options.pairCode ?? '',
        client: options.client ?? { name: 'mlxv-panel', version: '1' },
      },
    );
    if (reply.type !== 'pair.ok') throw new DaemonError('PAIRING_FAILED', 'unexpected reply to pair');
    return reply.token;
  } finally {
    ws.close(1000);
  }
}

function openSocket(options: ConnectOptions): Promise<WebSocketLike> {
  const Ctor = options.WebSocket ?? defaultWebSocket();
  const url = options.url ?? `ws://127.0.0.1:${DEFAULT_PORT}/`;
  return new Promise((resolve, reject) => {
    const ws = new Ctor(url);
    ws.binaryType = 'arraybuffer';
    const timer = setTimeout(() => {
      ws.close();
      reject(new DaemonError('TIMEOUT', `no connection to ${url} within ${options.timeoutMs ?? 10000} ms`));
    }, options.timeoutMs ?? 10000);
    ws.onopen = () => {
      clearTimeout(timer);
      resolve(ws);
    };
    ws.onerror = () => {};
    ws.onclose = (ev) => {
      clearTimeout(timer);
      reject(
        new DaemonError(
          'CONNECTION_CLOSED',
          `could not connect to the mlxv daemon at ${url} (${ev.code}${ev.reason ? `: ${ev.reason}` : ''}); is \`mlxv serve\` running?`,
        ),
      );
    };
  });
}

/** Sends the opening message and waits for the daemon's first reply (auth errors close the socket). */
function firstReply(
  ws: WebSocketLike,
  options: ConnectOptions,
  msg: object,
): Promise<Extract<DaemonMessage, { type: 'hello.ok' | 'pair.ok' }>> {
  return new Promise((resolve, reject) => {
    let error: DaemonError | null = null;
    const timer = setTimeout(() => {
      ws.close();
      reject(new DaemonError('TIMEOUT', 'no reply to hello'));
    }, options.timeoutMs ?? 10000);
    ws.onmessage = (ev) => {
      if (typeof ev.data !== 'string') return;
      const reply = JSON.parse(ev.data) as DaemonMessage;
      if (reply.type === 'error') {
        error = new DaemonError(reply.code, reply.message);
        return;
      }
      if (reply.type === 'hello.ok' || reply.type === 'pair.ok') {
        clearTimeout(timer);
        resolve(reply);
      }
    };
    ws.onclose = (ev) => {
      clearTimeout(timer);
      reject(
        error ??
          new DaemonError(
            ev.code === CLOSE_AUTH_FAILED ? 'AUTH_FAILED' : 'CONNECTION_CLOSED',
            `daemon closed the connection (${ev.code})`,
          ),
      );
    };
    ws.send(JSON.stringify(msg));
  });
}
