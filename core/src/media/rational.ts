/**
 * Exact frame rates. Containers report NTSC-family rates in many spellings (24000/1001, 2997/100, 23.98);
 * snapping them to the exact 1000/1001 rational keeps frame counts, durations and timecode exact end to end.
 */
import type { Rational } from '../contract/rational.ts';

// One Rational type for frame rates and timing: the effect contract's.
export type { Rational };

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return Math.abs(a);
}

export function reduce(r: Rational): Rational {
  const g = gcd(r.num, r.den) || 1;
  return { num: r.num / g, den: r.den / g };
}

export function rationalValue(r: Rational): number {
  return r.num / r.den;
}

/** "24000/1001" or "25" → Rational; null for 0/0, garbage or non-positive values. */
export function parseRational(text: string | undefined): Rational | null {
  if (!text) return null;
  const [n, d = '1'] = text.split('/');
  const num = Number(n);
  const den = Number(d);
  if (!Number.isFinite(num) || !Number.isFinite(den) || num <= 0 || den <= 0) return null;
  if (Number.isInteger(num) && Number.isInteger(den)) return reduce({ num, den });
  return fromDecimal(num / den);
}

const NTSC_BASES = [24, 30, 48, 60, 120, 240];

/**
 * Snaps a measured rate to the exact rational it stands for: x*1000/1001 for the NTSC family, integers when
 * within 0.001, otherwise the reduced fraction itself (e.g. 12.5 = 25/2).
 */
export function snapFrameRate(r: Rational): Rational {
  const v = rationalValue(r);
  for (const base of NTSC_BASES) {
    const ntsc = (base * 1000) / 1001;
    if (Math.abs(v - ntsc) < 0.006 && Math.abs(v - base) > 0.006) return { num: base * 1000, den: 1001 };
  }
  const rounded = Math.round(v);
  if (Math.abs(v - rounded) < 0.001 && rounded > 0) return { num: rounded, den: 1 };
  return reduce(r);
}

function fromDecimal(v: number): Rational {
  return snapFrameRate(reduce({ num: Math.round(v * 1000), den: 1000 }));
}

export function formatRational(r: Rational): string {
  return `${r.num}/${r.den}`;
}
