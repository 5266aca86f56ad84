/**
 * One client connection: authentication, message dispatch, frame renders in flight, shared memory
 * mappings, job subscriptions, and the cleanup when it closes (instances disposed, daemon-created shm
 * unlinked, client shm unmapped, jobs without keepAlive cancelled). Every refusal after authentication
 * is an `error` reply with a code; the connection stays open.
 */
import { randomBytes } from 'node:crypto';
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import { firstNonFinite, packed, toFloat32, type F32Frame, type Frame } from '../effects/frame.ts';
import { getEffect, UnknownEffectError } from '../effects/registry.ts';
import { ParamError, resolveParams } from '../effects/params.ts';
import {
  KIND_SUPPORT,
  type EffectDescriptor,
  type FilterEffect,
  type ParamValues,
} from '../effects/types.ts';
import {
  CLOSE_AUTH_FAILED,
  PROTOCOL_VERSION,
  decodeFrameMessage,
  encodeFrameHeader,
  type DaemonLimits,
  type DaemonMessage,
  type ErrorCode,
  type ShmTransport,
} from '../client/protocol.ts';
import { parseClientMessage, type ParsedClientMessage } from './messages.ts';
import { FrameSessions } from './frame-sessions.ts';
import { JobRefusedError, type JobListener } from './jobs.ts';
import type { DaemonCore } from './daemon-core.ts';
import { createShm, openShm, unlinkShm, type ShmRegion } from './native.ts';
import type { TokenKind } from './auth.ts';
import { PreAuthGuard } from './pre-auth.ts';
import { outputSizeOf } from '../effects/descriptor-data.ts';
import { JobError } from '../pipeline/types.ts';
import { analysisMarkers } from './analysis-markers.ts';
import { faceTracks } from './face-tracks.ts';

type Req<T extends ParsedClientMessage['type']> = Extract<ParsedClientMessage, { type: T }>;

interface InFlight {
  state: 'awaiting-binary' | 'queued';
  /** Input pixel bytes this request holds, counted against the daemon-wide maxInFlightBytes. */
  bytes: number;
  cancelled: boolean;
  req?: Req<'frame.render'>;
  effect?: FilterEffect;
  params?: ParamValues;
}

class Refusal extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Pixel messages of refused or cancelled binary-transport requests that may still come (bounded). */
const MAX_DISCARD = 256;

/**
 * One pixel message this connection still expects, in the order the frame.render requests came. `entry` is
 * the request that takes the pixels, or null when they are to be dropped (the request was refused or
 * cancelled). Ids may repeat (a DUPLICATE_ID refusal while the original waits): pixels go to the oldest
 * expectation with their id, so a refused duplicate can never take (or drop) the original's pixels.
 */
interface ExpectedPixels {
  id: number;
  entry: InFlight | null;
}

export class Connection {
  readonly id = randomBytes(6).toString('hex');
  private auth: TokenKind | null = null;
  private readonly inFlight = new Map<number, InFlight>();
  private readonly expectedPixels: ExpectedPixels[] = [];
  private readonly sessions: FrameSessions;
  /** Regions this daemon created for the client: unlinked on close. */
  private readonly ownedShm = new Map<string, ShmRegion>();
  /** Client-created regions mapped on first use and kept mapped until shm.release or close. */
  private readonly mappedShm = new Map<string, ShmRegion>();
  private readonly jobListener: JobListener = (ev) => this.send(ev);
  private closed = false;
  /** Pairing on this connection: one attempt, then only hello (a connection never guesses twice). */
  private pairing: 'none' | 'waiting' | 'paired' = 'none';
  private readonly preAuth: PreAuthGuard;

  /** `socket` is the upgraded TCP socket under `ws`: the pre-auth guard counts its raw bytes. */
  constructor(
    private readonly ws: WebSocket,
    private readonly core: DaemonCore,
    socket: Duplex,
  ) {
    this.sessions = new FrameSessions(core.context);
    this.preAuth = new PreAuthGuard(ws, socket, core.preAuth, (reason) => {
      this.core.log('warn', 'dropped an unauthenticated connection', { reason });
      this.error(undefined, 'AUTH_FAILED', reason);
    });
    ws.on('message', (data, isBinary) => this.onMessage(data as Buffer, isBinary));
    ws.on('close', () => this.cleanup());
    ws.on('error', () => {
      // ws refused a message (over the pre-auth size, bad framing): a stranger gets no close handshake
      // to hold the socket open through while it keeps sending.
      if (!this.auth) ws.terminate();
      this.cleanup();
    });
  }

