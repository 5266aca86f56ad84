/** Real image files as frames, for tests and benches that feed effects (sharp does the decoding). */
import sharp from 'sharp';
import { createFrame, type F32Frame } from '../../core/src/effects/frame.ts';

/**
 * An image file as an opaque display-referred Frame (8-bit values / 255, alpha 1). With `size`, it is
 * stretched to width x height first (sharp's default lanczos3 kernel).
 */
export async function imageFrame(file: string, size?: { width: number; height: number }): Promise<F32Frame> {
  let img = sharp(file).removeAlpha();
  if (size) img = img.resize(size.width, size.height, { kernel: 'lanczos3', fit: 'fill' });
  const { data, info } = await img.raw().toBuffer({ resolveWithObject: true });
  const frame = createFrame(info.width, info.height);
  for (let i = 0; i < info.width * info.height; i++) {
    for (let c = 0; c < 3; c++) frame.data[i * 4 + c] = data[i * 3 + c]! / 255;
    frame.data[i * 4 + 3] = 1;
  }
  return frame;
}
