/**
 * Iris centres and gaze from MediaPipe's iris landmark model (manifest `iris-landmark`, Apache-2.0, converted
 * from TFJS and checked against the TFJS runtime in models/converters/tfjs/models.test.ts). FaceMesh's 468
 * points have no iris; this model, given a 64x64 crop around one eye, returns 71 eye contour/brow points and 5
 * iris points (centre first).
 *
 * Crops as MediaPipe and @vladmandic/human place them: the box of the eye's two corners (FaceMesh), enlarged
 * 2.3x and squared. The model is trained on one eye side: the subject's right eye (image left on a frontal
 * face) is given as is, the left eye mirrored (as human does; checked in test/faces/gaze.test.ts: that way the
 * model's eye contour lies on FaceMesh's for both eyes, < 1 px on the astronaut; mirrored the other way it is
 * ~10 px off).
 *
 * Gaze is the iris centre in the eye's own frame: origin midway between the corners, unit = the corner
 * distance, x along the image-left→image-right corner axis, y perpendicular (down positive). Both eyes use the
 * same axis direction, so x > 0 means "looking towards image right" for either eye and the two average.
 */
import { Tensor } from 'onnxruntime-node';
import type { Frame } from '../frame.ts';
import type { LoadedSession } from '../../runtime/types.ts';
import type { ModelManifest } from '../../models/manifest.ts';
import { frameToTensor, type Box } from '../../runtime/tensor.ts';
import { sliceBatch } from './face-detector.ts';

export const IRIS_MODEL_ID = 'iris-landmark';
const INPUT = 64;
const CONTOUR_POINTS = 71;
const OUTPUT_POINTS = 76;
/** How much larger than the eye corners' box the crop is (MediaPipe's and human's 2.3). */
const CROP_SCALE = 2.3;

/** One eye in FaceMesh indices: its corners (image-left first on a frontal face) and its opening's rim. */
export interface EyeIndices {
  name: 'right' | 'left';
  /** [image-left corner, image-right corner]. */
  corners: readonly [number, number];
  /** The opening's rim in order round it: lower lid from corner to corner, then upper lid back. */
  rim: readonly number[];
  /** Mid points of the upper and lower lid (openness). */
  lids: readonly [number, number];
  /** Whether the crop is mirrored for the model. */
  mirror: boolean;
}

/**
 * MediaPipe's meshAnnotations (`@vladmandic/human` src/face/facemeshcoords.ts): rightEyeLower0 33..133 then
 * rightEyeUpper0 173..246 (reversed); leftEyeLower0 362..263 (reversed, so it runs image-left to right) then
 * leftEyeUpper0 466..398.
 */
export const EYES: readonly EyeIndices[] = [
  {
    name: 'right',
    corners: [33, 133],
    rim: [33, 7, 163, 144, 145, 153, 154, 155, 133, 173, 157, 158, 159, 160, 161, 246],
    lids: [159, 145],
    mirror: false,
  },
  {
    name: 'left',
    corners: [362, 263],
    rim: [362, 382, 381, 380, 374, 373, 390, 249, 263, 466, 388, 387, 386, 385, 384, 398],
    lids: [386, 374],
    mirror: true,
  },
];

export interface IrisResult {
  eye: EyeIndices['name'];
  /** Iris centre, frame pixels. */
  centre: [number, number];
  /** Mean distance of the 4 iris edge points from the centre, frame pixels. */
  radius: number;
  /** The 71 eye contour/brow points (x, y per point), frame pixels. */
  contour: Float32Array;
}

/** A point in an eye's frame (see the file comment), from frame pixels. */
export function toEyeFrame(mesh: Float32Array, eye: EyeIndices, x: number, y: number): [number, number] {
  const [a, b] = eye.corners;
  const ax = mesh[a * 3]!;
  const ay = mesh[a * 3 + 1]!;
  const ex = mesh[b * 3]! - ax;
  const ey = mesh[b * 3 + 1]! - ay;
  const n = ex * ex + ey * ey;
  const dx = x - (ax + ex / 2);
  const dy = y - (ay + ey / 2);
  return [(dx * ex + dy * ey) / n, (ex * dy - ey * dx) / n];
}

/** Frame pixels of a point given in an eye's frame (inverse of toEyeFrame). */
export function fromEyeFrame(mesh: Float32Array, eye: EyeIndices, u: number, v: number): [number, number] {
  const [a, b] = eye.corners;
  const ax = mesh[a * 3]!;
  const ay = mesh[a * 3 + 1]!;
  const ex = mesh[b * 3]! - ax;
  const ey = mesh[b * 3 + 1]! - ay;
  return [ax + ex / 2 + u * ex - v * ey, ay + ey / 2 + u * ey + v * ex];
}

