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
export class BufferPool {
  private readonly free = new Map<number, ArrayBuffer[]>();

  /** @param perSize spare buffers kept per size (more given back are left to the garbage collector). */
  constructor(private readonly perSize = 4) {}

  /** A buffer of exactly `bytes` (contents undefined: the caller overwrites every byte). */
  take(bytes: number): ArrayBuffer {
    let list = this.free.get(bytes);
    if (!list) this.free.set(bytes, (list = []));
    return list.pop() ?? new ArrayBuffer(bytes);
  }

  /** Hands a buffer back; ignored for sizes never taken, detached buffers, and beyond `perSize`. */
  give(buffer: ArrayBuffer): void {
    const list = this.free.get(buffer.byteLength);
    if (list && list.length < this.perSize && !list.includes(buffer)) list.push(buffer);
  }

  /** Spare buffers held now (for tests). */
  get spare(): number {
    let n = 0;
    for (const list of this.free.values()) n += list.length;
    return n;
  }
}

/** Frames' sample arrays that arrived from a worker by transfer: this thread holds the only reference. */
const exclusive = new WeakSet<object>();

export function markExclusive(data: ArrayBufferView): void {
  exclusive.add(data);
}

/** True when the frame's samples came from a worker by transfer and own their whole buffer. */
export function isExclusive(data: ArrayBufferView): boolean {
  return (
    exclusive.has(data) &&
    data.buffer instanceof ArrayBuffer &&
    data.byteOffset === 0 &&
    data.byteLength === data.buffer.byteLength
  );
}
