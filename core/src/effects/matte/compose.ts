/**
 * Turns the input frame and the final alpha into what the user asked for:
 * - rgba-straight:      rgb = input rgb, a = alpha (unassociated; what ProRes 4444 / PNG expect)
 * - rgba-premultiplied: rgb = input rgb * alpha, a = alpha (associated; what compositors like OFX hosts use)
 * - alpha:              rgb = alpha (a viewable grey matte), a = 1
 * - composite:          rgb = fg * alpha + bg * (1 - alpha), a = alpha + bgA * (1 - alpha) ("over")
 * The background for composite is a plate frame (image or video, already at frame size) or the colour
 * (display-referred, as colour params are). On a linear-light frame both are decoded to linear first, so
 * the blend happens in the frame's own space.
 */
import { createFrame, toFloat32, type Frame, type F32Frame } from '../frame.ts';
import type { Mask } from '../../runtime/mask-ops.ts';
import { srgbToLinear } from '../../runtime/srgb.ts';

export type OutputMode = 'rgba-straight' | 'rgba-premultiplied' | 'alpha' | 'composite';
export type Rgba = readonly [number, number, number, number];

export function composeOutput(
  input: Frame,
  alpha: Mask,
  mode: OutputMode,
  background: { color: Rgba; plate?: F32Frame | null },
): F32Frame {
  const frame = toFloat32(input);
  const { width: w, height: h, stride } = frame;
  const out = createFrame(w, h, 'f32', frame.colorSpace);
  const src = frame.data;
  const dst = out.data;
  const plate = background.plate ?? null;
  const linear = frame.colorSpace === 'linear';
  const decodePlate = linear && plate !== null && plate.colorSpace === 'display';
  const toFrameSpace = (v: number) => (linear ? srgbToLinear(v) : v);
  const br = toFrameSpace(background.color[0]);
  const bg = toFrameSpace(background.color[1]);
  const bb = toFrameSpace(background.color[2]);
  const ba = background.color[3];
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const a = alpha.data[y * w + x]!;
      const i = y * stride + x * 4;
      const o = (y * w + x) * 4;
      const r = src[i]!;
      const g = src[i + 1]!;
      const b = src[i + 2]!;
      switch (mode) {
        case 'rgba-straight':
          dst[o] = r;
          dst[o + 1] = g;
          dst[o + 2] = b;
          dst[o + 3] = a;
          break;
        case 'rgba-premultiplied':
          dst[o] = r * a;
          dst[o + 1] = g * a;
          dst[o + 2] = b * a;
          dst[o + 3] = a;
          break;
        case 'alpha':
          dst[o] = dst[o + 1] = dst[o + 2] = a;
          dst[o + 3] = 1;
          break;
        case 'composite': {
          let pr = br;
          let pg = bg;
          let pb = bb;
          let pa = ba;
          if (plate) {
            const p = y * plate.stride + x * 4;
            pr = decodePlate ? srgbToLinear(plate.data[p]!) : plate.data[p]!;
            pg = decodePlate ? srgbToLinear(plate.data[p + 1]!) : plate.data[p + 1]!;
            pb = decodePlate ? srgbToLinear(plate.data[p + 2]!) : plate.data[p + 2]!;
            pa = 1;
          }
          // "over" with an unpremultiplied result: colours weighted by their coverage.
          const outA = a + pa * (1 - a);
          const k = outA > 0 ? 1 / outA : 0;
          dst[o] = (r * a + pr * pa * (1 - a)) * k;
          dst[o + 1] = (g * a + pg * pa * (1 - a)) * k;
          dst[o + 2] = (b * a + pb * pa * (1 - a)) * k;
          dst[o + 3] = outA;
          break;
        }
      }
    }
  }
  return out;
}
