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

export const SEMANTIC_MODEL = 'deeplabv3-mnv2-257';
export const SALIENT_MODEL = MATTE_MODEL_IDS.isnet;

export type DepthSource = 'layered' | 'layered-fast' | LearnedSource;
export const DEPTH_SOURCE_OPTIONS = [
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
  async estimate(frame: Frame, source: DepthSource): Promise<DepthMap> {
    const key = `${source}:${frame.width}x${frame.height}:${contentHash(frame)}`;
    const hit = this.recent.get(key);
    if (hit) return hit;
    const map = await this.compute(frame, source);
    this.recent.set(key, map);
    if (this.recent.size > RECENT) this.recent.delete(this.recent.keys().next().value!);
    return map;
  }

  private async compute(frame: Frame, source: DepthSource): Promise<DepthMap> {
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
