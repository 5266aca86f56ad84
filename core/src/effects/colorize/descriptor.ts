/**
 * `colorize`: colour for black-and-white footage, from colour reference frames (the default, offline), from
 * colour hint strokes, or from a learned colorizer (mode=auto). Only chroma changes: the output's BT.709
 * Y' is the input's (chroma.ts), so grain and detail stay. Method and measured figures: docs/colorize.md.
 *
 * `referenceFrame` and `hintsFrame` number frames of the input clip (0 = its first frame; OFX: the host's
 * frame), read from the caller's `at.index`, so `--frames 100-200` with a reference of frame 150 anchors at
 * the 51st rendered frame. A caller that passes no index (a test feeding frames by hand) gets frames counted
 * from 0 at the last reset.
 */
import type { EffectContext, FilterEffect, FrameAt, ParamSchema, ParamsOf, Processor } from '../types.ts';
import { createFrame, firstNonFinite, fromFloat32, packed, toFloat32, type Frame } from '../frame.ts';
import { copyAlpha, resizeFrame, toColorSpaceOf, toDisplay } from '../style/image-ops.ts';
import { workingSize } from '../style/descriptor.ts';
import { FLOW_MODEL } from '../shared/optical-flow.ts';
import { fromYCbCr, lumaPlane, resizePlane, toYCbCr } from './chroma.ts';
import {
  ColorizeInputError,
  loadHints,
  loadReference,
  matchScore,
  parseReferences,
  type Hints,
} from './inputs.ts';
import { ChromaPropagator, greyFrame, type ColourReference, type PropagationStats } from './propagate.ts';
import { AUTO_MODELS, autoChroma, type AutoModel } from './auto.ts';

export { ColorizeInputError } from './inputs.ts';

/** Timing of a processor's propagation so far (flow, solver, total), for the bench and the tests. */
const processorStats = new WeakMap<object, () => PropagationStats | undefined>();
export function colorizeStats(processor: object): PropagationStats | undefined {
  return processorStats.get(processor)?.();
}

/** Image files the reference and hints reader (sharp) opens: what file pickers offer. */
const IMAGE_TYPES = ['png', 'jpg', 'jpeg', 'tif', 'tiff', 'webp'];

const colorizeParams = {
  mode: {
    type: 'choice',
    label: 'Mode',
    help: 'propagate: carry the colours of reference frames and/or hint strokes through the shot (offline); auto: a learned colorizer guesses colours, references and hints win where they reach',
    default: 'propagate',
    options: [
      { value: 'propagate', label: 'From references / hints' },
      { value: 'auto', label: 'Automatic (learned model)' },
    ],
  },
  reference: {
    type: 'string',
    label: 'Reference frame(s)',
    help: 'Colour image(s) of frames of this shot, same framing; several as a comma-separated list',
    default: '',
    kind: 'path',
    fileTypes: IMAGE_TYPES,
  },
  referenceFrame: {
    type: 'string',
    label: 'Reference frame number(s)',
    help: 'Frame number of each reference (0 = first frame), comma-separated in the same order',
    default: '0',
    kind: 'text',
  },
  hints: {
    type: 'string',
    label: 'Colour hints',
    help: 'PNG with colour strokes on a transparent background (or coloured strokes over grey), drawn on frame hintsFrame',
    default: '',
    kind: 'path',
    fileTypes: IMAGE_TYPES,
  },
  hintsFrame: {
    type: 'number',
    label: 'Hints frame',
    help: 'Frame number the hint strokes were drawn on',
    default: 0,
    min: 0,
    max: 10_000_000,
    displayMin: 0,
    displayMax: 1000,
    step: 1,
    integer: true,
  },
  autoModel: {
    type: 'choice',
    label: 'Automatic model',
    help: 'Learned colorizer for mode=auto (Zhang et al.; DDColor)',
    default: 'siggraph17',
    options: [
      { value: 'siggraph17', label: 'SIGGRAPH 2017 (Zhang et al.)' },
      { value: 'eccv16', label: 'ECCV 2016 (Zhang et al.)' },
      { value: 'ddcolor-tiny', label: 'DDColor paper-tiny (Kang et al.)' },
    ],
  },
  temporalWeight: {
    type: 'number',
    label: 'Temporal stability',
    help: "How much of the previous frame's colour (carried along optical flow) is kept where the flow is reliable; 0 = off",
    default: 0.5,
    min: 0,
    max: 0.95,
    displayMin: 0,
    displayMax: 0.95,
    step: 0.05,
  },
  workingHeight: {
    type: 'number',
    label: 'Working height',
    help: 'Chroma is computed at this height (px) and upsampled; luminance is always full resolution. 0 = full size',
    default: 540,
    min: 0,
    max: 4320,
    displayMin: 144,
    displayMax: 2160,
    step: 4,
    integer: true,
  },
  minMatch: {
    type: 'number',
    label: 'Minimum reference match',
    help: 'A reference whose luminance correlates less than this with its frame is refused (it is probably from another shot)',
    default: 0.5,
    min: 0,
    max: 1,
    displayMin: 0,
    displayMax: 1,
    step: 0.05,
  },
} as const satisfies ParamSchema;
export type ColorizeParams = ParamsOf<typeof colorizeParams>;

export const NOTHING_TO_COLOUR_FROM =
  'colorize: nothing to take colours from: set --param reference=<colour image of a frame> (with --param referenceFrame=<its frame number>), --param hints=<PNG of colour strokes>, or --param mode=auto for the learned colorizer';

