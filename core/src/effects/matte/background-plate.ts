/**
 * The plate behind `output=composite` when `backgroundPath` is set: a still image (used for every frame) or
 * a video whose frame n goes behind output frame n (it loops when shorter than the clip; reset() rewinds).
 * Plates are scaled to cover the output frame (aspect kept, centred crop), with the shared resampler.
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { createFrame, type F32Frame } from '../frame.ts';
import { frameToTensor, type TensorInputSpec } from '../../runtime/tensor.ts';
import { decodeFrames } from '../../media/decode.ts';

const IMAGE_EXTENSIONS = new Set([
  '.png',
  '.jpg',
  '.jpeg',
  '.webp',
  '.tif',
  '.tiff',
  '.bmp',
  '.gif',
  '.avif',
]);

export class BackgroundPlateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BackgroundPlateError';
  }
}

export interface BackgroundPlate {
  /** The plate for the next output frame, at width x height. */
  next(width: number, height: number): Promise<F32Frame>;
  reset(): void;
  dispose(): Promise<void>;
}

export function openBackgroundPlate(file: string): BackgroundPlate {
  if (!existsSync(file) || !statSync(file).isFile()) {
    throw new BackgroundPlateError(
      `param "backgroundPath": no such file "${file}"; give an image or a video to composite over, or leave it empty`,
    );
  }
  return IMAGE_EXTENSIONS.has(path.extname(file).toLowerCase()) ? imagePlate(file) : videoPlate(file);
}

/** Plain RGBA float view of a frame-shaped tensor spec: the resampler does the cover scaling. */
const RGBA_IDENTITY: TensorInputSpec = {
  layout: 'NHWC',
  channels: 'RGBA',
  normalize: { scale: 1, mean: [0, 0, 0, 0], std: [1, 1, 1, 1] },
};

export function coverScale(src: F32Frame, width: number, height: number): F32Frame {
  if (src.width === width && src.height === height) return src;
  const s = Math.max(width / src.width, height / src.height);
  const cw = Math.min(src.width, width / s);
  const ch = Math.min(src.height, height / s);
  const region = { x: (src.width - cw) / 2, y: (src.height - ch) / 2, width: cw, height: ch };
  const packed = frameToTensor(src, RGBA_IDENTITY, { width, height, region });
  const out = createFrame(width, height, 'f32', src.colorSpace);
  out.data.set(packed.data);
  return out;
}

function imagePlate(file: string): BackgroundPlate {
  let decoded: Promise<F32Frame> | null = null;
  let sized: F32Frame | null = null;
  const load = async (): Promise<F32Frame> => {
    try {
      const { data, info } = await sharp(file).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
      const f = createFrame(info.width, info.height);
      for (let i = 0; i < f.data.length; i++) f.data[i] = data[i]! / 255;
      return f;
    } catch (err) {
      throw new BackgroundPlateError(
        `param "backgroundPath": "${file}" is not a readable image (${(err as Error).message})`,
      );
    }
  };
  return {
    async next(width, height) {
      decoded ??= load();
      const src = await decoded;
      if (!sized || sized.width !== width || sized.height !== height) sized = coverScale(src, width, height);
      return sized;
    },
    reset() {},
    async dispose() {},
  };
}

function videoPlate(file: string): BackgroundPlate {
  let frames: AsyncGenerator<F32Frame> | null = null;
  let delivered = 0;
  const close = async () => {
    const f = frames;
    frames = null;
    if (f) await f.return(undefined);
  };
  return {
    async next(width, height) {
      frames ??= decodeFrames(file);
      let r = await frames.next();
      if (r.done) {
        if (delivered === 0) {
          throw new BackgroundPlateError(`param "backgroundPath": "${file}" has no video frames`);
        }
        // Shorter than the clip: loop.
        frames = decodeFrames(file);
        r = await frames.next();
        if (r.done) throw new BackgroundPlateError(`param "backgroundPath": "${file}" has no video frames`);
      }
      delivered++;
      return coverScale(r.value, width, height);
    },
    reset() {
      // Rewind: the next frame restarts the decode. Closing the old ffmpeg is best effort.
      close().catch(() => {});
      delivered = 0;
    },
    dispose: close,
  };
}
