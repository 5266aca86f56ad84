/**
 * FaceMesh 468 landmarks (MediaPipe, Apache-2.0; manifest `facemesh`, converted from TFJS and checked against
 * the TFJS runtime in models/converters/tfjs/models.test.ts). The model sees a square face crop at 192x192
 * and returns 468 (x, y, z) points in crop pixels plus a face-presence score.
 *
 * Crops follow MediaPipe's own pipeline (as @vladmandic/human does it): from a BlazeFace box enlarged 1.5x
 * and squared, then, on the next frame of a clip, from the previous mesh's bounds enlarged 1.5x (the mesh
 * is tighter and steadier than the detector's box). Crops are axis-aligned: heads rolled past ~25 degrees
 * give less reliable points (the rotation MediaPipe applies to the crop is not done here).
 */
import { Tensor } from 'onnxruntime-node';
import type { Frame } from '../frame.ts';
import type { LoadedSession } from '../../runtime/types.ts';
import type { ModelManifest } from '../../models/manifest.ts';
import { frameToTensor, type Box } from '../../runtime/tensor.ts';
import type { FaceBox } from './face-detector.ts';

export const FACEMESH_MODEL_ID = 'facemesh';
export const MESH_POINTS = 468;
const INPUT = 192;

export interface FaceMeshResult {
  /** 468 x (x, y, z) in frame pixels; z in the same pixel scale, smaller = nearer the camera. */
  points: Float32Array;
  /** Face presence in the crop, 0..1. */
  score: number;
  /** The crop the mesh was found in (frame pixels). */
  roi: Box;
}

/** A square crop around a box, `factor` times its larger side (may reach past the frame; packing pads). */
export function squareRoi(box: { x: number; y: number; w: number; h: number }, factor: number): Box {
  const side = Math.max(box.w, box.h) * factor;
  return { x: box.x + box.w / 2 - side / 2, y: box.y + box.h / 2 - side / 2, width: side, height: side };
}

/** The bounds of a mesh's x/y. */
export function meshBounds(points: Float32Array): { x: number; y: number; w: number; h: number } {
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (let i = 0; i < points.length; i += 3) {
    x0 = Math.min(x0, points[i]!);
    x1 = Math.max(x1, points[i]!);
    y0 = Math.min(y0, points[i + 1]!);
    y1 = Math.max(y1, points[i + 1]!);
  }
  return { x: x0, y: y0, w: x1 - x0, h: y1 - y0 };
}

export class FaceMesher {
  private readonly buffer = new Float32Array(INPUT * INPUT * 3);

  constructor(
    private readonly session: LoadedSession,
    private readonly spec: ModelManifest['input'],
  ) {
    for (const name of ['output_mesh', 'output_faceflag']) {
      if (!session.outputNames.includes(name))
        throw new Error(
          `face mesh model "${session.modelId}" lacks output ${name}; expected models/manifests/facemesh.json`,
        );
    }
  }

  /** The mesh in a crop (frame pixels). Parts of the crop outside the frame are padded, keeping the aspect. */
  async inRoi(frame: Frame, roi: Box): Promise<FaceMeshResult> {
    const packed = frameToTensor(frame, this.spec, {
      width: INPUT,
      height: INPUT,
      region: roi,
      fit: 'letterbox',
      out: this.buffer,
    });
    const out = (await this.session.run({
      [this.spec.name]: new Tensor('float32', packed.data, packed.dims),
    })) as Record<string, { data: unknown }>;
    const mesh = out.output_mesh!.data as Float32Array;
    const score = (out.output_faceflag!.data as Float32Array)[0]!;
    const t = packed.transform;
    const points = new Float32Array(MESH_POINTS * 3);
    for (let i = 0; i < MESH_POINTS; i++) {
      points[i * 3] = t.offsetX + mesh[i * 3]! * t.scaleX;
      points[i * 3 + 1] = t.offsetY + mesh[i * 3 + 1]! * t.scaleY;
      points[i * 3 + 2] = mesh[i * 3 + 2]! * t.scaleX;
    }
    return { points, score, roi };
  }

  /**
   * The mesh of a detected face: a crop from the detection, then one refinement crop from the first mesh's
   * bounds (the detector's box is loose and off-centre on turned heads).
   */
  async forFace(frame: Frame, face: Pick<FaceBox, 'x' | 'y' | 'w' | 'h'>): Promise<FaceMeshResult> {
    const first = await this.inRoi(frame, squareRoi(face, 1.5));
    return this.inRoi(frame, squareRoi(meshBounds(first.points), 1.5));
  }

  /** The next frame of a clip: a crop from the previous mesh's bounds. */
  async follow(frame: Frame, previous: Float32Array): Promise<FaceMeshResult> {
    return this.inRoi(frame, squareRoi(meshBounds(previous), 1.5));
  }
}
