/**
 * The execution engine (docs/engine.md), every figure computed from this run:
 *
 * 1. matte (model isnet) at 1080p: the bare session.run time, measured alone on this thread with the
 *    product's session options (runtime/session-options.ts) on a real 1080p frame packed for the model,
 *    against the steady end-to-end time per frame through runJob (decode → engine worker → ProRes encode),
 *    read between the first and the last frame written; efficiency = bare / end-to-end.
 * 2. @imgly/background-removal-node 1.4.5 (model "medium": the same ISNet chunks as our isnet-general) on
 *    the same 1080p frame, in this process, after one warm-up call; speed-up = imgly / our end-to-end.
 * 3. The daemon's responsiveness while it renders that job: ping round trips every 50 ms from a client, and
 *    the event-loop delay of the thread the daemon runs on (perf_hooks.monitorEventLoopDelay), p50/p95/max.
 * 4. Memory over a 300-frame 4K render (identity, gain 0.5, so every frame is touched; H.264 out), in a
 *    process of its own: resident memory sampled every 250 ms, first 30 frames vs the rest (flat = no
 *    per-frame growth), and the kernel's peak (VmHWM). MLXV_BENCH_4K_FRAMES changes the frame count.
 * The machine is shared: the load average at start and end is recorded next to the figures.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { createEffectContext } from '../../core/src/runtime/context.ts';
import { productSessionOptions, intraOpThreads } from '../../core/src/runtime/session-options.ts';
import { decodeFrames } from '../../core/src/media/decode.ts';
import { frameToTensor } from '../../core/src/runtime/tensor.ts';
import { getManifest } from '../../core/src/models/manifests.ts';
import { ffmpegPath } from '../../core/src/media/ffmpeg.ts';
import { workerCount } from '../../core/src/engine/index.ts';
import { startDaemon } from '../../core/src/daemon/server.ts';
import { connectToDaemon } from '../../core/src/daemon/connect.ts';
import { repoRoot } from '../../core/src/models/paths.ts';
import type { F32Frame } from '../../core/src/effects/frame.ts';
import { median, round1 } from '../support.ts';
import type { BenchCell, BenchSection } from '../types.ts';

const exec = promisify(execFile);
const FRAMES = Number(process.env.MLXV_BENCH_ENGINE_FRAMES) || 4;
const FRAMES_4K = Number(process.env.MLXV_BENCH_4K_FRAMES) || 300;

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

export async function run(): Promise<BenchSection> {
  const load0 = loadavg()[0]!;
  const dir = await mkdtemp(path.join(tmpdir(), 'mlxv-bench-engine-'));
  const rows: BenchCell[][] = [];
  try {
    const clip = path.join(dir, 'street-1080p.mp4');
    await makeClip(clip, 1920, 1080, FRAMES);
    const frame = await firstFrame(clip);

    // 1. bare session.run, alone, product options
    const model = await createEffectContext().models.resolve('isnet-general');
    const session = await ort.InferenceSession.create(model.path, productSessionOptions('cpu'));
    const packed = frameToTensor(frame, getManifest('isnet-general').input);
    const feeds = { [session.inputNames[0]!]: new ort.Tensor('float32', packed.data, packed.dims) };
    await session.run(feeds);
    const bare: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      await session.run(feeds);
      bare.push(performance.now() - t0);
    }
    await session.release();
    const bareMs = median(bare);

    // 1b + 3. the job, run by an in-process daemon, with pings and event-loop delay sampled meanwhile
    const daemon = await startDaemon({ port: 0, configDir: dir });
    const client = await connectToDaemon({ configDir: dir, port: daemon.port });
    const rtts: number[] = [];
    const written: number[] = [];
    const lag = monitorEventLoopDelay({ resolution: 10 });
    let rendering = true;
    const pinger = (async () => {
      while (rendering) {
        const t0 = performance.now();
        await client.ping();
        rtts.push(performance.now() - t0);
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    lag.enable();
    await client.submitJob(
      {
        effect: 'matte',
        input: clip,
        output: path.join(dir, 'isnet.mov'),
        params: { model: 'isnet' },
      },
      { onProgress: (p) => p.stage === 'processing' && p.done > 0 && written.push(performance.now()) },
    );
    lag.disable();
    rendering = false;
    await pinger;
    client.close();
    await daemon.close();
    const steady = written.length >= 2 ? (written.at(-1)! - written[0]!) / (written.length - 1) : Number.NaN;
    const lagMs = (q: number) => lag.percentile(q) / 1e6;

    // 2. imgly peer on the same frame (same weights: @imgly/background-removal-data /models/medium chunks)
    const png = path.join(dir, 'frame.png');
    await writePng(frame, png);
    const { removeBackground } = await import('@imgly/background-removal-node');
    const blob = new Blob([await readFile(png)], { type: 'image/png' });
    const config = { model: 'medium' as const, output: { format: 'image/x-alpha8' as const } };
    await removeBackground(blob, config);
    const peer: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      await removeBackground(blob, config);
      peer.push(performance.now() - t0);
    }
    const peerMs = median(peer);

    rows.push(['matte isnet 1080p: bare session.run ms (alone, product options)', round1(bareMs)]);
    rows.push([
      `matte isnet 1080p: end-to-end ms/frame (runJob via daemon, ${FRAMES} frames, steady)`,
      round1(steady),
    ]);
    rows.push([
      'efficiency = bare / end-to-end (target >= 0.85)',
      Math.round((bareMs / steady) * 1000) / 1000,
    ]);
    rows.push([
      '@imgly/background-removal-node 1.4.5 ms/frame (same ISNet weights, same frame)',
      round1(peerMs),
    ]);
    rows.push([
      'speed-up vs imgly = imgly / our end-to-end (target >= 2.5)',
      Math.round((peerMs / steady) * 100) / 100,
    ]);
    rows.push([
      'daemon ping round trip ms while rendering: p50 / p95 / max (target p95 <= 50, max <= 200)',
      `${round1(pct(rtts, 50))} / ${round1(pct(rtts, 95))} / ${round1(Math.max(...rtts))} (${rtts.length} pings)`,
    ]);
    rows.push([
      'daemon event-loop delay ms while rendering: p50 / p95 / max',
      `${round1(lagMs(50))} / ${round1(lagMs(95))} / ${round1(lag.max / 1e6)}`,
    ]);

    // 4. memory over a long 4K render
    const clip4k = path.join(dir, 'pattern-4k.mp4');
    await exec(ffmpegPath(), [
      ...[
        '-v',
        'error',
        '-y',
        '-f',
        'lavfi',
        '-i',
        `testsrc2=size=3840x2160:rate=25:duration=${FRAMES_4K / 25}`,
      ],
      ...['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', clip4k],
    ]);
    // In a process of its own (test/engine/render-memory.ts), so the ISNet sessions and imgly loaded above
    // do not count: what `mlxv run` at 4K costs.
    const { stdout } = await exec(
      process.execPath,
      [
        ...['--import', 'tsx', path.join(repoRoot, 'test', 'engine', 'render-memory.ts')],
        ...[clip4k, path.join(dir, 'id-4k.mp4'), 'identity', JSON.stringify({ gain: 0.5 })],
      ],
      { maxBuffer: 64 << 20 },
    );
    const lines = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const end4k = lines.at(-1) as { result: { frames: number; seconds: number }; peak: number };
    const samples = lines.slice(0, -1) as { done: number; rss: number }[];
    const mib = (b: number) => round1(b / 2 ** 20);
    const early = samples.filter((s) => s.done > 0 && s.done <= 30).map((s) => s.rss);
    const late = samples.filter((s) => s.done > 30).map((s) => s.rss);
    const lastQuarter = samples.filter((s) => s.done > (FRAMES_4K * 3) / 4).map((s) => s.rss);
    rows.push([
      `4K identity render (8-bit, gain 0.5, H.264), ${end4k.result.frames} frames: wall s / ms per frame`,
      `${round1(end4k.result.seconds)} / ${round1((end4k.result.seconds * 1000) / end4k.result.frames)}`,
    ]);
    rows.push([
      '4K render RSS MiB (own process): peak (VmHWM) / max over frames 1-30 / max over frames 31-end / mean of last quarter',
      `${mib(end4k.peak)} / ${mib(Math.max(...early))} / ${mib(Math.max(...late))} / ${mib(
        lastQuarter.reduce((a, b) => a + b, 0) / Math.max(1, lastQuarter.length),
      )}`,
    ]);
    rows.push([
      'load average (1 min) at start / end of this section',
      `${load0.toFixed(2)} / ${loadavg()[0]!.toFixed(2)}`,
    ]);
    rows.push(['engine workers / intra-op threads', `${workerCount()} / ${intraOpThreads()}`]);
    return {
      title: 'Execution engine: efficiency, peer, daemon responsiveness, memory',
      columns: ['measure', 'value'],
      rows,
      notes: [
        'Input: test/fixtures/wide-street.mp4 scaled (lanczos) to 1920x1440 and cropped to 1920x1080; output ProRes 4444. ' +
          'The job runs in an in-process daemon (default context: effects in the engine worker pool), submitted over its WebSocket.',
        'bare: onnxruntime session created here with the product options, fed the first frame packed for ISNet ' +
          '(1024x1024), median of 3 runs after a warm-up, nothing else running in this process.',
        'end-to-end: time between the first and the last "frame written" progress events divided by the frames in ' +
          'between (model loading and ffmpeg start-up excluded; decode, packing, post-processing, encode included).',
        'imgly: removeBackground(model "medium", output alpha8) on a PNG of the same frame; its own resize to 1024 and ' +
          'mask handling included, as a user calls it. It runs on our onnxruntime-node 1.30 (npm overrides).',
        'Every figure above was measured in this run on a shared machine (see load average); ratios taken within one ' +
          'run are the comparable quantities.',
      ],
      providers: ['cpu'],
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function makeClip(out: string, width: number, height: number, frames: number): Promise<void> {
  const src = path.join(repoRoot, 'test', 'fixtures', 'wide-street.mp4');
  await exec(ffmpegPath(), [
    ...['-v', 'error', '-y', '-i', src, '-frames:v', String(frames)],
    ...['-vf', `scale=${width}:${(width * 3) / 4}:flags=lanczos,crop=${width}:${height}`],
    ...['-c:v', 'libx264', '-preset', 'veryfast', '-crf', '16', '-pix_fmt', 'yuv420p', out],
  ]);
}

async function firstFrame(clip: string): Promise<F32Frame> {
  for await (const f of decodeFrames(clip, { range: { start: 0, end: 0 } })) return f;
  throw new Error(`no frame decoded from ${clip}`);
}

async function writePng(frame: F32Frame, file: string): Promise<void> {
  const bytes = Buffer.alloc(frame.width * frame.height * 4);
  for (let i = 0; i < bytes.length; i++)
    bytes[i] = Math.round(Math.min(1, Math.max(0, frame.data[i]!)) * 255);
  await sharp(bytes, { raw: { width: frame.width, height: frame.height, channels: 4 } })
    .png()
    .toFile(file);
}