/** The references of one param setting, loaded at the working size of the clip. */
interface LoadedInputs {
  key: string;
  references: ColourReference[];
  hints: Hints | undefined;
}

export const colorizeEffect: FilterEffect<ColorizeParams> = {
  kind: 'filter',
  id: 'colorize',
  label: 'Colorize',
  category: 'color',
  description:
    'Colours black-and-white footage: carries the chroma of colour reference frames through the shot along RIFE optical flow, fills new or occluded content with the Levin-Lischinski-Weiss optimisation, ' +
    'accepts colour hint strokes, or guesses colours with a learned colorizer (mode=auto). Luminance is kept exactly.',
  params: colorizeParams,
  models: [FLOW_MODEL, ...Object.values(AUTO_MODELS).map((m) => m.id)],
  temporal: 'sequential',
  outputs: ['rgba'],
  // Nothing to take colours from yet: an OFX host applying the effect before the colourist picks a file
  // shows the picture (it answers IsIdentity from this and never sends the frame). Anything that does send
  // such a frame (a job, a daemon client) gets the error below naming the params to set: a job that would
  // write a grey copy is a mistake, not a result.
  identityWhen: { mode: 'propagate', reference: '', hints: '' },
  async createProcessor(ctx: EffectContext): Promise<Processor<ColorizeParams>> {
    /** The index the next frame gets when its caller passes none. */
    let counted = 0;
    let inputs: LoadedInputs | undefined;
    let propagator: ChromaPropagator | undefined;
    const checked = new Set<string>();

    const load = async (p: ColorizeParams, ww: number, wh: number, fw: number, fh: number) => {
      const key = JSON.stringify([p.reference, p.referenceFrame, p.hints, ww, wh]);
      if (inputs?.key === key) return inputs;
      const specs = parseReferences(p.reference, p.referenceFrame);
      const references: ColourReference[] = [];
      for (const s of specs) {
        const planes = await loadReference(s.file, ww, wh, fw, fh);
        references.push({ file: s.file, frame: s.frame, planes, grey: greyFrame(planes.y, ww, wh) });
      }
      const hints = p.hints.trim() ? await loadHints(p.hints.trim(), ww, wh, fw, fh) : undefined;
      inputs = { key, references, hints };
      return inputs;
    };

    const processor: Processor<ColorizeParams> = {
      async process(source: Frame, params: ColorizeParams, at?: FrameAt): Promise<Frame> {
        const input = toFloat32(source);
        const bad = firstNonFinite(input);
        if (bad >= 0)
          throw new RangeError(`colorize: input frame has a non-finite sample at float index ${bad}`);
        const t = at?.index ?? counted;
        counted = t + 1;
        if (params.mode === 'propagate' && !params.reference.trim() && !params.hints.trim())
          throw new ColorizeInputError(NOTHING_TO_COLOUR_FROM);
        const display = toDisplay(input);
        const { width, height } = workingSize(display.width, display.height, params.workingHeight);
        const { references, hints } = await load(params, width, height, display.width, display.height);
        const work = resizeFrame(display, width, height);
        // A colour input is coloured from its luminance alone: its own chroma is replaced (docs/colorize.md).
        const planes = toYCbCr(work.data, width, height, work.stride);
        const grey = greyFrame(planes.y, width, height);

        for (const r of references) {
          if (r.frame !== t || checked.has(r.file + '@' + t)) continue;
          const score = matchScore(r.planes.y, planes.y, width, height);
          if (score < params.minMatch)
            throw new ColorizeInputError(
              `colorize: the reference ${r.file} matches frame ${t} poorly (match score ${score.toFixed(2)} < minMatch ${params.minMatch}); it looks like a frame of another shot. Pass a colour version of frame ${t} of this shot, or the right --param referenceFrame`,
            );
          checked.add(r.file + '@' + t);
        }

        // The flow model loads on first need (a still coloured from its own reference needs none).
        propagator ??= new ChromaPropagator(() => ctx.sessions.get(FLOW_MODEL));
        const auto =
          params.mode === 'auto'
            ? await autoChroma(
                await ctx.sessions.get(AUTO_MODELS[params.autoModel as AutoModel].id),
                params.autoModel as AutoModel,
                work,
              )
            : undefined;
        const [cb, cr] = await propagator.next({ index: t, planes, grey }, references, {
          ...(hints && params.hintsFrame === t ? { hints } : {}),
          ...(auto ? { auto } : {}),
          temporalWeight: params.temporalWeight,
        });

        // Full-resolution luminance, chroma upsampled from the working size.
        const fullY = lumaPlane(display.data, display.width, display.height, display.stride);
        const fcb = resizePlane(cb, width, height, display.width, display.height);
        const fcr = resizePlane(cr, width, height, display.width, display.height);
        const result = createFrame(display.width, display.height, 'f32', display.colorSpace);
        result.data.set(packed(display).data);
        fromYCbCr(fullY, fcb, fcr, result.data, display.width, display.height, result.stride);
        const back = toColorSpaceOf(result, input);
        copyAlpha(back, input);
        return source.format === 'f32' ? back : fromFloat32(back, source.format);
      },
      reset() {
        counted = 0;
        checked.clear();
        propagator?.reset();
      },
    };
    processorStats.set(processor, () => propagator?.stats);
    return processor;
  },
};
