/**
 * The native addon (core/native, built by `scripts/build-native.sh` into build/Release): shared memory
 * regions for the daemon and the hot pixel loops of a job's worker. A leaf module: the daemon's shared memory
 * (daemon/native.ts), the resampler (runtime/resample.ts) and matte's stabiliser load it from here.
 *
 * The pixel loops have TypeScript twins with bit-identical results (test/engine/native-pixels.test.ts), used
 * when the addon is not built or `MLXV_NO_NATIVE=1`; shared memory has none (the daemon then says `shm: false`).
 * Node-API addons are context-aware, so every worker thread loads its own instance.
 */
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../models/paths.ts';

export type SampleArray = Uint8Array | Uint16Array | Float32Array;

export interface NativeAddon {
  shmCreate(name: string, bytes: number): ArrayBuffer;
  shmOpen(name: string, bytes: number): ArrayBuffer;
  shmUnmap(buffer: ArrayBuffer): void;
  shmUnlink(name: string): boolean;
  /**
   * runtime/resample.ts' resampleRows over the whole output at once (tap tables from its computeTaps):
   * interleaved rows into `out`, or with `scaleAndBias` (nc scales, then nc biases) into a tensor's planes,
   * out[c * plane + (y0 + y) * width + x0 + x] = value * scale[c] + bias[c].
   */
  resampleRows(
    src: SampleArray,
    rowStride: number,
    pixelStride: number,
    channelOffsets: Int32Array,
    regionX: number,
    regionY: number,
    regionW: number,
    regionH: number,
    hIndex: Int32Array,
    hWeight: Float32Array,
    hCount: Int32Array,
    hMaxTaps: number,
    vIndex: Int32Array,
    vWeight: Float32Array,
    vCount: Int32Array,
    vMaxTaps: number,
    dstW: number,
    dstH: number,
    out: Float32Array,
    scaleAndBias?: Float32Array,
    plane?: number,
    width?: number,
    x0?: number,
    y0?: number,
  ): void;
  /** kr * R + kg * G + kb * B of integer RGBA samples, one float per pixel. */
  lumaOfInteger(
    samples: Uint8Array | Uint16Array,
    width: number,
    height: number,
    stride: number,
    kr: number,
    kg: number,
    kb: number,
    out: Float32Array,
  ): void;
  /**
   * matte's rgba-straight compose from display-referred integer RGBA (effects/matte/compose.ts): colour
   * widened to 16 bits, alpha (0..1) rounded to 0..65535, into `out` (width * height * 4, no padding).
   */
  composeStraight16(
    samples: Uint8Array | Uint16Array,
    width: number,
    height: number,
    stride: number,
    alpha: Float32Array,
    out: Uint16Array,
  ): void;
  /** matte's motion map (effects/matte/stabilizer.ts), written into `out`. */
  motionMap(
    prev: Float32Array,
    cur: Float32Array,
    width: number,
    height: number,
    blurRadius: number,
    growRadius: number,
    low: number,
    high: number,
    out: Float32Array,
  ): void;
  /** matte's window average: motions[i] is the motion map of alphas[i + 1]. */
  stabiliseWindow(alphas: Float32Array[], motions: Float32Array[], kStatic: number, out: Float32Array): void;
  /**
   * Interleaved RGBA u16 -> G, B, R, A planes (ffmpeg's gbrap16le), on libuv's thread pool. Neither array
   * may be transferred or detached before the promise settles.
   */
  rgbaToGbrapPlanes(
    src: Uint16Array,
    width: number,
    height: number,
    stride: number,
    dst: Uint16Array,
  ): Promise<void>;
}

export const NATIVE_ADDON_PATH = join(repoRoot, 'build/Release/mlxv_native.node');

let addon: NativeAddon | null | undefined;
let loadError: string | null = null;

/** The addon, or null when it is not built (`MLXV_NO_NATIVE=1` forces the fallback). */
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

/** Why the addon is not in use, or null when it is. */
export function nativeLoadError(): string | null {
  nativeAddon();
  return loadError;
}
