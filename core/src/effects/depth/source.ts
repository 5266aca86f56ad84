/**
 * Where a depth map comes from, for every effect that needs one (depth, parallax, lens-blur): the offline
 * layered depth (default), one of the learned nets when installed, or a depth file the user made elsewhere.
 * Maps come back as normalised nearness (0 = far, 1 = near) on a working grid; callers resize to the frame.
 */
import { createHash } from 'node:crypto';
import sharp from 'sharp';
import type { EffectContext } from '../types.ts';
import type { Frame } from '../frame.ts';
import { getManifest } from '../../models/manifests.ts';
import { ModelUnavailableError } from '../../models/errors.ts';
import { JobError } from '../../contract/errors.ts';
import { resizeMask } from '../../runtime/tensor.ts';
import { createMask } from '../../runtime/mask-ops.ts';
import type { LoadedSession } from '../../runtime/types.ts';
import { MATTE_MODEL_IDS } from '../matte/descriptor.ts';
import { normalizeRobust, type DepthMap } from './depth-map.ts';
import { layeredDepth, type LayeredModels } from './layered.ts';
import { DEPTH_PRE_ROLL } from './temporal.ts';
import { learnedDepth, LEARNED_SPECS, type LearnedSource } from './learned.ts';
import { DepthStabilizer } from './temporal.ts';
import { fuseMotion, motionParallax, type MotionParallax } from './motion.ts';
import { FLOW_MODEL } from '../shared/optical-flow.ts';
import { toFloat32 } from '../frame.ts';
import { frameSignature, sceneChangeScore } from '../interpolate/scene-cut.ts';

export const SEMANTIC_MODEL = 'deeplabv3-mnv2-257';
export const SALIENT_MODEL = MATTE_MODEL_IDS.isnet;

export type DepthSource = 'layered' | 'layered-fast' | 'motion' | LearnedSource;
export const DEPTH_SOURCE_OPTIONS = [
  {
    value: 'motion',
    label:
      'Motion parallax + layered, offline (clips from a translating camera: RIFE flow; layered on stills, the first frame and static or only panning cameras)',
  },
  {
    value: 'layered',
    label: 'Layered, offline (ground plane + DeepLabv3 objects + ISNet salient object)',
  },
  {
    value: 'layered-fast',
    label: 'Layered, offline, fast (ground plane + DeepLabv3 objects, no ISNet)',
  },
  { value: 'midas-small', label: 'MiDaS v2.1 small (learned; needs `mlxv models fetch midas-v2.1-small`)' },
  {
    value: 'depth-anything-v2-small',
    label: 'Depth Anything V2 small (learned; needs `mlxv models fetch depth-anything-v2-small`)',
  },
] as const;

/**
 * Pre-roll of the effects that compute depth per frame: the stabiliser's window (DEPTH_PRE_ROLL) plus one
 * frame, because the motion source's estimate for the window's first frame needs the frame before it.
 */
export const DEPTH_EFFECT_PRE_ROLL = DEPTH_PRE_ROLL + 1;

/** A scene-change score at or above this between two frames: no motion parallax across them (a cut). */
const CUT_THRESHOLD = 0.3;

/** Depth maps kept by content: twice a sequential effect's window (pre-roll + the frame). */
const RECENT = 2 * (DEPTH_PRE_ROLL + 1);

function contentHash(frame: Frame): string {
  const d = frame.data;
  return createHash('sha1')
    .update(new Uint8Array(d.buffer, d.byteOffset, d.byteLength))
    .digest('hex');
}

/** Working grid of learned maps (long side); the nets' own outputs are 256-1036 px. */
const LEARNED_WORK_SIDE = 512;

export function workGrid(width: number, height: number, side: number): { width: number; height: number } {
  const s = Math.min(1, side / Math.max(width, height));
  return { width: Math.max(1, Math.round(width * s)), height: Math.max(1, Math.round(height * s)) };
}

export class DepthEstimator {
  private readonly sessions = new Map<string, Promise<LoadedSession>>();
  private readonly recent = new Map<string, DepthMap>();

  constructor(private readonly ctx: EffectContext) {}

  private session(modelId: string): Promise<LoadedSession> {
    let s = this.sessions.get(modelId);
    if (!s) {
      s = this.ctx.sessions.get(modelId);
      s.catch(() => this.sessions.delete(modelId)); // a failed load reports again on the next frame
      this.sessions.set(modelId, s);
    }
    return s;
  }

  /**
   * Normalised nearness of one frame on a working grid. The last few results are kept by the frame's
   * content: hosts that render out of order re-send the pre-roll frames (temporal.ts), and those must not
   * cost the models again.
   */
  async estimate(frame: Frame, source: DepthSource, previous?: Frame): Promise<DepthMap> {
    const before = source === 'motion' && previous ? `:${contentHash(previous)}` : '';
    const key = `${source}:${frame.width}x${frame.height}:${contentHash(frame)}${before}`;
    const hit = this.recent.get(key);
    if (hit) return hit;
    const map = source === 'motion' ? await this.motion(frame, previous) : await this.compute(frame, source);
    this.recent.set(key, map);
    if (this.recent.size > RECENT) this.recent.delete(this.recent.keys().next().value!);
    return map;
  }

  /** The parallax measured on the last frame the motion source computed (undefined: none, layered only). */
  lastMotion: MotionParallax | undefined;

