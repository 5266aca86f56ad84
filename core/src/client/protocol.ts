/**
 * Wire protocol v1 between the daemon and its clients (docs/protocol.md is the prose version).
 * Browser-safe: no Node imports, so the UXP panels, Chromium and the OFX-side tests share these types.
 * The daemon validates every incoming message with zod schemas built to match these types
 * (core/src/daemon/messages.ts); this file imports nothing at run time so panels need no bundler tricks.
 */

// Type-only: pipeline/types.ts has no Node imports, so the client stays browser-safe.
import type { JobErrorCode, OutputFormat } from '../pipeline/types.ts';

export const PROTOCOL_VERSION = 1;
export const DEFAULT_PORT = 7433;
/** ASCII "MLXF": first 4 bytes of every binary frame message, then uint32 LE request id, then pixels. */
export const FRAME_MAGIC = 0x46584c4d; // "MLXF" read as little-endian uint32
export const FRAME_HEADER_BYTES = 8;

/** Every error code a daemon may send, in `error` replies and `job.error` events. */
export type ErrorCode =
  | 'AUTH_FAILED'
  | 'PAIRING_FAILED'
  | 'BAD_JSON'
  | 'BAD_MESSAGE'
  | 'UNKNOWN_TYPE'
  | 'MESSAGE_TOO_LARGE'
  | 'FRAME_TOO_LARGE'
  | 'FRAME_SIZE_MISMATCH'
  | 'NON_FINITE_PIXELS'
  | 'UNEXPECTED_BINARY'
  | 'TOO_MANY_IN_FLIGHT'
  | 'DUPLICATE_ID'
  | 'QUEUE_FULL'
  | 'UNKNOWN_JOB'
  | 'UNKNOWN_EFFECT'
  | 'BAD_PARAM'
  | 'SHM_UNAVAILABLE'
  | 'SHM_FAILED'
  | 'NOT_ALLOWED'
  | 'CANCELLED'
  | 'INTERRUPTED'
  | 'EFFECT_FAILED'
  // Job error codes pass through unchanged.
  | JobErrorCode;

/** WebSocket close codes the daemon uses. */
export const CLOSE_AUTH_FAILED = 4401;
export const CLOSE_SHUTTING_DOWN = 4503;

export interface ClientInfo {
  name: string;
  version: string;
}

/** Param values as JSON (numbers, strings, booleans, [r,g,b,a]). */
export type JsonParams = Record<string, unknown>;

export interface ShmTransport {
  /** POSIX shm name ("/mlxv-..."), created by the client or by `shm.create`. Input pixels, tightly packed. */
  shm: string;
  bytes: number;
  /** Where the daemon writes the output pixels; may equal `shm` (in-place). */
  outShm: string;
  outBytes: number;
}

// ---- client -> daemon -------------------------------------------------------------------------

export interface HelloMessage {
  type: 'hello';
  protocol: number;
  token: string;
  client: ClientInfo;
}
export interface PairMessage {
  type: 'pair';
  code: string;
  client: ClientInfo;
}
export interface PairCodeRequest {
  type: 'pair.code';
  id: number;
}
export interface FrameRenderRequest {
  type: 'frame.render';
  id: number;
  instance: string;
  effect: string;
  params: JsonParams;
  frame: { index: number; width: number; height: number };
  transport: 'binary' | ShmTransport;
}
export interface FrameCancelRequest {
  type: 'frame.cancel';
  id: number;
}
export interface InstanceCloseRequest {
  type: 'instance.close';
  id?: number;
  instance: string;
}
export interface ShmCreateRequest {
  type: 'shm.create';
  id: number;
  bytes: number;
}
export interface ShmReleaseRequest {
  type: 'shm.release';
  id: number;
  name: string;
}
export interface JobSpecMessage {
  effect: string;
  input: string;
  output: string;
  params?: JsonParams;
  frames?: { start: number; end?: number };
  format?: OutputFormat;
  /** Replace an existing output once the job succeeds (default false: OUTPUT_EXISTS). */
  overwrite?: boolean;
}
export interface JobSubmitRequest {
  type: 'job.submit';
  id: number;
  job: JobSpecMessage;
  /** Default false: the job is cancelled when the submitting connection closes. */
  keepAlive?: boolean;
}
export interface JobCancelRequest {
  type: 'job.cancel';
  id: number;
  jobId: string;
}
export interface JobListRequest {
  type: 'job.list';
  id: number;
}
export interface JobSubscribeRequest {
  type: 'job.subscribe';
  id: number;
  jobId: string;
}
/** Output size of an effect for an input size (scaling effects; OFX region of definition). */
export interface OutputSizeRequest {
  type: 'effect.outputSize';
  id: number;
  effect: string;
  params: JsonParams;
  width: number;
  height: number;
}
export interface PingRequest {
  type: 'ping';
  id: number;
}
/**
 * The shots of a finished `analyze` job as markers (frames of the media file), and, with `index`, the
 * analysis stored in that library index (SQLite, as `mlxv analyze --index`). Both paths absolute.
 */
