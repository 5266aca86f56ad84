/**
 * The files colorize reads besides the clip: colour reference frames and a hints (scribbles) image. Each is
 * checked against the frame it belongs to, and any problem is an error that names the file and the fix.
 */
import { stat } from 'node:fs/promises';
import sharp from 'sharp';
import { ParamError } from '../params.ts';
import { toYCbCr, type Planes } from './chroma.ts';

/** A ParamError, so every surface reports it as BAD_PARAM (the fix is in the user's params or files). */
export class ColorizeInputError extends ParamError {
  override name = 'ColorizeInputError';
}

/** Relative aspect-ratio difference tolerated between a reference/hints image and the frame (rounding). */
const ASPECT_TOLERANCE = 0.01;

export interface ReferenceSpec {
  file: string;
  frame: number;
}

/** `reference=a.png,b.png` with `referenceFrame=0,40` → pairs; one frame number per file. */
export function parseReferences(reference: string, referenceFrame: string): ReferenceSpec[] {
  const files = reference
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (files.length === 0) return [];
  const frames = referenceFrame.split(',').map((s) => s.trim());
  if (frames.length !== files.length)
    throw new ColorizeInputError(
      `colorize: ${files.length} reference file(s) (${files.join(', ')}) but ${frames.length} referenceFrame value(s) ("${referenceFrame}"); give one frame number per reference, e.g. --param reference=a.png,b.png --param referenceFrame=0,40`,
    );
  return files.map((file, i) => {
    const frame = Number(frames[i]);
    if (!Number.isInteger(frame) || frame < 0)
      throw new ColorizeInputError(
        `colorize: referenceFrame "${frames[i]}" for ${file} is not a frame number (a whole number >= 0)`,
      );
    return { file, frame };
  });
}

async function readImage(
  file: string,
  role: 'reference' | 'hints',
  width: number,
  height: number,
  frameWidth: number,
  frameHeight: number,
): Promise<{ data: Float32Array; hasAlpha: boolean }> {
  try {
    await stat(file);
  } catch {
    throw new ColorizeInputError(
      `colorize: the ${role} file ${file} does not exist; pass the path of a PNG/JPEG/TIFF/WebP image`,
    );
  }
  let meta: sharp.Metadata;
  try {
    meta = await sharp(file).metadata();
  } catch (err) {
    throw new ColorizeInputError(
      `colorize: cannot read the ${role} file ${file} as an image (${(err as Error).message}); pass a PNG/JPEG/TIFF/WebP image${role === 'hints' ? ' with colour strokes on a transparent background' : ''}`,
    );
  }
  const iw = meta.autoOrient?.width ?? meta.width;
  const ih = meta.autoOrient?.height ?? meta.height;
  if (!iw || !ih) throw new ColorizeInputError(`colorize: the ${role} file ${file} has no readable size`);
  const aspect = iw / ih / (frameWidth / frameHeight);
  if (Math.abs(aspect - 1) > ASPECT_TOLERANCE)
    throw new ColorizeInputError(
      `colorize: the ${role} file ${file} is ${iw}x${ih} but the clip's frames are ${frameWidth}x${frameHeight} (a different aspect ratio); ` +
        `export the ${role} at ${frameWidth}x${frameHeight} (the same framing as the clip, not cropped or letterboxed)`,
    );
  const { data, info } = await sharp(file)
    .rotate()
    .toColourspace('srgb')
    .ensureAlpha()
    .resize(width, height, { fit: 'fill', kernel: role === 'hints' ? 'nearest' : 'lanczos3' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  const out = new Float32Array(width * height * 4);
  for (let i = 0; i < out.length; i++) out[i] = data[i]! / 255;
  return { data: out, hasAlpha: meta.hasAlpha === true && info.channels === 4 };
}

/** A colour reference as Y'CbCr planes at the working size. */
export async function loadReference(
  file: string,
  width: number,
  height: number,
  frameWidth: number,
  frameHeight: number,
): Promise<Planes> {
  const { data } = await readImage(file, 'reference', width, height, frameWidth, frameHeight);
  return toYCbCr(data, width, height);
}

export interface Hints {
  cb: Float32Array;
  cr: Float32Array;
  /** 1 where a stroke is, else 0. */
  mask: Float32Array;
  strokePixels: number;
}

/** Chroma magnitude above which an opaque hints image's pixel counts as a stroke (grey pixels are not). */
const OPAQUE_STROKE_CHROMA = 0.03;

/**
 * Hint strokes at the working size. A transparent PNG: every pixel with alpha ≥ 0.5 is a stroke. An image
 * without alpha: the coloured (non-grey) pixels are the strokes, so strokes painted over a grey copy of the
 * frame also work.
 */
export async function loadHints(
  file: string,
  width: number,
  height: number,
  frameWidth: number,
  frameHeight: number,
): Promise<Hints> {
  const { data, hasAlpha } = await readImage(file, 'hints', width, height, frameWidth, frameHeight);
  const planes = toYCbCr(data, width, height);
  const mask = new Float32Array(width * height);
  let strokePixels = 0;
  for (let i = 0; i < mask.length; i++) {
    const on = hasAlpha
      ? data[i * 4 + 3]! >= 0.5
      : Math.hypot(planes.cb[i]!, planes.cr[i]!) > OPAQUE_STROKE_CHROMA;
    if (on) {
      mask[i] = 1;
      strokePixels++;
    }
  }
  if (strokePixels === 0)
    throw new ColorizeInputError(
      `colorize: the hints file ${file} has no strokes (${hasAlpha ? 'every pixel is transparent' : 'no coloured pixel'}); paint colour strokes on a transparent layer and export it as PNG`,
    );
  return { cb: planes.cb, cr: planes.cr, mask, strokePixels };
}

/**
 * How well a reference's luminance matches a frame's: Pearson correlation of the two Y' planes after a
 * 4× box blur (colourists' grades and compression move single pixels, not the picture's structure). About
 * 1 for the same frame, near 0 for another shot.
 */
export function matchScore(a: Float32Array, b: Float32Array, width: number, height: number): number {
  const blur = (p: Float32Array): Float32Array => {
    const w2 = Math.max(1, width >> 2);
    const h2 = Math.max(1, height >> 2);
    const out = new Float32Array(w2 * h2);
    const n = new Float32Array(w2 * h2);
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x++) {
        const j = Math.min(h2 - 1, y >> 2) * w2 + Math.min(w2 - 1, x >> 2);
        out[j] = out[j]! + p[y * width + x]!;
        n[j] = n[j]! + 1;
      }
    for (let j = 0; j < out.length; j++) out[j] = out[j]! / n[j]!;
    return out;
  };
  const pa = blur(a);
  const pb = blur(b);
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < pa.length; i++) {
    ma += pa[i]!;
    mb += pb[i]!;
  }
  ma /= pa.length;
  mb /= pb.length;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < pa.length; i++) {
    const da = pa[i]! - ma;
    const db = pb[i]! - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  return saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : 0;
}
