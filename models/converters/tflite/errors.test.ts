/**
 * Broken and unsupported `.tflite` files are clear errors naming the file (and the op and node), never a crash,
 * a hang or a silently wrong graph: the real DeepLabv3 file, truncated and damaged.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { convertTfliteBytes, TfliteFormatError, UnsupportedTfliteError } from './index.ts';
import { BUILTIN } from './schema.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const file = path.resolve(root, '../shared/models/deeplabv3-tflite/deeplabv3_257_mv_gpu.tflite');
const original = new Uint8Array(readFileSync(file));

describe('TFLite converter on damaged or unsupported files', () => {
  it('converts the undamaged file', () => {
    expect(convertTfliteBytes(original, 'deeplab.tflite').length).toBeGreaterThan(2_000_000);
  });

  it('a file truncated anywhere is a TfliteFormatError naming the file', () => {
    // Cuts that remove bytes the reader needs (the last few bytes of this file are alignment padding nothing reads).
    for (const len of [0, 3, 7, 100, 4096, original.length >> 1, Math.floor(original.length * 0.9)]) {
      const cut = original.slice(0, len);
      let err: unknown;
      try {
        convertTfliteBytes(cut, 'cut.tflite');
      } catch (e) {
        err = e;
      }
      expect(err, `truncated to ${len} B`).toBeInstanceOf(TfliteFormatError);
      expect((err as Error).message).toContain('cut.tflite');
    }
  });

  it('a file that is not TFLite at all is refused by its identifier', () => {
    const png = readFileSync(path.join(root, 'test/fixtures/astronaut-256.png'));
    expect(() => convertTfliteBytes(png, 'photo.png')).toThrow(/photo\.png.*"TFL3"/);
  });

  it('random corruption never crashes: a clear error or a graph, never a RangeError', () => {
    let seed = 7;
    const rand = (): number => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
    for (let trial = 0; trial < 40; trial++) {
      const bad = original.slice();
      // Damage the flatbuffer's tables (the first and last few KiB hold vtables and offsets, not weights).
      for (let k = 0; k < 8; k++) {
        const pos =
          rand() < 0.5 ? Math.floor(rand() * 4096) : original.length - 1 - Math.floor(rand() * 8192);
        bad[pos] = Math.floor(rand() * 256);
      }
      try {
        convertTfliteBytes(bad, 'bad.tflite');
      } catch (e) {
        expect(e instanceof TfliteFormatError || e instanceof UnsupportedTfliteError, String(e)).toBe(true);
      }
    }
  });

  it('an unsupported op is an error naming the op and the node', () => {
    // Re-label the CONCATENATION opcode (2) as TOPK_V2 (48), which the converter does not map.
    const bytes = original.slice();
    const model = convertibleOpcodeOffset(bytes, 2);
    bytes[model] = 48;
    expect(BUILTIN[48]).toBeUndefined();
    expect(() => convertTfliteBytes(bytes, 'deeplab.tflite')).toThrow(
      /deeplab\.tflite uses ops this converter does not map: BUILTIN_48 \(operator \d+, output "concat"\)/,
    );
  });
});

/** Byte offset of the OperatorCode whose builtin code is `code` (deprecated_builtin_code, field 0). */
function convertibleOpcodeOffset(bytes: Uint8Array, code: number): number {
  const v = new DataView(bytes.buffer);
  const rootPos = v.getUint32(0, true);
  const field = (table: number, i: number): number => {
    const vt = table - v.getInt32(table, true);
    const off = 4 + 2 * i < v.getUint16(vt, true) ? v.getUint16(vt + 4 + 2 * i, true) : 0;
    return off ? table + off : 0;
  };
  const vecPos = field(rootPos, 1);
  const vec = vecPos + v.getUint32(vecPos, true);
  for (let i = 0; i < v.getUint32(vec, true); i++) {
    const p = vec + 4 + 4 * i;
    const t = p + v.getUint32(p, true);
    const f = field(t, 0);
    if (f && bytes[f] === code) return f;
  }
  throw new Error(`no opcode ${code}`);
}
