/**
 * The puppet: a portrait's face made to follow a driving clip's face.
 *
 * 1. Portrait: one face chosen (refused with a message when there is none, or several and no index), the
 *    photo cover-fitted to the clip's frame size around that face, its FaceMesh P.
 * 2. Driver, per frame: its FaceMesh D_t (followed from the previous frame's mesh, re-detected when lost).
 *    The first frame with a face is the driver's reference D_0 (taken as its neutral face).
 * 3. Pose and expression apart: A_t, the similarity D_0 -> D_t fitted on points an expression barely moves
 *    (upper face oval, nose, eye corners), is the head pose; E_t = A_t^-1(D_t) - D_0 is the expression as
 *    landmark deltas in the pose-normalised frame.
 * 4. Onto the portrait: A_p, the similarity D_0 -> P on the same points, carries the driver's frame into the
 *    portrait's. Output mesh = A_p(A_t(A_p^-1(P) + gain * E_t)): the portrait's own shape, the driver's
 *    expression deltas, the driver's head pose change. Identity (eye distance, face shape) stays the portrait's
 *    because only deltas move.
 * 5. Warp the portrait by the mesh (mesh-warp.ts), move its irises by the driver's gaze change (gaze.ts),
 *    fill the mouth opening (mouth.ts), stamp the mark.
 * Gaze: FaceMesh has no iris, so the iris model (faces/iris.ts) finds the iris centres of the portrait once
 * and of the driver per frame, as positions in each eye's frame (normalised by the eye corners). The
 * portrait's iris moves by `gaze` times the driver's change since its reference frame (the same
 * neutral-reference rule as the expression; absolute positions would also carry over each face's resting
 * squint and the model's per-face bias). While the driver's eyes are closed the last gaze is kept.
 * A driver face lost for a while: the last pose and expression are held for `hold` frames, then the face
 * eases back to the portrait at rest over REST_FADE frames; tracking resumes the moment the face returns.
 */
import sharp from 'sharp';
import { createFrame, type F32Frame, type Frame } from '../frame.ts';
import { ParamError } from '../params.ts';
import type { FaceDetector, FaceBox } from '../faces/face-detector.ts';
import { type FaceMesher } from '../faces/face-mesh.ts';
import { readPhotoParam } from '../faces/photo-param.ts';
import { POSE_POINTS } from '../faces/mesh-topology.ts';
import { applySimilarity, fitSimilarity, invertSimilarity, type Similarity } from '../faces/similarity.ts';
import { buildWarpMesh, warpByMesh } from './mesh-warp.ts';
import { fillMouth, lipColour } from './mouth.ts';
import { stampMark, type MarkPosition } from './synthetic-mark.ts';
import {
  EYES,
  eyeOpenness,
  fromEyeFrame,
  MIN_OPENNESS,
  toEyeFrame,
  type IrisLocator,
} from '../faces/iris.ts';
import { insideTarget, moveIris } from './gaze.ts';

/** Frames over which a face lost longer than `hold` eases back to the portrait at rest. */
export const REST_FADE = 12;
/** FaceMesh's face-presence score below which the driver face counts as lost. */
const PRESENT = 0.5;

export interface PuppetOptions {
  portrait: string;
  /** 0: the portrait must show exactly one face; N: the Nth face from the left. */
  face: number;
  motion: 'full' | 'rotation';
  expression: number;
  /** How strongly the driver's gaze change moves the portrait's irises (0: eyes keep the portrait's gaze). */
  gaze: number;
  hold: number;
  mark: MarkPosition | 'none';
}

export interface Portrait {
  frame: F32Frame;
  mesh: Float32Array;
  lips: [number, number, number];
  /**
   * Per EYES entry: the portrait's iris centre in that eye's frame and its radius in eye widths, or undefined
   * (closed, tiny, no iris model).
   */
  irises: ({ u: number; v: number; radius: number } | undefined)[];
}

/** Eyes narrower than this (output pixels) keep their gaze: the iris is a few pixels, a shift is noise. */
const MIN_EYE_WIDTH = 8;

/** The face to animate: the only one, or the `index`th from the left. */
export function chooseFace(faces: readonly FaceBox[], index: number, file: string): FaceBox {
  const sorted = [...faces].sort((a, b) => a.x - b.x);
  if (sorted.length === 0) {
    throw new ParamError(
      `face-puppet: no face found in portrait ${file}; use a photo with one clearly visible, roughly frontal face`,
      'portrait',
    );
  }
  if (index === 0 && sorted.length > 1) {
    const list = sorted.map(
      (f, i) => `${i + 1}: x=${Math.round(f.x)} y=${Math.round(f.y)} ${Math.round(f.w)}px`,
    );
    throw new ParamError(
      `face-puppet: portrait ${file} shows ${sorted.length} faces (from the left ${list.join('; ')}); pick one with --param face=N`,
      'face',
    );
  }
  const chosen = sorted[index === 0 ? 0 : index - 1];
  if (!chosen) {
    throw new ParamError(
      `face-puppet: --param face=${index} but portrait ${file} shows ${sorted.length} face(s); use 1..${sorted.length}`,
      'face',
    );
  }
  return chosen;
}

