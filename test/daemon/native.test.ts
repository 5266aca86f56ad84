/**
 * The native addon (core/native): it is built, and shared memory round trips between two mappings of one
 * name. Its pixel loops against their TypeScript twins: test/engine/native-pixels.test.ts.
 */
import { readdirSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createShm, openShm, unlinkShm } from '../../core/src/daemon/native.ts';
import { nativeAddon, nativeLoadError } from '../../core/src/native/addon.ts';

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
