/**
 * Footage analysis speed at 1080p: the cut clip of test/analysis/clips.ts (street | close-up | street, real
 * footage, 122 frames at 10 fps) scaled to 1920x1080, analysed with the default stride (one sampled frame
 * per second) and the default model resolution (960 px), and again with every 5th frame sampled.
 * Per stage: frames per second that stage handles (shot pass: every frame of the file; model stages: the
 * sampled frames they ran on), and for the whole file the analysed frames of footage per second of wall time.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { analyzeFile, loadAnalysisModels } from '../../core/src/analysis/analyze-file.ts';
import { createEffectContext } from '../../core/src/runtime/context.ts';
import { encodeClip, makeClips } from '../../test/analysis/clips.ts';
import type { BenchSection } from '../types.ts';
import { round1 } from '../support.ts';

export async function run(): Promise<BenchSection> {
  const dir = mkdtempSync(path.join(tmpdir(), 'mlxv-bench-analysis-'));
  try {
    const cut = makeClips(dir).cut;
    const hd = encodeClip(dir, 'cut-1080p.mp4', ['-i', cut, '-vf', 'scale=1920:1080,setsar=1']);
    const ctx = createEffectContext();
    const models = await loadAnalysisModels(ctx);
    // Other work on a shared machine slows every stage alike: say how busy it was, so readers can scale.
    const loadBefore = loadavg()[0]!;
    const rows: (string | number)[][] = [];
    const fps = (frames: number, ms: number) => (ms > 0 ? round1((frames * 1000) / ms) : '-');
    for (const stride of [undefined, 5]) {
      const t0 = performance.now();
      const a = await analyzeFile(hd, models, stride ? { stride } : {});
      const wall = performance.now() - t0;
      const t = a.timings;
      const label = stride ? `stride ${stride}` : 'default stride (10 = 1/s)';
      rows.push([
        label,
        'shots + motion (decode 96 px, every frame)',
        a.frameCount,
        fps(a.frameCount, t.shotsMs),
      ]);
      for (const stage of ['objects', 'faces', 'tags', 'areas', 'ocr', 'picture', 'thumbnail']) {
        const n = stage === 'ocr' ? t.ocrSamples : stage === 'thumbnail' ? a.shots.length : t.samples;
        rows.push([label, stage, n, fps(n, t.stageMs[stage] ?? 0)]);
      }
      rows.push([label, 'whole file (wall)', a.frameCount, fps(a.frameCount, wall)]);
    }
    const loadAfter = loadavg()[0]!;
    return {
      title: 'Footage analysis at 1080p (mlxv analyze)',
      columns: ['sampling', 'stage', 'frames', 'frames/s'],
      rows,
      notes: [
        'Clip: test/analysis/clips.ts cut.mp4 (real footage, 3 shots, 122 frames, 10 fps) scaled to 1920x1080 H.264; models on CPU, loaded before timing.',
        "The shot pass decodes every frame scaled by ffmpeg to 96 px wide, so its rate is mostly decode speed; model stages see frames scaled to 960 px (longer side). OCR runs on each shot's middle frame and every 5 s within it, so it runs on fewer frames than the other stages.",
        'Whole-file rate = frames of footage / wall time of analyzeFile (both passes, decode included): the figure to plan a library run with.',
        `1-minute load average ${loadBefore.toFixed(1)} when timing started, ${loadAfter.toFixed(1)} when it ended, on ${availableParallelism()} cores` +
          (Math.max(loadBefore, loadAfter) > availableParallelism()
            ? ': above the core count, other work competed and every rate here is lower than on an idle machine.'
            : ' (the bench itself keeps the cores busy; nothing else was competing).'),
      ],
      providers: ['cpu'],
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
