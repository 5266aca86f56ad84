/**
 * `matte`: background removal for people at every scale (close-up to a wide street shot), with edge
 * controls, temporal stabilisation and four output modes. Method, measurements and limits: docs/matte.md.
 */
import type { EffectContext, FilterEffect, ParamSchema, ParamsOf, Processor } from '../types.ts';
import { toFloat32, type Frame } from '../frame.ts';
import type { PersonBox } from '../../runtime/person-detections.ts';
import { getManifest } from '../../models/manifests.ts';
import { boxBlur, choke, levels, type Mask } from '../../runtime/mask-ops.ts';
import { detectPeople } from './person-detector.ts';
import { updateTracks, type Track } from './person-tracks.ts';
import { personMatte } from './person-matte.ts';
import { segmentFrame, type Segmenter } from './segment.ts';
import { MatteStabilizer, STABILIZER_PRE_ROLL } from './stabilizer.ts';
import { composeOutput, type OutputMode, type Rgba } from './compose.ts';
import { openBackgroundPlate, type BackgroundPlate } from './background-plate.ts';

export type MatteModel = 'auto' | 'people-fast' | 'isnet' | 'isnet-small' | 'selfie';

/** Model ids (models/manifests/<id>.json) behind each `model` choice. */
export const MATTE_MODEL_IDS = {
  isnet: 'isnet-general',
  isnetSmall: 'isnet-general-small',
  selfie: 'selfie-segmentation',
  detector: 'person-detector-nanodet',
} as const;

/** Crops at least this large (long side, frame pixels) also get the ISNet detail pass in `auto`. */
export const DETAIL_MIN_PX = 384;
/** Detection hysteresis: a new person needs `enter`; a tracked one stays above `detection * KEEP`. */
const KEEP_FACTOR = 0.6;
const HOLD_FRAMES = 3;

const matteParams = {
  model: {
    type: 'choice',
    label: 'Model',
    help:
      'auto: people at any scale (detector + per-person crops, ISNet edges on large people). people-fast: ' +
      'the same without the ISNet pass. isnet / isnet-small: the most salient object of the whole frame ' +
      '(products, not crowds). selfie: fast portrait model on the whole frame (one person filling it).',
    default: 'auto',
    options: [
      { value: 'auto', label: 'People, any scale (auto)' },
      { value: 'people-fast', label: 'People, fast' },
      { value: 'isnet', label: 'Salient object (ISNet)' },
      { value: 'isnet-small', label: 'Salient object, small (ISNet quantized)' },
      { value: 'selfie', label: 'Portrait, fast (selfie)' },
    ],
  },
  output: {
    type: 'choice',
    label: 'Output',
    default: 'rgba-straight',
    options: [
      { value: 'rgba-straight', label: 'RGBA (straight alpha)' },
      { value: 'rgba-premultiplied', label: 'RGBA (premultiplied)' },
      { value: 'alpha', label: 'Alpha only (grey matte)' },
      { value: 'composite', label: 'Composite over background' },
    ],
  },
  background: {
    type: 'color',
    label: 'Background colour',
    help: 'Used by output=composite when no background file is given.',
    default: [0, 0.69, 0.31, 1],
  },
  backgroundPath: {
    type: 'string',
    kind: 'path',
    label: 'Background file',
    help: 'Image or video to composite over (output=composite); video frame n goes behind frame n, looping.',
    default: '',
  },
  threshold: {
    type: 'number',
    label: 'Threshold',
    help: 'Alpha level mapped to 50 %. With softness 0.5 and threshold 0.5 the model alpha is unchanged.',
    default: 0.5,
    min: 0,
    max: 1,
    displayMin: 0,
    displayMax: 1,
    step: 0.01,
  },
  softness: {
    type: 'number',
    label: 'Softness',
    help: 'Half-width of the alpha ramp around the threshold; 0 makes a hard matte.',
    default: 0.5,
    min: 0,
    max: 0.5,
    displayMin: 0,
    displayMax: 0.5,
    step: 0.01,
  },
  choke: {
    type: 'number',
    label: 'Choke (px)',
    unit: 'px',
    help: 'Positive shrinks the matte, negative grows it.',
    default: 0,
    min: -50,
    max: 50,
    displayMin: -10,
    displayMax: 10,
    step: 1,
    integer: true,
  },
  feather: {
    type: 'number',
    label: 'Feather (px)',
    unit: 'px',
    help: 'Softens the matte edge: the alpha ramp becomes about 2 x feather pixels wide.',
    default: 0,
    min: 0,
    max: 100,
    displayMin: 0,
    displayMax: 20,
    step: 1,
    integer: true,
  },
  stabilize: {
    type: 'number',
    label: 'Temporal stabilisation',
    help: '0 = off. Higher = steadier matte where the picture does not move (moving areas follow at once).',
    default: 0.8,
    min: 0,
    max: 1,
    displayMin: 0,
    displayMax: 1,
    step: 0.05,
  },
  detection: {
    type: 'number',
    label: 'Person detection threshold',
    help: 'Detector confidence a new person needs (auto, people-fast). Lower finds more, smaller people.',
    // NanoDet's scores on the wide clip: whole walkers 0.59-0.83, walkers cut by the frame edge 0.41-0.48,
    // cones, signs and a rock 0.2-0.42 (docs/matte.md has the IoU per threshold).
    default: 0.4,
    min: 0.05,
    max: 0.95,
    displayMin: 0.1,
    displayMax: 0.6,
    step: 0.01,
  },
  smallPeople: {
    type: 'boolean',
    label: 'Find small people (tiled detection)',
    help:
      'On frames larger than ~840 px, also run the person detector on overlapping tiles: finds walkers a ' +
      'few dozen pixels tall on HD wide shots (1080p: IoU 0.58-0.72 -> 0.75-0.76) at about 7x the detection cost.',
    default: true,
  },
} as const satisfies ParamSchema;
export type MatteParams = ParamsOf<typeof matteParams>;

