/**
 * Load: 8 clients each push 400 small frames through `identity`, each frame with its own gain and pixels,
 * against a daemon in its own process (identity runs in the daemon's engine worker pool). Every reply must match its request (nothing mixed up or lost) and
 * the daemon's resident memory must stay bounded. Bounded in count (3200 frames) and time (test timeout).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { connectToDaemon } from '../../core/src/daemon/connect.ts';
import { rampPixels, spawnDaemon, type ChildDaemon } from './helpers.ts';

const CLIENTS = 8;
const FRAMES = 400; // the first half warms the daemon up; memory is compared over the second
const MEASURED = (CLIENTS * FRAMES) / 2;
const WINDOW = 8; // frames each client keeps in flight
// 128x128 float RGBA = 256 KiB a frame: 3200 frames move 800 MiB each way, so a leak of frame buffers stands far
// above the garbage collector's swings (RSS moves by tens of MiB with where a collection falls).
const W = 128;
const H = 128;

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
  '8 clients x 400 frames: every reply matches its request, memory bounded',
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
    // RSS sampled through the two halves of the measured part of the run (after the warm-up frames have
    // taken the daemon to its working set); a leak keeps growing through it. Halves are compared by their medians: a
    // peak is one sample, and where a garbage collection happens to fall moves it by megabytes (a peak
    // comparison read 25.6 MiB once with no leak, while the suite ran two files at once).
    const firstHalf: number[] = [];
    const secondHalf: number[] = [];
    const sampler = setInterval(() => {
      const rss = d.rss();
      peak = Math.max(peak, rss);
      if (answered < MEASURED) return; // still reaching the working set (heaps grow, JIT, sockets)
      (answered < MEASURED + MEASURED / 2 ? firstHalf : secondHalf).push(rss);
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
    // Memory that grows with frames served grows linearly through the run, so the median of the second half
    // sits 800 frames' worth above the median of the first (each half is MEASURED / 2 = 800 frames). 800
    // frames of 256 KiB in are 200 MiB: keeping every input buffer puts the second half's median 200 MiB above
    // the first's, keeping a quarter of them 50 MiB. GROWTH_BOUND is that 50 MiB; without a leak the halves
    // differ by where collections fall (measured -40 to +13 MiB, over 64 and 128 px frames).
    const GROWTH_BOUND = 50 * 1024 * 1024;
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
    expect(firstHalf.length).toBeGreaterThan(10);
    expect(secondHalf.length).toBeGreaterThan(10);
    const growth = median(secondHalf) - median(firstHalf);
    console.info(
      `daemon RSS median growth over the second half: ${(growth / 2 ** 20).toFixed(1)} MiB ` +
        `(${firstHalf.length} / ${secondHalf.length} samples)`,
    );
    expect(growth).toBeLessThan(GROWTH_BOUND);
    // And in absolute terms: the working set measured 86-119 MiB above the baseline (V8 lets frames'
    // external memory build up about that far before collecting); a quarter of all 3200 inputs kept would be
    // 200 MiB.
    expect(peak - baseline).toBeLessThan(192 * 1024 * 1024);
    for (const c of clients) c.close();
  },
);