/** Crop window (in the scaled photo) of an out-size frame, centred on the face, inside the photo. */
function coverCrop(
  pw: number,
  ph: number,
  face: FaceBox,
  width: number,
  height: number,
): { scale: number; left: number; top: number } {
  const scale = Math.max(width / pw, height / ph);
  const cx = (face.x + face.w / 2) * scale;
  const cy = (face.y + face.h / 2) * scale;
  const sw = Math.round(pw * scale);
  const sh = Math.round(ph * scale);
  return {
    scale,
    left: Math.round(Math.min(Math.max(0, cx - width / 2), Math.max(0, sw - width))),
    top: Math.round(Math.min(Math.max(0, cy - height / 2), Math.max(0, sh - height))),
  };
}

/** The portrait cover-fitted to width x height around its chosen face, with that face's mesh. */
export async function preparePortrait(
  options: Pick<PuppetOptions, 'portrait' | 'face'>,
  width: number,
  height: number,
  detector: FaceDetector,
  mesher: FaceMesher,
  iris?: IrisLocator,
): Promise<Portrait> {
  const photo = await readPhotoParam('face-puppet', 'portrait', options.portrait);
  const face = chooseFace(await detector.detect(photo, { minScore: 0.5 }), options.face, options.portrait);
  const crop = coverCrop(photo.width, photo.height, face, width, height);
  const { data } = await sharp(options.portrait)
    .removeAlpha()
    .resize(Math.round(photo.width * crop.scale), Math.round(photo.height * crop.scale), {
      kernel: 'lanczos3',
      fit: 'fill',
    })
    .extract({ left: crop.left, top: crop.top, width, height })
    .raw()
    .toBuffer({ resolveWithObject: true });
  const frame = createFrame(width, height);
  for (let i = 0; i < width * height; i++) {
    for (let c = 0; c < 3; c++) frame.data[i * 4 + c] = data[i * 3 + c]! / 255;
    frame.data[i * 4 + 3] = 1;
  }
  // Landmarks on the photo at its own resolution (a small output frame would give the model a tiny face),
  // carried into the output frame by the same scale and crop.
  const found = await mesher.forFace(photo, face);
  if (found.score < PRESENT) {
    throw new ParamError(
      `face-puppet: the face in portrait ${options.portrait} is too turned, small or covered for landmarks (score ${found.score.toFixed(2)}); use a frontal photo`,
      'portrait',
    );
  }
  const points = found.points.map((v, i) =>
    i % 3 === 0 ? v * crop.scale - crop.left : i % 3 === 1 ? v * crop.scale - crop.top : v * crop.scale,
  );
  const irises: Portrait['irises'] = [];
  if (iris) {
    const open = EYES.filter(
      (eye) =>
        eyeOpenness(found.points, eye) >= MIN_OPENNESS && eyeWidth(points, eye.corners) >= MIN_EYE_WIDTH,
    );
    const located = open.length > 0 ? await iris.irises(photo, found.points, open) : [];
    EYES.forEach((eye, j) => {
      const k = open.indexOf(eye);
      if (k < 0) return;
      const [u, v] = toEyeFrame(found.points, eye, ...located[k]!.centre);
      irises[j] = { u, v, radius: located[k]!.radius / eyeWidth(found.points, eye.corners) };
    });
  }
  return { frame, mesh: points, lips: lipColour(frame, points), irises };
}

function eyeWidth(mesh: Float32Array, [a, b]: readonly [number, number]): number {
  return Math.hypot(mesh[b * 3]! - mesh[a * 3]!, mesh[b * 3 + 1]! - mesh[a * 3 + 1]!);
}

/** An eye's opening rim (x, y pairs) in a mesh. */
function eyeRim(mesh: Float32Array, rim: readonly number[]): Float32Array {
  const out = new Float32Array(rim.length * 2);
  rim.forEach((p, i) => out.set([mesh[p * 3]!, mesh[p * 3 + 1]!], i * 2));
  return out;
}

/** What the puppet knows about the driving face between frames. */
interface DriverState {
  /** The driver's reference (neutral) mesh, and the portrait's pose relative to it. */
  reference?: { mesh: Float32Array; toPortrait: Similarity; portraitInRef: Float32Array };
  /** The previous frame's driver mesh, when the face was found there (the next crop follows it). */
  previous?: Float32Array;
  /** The last output mesh made from a found face, and frames since then. */
  lastOut?: Float32Array;
  /** The driver's gaze on its reference frame (the first with open eyes), and the last change from it. */
  gazeRef?: [number, number];
  gazeShift: [number, number];
  missed: number;
}

export class Puppet {
  private state: DriverState = { missed: 0, gazeShift: [0, 0] };

