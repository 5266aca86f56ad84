/**
 * Typed wrapper over the native addon (core/native, built by `scripts/build-native.sh` into build/Release):
 * shared memory regions and the hot pixel loops. The pixel loops fall back to the TypeScript versions below
 * when the addon is not built (identical results; test/daemon/native.test.ts checks both agree). Shared
 * memory has no JS fallback: without the addon the daemon reports `shm: false` in hello.ok and refuses
 * shm transports with SHM_UNAVAILABLE.
 */
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../models/paths.ts';

/** (value * scale - mean[c]) / std[c]; channel order RGB unless `bgr`. */
export interface TensorNormalisation {
  mean?: readonly [number, number, number];
  std?: readonly [number, number, number];
  scale?: number;
  bgr?: boolean;
}

/**
 * Where the rows are: row y of the image (top row first) starts at float index `offset + y * stride`.
 * A bottom-up buffer (OFX with negative rowBytes) passes offset = index of its top row and a negative stride.
 */
export interface RowLayout {
  width: number;
  height: number;
  stride: number;
  offset?: number;
}

interface NativeAddon {
  shmCreate(name: string, bytes: number): ArrayBuffer;
  shmOpen(name: string, bytes: number): ArrayBuffer;
  shmUnmap(buffer: ArrayBuffer): void;
  shmUnlink(name: string): boolean;
  packRgbaToNchw(
    src: Float32Array,
    offset: number,
    width: number,
    height: number,
    stride: number,
    dst: Float32Array,
    channels: number,
    mean: Float32Array,
    std: Float32Array,
    scale: number,
    bgr: boolean,
  ): void;
  unpackNchwToRgba(
    src: Float32Array,
    channels: number,
    dst: Float32Array,
    offset: number,
    width: number,
    height: number,
    stride: number,
    mean: Float32Array,
    std: Float32Array,
    scale: number,
    bgr: boolean,
  ): void;
}

export const NATIVE_ADDON_PATH = join(repoRoot, 'build/Release/mlxv_native.node');

let addon: NativeAddon | null | undefined;
let loadError: string | null = null;

/** The addon, or null when it is not built (`MLXV_NO_NATIVE=1` forces the fallback, for tests). */
export function nativeAddon(): NativeAddon | null {
  if (addon !== undefined) return addon;
  if (process.env.MLXV_NO_NATIVE === '1') {
    loadError = 'disabled by MLXV_NO_NATIVE=1';
    return (addon = null);
  }
  if (!existsSync(NATIVE_ADDON_PATH)) {
    loadError = `${NATIVE_ADDON_PATH} not found; build it with \`bash scripts/build-native.sh\``;
    return (addon = null);
  }
  try {
    addon = createRequire(import.meta.url)(NATIVE_ADDON_PATH) as NativeAddon;
  } catch (err) {
    loadError = `${NATIVE_ADDON_PATH} failed to load: ${(err as Error).message}; rebuild with \`bash scripts/build-native.sh\``;
    addon = null;
  }
  return addon;
}

export function nativeLoadError(): string | null {
  nativeAddon();
  return loadError;
}

function requireAddon(what: string): NativeAddon {
  const a = nativeAddon();
  if (!a) throw new Error(`${what} needs the native addon: ${loadError}`);
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

// ---- pixel loops --------------------------------------------------------------------------------

function norm(n: TensorNormalisation): {
  mean: Float32Array;
  std: Float32Array;
  scale: number;
  bgr: boolean;
} {
  return {
    mean: Float32Array.from(n.mean ?? [0, 0, 0]),
    std: Float32Array.from(n.std ?? [1, 1, 1]),
    scale: n.scale ?? 1,
    bgr: n.bgr ?? false,
  };
}

function checkLayout(data: Float32Array, l: RowLayout, what: string): number {
  const offset = l.offset ?? 0;
  if (Math.abs(l.stride) < l.width * 4) throw new RangeError(`${what}: |stride| ${l.stride} < width*4`);
  const first = offset;
  const lastRow = offset + (l.height - 1) * l.stride;
  const lo = Math.min(first, lastRow);
  const hi = Math.max(first, lastRow) + l.width * 4;
  if (lo < 0 || hi > data.length) {
    throw new RangeError(`${what}: rows span floats [${lo}, ${hi}) outside the buffer of ${data.length}`);
  }
  return offset;
}

/**
 * Float RGBA rows (any stride) -> planar NCHW tensor (N=1), C = 3 (RGB) or 4 (RGBA; alpha is copied
 * without normalisation). `dst` holds channels * width * height floats.
 */
export function packRgbaToNchw(
  src: Float32Array,
  layout: RowLayout,
  dst: Float32Array,
  channels: 3 | 4 = 3,
  n: TensorNormalisation = {},
  options: { forceFallback?: boolean } = {},
): void {
  const offset = checkLayout(src, layout, 'packRgbaToNchw');
  const { width, height, stride } = layout;
  if (dst.length < channels * width * height) throw new RangeError('packRgbaToNchw: dst too small');
  const p = norm(n);
  const a = options.forceFallback ? null : nativeAddon();
  if (a) {
    a.packRgbaToNchw(src, offset, width, height, stride, dst, channels, p.mean, p.std, p.scale, p.bgr);
    return;
  }
  const plane = width * height;
  for (let c = 0; c < 3; c++) {
    const srcC = p.bgr ? 2 - c : c;
    const m = p.mean[c]!;
    const k = p.scale / p.std[c]!;
    const mk = m / p.std[c]!;
    const base = c * plane;
    for (let y = 0; y < height; y++) {
      const row = offset + y * stride;
      const out = base + y * width;
      for (let x = 0; x < width; x++) dst[out + x] = src[row + x * 4 + srcC]! * k - mk;
    }
  }
  if (channels === 4) {
    for (let y = 0; y < height; y++) {
      const row = offset + y * stride;
      const out = 3 * plane + y * width;
      for (let x = 0; x < width; x++) dst[out + x] = src[row + x * 4 + 3]!;
    }
  }
}

/** The inverse of packRgbaToNchw. With channels = 3 the alpha samples of `dst` are left as they are. */
export function unpackNchwToRgba(
  src: Float32Array,
  channels: 3 | 4,
  dst: Float32Array,
  layout: RowLayout,
  n: TensorNormalisation = {},
  options: { forceFallback?: boolean } = {},
): void {
  const offset = checkLayout(dst, layout, 'unpackNchwToRgba');
  const { width, height, stride } = layout;
  if (src.length < channels * width * height) throw new RangeError('unpackNchwToRgba: src too small');
  const p = norm(n);
  const a = options.forceFallback ? null : nativeAddon();
  if (a) {
    a.unpackNchwToRgba(src, channels, dst, offset, width, height, stride, p.mean, p.std, p.scale, p.bgr);
    return;
  }
  const plane = width * height;
  for (let c = 0; c < 3; c++) {
    const dstC = p.bgr ? 2 - c : c;
    const s = p.std[c]! / p.scale;
    const m = p.mean[c]! / p.scale;
    const base = c * plane;
    for (let y = 0; y < height; y++) {
      const row = offset + y * stride;
      const inp = base + y * width;
      for (let x = 0; x < width; x++) dst[row + x * 4 + dstC] = src[inp + x]! * s + m;
    }
  }
  if (channels === 4) {
    for (let y = 0; y < height; y++) {
      const row = offset + y * stride;
      const inp = 3 * plane + y * width;
      for (let x = 0; x < width; x++) dst[row + x * 4 + 3] = src[inp + x]!;
    }
  }
}
