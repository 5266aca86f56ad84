import { describe, expect, it } from 'vitest';
import { BufferPool, isExclusive, markExclusive } from './buffer-pool.ts';

describe('BufferPool', () => {
  it('gives back the buffers it was handed, by size, up to perSize', () => {
    const pool = new BufferPool(2);
    const a = pool.take(16);
    const b = pool.take(16);
    const c = pool.take(16);
    pool.give(a);
    pool.give(b);
    pool.give(c); // beyond perSize: left to the garbage collector
    pool.give(a); // already spare: not twice
    expect(pool.spare).toBe(2);
    const again = [pool.take(16), pool.take(16)];
    expect(again.includes(a) && again.includes(b)).toBe(true);
    const fresh = pool.take(16);
    expect(fresh === a || fresh === b || fresh === c).toBe(false);
  });

  it('keeps no sizes nobody takes, and no detached buffers', () => {
    const pool = new BufferPool();
    pool.give(new ArrayBuffer(8));
    const taken = pool.take(32);
    structuredClone(taken, { transfer: [taken] }); // detaches it (byteLength 0)
    pool.give(taken);
    expect(pool.spare).toBe(0);
  });
});

describe('isExclusive', () => {
  it('only for marked views that own their whole buffer', () => {
    const whole = new Uint8Array(8);
    const part = new Uint8Array(whole.buffer, 4, 4);
    markExclusive(whole);
    markExclusive(part);
    expect(isExclusive(whole)).toBe(true);
    expect(isExclusive(part)).toBe(false);
    expect(isExclusive(new Uint8Array(8))).toBe(false);
  });
});
