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
import {
  createFrame,
  SAMPLE_MAX,
  toFloat32,
  type Frame,
  type F32Frame,
  type U16Frame,
  type U8Frame,
} from '../frame.ts';
import type { Mask } from '../../runtime/mask-ops.ts';
import { srgbToLinear } from '../../runtime/srgb.ts';
import { nativeAddon } from '../../native/addon.ts';

export type OutputMode = 'rgba-straight' | 'rgba-premultiplied' | 'alpha' | 'composite';
export type Rgba = readonly [number, number, number, number];

export function composeOutput(
  input: Frame,
  alpha: Mask,
  mode: OutputMode,
  background: { color: Rgba; plate?: F32Frame | null },
): F32Frame | U16Frame {
  // Display-referred integer input (what jobs decode) gives u16 out: the colour passes through exactly
  // (8-bit v becomes v * 257) and alpha keeps 16 bits, with no full-frame float input or output, and
  // ProRes / 16-bit PNG take it as it is. Float (or linear) input gives f32 as before.
  if ((input.format === 'u8' || input.format === 'u16') && input.colorSpace === 'display')
    return composeInteger(input, alpha, mode, background);
  const frame = toFloat32(input);
  const { width: w, height: h, stride } = frame;
  const out = createFrame(w, h, 'f32', frame.colorSpace);
  const src = frame.data;
  const dst = out.data;
  const bg = backgroundSampler(background, frame.colorSpace === 'linear');
  const px = new Float64Array(4);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * stride + x * 4;
      const o = (y * w + x) * 4;
      composePixel(mode, src[i]!, src[i + 1]!, src[i + 2]!, alpha.data[y * w + x]!, bg, x, y, px);
      dst[o] = px[0]!;
      dst[o + 1] = px[1]!;
      dst[o + 2] = px[2]!;
      dst[o + 3] = px[3]!;
    }
  }
  return out;
}

/**
 * composeOutput for display-referred u8/u16 input, written as u16: the same arithmetic (composePixel) on
 * samples / max, rounded and clamped to 0..65535 as fromFloat32 rounds the float result. Against the float
 * path followed by fromFloat32: straight and alpha modes are identical; premultiplied and composite within
 * 1/65535 (float64 intermediates here, float32 there). An 8-bit output (the encoder rounds u16 to u8 again)
 * may differ by 1/255 in alpha where alpha * 255 sits within 0.002 of a rounding tie.
 */
function composeInteger(
  frame: U8Frame | U16Frame,
  alpha: Mask,
  mode: OutputMode,
  background: { color: Rgba; plate?: F32Frame | null },
): U16Frame {
  const { width: w, height: h, stride } = frame;
  const out = createFrame(w, h, 'u16', 'display');
  const src = frame.data;
  const dst = out.data;
  const toUnit = 1 / SAMPLE_MAX[frame.format];
  const q = (v: number) => (v > 0 ? (v < 1 ? Math.round(v * 65535) : 65535) : 0);
  const bg = backgroundSampler(background, false);
  const px = new Float64Array(4);
  if (mode === 'rgba-straight') {
    // The default output, on every frame of a job: its own loop, no per-pixel mode dispatch, native when
    // the addon is built. A job calls it once per frame, so V8 runs the TypeScript loop unoptimised for the
    // first several frames of every job (55-90 ms per 1080p frame measured, 15 once optimised).
    const addon = nativeAddon();
    if (addon) addon.composeStraight16(src, w, h, stride, alpha.data, dst);
    else composeStraightTypeScript(frame, alpha, out);
    return out;
  }
  for (let y = 0; y < h; y++) {
    for (let x = 0, i = y * stride, o = y * w * 4; x < w; x++, i += 4, o += 4) {
      const a = alpha.data[y * w + x]!;
      composePixel(mode, src[i]! * toUnit, src[i + 1]! * toUnit, src[i + 2]! * toUnit, a, bg, x, y, px);
      dst[o] = q(px[0]!);
      dst[o + 1] = q(px[1]!);
      dst[o + 2] = q(px[2]!);
      dst[o + 3] = q(px[3]!);
    }
  }
  return out;
}

/** The TypeScript twin of the addon's composeStraight16 (bit-identical; test/engine/native-pixels.test.ts). */
export function composeStraightTypeScript(frame: U8Frame | U16Frame, alpha: Mask, out: U16Frame): void {
  const { width: w, height: h, stride } = frame;
  const src = frame.data;
  const dst = out.data;
  // Straight colour is the input's own samples, widened exactly (v * 65535 / max is an integer).
  const widen = 65535 / SAMPLE_MAX[frame.format];
  const am = alpha.data;
  for (let y = 0; y < h; y++) {
    for (let x = 0, i = y * stride, o = y * w * 4, m = y * w; x < w; x++, i += 4, o += 4, m++) {
      const a = am[m]!;
      dst[o] = src[i]! * widen;
      dst[o + 1] = src[i + 1]! * widen;
      dst[o + 2] = src[i + 2]! * widen;
      dst[o + 3] = a > 0 ? (a < 1 ? Math.round(a * 65535) : 65535) : 0;
    }
  }
}

/** The composite background at a pixel, in the frame's space (a plate, else the colour). */
interface BackgroundSampler {
  /** Writes the background's r, g, b, a at (x, y) into px. */
  at(x: number, y: number, px: Float64Array): void;
}

function backgroundSampler(
  background: { color: Rgba; plate?: F32Frame | null },
  linear: boolean,
): BackgroundSampler {
  const toFrameSpace = (v: number) => (linear ? srgbToLinear(v) : v);
  const [cr, cg, cb] = background.color.map(toFrameSpace) as [number, number, number];
  const ca = background.color[3];
  const plate = background.plate ?? null;
  if (!plate)
    return {
      at(_x, _y, px) {
        px[0] = cr;
        px[1] = cg;
        px[2] = cb;
        px[3] = ca;
      },
    };
  const decode = linear && plate.colorSpace === 'display';
  return {
    at(x, y, px) {
      const p = y * plate.stride + x * 4;
      px[0] = decode ? srgbToLinear(plate.data[p]!) : plate.data[p]!;
      px[1] = decode ? srgbToLinear(plate.data[p + 1]!) : plate.data[p + 1]!;
      px[2] = decode ? srgbToLinear(plate.data[p + 2]!) : plate.data[p + 2]!;
      px[3] = 1;
    },
  };
}

/** One output pixel (unrounded floats) into px, from the input colour r, g, b (0..1) and alpha a. */
function composePixel(
  mode: OutputMode,
  r: number,
  g: number,
  b: number,
  a: number,
  bg: BackgroundSampler,
  x: number,
  y: number,
  px: Float64Array,
): void {
  switch (mode) {
    case 'rgba-straight':
      px[0] = r;
      px[1] = g;
      px[2] = b;
      px[3] = a;
      return;
    case 'rgba-premultiplied':
      px[0] = r * a;
      px[1] = g * a;
      px[2] = b * a;
      px[3] = a;
      return;
    case 'alpha':
      px[0] = px[1] = px[2] = a;
      px[3] = 1;
      return;
    case 'composite': {
      bg.at(x, y, px);
      const pa = px[3]!;
      // "over" with an unpremultiplied result: colours weighted by their coverage.
      const outA = a + pa * (1 - a);
      const k = outA > 0 ? 1 / outA : 0;
      px[0] = (r * a + px[0]! * pa * (1 - a)) * k;
      px[1] = (g * a + px[1]! * pa * (1 - a)) * k;
      px[2] = (b * a + px[2]! * pa * (1 - a)) * k;
      px[3] = outA;
      return;
    }
  }
}
