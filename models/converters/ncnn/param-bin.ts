/**
 * Parser for ncnn's binary `.param.bin` (what ncnn2mem and ncnnoptimize write for apps that ship no text):
 * int32 little-endian throughout (ncnn net.cpp load_param_bin / paramdict.cpp load_param_bin):
 *   magic 7767517, layer count, blob count, then per layer: type index (the order of ncnn_add_layer in ncnn's
 *   src/CMakeLists.txt), bottom count, top count, bottom blob indices, top blob indices, params as
 *   (id, 4 raw bytes) pairs or, for id ≤ -23300, (-23300 - id, count, count × 4 raw bytes), ended by -233.
 * It has no names: blobs are named by index unless the caller names them (`blobNames`), layers "layer<i>".
 * Scalar params keep their raw bits, read as int or float by the layer that asks (as ncnn's union does).
 */
import { NCNN_MAGIC, NcnnFormatError, type NcnnLayer, type NcnnNet, type NcnnParamValue } from './param.ts';

/** ncnn's built-in layer types by type index (src/CMakeLists.txt ncnn_add_layer order). */
export const NCNN_LAYER_TYPES = [
  'AbsVal',
  'ArgMax',
  'BatchNorm',
  'Bias',
  'BNLL',
  'Concat',
  'Convolution',
  'Crop',
  'Deconvolution',
  'Dropout',
  'Eltwise',
  'ELU',
  'Embed',
  'Exp',
  'Flatten',
  'InnerProduct',
  'Input',
  'Log',
  'LRN',
  'MemoryData',
  'MVN',
  'Pooling',
  'Power',
  'PReLU',
  'Proposal',
  'Reduction',
  'ReLU',
  'Reshape',
  'ROIPooling',
  'Scale',
  'Sigmoid',
  'Slice',
  'Softmax',
  'Split',
  'SPP',
  'TanH',
  'Threshold',
  'Tile',
  'RNN',
  'LSTM',
  'BinaryOp',
  'UnaryOp',
  'ConvolutionDepthWise',
  'Padding',
  'Squeeze',
  'ExpandDims',
  'Normalize',
  'Permute',
  'PriorBox',
  'DetectionOutput',
  'Interp',
  'DeconvolutionDepthWise',
  'ShuffleChannel',
  'InstanceNorm',
  'Clip',
  'Reorg',
  'YoloDetectionOutput',
  'Quantize',
  'Dequantize',
  'Yolov3DetectionOutput',
  'PSROIPooling',
  'ROIAlign',
  'Packing',
  'Requantize',
  'Cast',
  'HardSigmoid',
  'SELU',
  'HardSwish',
  'Noop',
  'PixelShuffle',
  'DeepCopy',
  'Mish',
  'StatisticsPooling',
  'Swish',
  'Gemm',
  'GroupNorm',
  'LayerNorm',
  'Softplus',
  'GRU',
  'MultiHeadAttention',
  'GELU',
  'Convolution1D',
  'Pooling1D',
  'ConvolutionDepthWise1D',
  'Convolution3D',
  'ConvolutionDepthWise3D',
  'Pooling3D',
  'MatMul',
  'Deconvolution1D',
  'DeconvolutionDepthWise1D',
  'Deconvolution3D',
  'DeconvolutionDepthWise3D',
  'Einsum',
  'DeformableConv2D',
  'GLU',
  'Fold',
  'Unfold',
  'GridSample',
  'CumulativeSum',
] as const;

/** A scalar param from a binary file: its raw 32 bits, read as int32 or float32 by the layer. */
export interface RawParam {
  raw: number;
}

const ARRAY_KEY_BASE = -23300;
const END = -233;

/** True when the first 4 bytes are ncnn's magic as a little-endian int32 (a text .param starts with "7767"). */
export function isBinaryParam(bytes: Uint8Array): boolean {
  return (
    bytes.length >= 4 && new DataView(bytes.buffer, bytes.byteOffset, 4).getInt32(0, true) === NCNN_MAGIC
  );
}

