/**
 * Frame transport: round trip of one float RGBA frame through the `identity` effect in a daemon running as
 * its own process (`mlxv serve`), over binary WebSocket messages vs. shared memory, at 1080p and UHD.
 * Each is also given as a ratio to one memcpy of the frame (TypedArray.set) in this process, the floor
 * any transport is measured against.
 *
 *   binary ws    client builds the MLXF message (1 copy), sends it, the daemon checks every sample for
 *                NaN/Inf, runs identity, sends the frame back (1 copy into the message), client gets a view
 *   shm          client copies the frame into a shared memory region (1 copy), sends the control message;
 *                the daemon maps the region once, checks the samples, runs identity in place, replies
 *
 * Median of several round trips after a warm-up; MLXV_BENCH_TRANSPORT_REPS overrides the count.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { connectToDaemon } from '../../core/src/daemon/connect.ts';
import { openShm } from '../../core/src/daemon/native.ts';
import { nativeAddon } from '../../core/src/native/addon.ts';
import { spawnDaemon } from '../../test/daemon/helpers.ts';
import { median } from '../support.ts';
import type { BenchCell, BenchSection } from '../types.ts';

const sizes = [
  { label: '1080p', width: 1920, height: 1080, reps: 12 },
  { label: 'UHD', width: 3840, height: 2160, reps: 6 },
];

async function timeIt(reps: number, fn: () => Promise<void> | void): Promise<number> {
  await fn(); // warm-up
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  return median(times);
}

export async function run(): Promise<BenchSection> {
  const dir = mkdtempSync(join(tmpdir(), 'mlxv-bench-transport-'));
  const daemon = await spawnDaemon(dir);
  const client = await connectToDaemon({ configDir: dir, port: daemon.port, clientName: 'bench' });
  const rows: BenchCell[][] = [];
  const loadBefore = loadavg()[0]!;
  const skipped: string[] = [];
  try {
    for (const size of sizes) {
      const reps = Number(process.env.MLXV_BENCH_TRANSPORT_REPS) || size.reps;
      const { width, height } = size;
      const floats = width * height * 4;
      const bytes = floats * 4;
      const pixels = new Float32Array(floats);
      for (let i = 0; i < floats; i++) pixels[i] = (i % 1021) / 1021;
      const scratch = new Float32Array(floats);
      const memcpy = await timeIt(reps * 2, () => scratch.set(pixels));

      const frame = {
        instance: `bench-${size.label}`,
        effect: 'identity',
        params: { gain: 1 },
        index: 0,
        width,
        height,
      };
      const binary = await timeIt(reps, async () => {
        const out = await client.renderFrame({ ...frame, pixels });
        if (out.pixels!.length !== floats) throw new Error('binary round trip returned the wrong size');
      });

      let shm: number | null = null;
      const region =
        client.hello.shm && nativeAddon()
          ? await client.createShm(bytes).catch((err: Error) => {
              skipped.push(`${size.label} shm: ${err.message}`);
              return null;
            })
          : null;
      if (region) {
        const mapped = openShm(region.name);
        const view = new Float32Array(mapped.buffer, 0, floats);
        shm = await timeIt(reps, async () => {
          view.set(pixels);
          await client.renderFrame({
            ...frame,
            shm: { shm: region.name, bytes, outShm: region.name, outBytes: bytes },
          });
        });
        if (view[floats - 1] !== pixels[floats - 1]) throw new Error('shm round trip corrupted the frame');
        mapped.close();
        await client.releaseShm(region.name);
      }
      rows.push([
        size.label,
        `${width}x${height}`,
        +(bytes / 2 ** 20).toFixed(1),
        +memcpy.toFixed(2),
        +binary.toFixed(1),
        +(binary / memcpy).toFixed(1),
        shm === null ? null : +shm.toFixed(1),
        shm === null ? null : +(shm / memcpy).toFixed(1),
      ]);
    }
  } finally {
    client.close();
    await daemon.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  return {
    title: 'Frame transport: identity round trip, binary WebSocket vs. shared memory',
    columns: ['size', 'pixels', 'MiB', 'memcpy ms', 'binary ws ms', 'ws / memcpy', 'shm ms', 'shm / memcpy'],
    rows,
    notes: [
      'Daemon in its own process (`mlxv serve`), client in the bench process, loopback, one frame in flight; median of several round trips after a warm-up.',
      "Both round trips include the daemon's NaN/Inf scan of every sample and the client's copy of the frame into the message or the region; shm avoids the socket (kernel copies both ways) and the two message copies.",
      'memcpy = one TypedArray.set of the frame in this process. shm is empty when the native addon is not built (bash scripts/build-native.sh).',
      ...skipped.map((why) => `Not measured: ${why}`),
      `1-minute load average when the section started: ${loadBefore.toFixed(1)} (on a shared machine absolute times inflate with load; the ratios to memcpy, measured in the same conditions, travel better).`,
    ],
  };
}