  get authenticated(): boolean {
    return this.auth !== null;
  }

  get limits(): DaemonLimits {
    return this.core.limits;
  }

  stats(): { instances: number; ownedShm: number; mappedShm: number; inFlight: number } {
    return {
      instances: this.sessions.size,
      ownedShm: this.ownedShm.size,
      mappedShm: this.mappedShm.size,
      inFlight: this.inFlight.size,
    };
  }

  private send(msg: DaemonMessage): void {
    if (this.closed || this.ws.readyState !== this.ws.OPEN) return;
    this.ws.send(JSON.stringify(msg));
  }

  private error(id: number | undefined, code: ErrorCode, message: string): void {
    this.send({ type: 'error', ...(id === undefined ? {} : { id }), code, message });
  }

  /** A request that reads a job's output failed: its JobError code and hint, or INTERNAL. */
  private jobErrorReply(id: number, err: unknown): void {
    if (err instanceof JobError)
      this.error(id, err.code as ErrorCode, err.hint ? `${err.message} (${err.hint})` : err.message);
    else this.error(id, 'INTERNAL', (err as Error).message);
  }

  private refuseAuth(message: string, code: ErrorCode = 'AUTH_FAILED'): void {
    this.preAuth.stop();
    this.error(undefined, code, message);
    this.ws.close(CLOSE_AUTH_FAILED, code);
    this.cleanup();
  }

  private onMessage(data: Buffer, isBinary: boolean): void {
    if (this.closed) return;
    if (!this.auth) {
      if (isBinary) return this.refuseAuth('authenticate with hello before sending frames');
      return this.onUnauthenticated(data);
    }
    if (isBinary) return this.onBinary(data);
    if (data.byteLength > this.limits.maxJsonBytes) {
      return this.error(
        undefined,
        'MESSAGE_TOO_LARGE',
        `control message of ${data.byteLength} bytes exceeds the limit of ${this.limits.maxJsonBytes}`,
      );
    }
    const parsed = parseClientMessage(data.toString('utf8'));
    if (!parsed.ok) {
      if (parsed.binaryFollows && parsed.id !== undefined) this.expectDiscard(parsed.id);
      return this.error(parsed.id, parsed.code, parsed.message);
    }
    try {
      this.dispatch(parsed.msg);
    } catch (err) {
      const id = 'id' in parsed.msg ? parsed.msg.id : undefined;
      if (err instanceof Refusal || err instanceof JobRefusedError)
        return this.error(id, err.code, err.message);
      this.core.log('error', 'request failed', { err: (err as Error).message });
      this.error(id, 'INTERNAL', (err as Error).message);
    }
  }

  private onUnauthenticated(data: Buffer): void {
    // ws already refused anything over core.preAuth.maxMessageBytes (close 1009) before buffering it.
    if (this.pairing === 'waiting') return this.refuseAuth('wait for the reply to pair before sending more');
    const parsed = parseClientMessage(data.toString('utf8'));
    const pairAllowed = this.pairing === 'none';
    if (!parsed.ok || !(parsed.msg.type === 'hello' || (parsed.msg.type === 'pair' && pairAllowed))) {
      return this.refuseAuth(
        pairAllowed ? 'the first message must be hello (or pair)' : 'after pair.ok the next message is hello',
      );
    }
    const msg = parsed.msg;
    if (msg.type === 'pair') return this.pair(msg.code, msg.client.name);
    if (msg.protocol !== PROTOCOL_VERSION) {
      return this.refuseAuth(
        `protocol ${msg.protocol} is not supported; this daemon speaks protocol ${PROTOCOL_VERSION}`,
        'BAD_MESSAGE',
      );
    }
    const kind = this.core.auth.check(msg.token);
    if (!kind) return this.refuseAuth('wrong token');
    this.auth = kind;
    this.preAuth.authenticated(this.core.maxPayload);
    this.send(this.core.helloOk());
  }

