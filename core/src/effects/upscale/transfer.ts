/**
 * sRGB transfer functions. The ML models here (Real-ESRGAN, RIFE) were trained on sRGB-encoded 8-bit
 * images, so linear-light frames are encoded before inference and decoded after.
 */
export function linearToSrgb(v: number): number {
  const x = Math.min(1, Math.max(0, v));
  return x <= 0.0031308 ? 12.92 * x : 1.055 * x ** (1 / 2.4) - 0.055;
}

export function srgbToLinear(v: number): number {
  return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
}