/** Lid gap over corner distance: ~0.25-0.35 for an open eye, under ~0.12 when closed. */
export function eyeOpenness(mesh: Float32Array, eye: EyeIndices): number {
  const [a, b] = eye.corners;
  const [u, l] = eye.lids;
  const w = Math.hypot(mesh[b * 3]! - mesh[a * 3]!, mesh[b * 3 + 1]! - mesh[a * 3 + 1]!);
  return Math.hypot(mesh[u * 3]! - mesh[l * 3]!, mesh[u * 3 + 1]! - mesh[l * 3 + 1]!) / w;
}

/** The square crop the model sees for an eye. */
export function eyeCrop(mesh: Float32Array, eye: EyeIndices): Box {
  const [a, b] = eye.corners;
  const x0 = Math.min(mesh[a * 3]!, mesh[b * 3]!);
  const x1 = Math.max(mesh[a * 3]!, mesh[b * 3]!);
  const y0 = Math.min(mesh[a * 3 + 1]!, mesh[b * 3 + 1]!);
  const y1 = Math.max(mesh[a * 3 + 1]!, mesh[b * 3 + 1]!);
  const side = Math.max(x1 - x0, y1 - y0) * CROP_SCALE;
  return { x: (x0 + x1) / 2 - side / 2, y: (y0 + y1) / 2 - side / 2, width: side, height: side };
}

/** Mirrors an NHWC RGB tensor left-right in place. */
function mirrorTensor(data: Float32Array, size: number): void {
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size / 2; x++) {
      const a = (y * size + x) * 3;
      const b = (y * size + size - 1 - x) * 3;
      for (let c = 0; c < 3; c++) {
        const t = data[a + c]!;
        data[a + c] = data[b + c]!;
        data[b + c] = t;
      }
    }
  }
}

export class IrisLocator {
  constructor(
    private readonly session: LoadedSession,
    private readonly spec: ModelManifest['input'],
  ) {
    if (!session.outputNames.includes('output_eyes'))
      throw new Error(
        `iris model "${session.modelId}" lacks output output_eyes; expected models/manifests/iris-landmark.json`,
      );
  }

  /** Both eyes' irises of one face (one model run, batch of two), frame pixels. */
  async irises(frame: Frame, mesh: Float32Array, eyes: readonly EyeIndices[] = EYES): Promise<IrisResult[]> {
    const per = INPUT * INPUT * 3;
    const data = new Float32Array(per * eyes.length);
    const packs = eyes.map((eye, j) => {
      const slot = data.subarray(j * per, (j + 1) * per);
      const packed = frameToTensor(frame, this.spec, {
        width: INPUT,
        height: INPUT,
        region: eyeCrop(mesh, eye),
        fit: 'letterbox',
        out: slot,
      });
      if (eye.mirror) mirrorTensor(slot, INPUT);
      return packed;
    });
    const out = (await this.session.run({
      [this.spec.name]: new Tensor('float32', data, [eyes.length, INPUT, INPUT, 3]),
    })) as Record<string, { data: Float32Array; dims: readonly number[] }>;
    return eyes.map((eye, j) => {
      const raw = sliceBatch(out, j).output_eyes!.data;
      const t = packs[j]!.transform;
      const at = (i: number): [number, number] => {
        const x = eye.mirror ? INPUT - raw[i * 3]! : raw[i * 3]!;
        return [t.offsetX + x * t.scaleX, t.offsetY + raw[i * 3 + 1]! * t.scaleY];
      };
      const contour = new Float32Array(CONTOUR_POINTS * 2);
      for (let i = 0; i < CONTOUR_POINTS; i++) contour.set(at(i), i * 2);
      const centre = at(CONTOUR_POINTS);
      let radius = 0;
      for (let i = CONTOUR_POINTS + 1; i < OUTPUT_POINTS; i++) {
        const [x, y] = at(i);
        radius += Math.hypot(x - centre[0], y - centre[1]) / 4;
      }
      return { eye: eye.name, centre, radius, contour };
    });
  }

  /**
   * The face's gaze: the iris centres in their eyes' frames, averaged over the open eyes (undefined when
   * both are closed: a closed eye's iris points are guesses).
   */
  async gaze(frame: Frame, mesh: Float32Array): Promise<Gaze | undefined> {
    const open = EYES.filter((eye) => eyeOpenness(mesh, eye) >= MIN_OPENNESS);
    if (open.length === 0) return undefined;
    const found = await this.irises(frame, mesh, open);
    let u = 0;
    let v = 0;
    found.forEach((r, j) => {
      const [eu, ev] = toEyeFrame(mesh, open[j]!, r.centre[0], r.centre[1]);
      u += eu / found.length;
      v += ev / found.length;
    });
    return { u, v, irises: found };
  }
}

/** Below this lid gap (over corner distance) an eye counts as closed. */
export const MIN_OPENNESS = 0.15;

export interface Gaze {
  /** Iris centre along the corner axis, in corner distances from the eye's middle (+: image right). */
  u: number;
  /** Iris centre across it (+: down). */
  v: number;
  irises: IrisResult[];
}