  /** One paced attempt (auth.ts PairingGate); the hello clock stops while it waits its turn. */
  private pair(code: string, clientName: string): void {
    this.pairing = 'waiting';
    this.preAuth.pauseTimer();
    this.core.auth.pairingGate.enqueue(() => {
      if (this.closed) return false;
      const token = this.core.auth.redeem(code, clientName);
      if (!token) {
        this.refuseAuth(
          'pairing code is wrong, expired or already used; run `mlxv pair` for a new one',
          'PAIRING_FAILED',
        );
        return true;
      }
      this.core.log('info', 'paired a client', { client: clientName });
      this.pairing = 'paired';
      this.preAuth.startTimer();
      this.send({ type: 'pair.ok', token });
      return true;
    });
  }

  private dispatch(msg: ParsedClientMessage): void {
    switch (msg.type) {
      case 'hello':
      case 'pair':
        throw new Refusal('BAD_MESSAGE', `${msg.type} is only valid as the first message`);
      case 'ping':
        return this.send({ type: 'pong', id: msg.id });
      case 'pair.code': {
        if (this.auth !== 'native') {
          throw new Refusal(
            'NOT_ALLOWED',
            'only clients holding the native token (mlxv pair) may mint codes',
          );
        }
        const { code, expiresInSeconds } = this.core.auth.createCode();
        return this.send({ type: 'pair.code.ok', id: msg.id, code, expiresInSeconds });
      }
      case 'frame.render':
        return this.frameRender(msg);
      case 'frame.cancel':
        return this.frameCancel(msg.id);
      case 'instance.close':
        this.sessions.close(msg.instance);
        if (msg.id !== undefined) this.send({ type: 'ok', id: msg.id });
        return;
      case 'shm.create':
        return this.shmCreate(msg);
      case 'shm.release':
        return this.shmRelease(msg);
      case 'job.submit': {
        const info = this.core.jobs.submit(msg.job, this.id, msg.keepAlive ?? false, this.jobListener);
        return this.send({
          type: 'job.accepted',
          id: msg.id,
          jobId: info.jobId,
          position: this.core.jobs.position(info.jobId),
        });
      }
      case 'job.cancel':
        this.core.jobs.cancel(msg.jobId);
        return this.send({ type: 'ok', id: msg.id });
      case 'job.list':
        return this.send({ type: 'job.list.ok', id: msg.id, jobs: this.core.jobs.list() });
      case 'effect.outputSize': {
        const effect = getEffectOr(msg.effect);
        const params = resolveParamsOr(effect, msg.params);
        const size = outputSizeOf(effect, msg.width, msg.height, params);
        return this.send({
          type: 'effect.outputSize.ok',
          id: msg.id,
          width: size.width,
          height: size.height,
        });
      }
      case 'job.subscribe':
        this.core.jobs.subscribe(msg.jobId, this.jobListener);
        return this.send({ type: 'ok', id: msg.id });
      case 'face.tracks':
        return void faceTracks(msg.analysis).then(
          (reply) => this.send({ type: 'face.tracks.ok', id: msg.id, ...reply }),
          (err: unknown) => this.jobErrorReply(msg.id, err),
        );
      case 'analysis.markers':
        return void analysisMarkers(msg.analysis, msg.index).then(
          (reply) => this.send({ type: 'analysis.markers.ok', id: msg.id, ...reply }),
          (err: unknown) => this.jobErrorReply(msg.id, err),
        );
    }
  }

  // ---- frames -----------------------------------------------------------------------------------

  /** The pixel message of request `id` (refused or cancelled) is to be dropped when it comes. */
  private expectDiscard(id: number): void {
    this.expectedPixels.push({ id, entry: null });
    this.boundDrops();
  }

  /** A client that never sends the pixels of refused requests must not grow the list without end. */
  private boundDrops(): void {
    let drops = 0;
    for (const p of this.expectedPixels) if (!p.entry) drops++;
    if (drops > MAX_DISCARD)
      this.expectedPixels.splice(
        this.expectedPixels.findIndex((p) => !p.entry),
        1,
      );
  }

  /** Removes and returns the oldest expectation for pixels with this id (undefined: nobody waits). */
  private takeExpected(id: number): ExpectedPixels | undefined {
    const i = this.expectedPixels.findIndex((p) => p.id === id);
    return i < 0 ? undefined : this.expectedPixels.splice(i, 1)[0];
  }

