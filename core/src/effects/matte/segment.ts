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
  type PackOptions,
} from '../../runtime/tensor.ts';

export interface Segmenter {
  session: LoadedSession;
  spec: ModelManifest['input'];
}

async function runMask(seg: Segmenter, frame: Frame, options: PackOptions) {
  const packed = frameToTensor(frame, seg.spec, options);
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
  const clamped = new Float32Array(raw.data.length);
  for (let i = 0; i < clamped.length; i++) clamped[i] = Math.min(1, Math.max(0, raw.data[i]!));
  return maskToRegion({ width: raw.width, height: raw.height, data: clamped }, packed);
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