export interface AnalysisMarkersRequest {
  type: 'analysis.markers';
  id: number;
  analysis: string;
  index?: string;
}

/** The face tracks of a finished `face-track` job (its .json output, absolute path), for keyframes or markers. */
export interface FaceTracksRequest {
  type: 'face.tracks';
  id: number;
  analysis: string;
}

export type ClientMessage =
  | HelloMessage
  | PairMessage
  | PairCodeRequest
  | FrameRenderRequest
  | FrameCancelRequest
  | InstanceCloseRequest
  | ShmCreateRequest
  | ShmReleaseRequest
  | JobSubmitRequest
  | JobCancelRequest
  | JobListRequest
  | JobSubscribeRequest
  | OutputSizeRequest
  | AnalysisMarkersRequest
  | FaceTracksRequest
  | PingRequest;

// ---- daemon -> client -------------------------------------------------------------------------

/** A model card (models/manifests/<id>.json `card`) for the models that share it. */
export interface ModelCardSummary {
  models: string[];
  license: string;
  trainedOn: string;
  knownBiases: string;
}

export interface EffectSummary {
  id: string;
  label: string;
  category: string;
  description: string;
  params: Record<string, unknown>;
  /** filter (frame → frame), retime (frames → frames), generator (no input), analyzer (frames → records). */
  kind: 'filter' | 'retime' | 'generator' | 'analyzer';
  temporal: 'stateless' | 'sequential';
  /** Sequential filters: frame N depends on input frames N-preRoll..N only. */
  preRoll?: number;
  outputs: readonly string[];
  models: readonly string[];
  /** True when the output size differs from the input's for some params: ask with effect.outputSize. */
  resizes: boolean;
  /** True when the effect changes timing (frame interpolation): jobs only, no frame.render. */
  retimes: boolean;
  /** What the effect's models are, their licences and what they learned from (absent from older daemons). */
  modelCards?: ModelCardSummary[];
}

export interface DaemonLimits {
  maxJsonBytes: number;
  maxBinaryBytes: number;
  maxFrameWidth: number;
  maxFrameHeight: number;
  maxFramePixels: number;
  maxInFlightFramesPerConnection: number;
  /** Input pixel bytes of all frames in flight on all connections together. */
  maxInFlightBytes: number;
  maxConcurrentJobs: number;
  maxQueuedJobs: number;
  maxShmRegionsPerConnection: number;
}

