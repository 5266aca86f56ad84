/**
 * Load: 8 clients each push 200 small frames through `identity`, each frame with its own gain and pixels,
 * against a daemon in its own process (identity runs in the daemon's engine worker pool). Every reply must match its request (nothing mixed up or lost) and
 * the daemon's resident memory must stay bounded. Bounded in count (1600 frames) and time (test timeout).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { connectToDaemon } from '../../core/src/daemon/connect.ts';
import { rampPixels, spawnDaemon, type ChildDaemon } from './helpers.ts';

const CLIENTS = 8;
const FRAMES = 200;
const WINDOW = 8; // frames each client keeps in flight
// 64x64 float RGBA = 64 KiB a frame: 1600 frames move 100 MiB each way, so a leak of frame buffers stands far
// above allocator noise.
const W = 64;
const H = 64;

let dir: string;
let d: ChildDaemon;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mlxv-load-'));
  d = await spawnDaemon(dir);
});
afterAll(async () => {
  await d.stop();
  rmSync(dir, { recursive: true, force: true });
});

it(
  '8 clients x 200 frames: every reply matches its request, memory bounded',
  { timeout: 300_000 },
  async () => {
    const clients = await Promise.all(
      Array.from({ length: CLIENTS }, () => connectToDaemon({ configDir: dir, port: d.port })),
    );
    // Warm up (JIT, buffers) before taking the memory baseline.
    await clients[0]!.renderFrame({
      instance: 'w',
      effect: 'identity',
      params: { gain: 2 },
      index: 0,
      width: W,
      height: H,
      pixels: rampPixels(W, H),
    });
    const baseline = d.rss();
    let peak = baseline;
    // Peak RSS of each half of the run: the first half reaches the working set (sockets, heaps, the worker's
    // copies); a leak keeps growing through the second.
    let peakFirstHalf = 0;
    const sampler = setInterval(() => {
      peak = Math.max(peak, d.rss());
      if (answered <= (CLIENTS * FRAMES) / 2) peakFirstHalf = peak;
    }, 25);

    let mismatches = 0;
    let answered = 0;
    const runClient = async (c: number) => {
      const client = clients[c]!;
      let next = 0;
      const worker = async () => {
        while (next < FRAMES) {
          const i = next++;
          const gain = 0.25 + c * 0.5 + i * 0.001; // distinct for every (client, frame)
          const px = rampPixels(W, H, c * 1000 + i);
          const out = await client.renderFrame({
            instance: `c${c}`,
            effect: 'identity',
            params: { gain },
            index: i,
            width: W,
            height: H,
            pixels: px,
          });
          answered++;
          for (let k = 0; k < px.length; k++) {
            const want = k % 4 === 3 ? px[k]! : Math.fround(px[k]! * gain);
            if (Math.abs(out.pixels![k]! - want) > 1e-6) {
              mismatches++;
              break;
            }
          }
        }
      };
      await Promise.all(Array.from({ length: WINDOW }, worker));
    };
    await Promise.all(clients.map((_, c) => runClient(c)));
    clearInterval(sampler);
    peak = Math.max(peak, d.rss());

    console.info(
      `daemon RSS: baseline ${(baseline / 2 ** 20).toFixed(1)} MiB, peak +${((peak - baseline) / 2 ** 20).toFixed(1)} MiB`,
    );
    expect(answered).toBe(CLIENTS * FRAMES);
    expect(mismatches).toBe(0);
    // The second half moves 800 frames of 64 KiB in (50 MiB): keeping every input buffer would grow the peak by
    // 50 MiB over the first half's, keeping half of them by 25 MiB. GROWTH_BOUND is that 25 MiB; without a leak
    // the second half only repeats the first half's working set (measured: a few MiB of allocator noise).
    const GROWTH_BOUND = 25 * 1024 * 1024;
    console.info(
      `daemon RSS peak growth over the second half: ${((peak - peakFirstHalf) / 2 ** 20).toFixed(1)} MiB`,
    );
    expect(peak - peakFirstHalf).toBeLessThan(GROWTH_BOUND);
    // And in absolute terms the daemon stays within a small multiple of its working set.
    expect(peak - baseline).toBeLessThan(128 * 1024 * 1024);
    for (const c of clients) c.close();
  },
);
