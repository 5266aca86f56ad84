/**
 * Reader for ncnn `.bin` weight files. The file is a plain concatenation of every layer's arrays in layer
 * order, with no index, so the only way to find a layer's weights is to read every earlier layer exactly as
 * ncnn's ModelBin::load does. A "tagged" array (type 0) starts with a 4-byte tag saying how it is stored:
 *   0x01306B47  float16, padded to 4 bytes        0x000D4B38  int8 (not supported here)
 *   0x0002C056  float32                            0          float32
 *   other, non-zero bytes: uint8 indices into a 256-entry float32 table (padded to 4 bytes)
 * An untagged array (type 1: biases, PReLU slopes) is raw float32. The caller asserts at the end that
 * the file was consumed exactly: a size mismatch means the .bin does not belong to the .param.
 */
import { NcnnFormatError } from './param.ts';
import { halfToFloat } from '../float16.ts';

export const TAG_FP16 = 0x01306b47;
export const TAG_INT8 = 0x000d4b38;
export const TAG_FP32_RAW = 0x0002c056;

export class NcnnWeightReader {
  private offset = 0;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly file: string,
  ) {}

  get position(): number {
    return this.offset;
  }

  /** Reads `count` values; `tagged` = ncnn type 0 (tag first), otherwise type 1 (raw float32). */
  read(count: number, tagged: boolean, where: string): Float32Array {
    const values = this.decode(count, tagged, where);
    // A flipped bit in an exponent gives Inf/NaN; such a model would run and silently produce garbage.
    const bad = values.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) throw new NcnnFormatError(this.file, where, `weight ${bad} is not finite (corrupt .bin)`);
    return values;
  }

  private decode(count: number, tagged: boolean, where: string): Float32Array {
    if (!Number.isInteger(count) || count <= 0)
      throw new NcnnFormatError(
        this.file,
        where,
        `weight count ${count} is not a positive integer (corrupt .param?)`,
      );
    if (!tagged) return this.readFloat32(count, where);
    const tag = this.u32(where);
    if (tag === TAG_FP16) return this.readFloat16(count, where);
    if (tag === 0 || tag === TAG_FP32_RAW) return this.readFloat32(count, where);
    if (tag === TAG_INT8)
      throw new NcnnFormatError(
        this.file,
        where,
        'int8-quantized weights are not supported; use an fp16/fp32 model',
      );
    // Any other non-zero tag: a 256-entry float table followed by uint8 indices (ncnn's "quantize" storage).
    const table = this.readFloat32(256, where);
    const idx = this.take(align4(count), where).subarray(0, count);
    const out = new Float32Array(count);
    for (let i = 0; i < count; i++) out[i] = table[idx[i]!]!;
    return out;
  }

  /** Throws unless every byte was read: extra or missing bytes mean a mismatched or corrupt pair. */
  assertConsumed(): void {
    if (this.offset !== this.bytes.byteLength)
      throw new NcnnFormatError(
        this.file,
        'end of weights',
        `the .param layers use ${this.offset} bytes but the .bin has ${this.bytes.byteLength}; ` +
          'the .bin does not belong to this .param or is corrupt',
      );
  }

  private u32(where: string): number {
    const b = this.take(4, where);
    return new DataView(b.buffer, b.byteOffset, 4).getUint32(0, true);
  }

  private readFloat32(count: number, where: string): Float32Array {
    const b = this.take(count * 4, where);
    const out = new Float32Array(count);
    const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
    for (let i = 0; i < count; i++) out[i] = dv.getFloat32(i * 4, true);
    return out;
  }

  private readFloat16(count: number, where: string): Float32Array {
    const b = this.take(align4(count * 2), where);
    const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
    const out = new Float32Array(count);
    for (let i = 0; i < count; i++) out[i] = halfToFloat(dv.getUint16(i * 2, true));
    return out;
  }

  private take(n: number, where: string): Uint8Array {
    if (this.offset + n > this.bytes.byteLength)
      throw new NcnnFormatError(
        this.file,
        where,
        `needs ${n} bytes at offset ${this.offset} but the file ends at ${this.bytes.byteLength} (truncated .bin)`,
      );
    const out = this.bytes.subarray(this.offset, this.offset + n);
    this.offset += n;
    return out;
  }
}

function align4(n: number): number {
  return (n + 3) & ~3;
}