  constructor(
    private readonly portrait: Portrait,
    private readonly detector: FaceDetector,
    private readonly mesher: FaceMesher,
    private readonly options: PuppetOptions,
    private readonly iris?: IrisLocator,
  ) {}

  reset(): void {
    this.state = { missed: 0, gazeShift: [0, 0] };
  }

  /** The driver's mesh on this frame, or undefined when no face is there. */
  private async driverMesh(frame: Frame): Promise<Float32Array | undefined> {
    if (this.state.previous) {
      const followed = await this.mesher.follow(frame, this.state.previous);
      if (followed.score >= PRESENT) return followed.points;
    }
    const faces = await this.detector.detect(frame, { minScore: 0.5 });
    if (faces.length === 0) return undefined;
    const biggest = faces.reduce((a, b) => (b.w * b.h > a.w * a.h ? b : a));
    const found = await this.mesher.forFace(frame, biggest);
    return found.score >= PRESENT ? found.points : undefined;
  }

  /** The output mesh for a driver mesh (step 3 and 4 of the file comment). */
  outputMesh(driver: Float32Array): Float32Array {
    const s = this.state;
    if (!s.reference) {
      const toPortrait = fitSimilarity(driver, this.portrait.mesh, POSE_POINTS);
      s.reference = {
        mesh: driver,
        toPortrait,
        portraitInRef: applySimilarity(invertSimilarity(toPortrait), this.portrait.mesh),
      };
    }
    const ref = s.reference;
    const pose = fitSimilarity(ref.mesh, driver, POSE_POINTS);
    const normalised = applySimilarity(invertSimilarity(pose), driver);
    const q = new Float32Array(ref.portraitInRef.length);
    for (let i = 0; i < q.length; i++)
      q[i] = ref.portraitInRef[i]! + this.options.expression * (normalised[i]! - ref.mesh[i]!);
    const motion: Similarity =
      this.options.motion === 'full' ? pose : { r: pose.r, s: 1, from: pose.from, to: pose.from };
    return applySimilarity(ref.toPortrait, applySimilarity(motion, q));
  }

  /** Updates the driver's gaze change from its reference (kept as it was while its eyes are closed). */
  private async followGaze(frame: Frame, driver: Float32Array): Promise<void> {
    const s = this.state;
    if (!this.iris || this.options.gaze === 0 || !this.portrait.irises.some(Boolean)) return;
    const g = await this.iris.gaze(frame, driver);
    if (!g) return;
    s.gazeRef ??= [g.u, g.v];
    s.gazeShift = [(g.u - s.gazeRef[0]) * this.options.gaze, (g.v - s.gazeRef[1]) * this.options.gaze];
  }

  /** The warped portrait's irises (carried by the warp to where the eye is) moved by the gaze change. */
  private moveIrises(out: F32Frame, mesh: Float32Array, [du, dv]: readonly [number, number]): void {
    if (Math.abs(du) + Math.abs(dv) < 1e-4) return;
    EYES.forEach((eye, j) => {
      const at = this.portrait.irises[j];
      if (!at || eyeOpenness(mesh, eye) < MIN_OPENNESS) return;
      const rim = eyeRim(mesh, eye.rim);
      const from = fromEyeFrame(mesh, eye, at.u, at.v);
      const to = insideTarget(rim, from, fromEyeFrame(mesh, eye, at.u + du, at.v + dv));
      if (to) moveIris(out, rim, from, to, at.radius * eyeWidth(mesh, eye.corners));
    });
  }

  async render(frame: Frame): Promise<{ frame: F32Frame; found: boolean; mesh: Float32Array }> {
    const s = this.state;
    const driver = await this.driverMesh(frame);
    s.previous = driver;
    let mesh: Float32Array;
    let gazeShift = s.gazeShift;
    if (driver) {
      mesh = this.outputMesh(driver);
      s.lastOut = mesh;
      s.missed = 0;
      await this.followGaze(frame, driver);
      gazeShift = s.gazeShift;
    } else {
      s.missed++;
      const rest = this.portrait.mesh;
      const held = s.lastOut ?? rest;
      // Held as last seen for `hold` frames, then eased back to the portrait at rest.
      const k = Math.min(1, Math.max(0, (s.missed - this.options.hold) / REST_FADE));
      mesh = held.map((v, i) => v + (rest[i]! - v) * k);
      gazeShift = [s.gazeShift[0] * (1 - k), s.gazeShift[1] * (1 - k)];
    }
    const warpMesh = buildWarpMesh(this.portrait.mesh, mesh);
    const out = warpByMesh(this.portrait.frame, warpMesh);
    this.moveIrises(out, mesh, gazeShift);
    fillMouth(out, this.portrait.frame, this.portrait.mesh, mesh, this.portrait.lips);
    if (this.options.mark !== 'none') stampMark(out, this.options.mark);
    return { frame: out, found: driver !== undefined, mesh };
  }
}
