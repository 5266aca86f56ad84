/**
 * A compact, CPU-independent fingerprint of a 16-bit RGBA PNG: the mean of each channel over an 8x8 grid of
 * blocks (0..1). Stored for the v1 renders (test/engine/reference/v1-outputs.json), compared within a bound.
 */
import sharp from 'sharp';

export const GRID = 8;

export async function blockMeans(file: string): Promise<{ width: number; height: number; means: number[] }> {
  const { data, info } = await sharp(file).raw({ depth: 'ushort' }).toBuffer({ resolveWithObject: true });
  const px = new Uint16Array(data.buffer, data.byteOffset, data.length / 2);
  const { width, height, channels } = info;
  const sums = new Float64Array(GRID * GRID * channels);
  const counts = new Float64Array(GRID * GRID);
  for (let y = 0; y < height; y++) {
    const by = Math.floor((y * GRID) / height);
    for (let x = 0; x < width; x++) {
      const b = by * GRID + Math.floor((x * GRID) / width);
      counts[b]!++;
      for (let c = 0; c < channels; c++)
        sums[b * channels + c]! += px[(y * width + x) * channels + c]! / 65535;
    }
  }
  const means = Array.from(sums, (s, i) => Math.round((s / counts[Math.floor(i / channels)]!) * 1e6) / 1e6);
  return { width, height, means };
}