  private frameRender(req: Req<'frame.render'>): void {
    const binary = req.transport === 'binary';
    let effect: FilterEffect;
    let params: ParamValues;
    try {
      this.checkFrameRequest(req);
      const found = getEffectOr(req.effect);
      if (found.kind !== 'filter') {
        const why = KIND_SUPPORT.frame[found.kind];
        throw new Refusal(
          'NOT_ALLOWED',
          `${found.id} is a ${found.kind}: ${why === true ? 'frame.render does not run it yet' : why}`,
        );
      }
      effect = found;
      params = resolveParamsOr(effect, req.params);
    } catch (err) {
      if (binary) this.expectDiscard(req.id);
      throw err;
    }
    if (binary) {
      const entry: InFlight = {
        state: 'awaiting-binary',
        bytes: frameBytes(req),
        cancelled: false,
        req,
        effect,
        params,
      };
      this.track(req.id, entry);
      this.expectedPixels.push({ id: req.id, entry });
      return;
    }
    const frame = this.readShmInput(req, req.transport as ShmTransport);
    this.track(req.id, { state: 'queued', bytes: frameBytes(req), cancelled: false });
    this.process(req, effect, params, frame);
  }

  private track(id: number, entry: InFlight): void {
    this.inFlight.set(id, entry);
    this.core.inFlightBytes += entry.bytes;
  }

  private untrack(id: number): void {
    const entry = this.inFlight.get(id);
    if (!entry) return;
    this.inFlight.delete(id);
    this.core.inFlightBytes -= entry.bytes;
  }

  private checkFrameRequest(req: Req<'frame.render'>): void {
    const { width, height } = req.frame;
    const l = this.limits;
    if (this.inFlight.has(req.id)) {
      throw new Refusal('DUPLICATE_ID', `request id ${req.id} is already in flight on this connection`);
    }
    if (this.inFlight.size >= l.maxInFlightFramesPerConnection) {
      throw new Refusal(
        'TOO_MANY_IN_FLIGHT',
        `${this.inFlight.size} frames already in flight on this connection (limit ${l.maxInFlightFramesPerConnection}); wait for a result`,
      );
    }
    if (width > l.maxFrameWidth || height > l.maxFrameHeight || width * height > l.maxFramePixels) {
      throw new Refusal(
        'FRAME_TOO_LARGE',
        `frame ${width}x${height} exceeds the limits (${l.maxFrameWidth}x${l.maxFrameHeight}, ${l.maxFramePixels} pixels)`,
      );
    }
    // Daemon-wide: many clients with big frames must not add up to unbounded memory.
    if (this.core.inFlightBytes + frameBytes(req) > l.maxInFlightBytes) {
      throw new Refusal(
        'TOO_MANY_IN_FLIGHT',
        `the daemon already holds ${Math.round(this.core.inFlightBytes / 2 ** 20)} MiB of frames in flight across all clients (limit ${Math.round(l.maxInFlightBytes / 2 ** 20)} MiB); retry when a result arrives`,
      );
    }
  }

  private onBinary(data: Buffer): void {
    const decoded = decodeFrameMessage(data);
    if (!decoded) {
      return this.error(undefined, 'UNEXPECTED_BINARY', 'binary message without the MLXF header');
    }
    const { id } = decoded;
    const waiting = this.takeExpected(id);
    if (!waiting) {
      return this.error(id, 'UNEXPECTED_BINARY', `no frame.render with id ${id} is waiting for pixels`);
    }
    const entry = waiting.entry;
    if (!entry?.req) return; // pixels of a refused or cancelled request: dropped quietly
    const { req, effect, params } = entry;
    const { width, height } = req.frame;
    const expected = width * height * 16;
    if (decoded.pixelBytes !== expected) {
      this.untrack(id);
      return this.error(
        id,
        'FRAME_SIZE_MISMATCH',
        `frame ${width}x${height} float RGBA needs ${expected} bytes of pixels, got ${decoded.pixelBytes}`,
      );
    }
    const frame: Frame = {
      width,
      height,
      stride: width * 4,
      format: 'f32',
      data: decoded.pixels(),
      colorSpace: 'display',
    };
    if (!this.finiteOrRefuse(id, frame)) return;
    entry.state = 'queued';
    this.process(req, effect!, params!, frame);
  }

