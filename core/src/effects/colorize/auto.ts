/**
 * The learned (automatic) path: Zhang et al.'s colorizers (ECCV16 "Colorful Image Colorization" and the
 * automatic mode of SIGGRAPH17 "Real-Time User-Guided Image Colorization"), as exported to ONNX by
 * clibdev/colorization: in `input` f32 [1,1,256,256] = L* (0..100, the network centres and scales it
 * itself), out `output` f32 [1,2,256,256] = a*, b* (already un-normalised, ×110 inside). Pre-processing: only
 * the luminance goes in, resized to 256×256. Post-processing: only the chroma comes out; it is resized to the
 * working size and recombined with the frame's own full-resolution L*, then expressed as Cb/Cr for the
 * propagation solver (where it is a weak prior that references and hints override).
 */
import { Tensor } from 'onnxruntime-node';
import type { LoadedSession } from '../../runtime/types.ts';
import type { F32Frame } from '../frame.ts';
import { resizeFrame } from '../style/image-ops.ts';
import { chromaOf, labL, labToRgb, resizePlane } from './chroma.ts';

export const AUTO_MODELS = {
  eccv16: 'colorization-eccv16',
  siggraph17: 'colorization-siggraph17',
} as const;
export type AutoModel = keyof typeof AUTO_MODELS;

const MODEL_SIDE = 256;

/** L* plane of a display-referred frame. */
function lPlane(frame: F32Frame): Float32Array {
  const out = new Float32Array(frame.width * frame.height);
  for (let y = 0; y < frame.height; y++)
    for (let x = 0; x < frame.width; x++) {
      const s = y * frame.stride + x * 4;
      out[y * frame.width + x] = labL(frame.data[s]!, frame.data[s + 1]!, frame.data[s + 2]!);
    }
  return out;
}

/**
 * The model's chroma for `work` (a display-referred frame at the working size) as Cb/Cr planes of that size,
 * each pixel's a*b* combined with the pixel's own L*.
 */
export async function autoChroma(
  session: LoadedSession,
  work: F32Frame,
): Promise<[Float32Array, Float32Array]> {
  const small = lPlane(resizeFrame(work, MODEL_SIDE, MODEL_SIDE));
  const res = await session.run({ input: new Tensor('float32', small, [1, 1, MODEL_SIDE, MODEL_SIDE]) });
  const out = res.output;
  if (!out || out.dims.length !== 4 || out.dims[1] !== 2)
    throw new Error(
      `colorize: the automatic model returned ${out ? `[${out.dims.join(',')}]` : 'no "output"'}, expected [1,2,H,W] a*b*`,
    );
  const oh = Number(out.dims[2]);
  const ow = Number(out.dims[3]);
  const ab = out.data as Float32Array;
  const a = resizePlane(ab.subarray(0, ow * oh), ow, oh, work.width, work.height);
  const b = resizePlane(ab.subarray(ow * oh, 2 * ow * oh), ow, oh, work.width, work.height);
  const l = lPlane(work);
  const cb = new Float32Array(l.length);
  const cr = new Float32Array(l.length);
  for (let i = 0; i < l.length; i++) {
    const [u, v] = chromaOf(...labToRgb(l[i]!, a[i]!, b[i]!));
    cb[i] = u;
    cr[i] = v;
  }
  return [cb, cr];
}
