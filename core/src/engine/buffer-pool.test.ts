import { describe, expect, it } from 'vitest';
import { BufferPool, isExclusive, markExclusive, recycle } from './buffer-pool.ts';

describe('BufferPool', () => {
  it('gives back the buffers it was handed, by size, up to perSize', () => {
    const pool = new BufferPool(2);
    const a = pool.take(16);
    const b = pool.take(16);
    const c = pool.take(16);
    expect(pool.give(a)).toBe(true);
    expect(pool.give(b)).toBe(true);
    expect(pool.give(c)).toBe(false); // beyond perSize: left to the garbage collector
    expect(pool.give(a)).toBe(false); // already spare: not twice
    expect(pool.spare).toBe(2);
    const again = [pool.take(16), pool.take(16)];
    expect(again.includes(a) && again.includes(b)).toBe(true);
    const fresh = pool.take(16);
    expect(fresh === a || fresh === b || fresh === c).toBe(false);
  });

  it('keeps no sizes nobody takes, and no detached buffers', () => {
    const pool = new BufferPool();
    expect(pool.give(new ArrayBuffer(8))).toBe(false);
    const taken = pool.take(32);
    structuredClone(taken, { transfer: [taken] }); // detaches it (byteLength 0)
    pool.give(taken);
    expect(pool.spare).toBe(0);
  });

  it('keeps at most maxBytes of spares in all', () => {
    const pool = new BufferPool(4, 40);
    const [a, b, c] = [pool.take(16), pool.take(16), pool.take(16)];
    expect([pool.give(a), pool.give(b), pool.give(c)]).toEqual([true, true, false]);
    expect(pool.takeSpare(16)).toBe(b);
    expect(pool.give(c)).toBe(true); // room again after one was taken
    expect(pool.spare).toBe(2);
  });
});

describe('recycle', () => {
  it('keeps a transferred buffer for a size this thread takes, else sends it back where it came from', () => {
    const pool = new BufferPool();
    pool.take(8); // this thread decodes 8-byte frames
    const back: ArrayBuffer[] = [];
    const same = new Uint8Array(8);
    const other = new Uint16Array(8);
    markExclusive(same, (b) => back.push(b));
    markExclusive(other, (b) => back.push(b));
    recycle(pool, same);
    recycle(pool, other);
    expect(pool.takeSpare(8)).toBe(same.buffer);
    expect(back).toEqual([other.buffer]);
  });

  it('leaves a buffer that was transferred on since (detached) alone', () => {
    const pool = new BufferPool();
    const back: ArrayBuffer[] = [];
    const frame = new Uint8Array(8);
    markExclusive(frame, (b) => back.push(b));
    structuredClone(frame.buffer, { transfer: [frame.buffer] });
    recycle(pool, frame);
    expect(back).toEqual([]);
  });

  it('leaves frames that did not come from a worker alone', () => {
    const pool = new BufferPool();
    pool.take(8);
    recycle(pool, new Uint8Array(8));
    expect(pool.spare).toBe(0);
  });
});

describe('isExclusive', () => {
  it('only for marked views that own their whole buffer', () => {
    const whole = new Uint8Array(8);
    const part = new Uint8Array(whole.buffer, 4, 4);
    markExclusive(whole, () => undefined);
    markExclusive(part, () => undefined);
    expect(isExclusive(whole)).toBe(true);
    expect(isExclusive(part)).toBe(false);
    expect(isExclusive(new Uint8Array(8))).toBe(false);
  });
});
