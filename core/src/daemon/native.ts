/**
 * Shared memory regions over the native addon (core/src/native/addon.ts loads it). There is no JS fallback:
 * without the addon the daemon reports `shm: false` in hello.ok and refuses shm transports with
 * SHM_UNAVAILABLE.
 */
import { nativeAddon, nativeLoadError, type NativeAddon } from '../native/addon.ts';

function requireAddon(what: string): NativeAddon {
  const a = nativeAddon();
  if (!a) throw new Error(`${what} needs the native addon: ${nativeLoadError()}`);
  return a;
}

// ---- shared memory ------------------------------------------------------------------------------

/** A mapped shared memory region. `close()` unmaps (the ArrayBuffer is detached); `unlink()` removes the name. */
export interface ShmRegion {
  readonly name: string;
  readonly bytes: number;
  readonly buffer: ArrayBuffer;
  close(): void;
}

function region(name: string, buffer: ArrayBuffer, a: NativeAddon): ShmRegion {
  let open = true;
  return {
    name,
    bytes: buffer.byteLength,
    buffer,
    close() {
      if (!open) return;
      open = false;
      a.shmUnmap(buffer);
    },
  };
}

/** Creates a new region (fails if the name exists) of `bytes` bytes, zero-filled, mode 0600. */
export function createShm(name: string, bytes: number): ShmRegion {
  const a = requireAddon('createShm');
  return region(name, a.shmCreate(name, bytes), a);
}

/** Maps an existing region; `bytes` must not exceed its size (0 = its whole size). */
export function openShm(name: string, bytes = 0): ShmRegion {
  const a = requireAddon('openShm');
  return region(name, a.shmOpen(name, bytes), a);
}

/** Removes the name (POSIX); existing mappings stay valid until unmapped. False when it did not exist. */
export function unlinkShm(name: string): boolean {
  return requireAddon('unlinkShm').shmUnlink(name);
}
