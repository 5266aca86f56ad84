/**
 * The learned (automatic) path. Two families, one post-processing:
 * - Zhang et al.'s colorizers (ECCV16 "Colorful Image Colorization" and the automatic mode of SIGGRAPH17
 *   "Real-Time User-Guided Image Colorization"), as exported to ONNX by clibdev/colorization: in `input` f32
 *   [1,1,256,256] = L* (0..100, the network centres and scales it itself);
 * - DDColor (Kang et al., ICCV 2023) paper-tiny, as exported to ONNX by Varve (varve-ddcolor-onnx): in `input`
 *   f32 [1,3,256,256] = the RGB (0..1) of Lab(L*, 0, 0), i.e. the frame's lightness as a neutral grey, which is
 *   what DDColor's own inference feeds it.
 * Both answer `output` f32 [1,2,256,256] = a*, b* (CIELAB units). Pre-processing: only the lightness goes in,
 * resized to 256×256. Post-processing: only the chroma comes out; it is resized to the working size and
 * recombined with the frame's own full-resolution L*, then expressed as Cb/Cr for the propagation solver
 * (where it is a weak prior that references and hints override).
 */
import { Tensor } from 'onnxruntime-node';
import type { LoadedSession } from '../../runtime/types.ts';
import type { F32Frame } from '../frame.ts';
import { resizeFrame } from '../style/image-ops.ts';
import { chromaOf, labL, labToRgb, resizePlane } from './chroma.ts';

/** What a colorizer takes: L* alone (one channel) or the lightness as a neutral grey RGB (three). */
type LightnessInput = 'lightness' | 'grey-rgb';

export const AUTO_MODELS = {
  eccv16: { id: 'colorization-eccv16', input: 'lightness' },
  siggraph17: { id: 'colorization-siggraph17', input: 'lightness' },
  'ddcolor-tiny': { id: 'ddcolor-paper-tiny', input: 'grey-rgb' },
} as const satisfies Record<string, { id: string; input: LightnessInput }>;
export type AutoModel = keyof typeof AUTO_MODELS;

const MODEL_SIDE = 256;

/** The model's input tensor: L* (0..100) as one plane, or Lab(L*, 0, 0) as sRGB-encoded R, G, B planes. */
function lightnessTensor(l: Float32Array, input: LightnessInput): Tensor {
  const n = MODEL_SIDE * MODEL_SIDE;
  if (input === 'lightness') return new Tensor('float32', l, [1, 1, MODEL_SIDE, MODEL_SIDE]);
  const rgb = new Float32Array(3 * n);
  for (let i = 0; i < n; i++) {
    const [r, g, b] = labToRgb(l[i]!, 0, 0);
    rgb[i] = r;
    rgb[n + i] = g;
    rgb[2 * n + i] = b;
  }
  return new Tensor('float32', rgb, [1, 3, MODEL_SIDE, MODEL_SIDE]);
}

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
  model: AutoModel,
  work: F32Frame,
): Promise<[Float32Array, Float32Array]> {
  const small = lPlane(resizeFrame(work, MODEL_SIDE, MODEL_SIDE));
  const res = await session.run({ input: lightnessTensor(small, AUTO_MODELS[model].input) });
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
