/**
 * Lighting and colour of a picture, from its pixels alone:
 * - mean luma (BT.709 on display values), key: low (mostly dark, mean < 0.3 with few bright pixels), high
 *   (mostly bright, mean > 0.6 with few dark ones) or normal; contrast = spread between the 5th and 95th
 *   luma percentiles;
 * - colour temperature: the grey-world estimate. The mean linear RGB of the mid-tones (the bright and dark
 *   ends are dominated by clipped highlights and noise) is taken as the illuminant's colour, converted to CIE
 *   xy (sRGB primaries, D65) and to a correlated colour temperature with McCamy's formula. Crude for
 *   scenes dominated by one coloured surface, but it tells tungsten (~3000 K) from daylight (~6500 K);
 * - day/night: night when the picture is dark overall (mean luma < 0.25) and most of it is near black,
 *   the look of exteriors at night and of dark interiors alike;
 * - dominant colours: k-means (k = 5, fixed seeds, 8 rounds) on a sample of pixels, with each colour's
 *   share of the frame.
 */
import type { F32Frame } from '../effects/frame.ts';
import { srgbToLinear } from '../runtime/srgb.ts';

export interface Lighting {
  meanLuma: number;
  key: 'low' | 'normal' | 'high';
  contrast: number;
  colourTemperatureK: number;
  time: 'day' | 'night';
}

export interface DominantColour {
  hex: string;
  share: number;
}

function* pixels(frame: F32Frame, maxSamples: number): Generator<[number, number, number]> {
  const step = Math.max(1, Math.floor(Math.sqrt((frame.width * frame.height) / maxSamples)));
  for (let y = 0; y < frame.height; y += step) {
    const row = y * frame.stride;
    for (let x = 0; x < frame.width; x += step) {
      const p = row + x * 4;
      yield [frame.data[p]!, frame.data[p + 1]!, frame.data[p + 2]!];
    }
  }
}

export function lightingOf(frame: F32Frame): Lighting {
  const lumas: number[] = [];
  let lr = 0;
  let lg = 0;
  let lb = 0;
  let mids = 0;
  for (const [r, g, b] of pixels(frame, 40000)) {
    const y = 0.2126 * r + 0.7152 * g + 0.0722 * b;
    lumas.push(y);
    if (y > 0.15 && y < 0.9) {
      lr += srgbToLinear(r);
      lg += srgbToLinear(g);
      lb += srgbToLinear(b);
      mids++;
    }
  }
  lumas.sort((a, b) => a - b);
  const at = (p: number) => lumas[Math.min(lumas.length - 1, Math.floor(p * lumas.length))]!;
  const meanLuma = lumas.reduce((s, v) => s + v, 0) / lumas.length;
  const dark = lumas.filter((v) => v < 0.1).length / lumas.length;
  const bright = lumas.filter((v) => v > 0.8).length / lumas.length;
  const key = meanLuma < 0.3 && bright < 0.05 ? 'low' : meanLuma > 0.6 && dark < 0.05 ? 'high' : 'normal';
  const colourTemperatureK = mids > 0 ? cct(lr / mids, lg / mids, lb / mids) : 6500;
  return {
    meanLuma,
    key,
    contrast: at(0.95) - at(0.05),
    colourTemperatureK,
    time: meanLuma < 0.25 && dark > 0.4 ? 'night' : 'day',
  };
}

/** McCamy's approximation of the correlated colour temperature of a linear sRGB colour. */
export function cct(r: number, g: number, b: number): number {
  const X = 0.4124 * r + 0.3576 * g + 0.1805 * b;
  const Y = 0.2126 * r + 0.7152 * g + 0.0722 * b;
  const Z = 0.0193 * r + 0.1192 * g + 0.9505 * b;
  const sum = X + Y + Z;
  if (sum <= 0) return 6500;
  const x = X / sum;
  const y = Y / sum;
  const n = (x - 0.332) / (0.1858 - y);
  const k = 449 * n ** 3 + 3525 * n ** 2 + 6823.3 * n + 5520.33;
  return Math.round(Math.max(1000, Math.min(25000, k)));
}

export function dominantColours(frame: F32Frame, k = 5): DominantColour[] {
  const pts = [...pixels(frame, 4000)];
  if (pts.length === 0) return [];
  // Seeds spread along the luma order: deterministic, and dark, mid and bright colours each get one.
  const byLuma = [...pts].sort((a, b) => a[0] + a[1] + a[2] - (b[0] + b[1] + b[2]));
  let centres = Array.from({ length: k }, (_, i) => [
    ...byLuma[Math.floor(((i + 0.5) * byLuma.length) / k)]!,
  ]);
  const assign = new Int32Array(pts.length);
  for (let round = 0; round < 8; round++) {
    const sums = centres.map(() => [0, 0, 0, 0]);
    pts.forEach((p, i) => {
      let best = 0;
      let bestD = Infinity;
      centres.forEach((c, j) => {
        const d = (p[0] - c[0]!) ** 2 + (p[1] - c[1]!) ** 2 + (p[2] - c[2]!) ** 2;
        if (d < bestD) {
          bestD = d;
          best = j;
        }
      });
      assign[i] = best;
      const s = sums[best]!;
      s[0]! += p[0];
      s[1]! += p[1];
      s[2]! += p[2];
      s[3]!++;
    });
    centres = centres.map((c, j) =>
      sums[j]![3]! > 0 ? sums[j]!.slice(0, 3).map((v) => v / sums[j]![3]!) : c,
    );
  }
  const counts = new Array<number>(k).fill(0);
  for (const a of assign) counts[a]!++;
  return centres
    .map((c, j) => ({ hex: toHex(c), share: counts[j]! / pts.length }))
    .filter((c) => c.share > 0.02)
    .sort((a, b) => b.share - a.share);
}

function toHex(c: number[]): string {
  return (
    '#' +
    c
      .map((v) =>
        Math.round(Math.max(0, Math.min(1, v)) * 255)
          .toString(16)
          .padStart(2, '0'),
      )
      .join('')
  );
}