  /**
   * Motion parallax between `previous` and `frame` fused with the layered depth (motion.ts); the layered depth
   * alone without a previous frame, across a cut, or when the camera did not translate.
   */
  private async motion(frame: Frame, previous: Frame | undefined): Promise<DepthMap> {
    const layered = await this.estimate(frame, 'layered');
    this.lastMotion = undefined;
    if (!previous || previous.width !== frame.width || previous.height !== frame.height) return layered;
    const cur = toFloat32(frame);
    const prev = toFloat32(previous);
    if (sceneChangeScore(frameSignature(prev), frameSignature(cur)) >= CUT_THRESHOLD) return layered;
    const m = await motionParallax(await this.session(FLOW_MODEL), prev, cur);
    this.lastMotion = m;
    return m.usable ? normalizeRobust(fuseMotion(m, layered)) : layered;
  }

  private async compute(frame: Frame, source: Exclude<DepthSource, 'motion'>): Promise<DepthMap> {
    if (source === 'layered' || source === 'layered-fast') {
      const models = await this.layeredModels(source === 'layered');
      return normalizeRobust(await layeredDepth(frame, models));
    }
    const spec = LEARNED_SPECS[source];
    if (!spec) throw new JobError('BAD_PARAM', `unknown depth source "${String(source)}"`);
    let session: LoadedSession;
    try {
      session = await this.session(spec.modelId);
    } catch (err) {
      if (err instanceof ModelUnavailableError) throw missingDepthModel(source, err);
      throw err;
    }
    const grid = workGrid(frame.width, frame.height, LEARNED_WORK_SIDE);
    return normalizeRobust(await learnedDepth(session, spec, frame, grid));
  }

  private async layeredModels(withSalient: boolean): Promise<LayeredModels> {
    const semantic = { session: await this.session(SEMANTIC_MODEL), spec: getManifest(SEMANTIC_MODEL).input };
    if (!withSalient) return { semantic };
    const salient = { session: await this.session(SALIENT_MODEL), spec: getManifest(SALIENT_MODEL).input };
    return { semantic, salient };
  }
}

/**
 * Per-frame depth of a clip for a sequential processor: the estimate (with the previous frame, for the
 * motion source), then the temporal stabiliser. `reset` when the host restarts the sequence.
 */
export class ClipDepth {
  private readonly estimator: DepthEstimator;
  readonly stabilizer = new DepthStabilizer();
  private previous: Frame | undefined;

  constructor(ctx: EffectContext) {
    this.estimator = new DepthEstimator(ctx);
  }

  get lastMotion(): MotionParallax | undefined {
    return this.estimator.lastMotion;
  }

  async next(frame: Frame, source: DepthSource, stabilize: number): Promise<DepthMap> {
    const raw = await this.estimator.estimate(frame, source, this.previous);
    this.previous = frame;
    return this.stabilizer.apply(frame, raw, stabilize);
  }

  reset(): void {
    this.previous = undefined;
    this.stabilizer.reset();
  }
}

/** The model manager's error plus the two things a depth user can do: fetch the net, or go offline. */
export function missingDepthModel(source: LearnedSource, err: ModelUnavailableError): JobError {
  const offline = 'or use the offline layered depth that needs no download: --param source=layered';
  return new JobError(
    'MODEL_UNAVAILABLE',
    `depth source "${source}" needs the model "${err.modelId}", which is not installed.\n${err.message}\n` +
      `Without it: ${offline}`,
    `${err.hint}; ${offline}`,
  );
}

/**
 * A depth file made elsewhere (grey image, any bit depth; white = near unless `nearIsWhite` is false) as
 * nearness 0..1. It must have the picture's size: a depth pass of another shot or resolution would put
 * depth edges in the wrong places, so a mismatch is an error naming both sizes, never a silent stretch.
 */
export async function loadDepthFile(
  file: string,
  width: number,
  height: number,
  nearIsWhite = true,
): Promise<DepthMap> {
  let raw: { data: Buffer; info: sharp.OutputInfo };
  try {
    raw = await sharp(file)
      .toColourspace('grey16')
      .raw({ depth: 'ushort' })
      .toBuffer({ resolveWithObject: true });
  } catch (err) {
    throw new JobError(
      'BAD_PARAM',
      `depth file ${file} cannot be read as an image (${(err as Error).message})`,
      'pass a grey depth image (PNG/TIFF/EXR, e.g. one written by `mlxv run depth`) or leave the depth param empty to compute depth',
    );
  }
  const { info } = raw;
  if (info.width !== width || info.height !== height) {
    throw new JobError(
      'BAD_PARAM',
      `depth file ${file} is ${info.width}x${info.height} but the picture is ${width}x${height}`,
      `write the depth pass from the same picture (\`mlxv run depth <picture> -o depth.png\`) or resize it to ${width}x${height}`,
    );
  }
  const px = new Uint16Array(raw.data.buffer, raw.data.byteOffset, raw.data.length / 2);
  const ch = info.channels;
  const out = createMask(width, height);
  for (let i = 0; i < width * height; i++) {
    const v = px[i * ch]! / 65535;
    out.data[i] = nearIsWhite ? v : 1 - v;
  }
  return out;
}

export { resizeMask as resizeDepth };