export function parseNcnnParamBin(
  bytes: Uint8Array,
  file: string,
  blobNames: Record<string, string> = {},
): NcnnNet {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = 0;
  let where = 'header';
  const int = (): number => {
    if (pos + 4 > bytes.length)
      throw new NcnnFormatError(file, where, `the file ends at byte ${bytes.length} (truncated .param.bin)`);
    const v = view.getInt32(pos, true);
    pos += 4;
    return v;
  };
  if (int() !== NCNN_MAGIC) throw new NcnnFormatError(file, 'byte 0', `not an ncnn binary param (magic)`);
  const layerCount = int();
  const blobCount = int();
  if (layerCount <= 0 || blobCount <= 0 || layerCount > 1e6 || blobCount > 1e6)
    throw new NcnnFormatError(
      file,
      'header',
      `implausible counts (${layerCount} layers, ${blobCount} blobs)`,
    );
  const blob = (i: number): string => {
    if (i < 0 || i >= blobCount) throw new NcnnFormatError(file, where, `blob index ${i} of ${blobCount}`);
    return blobNames[String(i)] ?? String(i);
  };
  const layers: NcnnLayer[] = [];
  const produced = new Set<string>();
  for (let l = 0; l < layerCount; l++) {
    where = `layer ${l} (byte ${pos})`;
    const typeIndex = int();
    const type = NCNN_LAYER_TYPES[typeIndex];
    if (!type)
      throw new NcnnFormatError(
        file,
        where,
        `layer type index ${typeIndex} is not a built-in ncnn layer (custom layers are not supported)`,
      );
    const nb = int();
    const nt = int();
    if (nb < 0 || nt < 0 || nb > blobCount || nt > blobCount)
      throw new NcnnFormatError(file, where, `implausible blob counts ${nb}/${nt}`);
    const bottoms = Array.from({ length: nb }, () => blob(int()));
    const tops = Array.from({ length: nt }, () => blob(int()));
    for (const b of bottoms)
      if (!produced.has(b))
        throw new NcnnFormatError(file, where, `consumes blob "${b}" that no earlier layer produces`);
    for (const t of tops) {
      if (produced.has(t)) throw new NcnnFormatError(file, where, `blob "${t}" is produced twice`);
      produced.add(t);
    }
    const params = new Map<number, NcnnParamValue>();
    for (;;) {
      const id = int();
      if (id === END) break;
      if (id <= ARRAY_KEY_BASE) {
        const count = int();
        if (count < 0 || count > 1 << 20)
          throw new NcnnFormatError(file, where, `array param of ${count} values`);
        const values = Array.from({ length: count }, () => int());
        // Arrays carry no type either: small magnitudes are ints (axes, offsets, sizes), other bit patterns
        // floats (a float's bits read as int are ≥ 2^23 in magnitude unless it is 0 or denormal).
        params.set(
          ARRAY_KEY_BASE - id,
          values.map((v) => (Math.abs(v) < 1 << 23 ? v : bitsToFloat(v))),
        );
      } else {
        if (id < 0 || id > 31)
          throw new NcnnFormatError(file, where, `param id ${id} out of range (corrupt)`);
        params.set(id, { raw: int() } as unknown as NcnnParamValue);
      }
    }
    layers.push({ type, name: `layer${l}`, bottoms, tops, params, line: l + 1 });
  }
  if (pos !== bytes.length)
    throw new NcnnFormatError(
      file,
      'end of file',
      `${bytes.length - pos} bytes follow the last layer (corrupt)`,
    );
  return { layers, blobCount };
}

const f32 = new DataView(new ArrayBuffer(4));
export function bitsToFloat(bits: number): number {
  f32.setInt32(0, bits, true);
  return f32.getFloat32(0, true);
}
