/**
 * Frames and errors as they cross between the main thread and an engine worker (structured clone). Pixels
 * move by transfer (the sender's buffer is detached, nothing is copied) or, for SharedArrayBuffer-backed
 * frames, by sharing; a frame that views part of a larger buffer (a shared-memory region, a pooled Buffer)
 * is copied once, since transferring would take the whole buffer away from its owner.
 */
import { frameOver, type Frame, type SampleFormat } from '../contract/frame.ts';
import { JobError, type JobErrorCode } from '../contract/errors.ts';
import { ParamError } from '../effects/params.ts';

export interface WireFrame {
  width: number;
  height: number;
  stride: number;
  format: SampleFormat;
  colorSpace: Frame['colorSpace'];
  buffer: ArrayBuffer | SharedArrayBuffer;
  byteOffset: number;
  length: number;
}

/** The view covers its whole buffer, so moving the buffer moves exactly these samples and nothing else. */
export function ownsWholeBuffer(data: ArrayBufferView): boolean {
  return data.byteOffset === 0 && data.byteLength === data.buffer.byteLength;
}

/**
 * The frame as a message part, adding what to transfer to `transfer`. A buffer already listed (the same
 * frame twice in one message, e.g. a retimer repeating a frame) is copied so each output owns its pixels.
 */
export function toWire(frame: Frame, transfer: ArrayBuffer[]): WireFrame {
  let data = frame.data;
  const shared = typeof SharedArrayBuffer !== 'undefined' && data.buffer instanceof SharedArrayBuffer;
  if (!shared && (!ownsWholeBuffer(data) || transfer.includes(data.buffer as ArrayBuffer))) {
    data = data.slice();
  }
  if (!shared) transfer.push(data.buffer as ArrayBuffer);
  return {
    width: frame.width,
    height: frame.height,
    stride: frame.stride,
    format: frame.format,
    colorSpace: frame.colorSpace,
    buffer: data.buffer,
    byteOffset: data.byteOffset,
    length: data.length,
  };
}

export function fromWire(w: WireFrame): Frame {
  const data =
    w.format === 'u8'
      ? new Uint8Array(w.buffer, w.byteOffset, w.length)
      : w.format === 'f32'
        ? new Float32Array(w.buffer, w.byteOffset, w.length)
        : new Uint16Array(w.buffer, w.byteOffset, w.length);
  return frameOver(w.width, w.height, w.format, w.colorSpace, data as never, w.stride);
}

export interface WireError {
  name: string;
  message: string;
  code?: JobErrorCode;
  hint?: string;
  param?: string;
}

export function errorToWire(err: unknown): WireError {
  if (err instanceof JobError)
    return { name: 'JobError', message: err.message, code: err.code, hint: err.hint };
  if (err instanceof ParamError) return { name: 'ParamError', message: err.message, param: err.param };
  if (err instanceof Error) return { name: err.name, message: err.message };
  return { name: 'Error', message: String(err) };
}

/** Rebuilds the classes the job error mapping (pipeline/job-error.ts) tells apart; others keep name + message. */
export function errorFromWire(w: WireError): Error {
  if (w.name === 'JobError' && w.code) return new JobError(w.code, w.message, w.hint);
  if (w.name === 'ParamError') return new ParamError(w.message, w.param);
  const err = new Error(w.message);
  err.name = w.name;
  return err;
}
