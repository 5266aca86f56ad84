/**
 * Runs the `person-detector` model (CenterNet, COCO) on the whole frame and returns person boxes in frame
 * pixels. Decoding of the heads is shared (runtime/person-detections.ts).
 */
import { Tensor } from 'onnxruntime-node';
import type { Frame } from '../frame.ts';
import type { LoadedSession } from '../../runtime/types.ts';
import type { ModelManifest } from '../../models/manifest.ts';
import { frameToTensor } from '../../runtime/tensor.ts';
import { decodePersonDetections, type PersonBox } from '../../runtime/person-detections.ts';

function findOutput(session: LoadedSession, hint: RegExp, role: string): string {
  const name = session.outputNames.find((n) => hint.test(n));
  if (!name) {
    throw new Error(
      `person detector "${session.modelId}" has no ${role} output (outputs: ${session.outputNames.join(', ')}); ` +
        'the matte expects the CenterNet heads "keypoints" (class heatmap) and "wh" (box distances)',
    );
  }
  return name;
}

/** The frame is stretched to the model's square input, as the upstream library does. */
export async function detectPeople(
  session: LoadedSession,
  spec: ModelManifest['input'],
  frame: Frame,
  minScore: number,
): Promise<PersonBox[]> {
  const heatName = findOutput(session, /keypoint|heatmap/i, 'heatmap');
  const whName = findOutput(session, /(^|[/_:])wh($|[/_:])/i, 'box-size');
  const packed = frameToTensor(frame, spec);
  const out = await session.run({ [spec.name]: new Tensor('float32', packed.data, packed.dims) });
  const keypoints = out[heatName] as Tensor;
  const wh = out[whName] as Tensor;
  return decodePersonDetections(
    {
      keypoints: { data: keypoints.data as Float32Array, dims: keypoints.dims.map(Number) },
      wh: { data: wh.data as Float32Array, dims: wh.dims.map(Number) },
    },
    {
      imageWidth: frame.width,
      imageHeight: frame.height,
      inputWidth: packed.width,
      inputHeight: packed.height,
      minScore,
      iouThreshold: 0.5,
    },
  );
}
