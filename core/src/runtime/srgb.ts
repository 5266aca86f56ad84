/**
 * sRGB transfer functions (IEC 61966-2-1), the one copy every effect and the tensor packer use. The models
 * here were trained on sRGB-encoded 8-bit images, so linear-light frames are encoded before inference and
 * decoded after.
 */

/** The encoding curve itself, unclamped: values above 1 (HDR, overshoot) follow the power segment. */
export function srgbEncode(v: number): number {
  return v <= 0.0031308 ? 12.92 * v : 1.055 * Math.pow(v, 1 / 2.4) - 0.055;
}

/** Linear light -> sRGB for a network input: clamped to [0, 1] first, the range the models were trained on. */
export function linearToSrgb(v: number): number {
  return srgbEncode(Math.min(1, Math.max(0, v)));
}

export function srgbToLinear(v: number): number {
  return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
}
