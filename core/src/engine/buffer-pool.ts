/**
 * Frame buffers reused within a job instead of allocated per frame. At 4K a frame is 32 MiB (u8) or 64 MiB
 * (u16); allocating one per decoded frame leaves the garbage collector hundreds of MiB of dead buffers to
 * find, and the process's resident memory follows the garbage, not the frames in flight.
 *
 * The cycle in a job (pipeline/run-job.ts): the decoder fills a buffer taken from the pool, the frame goes
 * to an engine worker by transfer, the worker's result comes back by transfer, and once the encoder's pipe
 * has taken it the job gives that buffer back. Only buffers nobody else can hold return: a frame that came
 * back from a worker (transferred, see `isExclusive`), never a frame an in-process effect made (it may keep
 * it as state). Sizes that nobody takes are not kept.
 */
import { ownsWholeBuffer } from './wire.ts';

export class BufferPool {
  private readonly free = new Map<number, ArrayBuffer[]>();
  private spareBytes = 0;

  /**
   * @param perSize spare buffers kept per size (more given back are left to the garbage collector).
   * @param maxBytes spare bytes kept in all (a 4K u16 frame is 66 MB: a worker keeps one or two, not four).
   */
  constructor(
    private readonly perSize = 4,
    private readonly maxBytes = Number.POSITIVE_INFINITY,
  ) {}

  /** A buffer of exactly `bytes` (contents undefined: the caller overwrites every byte). */
  take(bytes: number): ArrayBuffer {
    return this.takeSpare(bytes) ?? new ArrayBuffer(bytes);
  }

  /** A spare buffer of exactly `bytes`, or undefined; either way the size counts as taken from now on. */
  takeSpare(bytes: number): ArrayBuffer | undefined {
    let list = this.free.get(bytes);
    if (!list) this.free.set(bytes, (list = []));
    const spare = list.pop();
    if (spare) this.spareBytes -= bytes;
    return spare;
  }

  /**
   * Hands a buffer back. Returns false, keeping nothing, for sizes never taken, detached buffers, a buffer
   * already held, and beyond `perSize` or `maxBytes`.
   */
  give(buffer: ArrayBuffer): boolean {
    const list = this.free.get(buffer.byteLength);
    if (!list || list.length >= this.perSize || list.includes(buffer)) return false;
    if (this.spareBytes + buffer.byteLength > this.maxBytes) return false;
    list.push(buffer);
    this.spareBytes += buffer.byteLength;
    return true;
  }

  /** Spare buffers held now (for tests). */
  get spare(): number {
    let n = 0;
    for (const list of this.free.values()) n += list.length;
    return n;
  }
}

/**
 * A source for createFrame (contract/frame.ts setSampleBufferSource) that makes frames in `pool`'s spares,
 * cleared to zero as a fresh buffer is, and in fresh memory when there is none of the size.
 */
export function spareBufferSource(pool: BufferPool, onReuse: () => void): (bytes: number) => ArrayBuffer {
  return (bytes) => {
    const spare = pool.takeSpare(bytes);
    if (!spare) return new ArrayBuffer(bytes);
    onReuse();
    new Uint8Array(spare).fill(0);
    return spare;
  };
}

/**
 * Frames' sample arrays that arrived from a worker by transfer (this thread holds the only reference), each
 * with the way back to that worker for when this thread has no use for the buffer.
 */
const exclusive = new WeakMap<object, (buffer: ArrayBuffer) => void>();

export function markExclusive(data: ArrayBufferView, giveBack: (buffer: ArrayBuffer) => void): void {
  exclusive.set(data, giveBack);
}

/**
 * True when the frame's samples came from a worker by transfer and own their whole buffer, and that buffer
 * has not been transferred on since (a detached buffer holds nothing, and transferring it again throws).
 */
export function isExclusive(data: ArrayBufferView): boolean {
  return (
    exclusive.has(data) && data.byteLength > 0 && data.buffer instanceof ArrayBuffer && ownsWholeBuffer(data)
  );
}

/**
 * Called once nothing on this thread reads `data` any more (the encoder's pipe has taken it). A buffer that
 * came from a worker goes to `pool` when this thread allocates that size (the decoder), otherwise back to the
 * worker, whose next outputs are made in it (engine/worker.ts). Anything else is left to the garbage
 * collector: an in-process effect's output may be its state.
 */
export function recycle(pool: BufferPool, data: ArrayBufferView): void {
  if (!isExclusive(data)) return;
  const buffer = data.buffer as ArrayBuffer;
  if (!pool.give(buffer)) exclusive.get(data)!(buffer);
}