  private finiteOrRefuse(id: number, frame: Frame): boolean {
    const bad = firstNonFinite(frame);
    if (bad < 0) return true;
    this.untrack(id);
    const px = Math.floor(bad / 4);
    this.error(
      id,
      'NON_FINITE_PIXELS',
      `pixel (${px % frame.width}, ${Math.floor(px / frame.width)}) channel ${bad % 4} is ${frame.data[bad]}; frames must hold finite numbers`,
    );
    return false;
  }

  private process(req: Req<'frame.render'>, effect: FilterEffect, params: ParamValues, frame: Frame): void {
    const entry = this.inFlight.get(req.id)!;
    this.sessions
      .render(req.instance, effect, params, req.frame.index, frame, () => !entry.cancelled && !this.closed)
      .then(
        (out) => {
          if (!out || entry.cancelled || this.closed) return;
          this.untrack(req.id);
          this.sendResult(req, out);
        },
        (err: Error) => {
          if (entry.cancelled || this.closed) return;
          this.untrack(req.id);
          this.error(req.id, 'EFFECT_FAILED', `${effect.id}: ${err.message}`);
        },
      );
  }

  private sendResult(req: Req<'frame.render'>, result: Frame): void {
    // The wire carries float RGBA (protocol v1); integer results are widened here, f32 passes as is.
    const out = toFloat32(result);
    const reply: DaemonMessage = { type: 'frame.result', id: req.id, width: out.width, height: out.height };
    if (req.transport === 'binary') {
      this.send(reply);
      if (this.closed) return;
      // One WebSocket message in two fragments (header, then the pixels straight from the frame), so the
      // output is never copied into a message buffer. Both sends happen in one tick: nothing can interleave.
      const data = packed(out).data;
      this.ws.send(encodeFrameHeader(req.id), { binary: true, fin: false });
      this.ws.send(Buffer.from(data.buffer, data.byteOffset, data.byteLength), { binary: true, fin: true });
      return;
    }
    try {
      this.writeShmOutput(req.transport, out);
    } catch (err) {
      if (err instanceof Refusal) return this.error(req.id, err.code, err.message);
      throw err;
    }
    this.send(reply);
  }

  private frameCancel(id: number): void {
    const entry = this.inFlight.get(id);
    if (!entry) return; // already answered: the result or error is on its way
    entry.cancelled = true;
    this.untrack(id);
    if (entry.state === 'awaiting-binary') {
      // Its pixels may still come: they are dropped (the expectation stays in line, now without a taker).
      const waiting = this.expectedPixels.find((p) => p.entry === entry);
      if (waiting) waiting.entry = null;
      this.boundDrops();
    }
    this.error(id, 'CANCELLED', `frame request ${id} cancelled`);
  }

  // ---- shared memory ----------------------------------------------------------------------------

  private shmCreate(req: Req<'shm.create'>): void {
    if (!this.core.shmAvailable) throw new Refusal('SHM_UNAVAILABLE', this.core.shmUnavailableReason);
    if (req.bytes > this.limits.maxBinaryBytes) {
      throw new Refusal(
        'FRAME_TOO_LARGE',
        `shm region of ${req.bytes} bytes exceeds ${this.limits.maxBinaryBytes}`,
      );
    }
    if (this.ownedShm.size + this.mappedShm.size >= this.limits.maxShmRegionsPerConnection) {
      throw new Refusal(
        'TOO_MANY_IN_FLIGHT',
        `this connection already holds ${this.limits.maxShmRegionsPerConnection} shm regions; release one first`,
      );
    }
    const name = `/mlxv-${process.pid}-${randomBytes(6).toString('hex')}`;
    let region: ShmRegion;
    try {
      region = createShm(name, req.bytes);
    } catch (err) {
      throw new Refusal('SHM_FAILED', `could not create shm ${name}: ${(err as Error).message}`);
    }
    this.ownedShm.set(name, region);
    this.core.shmCreated(name);
    this.send({ type: 'shm.created', id: req.id, name, bytes: req.bytes });
  }

  private shmRelease(req: Req<'shm.release'>): void {
    const owned = this.ownedShm.get(req.name);
    const mapped = this.mappedShm.get(req.name);
    if (!owned && !mapped) throw new Refusal('BAD_MESSAGE', `shm ${req.name} is not held by this connection`);
    if (owned) this.releaseOwned(req.name, owned);
    if (mapped) {
      mapped.close();
      this.mappedShm.delete(req.name);
    }
    this.send({ type: 'ok', id: req.id });
  }

