/**
 * One frame (or a region of it) through one model: pack per the manifest, run, return the outputs. The
 * analysis models all go through here so packing and session use stay in one place.
 */
import { Tensor, type InferenceSession } from 'onnxruntime-node';
import type { F32Frame } from '../../effects/frame.ts';
import type { ModelManifest } from '../../models/manifest.ts';
import { frameToTensor, type PackOptions, type PackedTensor } from '../../runtime/tensor.ts';
import type { LoadedSession } from '../../runtime/types.ts';

export interface AnalysisModel {
  session: LoadedSession;
  spec: ModelManifest['input'];
}

export async function runOn(
  model: AnalysisModel,
  frame: F32Frame,
  options: PackOptions = {},
): Promise<{ outputs: InferenceSession.OnnxValueMapType; packed: PackedTensor }> {
  const packed = frameToTensor(frame, model.spec, options);
  const outputs = await model.session.run({
    [model.spec.name]: new Tensor('float32', packed.data, packed.dims),
  });
  return { outputs, packed };
}
