import { describe, expect, it } from 'vitest';
import { BoundedQueue } from './bounded-queue.ts';

describe('BoundedQueue', () => {
  it('keeps order and makes the producer wait when full', async () => {
    const q = new BoundedQueue<number>(2);
    const pushed: number[] = [];
    const producer = (async () => {
      for (let i = 0; i < 5; i++) {
        await q.push(i);
        pushed.push(i);
      }
      q.close();
    })();
    await new Promise((r) => setTimeout(r, 10));
    expect(pushed).toEqual([0, 1]); // the third push waits for room
    const got: number[] = [];
    for (let v = await q.shift(); v !== undefined; v = await q.shift()) got.push(v);
    await producer;
    expect(got).toEqual([0, 1, 2, 3, 4]);
  });

  it('fail() wakes a blocked producer and a blocked consumer with the error', async () => {
    const full = new BoundedQueue<number>(1);
    await full.push(1);
    const blockedPush = full.push(2);
    const empty = new BoundedQueue<number>(1);
    const blockedShift = empty.shift();
    const boom = new Error('boom');
    full.fail(boom);
    empty.fail(boom);
    await expect(blockedPush).rejects.toBe(boom);
    await expect(blockedShift).rejects.toBe(boom);
  });
});
