/**
 * A photo named by a path param (face-puppet's portrait, face-anonymize's keep-by-photo reference) read as an
 * opaque display-referred frame, with errors that name the effect, the param and the file.
 */
import { access } from 'node:fs/promises';
import sharp from 'sharp';
import { createFrame, type F32Frame } from '../frame.ts';
import { ParamError } from '../params.ts';

export async function readPhotoParam(effect: string, param: string, file: string): Promise<F32Frame> {
  try {
    await access(file);
  } catch {
    throw new ParamError(
      `${effect}: ${param} ${file} does not exist; give an image file with --param ${param}=face.jpg`,
      param,
    );
  }
  try {
    const { data, info } = await sharp(file).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const frame = createFrame(info.width, info.height);
    for (let i = 0; i < info.width * info.height; i++) {
      for (let c = 0; c < 3; c++) frame.data[i * 4 + c] = data[i * 3 + c]! / 255;
      frame.data[i * 4 + 3] = 1;
    }
    return frame;
  } catch (err) {
    throw new ParamError(
      `${effect}: ${param} ${file} is not a readable image (${(err as Error).message}); give a JPEG, PNG, WebP or TIFF`,
      param,
    );
  }
}