/**
 * Frames before N that frame N depends on: the stabiliser's window, which also bounds the person tracks
 * (rebuilt from the detections of the same window each frame, see rawMatte).
 */
export const MATTE_PRE_ROLL = STABILIZER_PRE_ROLL;

export const matteEffect: FilterEffect<MatteParams> = {
  kind: 'filter',
  id: 'matte',
  label: 'Matte (background removal)',
  category: 'matte',
  description:
    'Separates people from the background at any scale: a person detector finds everyone, each person is ' +
    'segmented on an upscaled crop, and the matte is stabilised over time where nothing moves.',
  params: matteParams,
  models: Object.values(MATTE_MODEL_IDS),
  temporal: 'sequential',
  // Its state is the stabiliser's own planes and the detections' boxes, never the frame.
  releasesInput: true,
  preRoll: MATTE_PRE_ROLL,
  outputs: ['rgba', 'alpha'],
  alphaState: {
    param: 'output',
    byValue: {
      'rgba-straight': 'straight',
      'rgba-premultiplied': 'premultiplied',
      alpha: 'opaque',
      composite: 'straight',
    },
  },
  createProcessor: createMatteProcessor,
};

async function createMatteProcessor(ctx: EffectContext): Promise<Processor<MatteParams>> {
  const segmenters = new Map<string, Promise<Segmenter>>();
  const load = (modelId: string): Promise<Segmenter> => {
    let s = segmenters.get(modelId);
    if (!s) {
      s = (async () => ({
        spec: getManifest(modelId).input,
        session: await ctx.sessions.get(modelId),
      }))();
      // A failed load must not be cached: the next frame reports the same clear error again.
      s.catch(() => segmenters.delete(modelId));
      segmenters.set(modelId, s);
    }
    return s;
  };
  // Detections of the last MATTE_PRE_ROLL + 1 frames; the tracks are rebuilt from them every frame so they
  // depend on that window only (a recursive track list would carry state from any distance back).
  let recentDetections: PersonBox[][] = [];
  const stabilizer = new MatteStabilizer();
  let plate: { path: string; plate: BackgroundPlate } | null = null;

  async function rawMatte(input: Frame, p: MatteParams): Promise<Mask> {
    const model = p.model as MatteModel;
    switch (model) {
      case 'isnet':
        return segmentFrame(await load(MATTE_MODEL_IDS.isnet), input);
      case 'isnet-small':
        return segmentFrame(await load(MATTE_MODEL_IDS.isnetSmall), input);
      case 'selfie':
        return segmentFrame(await load(MATTE_MODEL_IDS.selfie), input);
      case 'auto':
      case 'people-fast': {
        const detector = await load(MATTE_MODEL_IDS.detector);
        const crop = await load(MATTE_MODEL_IDS.selfie);
        const detail = model === 'auto' ? () => load(MATTE_MODEL_IDS.isnet) : undefined;
        const frame = toFloat32(input);
        const found = await detectPeople(detector.session, detector.spec, frame, p.detection * KEEP_FACTOR, {
          tiles: p.smallPeople,
        });
        recentDetections.push(found);
        if (recentDetections.length > MATTE_PRE_ROLL + 1) recentDetections.shift();
        let tracks: Track[] = [];
        for (const detections of recentDetections) {
          tracks = updateTracks(tracks, detections, {
            enter: p.detection,
            keep: p.detection * KEEP_FACTOR,
            hold: HOLD_FRAMES,
          });
        }
        return personMatte(
          frame,
          tracks.map((t) => t.box),
          { crop, ...(detail ? { detail } : {}), detailMinPx: DETAIL_MIN_PX },
        );
      }
      default:
        throw new Error(`matte: unknown model "${String(p.model)}"`);
    }
  }

  async function plateFor(p: MatteParams): Promise<BackgroundPlate | null> {
    if (p.output !== 'composite' || p.backgroundPath === '') return null;
    if (plate?.path !== p.backgroundPath) {
      await plate?.plate.dispose();
      plate = { path: p.backgroundPath, plate: openBackgroundPlate(p.backgroundPath) };
    }
    return plate.plate;
  }

  return {
    async process(frame, p) {
      // No full-frame float conversion: the packer, the stabiliser's luma and compose read integer samples
      // (what jobs decode) directly; only the person pipeline (auto, people-fast) converts, in rawMatte.
      // Open the plate first: a bad background path fails before minutes of inference.
      const bg = await plateFor(p);
      let alpha = await rawMatte(frame, p);
      if (p.threshold !== 0.5 || p.softness !== 0.5) alpha = levels(alpha, p.threshold, p.softness);
      // Stabilise the model's signal; choke and feather are deterministic functions of it.
      const stable = stabilizer.apply(frame, alpha, p.stabilize);
      alpha = choke(stable, p.choke);
      // Three box passes ~ a Gaussian of sigma ~ feather/2: the edge ramp is about 2 x feather wide.
      if (p.feather > 0) alpha = boxBlur(alpha, Math.max(1, Math.round(p.feather / 2)), 3);
      const plateFrame = bg ? await bg.next(frame.width, frame.height) : null;
      const out = composeOutput(frame, alpha, p.output as OutputMode, {
        color: p.background as Rgba,
        plate: plateFrame,
      });
      // The composed frame holds its own samples: the stabilised plane is written again next frame.
      stabilizer.recycle(stable);
      return out;
    },
    reset() {
      recentDetections = [];
      stabilizer.reset();
      plate?.plate.reset();
    },
    async dispose() {
      await plate?.plate.dispose();
      plate = null;
    },
  };
}