  private releaseOwned(name: string, region: ShmRegion): void {
    region.close();
    try {
      unlinkShm(name);
    } catch {
      // already unlinked by the client
    }
    this.ownedShm.delete(name);
    this.core.shmReleased(name);
  }

  private region(name: string, minBytes: number): ShmRegion {
    if (!this.core.shmAvailable) throw new Refusal('SHM_UNAVAILABLE', this.core.shmUnavailableReason);
    let region = this.ownedShm.get(name) ?? this.mappedShm.get(name);
    if (!region) {
      if (this.ownedShm.size + this.mappedShm.size >= this.limits.maxShmRegionsPerConnection) {
        throw new Refusal('TOO_MANY_IN_FLIGHT', `too many shm regions mapped; release one with shm.release`);
      }
      try {
        region = openShm(name, 0);
      } catch (err) {
        throw new Refusal('SHM_FAILED', `could not map shm ${name}: ${(err as Error).message}`);
      }
      this.mappedShm.set(name, region);
    }
    if (region.bytes < minBytes) {
      throw new Refusal('FRAME_SIZE_MISMATCH', `shm ${name} holds ${region.bytes} bytes, needs ${minBytes}`);
    }
    return region;
  }

  private readShmInput(req: Req<'frame.render'>, t: ShmTransport): Frame {
    const { width, height } = req.frame;
    const expected = width * height * 16;
    if (t.bytes !== expected) {
      throw new Refusal(
        'FRAME_SIZE_MISMATCH',
        `frame ${width}x${height} float RGBA needs ${expected} bytes, transport says ${t.bytes}`,
      );
    }
    const region = this.region(t.shm, expected);
    const frame: Frame = {
      width,
      height,
      stride: width * 4,
      format: 'f32',
      data: new Float32Array(region.buffer, 0, width * height * 4),
      colorSpace: 'display',
    };
    const bad = firstNonFinite(frame);
    if (bad >= 0) throw new Refusal('NON_FINITE_PIXELS', `sample ${bad} of the input is ${frame.data[bad]}`);
    return frame;
  }

  private writeShmOutput(t: ShmTransport, out: F32Frame): void {
    const needed = out.width * out.height * 16;
    if (t.outBytes < needed) {
      throw new Refusal(
        'FRAME_SIZE_MISMATCH',
        `output ${out.width}x${out.height} needs ${needed} bytes, outBytes is ${t.outBytes}`,
      );
    }
    const region = this.region(t.outShm, needed);
    const dst = new Float32Array(region.buffer, 0, out.width * out.height * 4);
    const src = packed(out).data;
    // In-place effects (identity at gain 1 on outShm === shm) already left the pixels there.
    if (src.buffer !== dst.buffer || src.byteOffset !== 0) dst.set(src);
  }

  // ---- teardown ---------------------------------------------------------------------------------

  private cleanup(): void {
    if (this.closed) return;
    this.closed = true;
    this.preAuth.stop();
    for (const [id, entry] of [...this.inFlight]) {
      entry.cancelled = true;
      this.untrack(id);
    }
    this.expectedPixels.length = 0;
    this.sessions.closeAll();
    for (const [name, region] of [...this.ownedShm]) this.releaseOwned(name, region);
    for (const region of this.mappedShm.values()) region.close();
    this.mappedShm.clear();
    this.core.jobs.ownerGone(this.id, this.jobListener);
    this.core.connectionClosed(this);
  }
}

function frameBytes(req: Req<'frame.render'>): number {
  return req.frame.width * req.frame.height * 16;
}

function getEffectOr(id: string): EffectDescriptor {
  try {
    return getEffect(id);
  } catch (err) {
    if (err instanceof UnknownEffectError) throw new Refusal('UNKNOWN_EFFECT', err.message);
    throw err;
  }
}

function resolveParamsOr(effect: EffectDescriptor, params: Record<string, unknown>): ParamValues {
  try {
    return resolveParams(effect.params, params);
  } catch (err) {
    if (err instanceof ParamError) throw new Refusal('BAD_PARAM', `${effect.id}: ${err.message}`);
    throw err;
  }
}
