/**
 * The native addon (core/native) against its TypeScript twins: shared memory round trips between two
 * mappings of one name, and pack/unpack of float RGBA rows with positive, padded and negative strides.
 */
import { readdirSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  createShm,
  nativeAddon,
  nativeLoadError,
  openShm,
  packRgbaToNchw,
  unlinkShm,
  unpackNchwToRgba,
  type RowLayout,
} from '../../core/src/daemon/native.ts';

const built = nativeAddon() !== null;

describe('native addon', () => {
  it('is built (scripts/build-native.sh runs before vitest in npm test)', () => {
    // In `npm test` the addon is always built first; a missing addon must fail loudly, not skip silently.
    if (process.env.MLXV_ALLOW_NO_NATIVE !== '1') expect(nativeLoadError()).toBeNull();
  });
});

describe.runIf(built)('shared memory', () => {
  it('two mappings of one name see the same bytes; unlink removes the name; unmap detaches', () => {
    const name = `/mlxv-test-${randomBytes(4).toString('hex')}`;
    const a = createShm(name, 4096);
    expect(readdirSync('/dev/shm')).toContain(name.slice(1));
    const b = openShm(name);
    expect(b.bytes).toBe(4096);
    new Float32Array(a.buffer)[10] = 1.5;
    expect(new Float32Array(b.buffer)[10]).toBe(1.5);
    expect(() => createShm(name, 4096)).toThrow(/exist/i);
    expect(unlinkShm(name)).toBe(true);
    expect(unlinkShm(name)).toBe(false);
    expect(readdirSync('/dev/shm')).not.toContain(name.slice(1));
    // Mappings outlive the name until unmapped.
    new Float32Array(b.buffer)[11] = 2;
    expect(new Float32Array(a.buffer)[11]).toBe(2);
    a.close();
    b.close();
    expect(a.buffer.byteLength).toBe(0); // detached: JS cannot reach unmapped memory
    expect(() => openShm(name)).toThrow(/shm_open/);
  });

  it('refuses to map more than the region holds', () => {
    const name = `/mlxv-test-${randomBytes(4).toString('hex')}`;
    const a = createShm(name, 1024);
    try {
      expect(() => openShm(name, 4096)).toThrow(/holds 1024 bytes/);
    } finally {
      a.close();
      unlinkShm(name);
    }
  });
});

function randomRgba(layout: RowLayout, total: number): Float32Array {
  const data = new Float32Array(total);
  for (let i = 0; i < total; i++) data[i] = Math.sin(i * 12.9898) * 0.5 + 0.5;
  return data;
}

const layouts: [string, RowLayout, number][] = [
  ['tight', { width: 7, height: 5, stride: 28 }, 7 * 5 * 4],
  ['padded rows', { width: 7, height: 5, stride: 36, offset: 3 }, 3 + 5 * 36],
  ['bottom-up (negative stride)', { width: 7, height: 5, stride: -32, offset: 4 * 32 }, 5 * 32],
];
const norms = [
  {},
  { mean: [0.485, 0.456, 0.406] as const, std: [0.229, 0.224, 0.225] as const },
  { mean: [127.5, 127.5, 127.5] as const, std: [127.5, 127.5, 127.5] as const, scale: 255, bgr: true },
];

describe.each(layouts)('pixel packing, %s', (_name, layout, total) => {
  it.each([3, 4] as const)('native and TypeScript agree and round-trip (%i channels)', (channels) => {
    const src = randomRgba(layout, total);
    for (const n of norms) {
      const ts = new Float32Array(channels * layout.width * layout.height);
      packRgbaToNchw(src, layout, ts, channels, n, { forceFallback: true });
      if (built) {
        const nat = new Float32Array(ts.length);
        packRgbaToNchw(src, layout, nat, channels, n);
        expect(nat).toEqual(ts);
      }
      // Spot check one sample by hand: pixel (x=2, y=3), channel G, in the tensor's top-down row order.
      const off = (layout.offset ?? 0) + 3 * layout.stride + 2 * 4;
      const g = src[off + 1]!;
      const expected = (g * (n.scale ?? 1) - (n.mean?.[1] ?? 0)) / (n.std?.[1] ?? 1);
      expect(ts[1 * layout.width * layout.height + 3 * layout.width + 2]).toBeCloseTo(expected, 4);

      for (const force of built ? [true, false] : [true]) {
        const back = new Float32Array(total);
        unpackNchwToRgba(ts, channels, back, layout, n, { forceFallback: force });
        for (let y = 0; y < layout.height; y++) {
          for (let x = 0; x < layout.width * 4; x++) {
            const i = (layout.offset ?? 0) + y * layout.stride + x;
            if (channels === 3 && x % 4 === 3) expect(back[i]).toBe(0);
            else expect(back[i]).toBeCloseTo(src[i]!, 5);
          }
        }
      }
    }
  });
});

it('refuses layouts whose rows fall outside the buffer', () => {
  const src = new Float32Array(16);
  expect(() => packRgbaToNchw(src, { width: 2, height: 2, stride: -8 }, new Float32Array(12))).toThrow(
    RangeError,
  );
  expect(() => packRgbaToNchw(src, { width: 2, height: 3, stride: 8 }, new Float32Array(18))).toThrow(
    RangeError,
  );
});
