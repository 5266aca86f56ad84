/**
 * A bounded FIFO between two async pipeline stages. `push` waits while the queue is full, so a fast
 * producer (the decoder) never runs more than `capacity` frames ahead of a slow consumer (inference),
 * which keeps memory flat on long clips. `fail` wakes every waiter with the error, so one failing stage
 * stops the others instead of leaving them blocked.
 */
export class BoundedQueue<T> {
  private readonly items: T[] = [];
  private closed = false;
  private error: unknown = undefined;
  private failed = false;
  /** Resolvers of consumers waiting for an item, and of producers waiting for room. */
  private readonly waiting: Array<() => void> = [];

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError('capacity must be a positive integer');
  }

  get size(): number {
    return this.items.length;
  }

  async push(item: T): Promise<void> {
    while (!this.failed && this.items.length >= this.capacity) await this.wait();
    if (this.failed) throw this.error;
    if (this.closed) throw new Error('push after close');
    this.items.push(item);
    this.wake();
  }

  /** The next item, or undefined once the queue is closed and drained. */
  async shift(): Promise<T | undefined> {
    while (!this.failed && this.items.length === 0 && !this.closed) await this.wait();
    if (this.failed) throw this.error;
    const item = this.items.shift();
    this.wake();
    return item;
  }

  /** No more items will come; consumers drain what is left. */
  close(): void {
    this.closed = true;
    this.wake();
  }

  fail(error: unknown): void {
    if (this.failed) return;
    this.failed = true;
    this.error = error;
    this.items.length = 0;
    this.wake();
  }

  private wait(): Promise<void> {
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private wake(): void {
    for (const resolve of this.waiting.splice(0)) resolve();
  }
}
