/**
 * The learned monocular depth nets (weights too large to reach the build machines; manifests pin their
 * upstream files, `mlxv models fetch` downloads and verifies them, `--model-path` supplies a local copy).
 * Both predict *relative inverse depth* (disparity up to an unknown scale and shift; larger = nearer).
 *
 * Resize rules (the upstreams' own):
 * - MiDaS v2.1 small: a fixed 256×256 input, the frame stretched to it (the ONNX export has a fixed shape);
 *   ImageNet mean/std is baked into the graph, so the input is RGB/255. Output [1,256,256].
 * - Depth-Anything-V2-Small (onnx-community export, dynamic H and W): aspect kept, the *short* side scaled to
 *   518 and both sides rounded to a multiple of 14 (the ViT patch; upstream `Resize(518, keep_aspect_ratio,
 *   ensure_multiple_of=14, resize_method='lower_bound')`), ImageNet mean/std. Output [1,H,W].
 * Tiling: none. Relative depth has its own scale and shift per run, so tiles would not agree; the whole frame
 * goes through at the net's working size and the prediction is resized back (then snapped to the picture's
 * edges by the guided filter in source.ts). Long sides beyond MAX_LONG_SIDE are capped to bound memory.
 */
import { Tensor } from 'onnxruntime-node';
import type { Frame } from '../frame.ts';
import type { LoadedSession } from '../../runtime/types.ts';
import { frameToTensor, outputToMask, resizeMask, type TensorInputSpec } from '../../runtime/tensor.ts';
import type { DepthMap } from './depth-map.ts';

export const LEARNED_SOURCES = {
  'midas-small': 'midas-v2.1-small',
  'depth-anything-v2-small': 'depth-anything-v2-small',
} as const;
export type LearnedSource = keyof typeof LEARNED_SOURCES;

const IMAGENET = { scale: 1, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };

export interface LearnedSpec {
  modelId: string;
  input: string;
  output: string;
  tensor: TensorInputSpec;
  /** Model input size for a frame. */
  sizeFor(width: number, height: number): { width: number; height: number };
}

/** Depth Anything's working size cap (long side, after the lower-bound rule): 4K stays bounded. */
const MAX_LONG_SIDE = 1036;

export const LEARNED_SPECS: Readonly<Record<LearnedSource, LearnedSpec>> = {
  'midas-small': {
    modelId: LEARNED_SOURCES['midas-small'],
    input: '0',
    output: '797',
    tensor: { layout: 'NCHW', channels: 'RGB', normalize: { scale: 1, mean: [0, 0, 0], std: [1, 1, 1] } },
    sizeFor: () => ({ width: 256, height: 256 }),
  },
  'depth-anything-v2-small': {
    modelId: LEARNED_SOURCES['depth-anything-v2-small'],
    input: 'pixel_values',
    output: 'predicted_depth',
    tensor: { layout: 'NCHW', channels: 'RGB', normalize: IMAGENET },
    sizeFor: (width, height) => lowerBoundSize(width, height, 518, 14, MAX_LONG_SIDE),
  },
};

/** Short side to `target`, aspect kept, both sides rounded to `multiple`; the long side capped at `cap`. */
export function lowerBoundSize(
  width: number,
  height: number,
  target: number,
  multiple: number,
  cap: number,
): { width: number; height: number } {
  let scale = target / Math.min(width, height);
  if (Math.max(width, height) * scale > cap) scale = cap / Math.max(width, height);
  const round = (v: number) => Math.max(multiple, Math.round(v / multiple) * multiple);
  return { width: round(width * scale), height: round(height * scale) };
}

/** One frame through a learned net → nearness (relative inverse depth) at `out` size (default the frame's). */
export async function learnedDepth(
  session: LoadedSession,
  spec: LearnedSpec,
  frame: Frame,
  out: { width: number; height: number } = frame,
): Promise<DepthMap> {
  const size = spec.sizeFor(frame.width, frame.height);
  const packed = frameToTensor(frame, spec.tensor, size);
  const result = await session.run({ [spec.input]: new Tensor('float32', packed.data, packed.dims) });
  const t = result[spec.output] ?? result[session.outputNames[0]!];
  if (!t) throw new Error(`depth model ${spec.modelId} returned no output "${spec.output}"`);
  const dims = t.dims.map(Number);
  const raw = outputToMask(t.data as Float32Array, dims);
  for (const v of raw.data)
    if (!Number.isFinite(v)) throw new RangeError(`depth model ${spec.modelId} returned a non-finite value`);
  return resizeMask(raw, out.width, out.height);
}
