/**
 * colorize: seconds per 1080p frame for reference propagation, and the solver's share.
 *
 *   per frame    processor wall time for one frame that is not the reference's own (flow from the reference
 *                and from the previous frame, reliability, LLW solve, stabilisation, upsampling, recombination)
 *   flow         RIFE flow (4 runs: two directions × reference and previous frame) + reliability + warps
 *   solver       the Levin-Lischinski-Weiss solve (cascadic PCG)
 *
 * Frames: two consecutive real street frames (OpenCV vtest.avi) enlarged to 1080p and turned grey; the
 * reference is the first frame's colour original. The first frame (the reference's own) is processed first and
 * not timed; the second is timed, three times on fresh processors, median reported.
 */
import os from 'node:os';
import path from 'node:path';
import { mkdtemp, rm } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import sharp from 'sharp';
import { createEffectContext } from '../../core/src/runtime/context.ts';
import { resolveParams } from '../../core/src/effects/params.ts';
import { createFrame, fromFloat32, toFloat32, type U8Frame } from '../../core/src/effects/frame.ts';
import {
  colorizeEffect,
  colorizeStats,
  type ColorizeParams,
} from '../../core/src/effects/colorize/descriptor.ts';
import { median, round1, streetFrames } from '../support.ts';
import type { BenchCell, BenchSection } from '../types.ts';

function grey(f: U8Frame): U8Frame {
  const out = createFrame(f.width, f.height, 'u8');
  for (let i = 0; i < f.width * f.height; i++) {
    const y = Math.round(0.2126 * f.data[i * 4]! + 0.7152 * f.data[i * 4 + 1]! + 0.0722 * f.data[i * 4 + 2]!);
    out.data.set([y, y, y, 255], i * 4);
  }
  return out;
}

export async function run(): Promise<BenchSection> {
  const ctx = createEffectContext();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mlxv-bench-colorize-'));
  const rows: BenchCell[][] = [];
  try {
    const frames = (await streetFrames(1920, 1080, 2)).map((f) => fromFloat32(toFloat32(f), 'u8'));
    const ref = path.join(dir, 'ref.png');
    await sharp(Buffer.from(frames[0]!.data), { raw: { width: 1920, height: 1080, channels: 4 } })
      .png()
      .toFile(ref);
    for (const workingHeight of [540]) {
      const p = resolveParams(colorizeEffect.params, {
        reference: ref,
        referenceFrame: '0',
        workingHeight,
      }) as ColorizeParams;
      const totals: number[] = [];
      const flows: number[] = [];
      const solves: number[] = [];
      for (let k = 0; k < 3; k++) {
        const proc = await colorizeEffect.createProcessor(ctx);
        await proc.process(grey(frames[0]!), p);
        const before = { ...colorizeStats(proc)! };
        const t0 = performance.now();
        await proc.process(grey(frames[1]!), p);
        totals.push(performance.now() - t0);
        const after = colorizeStats(proc)!;
        flows.push(after.flowMs - before.flowMs);
        solves.push(after.solveMs - before.solveMs);
      }
      const total = median(totals);
      rows.push([
        `1080p, working height ${workingHeight}`,
        round1(total / 1000),
        round1(median(flows) / 1000),
        round1(median(solves) / 1000),
        Math.round((100 * median(solves)) / total),
      ]);
    }
  } finally {
    await ctx.sessions.dispose();
    await rm(dir, { recursive: true, force: true });
  }
  return {
    title: 'colorize (reference propagation)',
    columns: ['case', 's / frame', 'flow s', 'solver s', 'solver %'],
    rows,
    notes: [
      'One frame after the reference frame: RIFE flow both ways from the reference and from the previous frame (4 runs at the working size), reliability, the LLW solve, stabilisation, chroma upsampling to 1080p and recombination with the full-resolution luminance. Median of 3.',
      'Chroma is computed at the working height and upsampled; luminance is never resampled.',
    ],
  };
}
