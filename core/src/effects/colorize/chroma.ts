/**
 * The colour spaces colorize works in.
 *
 * - Propagation, hints and the final recombination use BT.709 Y'CbCr on display-referred (sRGB-encoded)
 *   values: Y' is the luminance that is kept, Cb/Cr the chroma that is replaced. It is linear in R'G'B', so
 *   chroma can be scaled towards grey without touching Y' (how out-of-gamut colours are brought back: the
 *   source's luminance survives exactly, up to the output's quantisation).
 * - The learned colorizers (Zhang et al.) were trained in CIELAB: their input is L* and their output a*b*;
 *   the conversions at the end of this file turn their answer into Cb/Cr at the frame's own L*.
 */

const KR = 0.2126;
const KG = 0.7152;
const KB = 0.0722;
/** Cb = (B' − Y') / CB_SCALE, Cr = (R' − Y') / CR_SCALE (BT.709). */
const CB_SCALE = 2 * (1 - KB);
const CR_SCALE = 2 * (1 - KR);

export function luma709(r: number, g: number, b: number): number {
  return KR * r + KG * g + KB * b;
}

/** Cb, Cr of an R'G'B' colour. */
export function chromaOf(r: number, g: number, b: number): [number, number] {
  const l = luma709(r, g, b);
  return [(b - l) / CB_SCALE, (r - l) / CR_SCALE];
}

export interface Planes {
  width: number;
  height: number;
  y: Float32Array;
  cb: Float32Array;
  cr: Float32Array;
}

/** Y', Cb, Cr planes of a packed RGBA float frame's RGB (display-referred 0..1). */
export function toYCbCr(data: Float32Array, width: number, height: number, stride = width * 4): Planes {
  const n = width * height;
  const y = new Float32Array(n);
  const cb = new Float32Array(n);
  const cr = new Float32Array(n);
  for (let row = 0; row < height; row++)
    for (let x = 0; x < width; x++) {
      const s = row * stride + x * 4;
      const i = row * width + x;
      const r = data[s]!;
      const g = data[s + 1]!;
      const b = data[s + 2]!;
      const l = luma709(r, g, b);
      y[i] = l;
      cb[i] = (b - l) / CB_SCALE;
      cr[i] = (r - l) / CR_SCALE;
    }
  return { width, height, y, cb, cr };
}

/**
 * Writes R'G'B' from Y' and chroma into `out` (RGBA stride `stride`, alpha untouched). Where the colour
 * falls outside 0..1 the chroma is scaled towards grey just enough to fit, so Y' is kept exactly.
 */
export function fromYCbCr(
  y: Float32Array,
  cb: Float32Array,
  cr: Float32Array,
  out: Float32Array,
  width: number,
  height: number,
  stride = width * 4,
): void {
  for (let row = 0; row < height; row++)
    for (let x = 0; x < width; x++) {
      const i = row * width + x;
      const l = Math.min(1, Math.max(0, y[i]!));
      const dr = CR_SCALE * cr[i]!;
      const db = CB_SCALE * cb[i]!;
      const dg = -(KR * dr + KB * db) / KG;
      const s = Math.min(fit(l, dr), fit(l, dg), fit(l, db));
      const o = row * stride + x * 4;
      out[o] = l + s * dr;
      out[o + 1] = l + s * dg;
      out[o + 2] = l + s * db;
    }
}

/** Largest s in [0, 1] with l + s·d inside 0..1 (l itself inside). */
function fit(l: number, d: number): number {
  if (d > 0 && l + d > 1) return (1 - l) / d;
  if (d < 0 && l + d < 0) return -l / d;
  return 1;
}

/** Y' plane of an RGBA float frame's RGB. */
export function lumaPlane(
  data: Float32Array,
  width: number,
  height: number,
  stride = width * 4,
): Float32Array {
  const y = new Float32Array(width * height);
  for (let row = 0; row < height; row++)
    for (let x = 0, s = row * stride, i = row * width; x < width; x++, s += 4, i++)
      y[i] = KR * data[s]! + KG * data[s + 1]! + KB * data[s + 2]!;
  return y;
}

// sRGB (D65) ↔ CIELAB, for the learned colorizers' L*a*b* interface.
const XN = 0.95047;
const ZN = 1.08883;

function decode(v: number): number {
  return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
}
function encode(v: number): number {
  return v <= 0.0031308 ? 12.92 * v : 1.055 * Math.max(0, v) ** (1 / 2.4) - 0.055;
}
function f(t: number): number {
  return t > 216 / 24389 ? Math.cbrt(t) : (24389 / 27 / 116) * t + 16 / 116;
}
function fInv(t: number): number {
  return t > 6 / 29 ? t * t * t : (t - 16 / 116) * (108 / 841);
}

/** CIELAB L* (0..100) of an sRGB-encoded colour. */
export function labL(r: number, g: number, b: number): number {
  const yl = 0.2126729 * decode(r) + 0.7151522 * decode(g) + 0.072175 * decode(b);
  return 116 * f(yl) - 16;
}

/** L*a*b* → sRGB-encoded RGB (not clamped: the caller brings it into gamut). */
export function labToRgb(l: number, a: number, b: number): [number, number, number] {
  const fy = (l + 16) / 116;
  const X = XN * fInv(fy + a / 500);
  const Y = fInv(fy);
  const Z = ZN * fInv(fy - b / 200);
  const r = 3.2404542 * X - 1.5371385 * Y - 0.4985314 * Z;
  const g = -0.969266 * X + 1.8760108 * Y + 0.041556 * Z;
  const bl = 0.0556434 * X - 0.2040259 * Y + 1.0572252 * Z;
  return [encode(r), encode(g), encode(bl)];
}

/** Bilinear resize of one plane (pixel centres aligned); the same object when the size already matches. */
export function resizePlane(
  plane: Float32Array,
  width: number,
  height: number,
  toWidth: number,
  toHeight: number,
): Float32Array {
  if (width === toWidth && height === toHeight) return plane;
  const out = new Float32Array(toWidth * toHeight);
  const sx = width / toWidth;
  const sy = height / toHeight;
  for (let y = 0; y < toHeight; y++) {
    const fy = Math.min(height - 1, Math.max(0, (y + 0.5) * sy - 0.5));
    const y0 = Math.floor(fy);
    const y1 = Math.min(height - 1, y0 + 1);
    const ay = fy - y0;
    for (let x = 0; x < toWidth; x++) {
      const fx = Math.min(width - 1, Math.max(0, (x + 0.5) * sx - 0.5));
      const x0 = Math.floor(fx);
      const x1 = Math.min(width - 1, x0 + 1);
      const ax = fx - x0;
      out[y * toWidth + x] =
        (1 - ay) * ((1 - ax) * plane[y0 * width + x0]! + ax * plane[y0 * width + x1]!) +
        ay * ((1 - ax) * plane[y1 * width + x0]! + ax * plane[y1 * width + x1]!);
    }
  }
  return out;
}