export interface HelloOk {
  type: 'hello.ok';
  protocol: number;
  daemon: { version: string; pid: number };
  effects: EffectSummary[];
  limits: DaemonLimits;
  /** True when the daemon can map shared memory (native addon built). */
  shm: boolean;
}
export interface PairOk {
  type: 'pair.ok';
  token: string;
}
export interface PairCodeOk {
  type: 'pair.code.ok';
  id: number;
  code: string;
  expiresInSeconds: number;
}
export interface ErrorReply {
  type: 'error';
  id?: number;
  code: ErrorCode;
  message: string;
}
export interface FrameResult {
  type: 'frame.result';
  id: number;
  width: number;
  height: number;
}
export interface OkReply {
  type: 'ok';
  id: number;
}
export interface ShmCreated {
  type: 'shm.created';
  id: number;
  name: string;
  bytes: number;
}
export interface JobAccepted {
  type: 'job.accepted';
  id: number;
  jobId: string;
  position: number;
}
export type JobState = 'queued' | 'running' | 'done' | 'failed' | 'cancelled';
export interface JobInfo {
  jobId: string;
  state: JobState;
  job: JobSpecMessage;
  createdAt: string;
  updatedAt: string;
  progress?: { done: number; total: number };
  error?: { code: ErrorCode; message: string };
  output?: string;
}
export interface JobListReply {
  type: 'job.list.ok';
  id: number;
  jobs: JobInfo[];
}
export interface JobProgressEvent {
  type: 'job.progress';
  jobId: string;
  done: number;
  total: number;
  fps: number;
  etaSeconds: number | null;
  stage: string;
}
export interface JobDoneEvent {
  type: 'job.done';
  jobId: string;
  output: string;
  frames: number;
  /** The output's frame rate when it is a clip (a generator's duration is frames / rate). */
  frameRate?: { num: number; den: number };
  /** What the user should know that did not stop the job (audio dropped, frame rate converted, ...). */
  notes?: string[];
}
export interface JobErrorEvent {
  type: 'job.error';
  jobId: string;
  code: ErrorCode;
  message: string;
}
export interface OutputSizeReply {
  type: 'effect.outputSize.ok';
  id: number;
  width: number;
  height: number;
}
/** One shot as a marker: its first frame and length in frames of the media file. */
export interface ShotMarkerData {
  frame: number;
  duration: number;
  name: string;
  comment: string;
}
export interface AnalysisMarkersReply {
  type: 'analysis.markers.ok';
  id: number;
  /** The media file that was analysed. */
  file: string;
  frameRate: { num: number; den: number };
  markers: ShotMarkerData[];
  /** True when the analysis was stored in the index asked for. */
  indexed: boolean;
}
/** One face track: its id and per-frame samples [frame, x, y, w, h, held] in pixels of the media file. */
export interface FaceTrackSummary {
  id: number;
  samples: [number, number, number, number, number, 0 | 1][];
}
export interface FaceTracksReply {
  type: 'face.tracks.ok';
  id: number;
  /** The media file that was tracked. */
  file: string;
  frameRate: { num: number; den: number };
  width: number;
  height: number;
  tracks: FaceTrackSummary[];
}
export interface PongReply {
  type: 'pong';
  id: number;
}

export type DaemonMessage =
  | HelloOk
  | PairOk
  | PairCodeOk
  | ErrorReply
  | FrameResult
  | OkReply
  | ShmCreated
  | JobAccepted
  | JobListReply
  | JobProgressEvent
  | JobDoneEvent
  | JobErrorEvent
  | OutputSizeReply
  | AnalysisMarkersReply
  | FaceTracksReply
  | PongReply;

// ---- binary frame messages ------------------------------------------------------------------------

/** The 8-byte MLXF header alone (senders that can fragment a message send it, then the pixels, uncopied). */
export function encodeFrameHeader(id: number): Uint8Array {
  const out = new Uint8Array(FRAME_HEADER_BYTES);
  const view = new DataView(out.buffer);
  view.setUint32(0, FRAME_MAGIC, true);
  view.setUint32(4, id >>> 0, true);
  return out;
}

/** Builds one binary frame message: MLXF header + tightly packed float32 LE RGBA (copies `pixels`). */
export function encodeFrameMessage(id: number, pixels: Float32Array): Uint8Array {
  const out = new Uint8Array(FRAME_HEADER_BYTES + pixels.byteLength);
  const view = new DataView(out.buffer);
  view.setUint32(0, FRAME_MAGIC, true);
  view.setUint32(4, id >>> 0, true);
  out.set(new Uint8Array(pixels.buffer, pixels.byteOffset, pixels.byteLength), FRAME_HEADER_BYTES);
  return out;
}

/**
 * Reads the header of a binary frame message. Returns null when it is not one (too short, wrong magic).
 * `pixels` is a view when the payload is 4-byte aligned, otherwise a copy (Float32Array needs alignment).
 */
export function decodeFrameMessage(
  bytes: Uint8Array,
): { id: number; pixelBytes: number; pixels: () => Float32Array } | null {
  if (bytes.byteLength < FRAME_HEADER_BYTES) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, true) !== FRAME_MAGIC) return null;
  const id = view.getUint32(4, true);
  const pixelBytes = bytes.byteLength - FRAME_HEADER_BYTES;
  return {
    id,
    pixelBytes,
    pixels: () => {
      const start = bytes.byteOffset + FRAME_HEADER_BYTES;
      if (start % 4 === 0 && pixelBytes % 4 === 0) {
        return new Float32Array(bytes.buffer, start, pixelBytes / 4);
      }
      const copy = new Uint8Array(pixelBytes - (pixelBytes % 4));
      copy.set(bytes.subarray(FRAME_HEADER_BYTES, FRAME_HEADER_BYTES + copy.byteLength));
      return new Float32Array(copy.buffer);
    },
  };
}
