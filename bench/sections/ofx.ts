/**
 * OFX plugin path: host → plugin → daemon → back, per frame, for `identity` (gain 0.5, so the effect does
 * real per-pixel work) at 1080p and UHD, over shared memory (the default for a local daemon) and binary
 * WebSocket. The C++ test host (Resolve mode: float RGBA, no tiles) times the render action; the daemon runs
 * as its own process (`mlxv serve`). The ratio divides that by the daemon's own processing time: the same
 * identity processor run in this process on the same frame size (what the daemon spends inside the effect).
 *
 * Median over frames after the first (connection, region creation and first-touch page faults land there).
 * MLXV_BENCH_OFX_FRAMES overrides the frame count.
 */
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { getFilter } from '../../core/src/effects/registry.ts';
import type { EffectContext } from '../../core/src/effects/types.ts';
import { ofxBuild, runHost, startDaemonProcess } from '../../test/ofx/helpers.ts';
import { median } from '../support.ts';
import type { BenchCell, BenchSection } from '../types.ts';

const sizes = [
  { label: '1080p', width: 1920, height: 1080, frames: 8 },
  { label: 'UHD', width: 3840, height: 2160, frames: 5 },
];

async function identityProcessingMs(width: number, height: number, reps: number): Promise<number> {
  const fx = getFilter('identity');
  const processor = await fx.createProcessor({} as EffectContext);
  const data = new Float32Array(width * height * 4);
  for (let i = 0; i < data.length; i++) data[i] = (i % 1021) / 1021;
  const frame = {
    width,
    height,
    stride: width * 4,
    format: 'f32' as const,
    data,
    colorSpace: 'display' as const,
  };
  await processor.process(frame, { gain: 0.5 }); // warm-up (JIT)
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    await processor.process(frame, { gain: 0.5 });
    times.push(performance.now() - t0);
  }
  return median(times);
}

export async function run(): Promise<BenchSection> {
  const build = ofxBuild();
  const daemon = await startDaemonProcess();
  const rows: BenchCell[][] = [];
  const loadBefore = loadavg()[0]!;
  const transportsSeen = new Set<string>();
  try {
    for (const size of sizes) {
      const frames = Number(process.env.MLXV_BENCH_OFX_FRAMES) || size.frames;
      const processing = await identityProcessingMs(size.width, size.height, frames);
      for (const transport of ['shm', 'binary']) {
        const r = await runHost(
          build,
          [
            '--plugin',
            'org.mlxvideo.identity',
            '--synthetic',
            `${size.width}x${size.height}`,
            '--resolve',
            '--bench',
          ].concat(['--frames', String(frames + 1), '--param', 'gain=0.5', '--expect', 'ok']),
          { ...daemon.env, MLXV_OFX_TRANSPORT: transport, MLXV_OFX_LOG: '1', MLXV_OFX_TIMEOUT_MS: '120000' },
        );
        if (r.code !== 0) throw new Error(`OFX bench run failed (${r.report.why}):\n${r.stderr}`);
        const used = /via (shm|binary)/.exec(r.stderr)?.[1] ?? transport;
        transportsSeen.add(used);
        const perFrame = median(r.report.renders.slice(1).map((x) => x.ms));
        rows.push([
          size.label,
          used,
          +perFrame.toFixed(1),
          +processing.toFixed(1),
          +(perFrame / processing).toFixed(2),
        ]);
      }
    }
  } finally {
    await daemon.stop();
  }
  return {
    title: 'OFX plugin path (identity, host → plugin → daemon → back)',
    columns: ['size', 'transport', 'OFX ms/frame', 'daemon processing ms', 'ratio'],
    rows,
    notes: [
      'OFX ms/frame: the test host timing the render action (fetch images, pack float RGBA top-down, send, ' +
        'daemon reads, runs identity, writes back, plugin unpacks into the output image), median after frame 1.',
      'Daemon processing: the identity processor alone on the same frame size, in this process: the work the ' +
        'daemon cannot avoid. ratio = OFX ms / processing ms; everything above 1 is transport and packing.',
      `Transports used: ${[...transportsSeen].join(', ')} (shm falls back to binary when the daemon has no native addon).`,
      `Load average at start: ${loadBefore.toFixed(2)} (a shared machine inflates both columns).`,
    ],
  };
}
