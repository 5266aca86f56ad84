/**
 * `analyze` as an effect of the analyzer kind (contract v2): the same shot detection and per-sample models
 * as `mlxv analyze`, for surfaces that hand frames over one at a time (a daemon job, a panel). Frames arrive
 * at full size, so the small frames of the shot pass and the model frames are resampled here instead of by
 * ffmpeg; samples are every `stride`-th frame (0 = one per second), and each shot's lighting, colours and
 * thumbnail come from its sample nearest the middle. Records: one `shot` per shot, its data the shot's
 * analysis (thumbnail as base64 JPEG).
 *
 * Registered in effects/registry.ts: analyzer jobs run through pipeline/run-generated.ts (CLI and daemon), and
 * the panels' Analyse button reads the records back with the daemon's `analysis.markers` request.
 */
import type { AnalyzerEffect, ParamSchema, ParamsOf } from '../effects/types.ts';
import { createFrame, toFloat32, type F32Frame, type Frame } from '../effects/frame.ts';
import { resampleRows } from '../runtime/resample.ts';
import {
  ANALYSIS_MODEL_IDS,
  analyseSample,
  describeShots,
  loadAnalysisModels,
  type Sample,
} from './analyze-file.ts';
import { fitSize, type SmallFrame } from './frame-source.ts';
import { ShotDetector } from './shots.ts';

const analyzeParams = {
  stride: {
    type: 'number',
    label: 'Sample every N frames',
    help: '0 = one frame per second',
    default: 0,
    min: 0,
    max: 1000,
    displayMin: 0,
    displayMax: 100,
    step: 1,
    integer: true,
  },
  resolution: {
    type: 'number',
    label: 'Model frame size (longer side, px)',
    default: 960,
    min: 128,
    max: 4096,
    displayMin: 256,
    displayMax: 1920,
    step: 32,
    integer: true,
  },
} as const satisfies ParamSchema;
type AnalyzeParams = ParamsOf<typeof analyzeParams>;

/** `frame` resampled to width x height (area average when shrinking), as float RGBA or 8-bit RGB. */
function resampled(frame: F32Frame, width: number, height: number): F32Frame {
  if (frame.width === width && frame.height === height) return frame;
  const out = createFrame(width, height);
  const region = { x: 0, y: 0, width: frame.width, height: frame.height };
  resampleRows(
    { data: frame.data, rowStride: frame.stride, pixelStride: 4 },
    [0, 1, 2, 3],
    region,
    width,
    height,
    (y, row) => out.data.set(row, y * width * 4),
  );
  return out;
}

export function smallFrameOf(frame: F32Frame, index: number, width = 96): SmallFrame {
  const w = Math.min(width, frame.width) - (Math.min(width, frame.width) % 2);
  const h = Math.max(2, Math.round((frame.height * w) / frame.width / 2) * 2);
  const small = resampled(frame, w, h);
  const rgb = new Uint8Array(w * h * 3);
  for (let i = 0, p = 0; i < rgb.length; i += 3, p += 4) {
    for (let c = 0; c < 3; c++) rgb[i + c] = Math.round(Math.max(0, Math.min(1, small.data[p + c]!)) * 255);
  }
  return { index, width: w, height: h, rgb };
}

export const analyzeEffect: AnalyzerEffect<AnalyzeParams> = {
  kind: 'analyzer',
  id: 'analyze',
  label: 'Analyse footage',
  category: 'analysis',
  description:
    'Shots (cuts, dissolves, fades), objects, tags, areas, faces, shot scale, on-screen text, light, motion and colours per shot.',
  params: analyzeParams,
  models: Object.values(ANALYSIS_MODEL_IDS),
  outputs: ['tags'],
  async createAnalyzer(ctx, params, info) {
    const models = await loadAnalysisModels(ctx);
    const fps = info.frameRate.num / info.frameRate.den;
    const stride = params.stride > 0 ? params.stride : Math.max(1, Math.round(fps));
    const ocrStep = Math.max(1, Math.round(5 * fps));
    const size = fitSize(info.width, info.height, params.resolution);
    const detector = new ShotDetector();
    const samples = new Map<number, Sample>();
    return {
      async push(input: Frame, index: number) {
        const frame = toFloat32(input);
        detector.push(smallFrameOf(frame, index));
        if (index % stride !== 0) return;
        const scaled = resampled(frame, size.width, size.height);
        // The thumbnail is kept for every sample: which one is nearest a shot's middle is known only at the end.
        samples.set(index, await analyseSample(models, scaled, index % ocrStep === 0, true, {}));
      },
      async finish() {
        const { shots } = detector.finish();
        const described = describeShots(shots, samples, detector.motions, info.frameRate, '00:00:00:00');
        return {
          records: described.map(({ thumbnail, ...shot }) => ({
            kind: 'shot',
            start: shot.start,
            end: shot.end,
            data: { ...shot, ...(thumbnail ? { thumbnail: thumbnail.toString('base64') } : {}) },
          })),
        };
      },
    };
  },
};
