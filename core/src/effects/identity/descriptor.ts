/**
 * `identity`: passes frames through (optionally with a gain). It exists for transport benchmarks and
 * protocol load tests, where the cost of the path around an effect is what is measured.
 */
import type { FilterEffect, ParamSchema, ParamsOf } from '../types.ts';
import { createFrame, toFloat32 } from '../frame.ts';

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
  outputs: ['rgba'],
  identityWhen: { gain: 1 },
  async createProcessor() {
    return {
      async process(input, params) {
        // Gain 1 passes any sample format through untouched (8-bit stays 8-bit).
        if (params.gain === 1) return input;
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
