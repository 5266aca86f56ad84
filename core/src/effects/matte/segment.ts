/**
 * Running a segmentation model on the whole frame or on one crop, through the shared tensor helpers, and
 * returning the mask in frame pixels (whole frame) or region pixels (crop).
 */
import { Tensor } from 'onnxruntime-node';
import type { Frame } from '../frame.ts';
import type { LoadedSession } from '../../runtime/types.ts';
import type { ModelManifest } from '../../models/manifest.ts';
import {
  clampBox,
  frameToTensor,
  maskToRegion,
  outputToMask,
  type Box,
  type Mask,
  type PackedTensor,
  type PackOptions,
} from '../../runtime/tensor.ts';

export interface Segmenter {
  session: LoadedSession;
  spec: ModelManifest['input'];
}

/**
 * One input buffer per segmenter, lent to one run at a time: a 1024x1024 RGB tensor is 12.6 MB, whose page
 * faults alone cost ~34 ms per frame when it is allocated fresh on the 2-core test VM (docs/engine.md). A
 * run that finds it lent out (concurrent crops) packs into a new buffer.
 */
const idleInputs = new WeakMap<Segmenter, Float32Array>();

async function runMask(seg: Segmenter, frame: Frame, options: PackOptions) {
  const lent = idleInputs.get(seg);
  idleInputs.delete(seg);
  // A buffer of another size (a crop size after a whole frame) is not used: frameToTensor packs into a new one.
  const packed = frameToTensor(frame, seg.spec, { ...options, ...(lent ? { reuse: lent } : {}) });
  try {
    return await maskOf(seg, packed);
  } finally {
    idleInputs.set(seg, packed.data);
  }
}

async function maskOf(seg: Segmenter, packed: PackedTensor) {
  const first = seg.session.outputNames[0]!;
  // Only the mask: ISNet's other 11 outputs (side masks, feature maps) would be copied to JS for nothing
  // (about 110 MB and 100-250 ms per 1080p frame, measured). onnxruntime-node 1.30 also copies a
  // pre-allocated output into a new tensor, so naming the output is what saves the work.
  const feeds = { [seg.spec.name]: new Tensor('float32', packed.data, packed.dims) };
  const out = await seg.session.run(feeds, [first]);
  const t = out[first] as Tensor;
  const dims = t.dims.map(Number);
  // Single-channel outputs come as [1,1,H,W] (ISNet) or [1,H,W,1] (TFJS-converted, NHWC).
  const layout = dims.length === 4 && dims[3] === 1 && dims[1] !== 1 ? 'NHWC' : 'NCHW';
  const raw = outputToMask(t.data as Float32Array, dims, { layout });
  // Clamped in place: the output tensor is this run's own copy and nothing else reads it.
  const data = raw.data;
  for (let i = 0; i < data.length; i++) data[i] = Math.min(1, Math.max(0, data[i]!));
  return maskToRegion(raw, packed);
}

/** The model on the whole frame, stretched to its input (as the upstream libraries do); frame-size mask. */
export async function segmentFrame(seg: Segmenter, frame: Frame): Promise<Mask> {
  // Any sample format: the packer reads integer frames directly (no full-frame float pass).
  return runMask(seg, frame, {});
}

/**
 * The model on a crop of the frame. The crop is clamped to the frame and letterboxed into the model input
 * (aspect kept: a stretched person segments worse). Returns the mask over the clamped box.
 */
export async function segmentCrop(seg: Segmenter, frame: Frame, box: Box): Promise<{ box: Box; mask: Mask }> {
  const clamped = clampBox(box, frame.width, frame.height);
  const mask = await runMask(seg, frame, { region: clamped, fit: 'letterbox', padValue: 0 });
  return { box: clamped, mask };
}
