/**
 * `identity`: passes frames through (optionally with a gain). It exists for transport benchmarks and
 * protocol load tests, where the cost of the path around an effect is what is measured.
 */
import type { FilterEffect, ParamSchema, ParamsOf } from '../types.ts';
import { createFrame, toFloat32, SAMPLE_MAX, type U16Frame, type U8Frame } from '../frame.ts';

const identityParams = {
  gain: {
    type: 'number',
    label: 'Gain',
    default: 1,
    min: 0,
    max: 16,
    displayMin: 0,
    displayMax: 2,
    step: 0.01,
  },
} as const satisfies ParamSchema;
type IdentityParams = ParamsOf<typeof identityParams>;

export const identityEffect: FilterEffect<IdentityParams> = {
  kind: 'filter',
  id: 'identity',
  label: 'Identity (pass-through)',
  category: 'utility',
  description: 'Returns the frame unchanged, times an optional gain. For measuring transport overhead.',
  params: identityParams,
  models: [],
  temporal: 'stateless',
  releasesInput: true,
  outputs: ['rgba'],
  identityWhen: { gain: 1 },
  async createProcessor() {
    return {
      async process(input, params) {
        // Gain 1 passes any sample format through untouched (8-bit stays 8-bit).
        if (params.gain === 1) return input;
        // Integer samples stay integer (same format, rounded and clamped as the encoders would): a 4K 8-bit
        // frame costs 32 MiB here instead of two 127 MiB float frames, so a long high-resolution render
        // stays within the engine's memory bound (test/engine/memory.test.ts).
        if (input.format === 'u8' || input.format === 'u16') return gainInteger(input, params.gain);
        const frame = toFloat32(input);
        const out = createFrame(frame.width, frame.height, 'f32', frame.colorSpace);
        for (let y = 0; y < frame.height; y++) {
          for (let x = 0; x < frame.width * 4; x++) {
            const v = frame.data[y * frame.stride + x]!;
            out.data[y * out.stride + x] = (x & 3) === 3 ? v : v * params.gain;
          }
        }
        return out;
      },
      reset() {},
    };
  },
};

/** RGB times gain, alpha untouched, in the frame's own integer format (a new packed frame). */
function gainInteger<F extends U8Frame | U16Frame>(frame: F, gain: number): F {
  const out = createFrame(frame.width, frame.height, frame.format, frame.colorSpace) as F;
  const max = SAMPLE_MAX[frame.format];
  const row = frame.width * 4;
  const src = frame.data;
  const dst = out.data;
  for (let y = 0; y < frame.height; y++) {
    for (let i = 0, s = y * frame.stride, o = y * row; i < row; i += 4, s += 4, o += 4) {
      dst[o] = Math.min(max, Math.round(src[s]! * gain));
      dst[o + 1] = Math.min(max, Math.round(src[s + 1]! * gain));
      dst[o + 2] = Math.min(max, Math.round(src[s + 2]! * gain));
      dst[o + 3] = src[s + 3]!;
    }
  }
  return out;
}
