/**
 * Parser for ncnn's text `.param` files (the network description that travels beside a `.bin` of weights).
 *
 * Format (ncnn wiki "param and model file structure"):
 *   7767517                                   magic
 *   <layer count> <blob count>
 *   <type> <name> <n bottoms> <n tops> <bottom...> <top...> <k=v ...>
 * A key `k` holds an int or a float; a key written `-233xx` (= -23300 - id) holds an array `count,v1,...`.
 * Everything here is validated so that a corrupt file is an error naming the file and the line, never a
 * half-built graph.
 */

export const NCNN_MAGIC = 7767517;

export class NcnnFormatError extends Error {
  constructor(
    readonly file: string,
    readonly where: string,
    message: string,
  ) {
    super(`${file}: ${where}: ${message}`);
    this.name = 'NcnnFormatError';
  }
}

export type NcnnParamValue = number | readonly number[];

export interface NcnnLayer {
  type: string;
  name: string;
  bottoms: readonly string[];
  tops: readonly string[];
  params: ReadonlyMap<number, NcnnParamValue>;
  /** 1-based line in the .param file, for error messages. */
  line: number;
}

export interface NcnnNet {
  layers: readonly NcnnLayer[];
  blobCount: number;
}

/** ncnn writes array params under key -23300 - id. */
const ARRAY_KEY_BASE = -23300;

export function parseNcnnParam(text: string, file: string): NcnnNet {
  // ncnn's writers end every line with a newline; a file that stops mid-line was cut short, and its last
  // layer might still parse (e.g. "1=5.000000e-01" cut to "1=5.0"), so refuse it outright.
  if (text.length > 0 && !text.endsWith('\n'))
    throw new NcnnFormatError(file, 'end of file', 'the file does not end with a newline (truncated .param)');
  const lines = text.split(/\r?\n/);
  const magic = Number(lines[0]?.trim());
  if (magic !== NCNN_MAGIC)
    throw new NcnnFormatError(
      file,
      'line 1',
      `not an ncnn .param file (magic ${JSON.stringify(lines[0]?.slice(0, 20))}, expected ${NCNN_MAGIC}); ` +
        'a binary .param.bin is read by parseNcnnParamBin (convertNcnn detects it by its magic)',
    );
  const header = (lines[1] ?? '').trim().split(/\s+/).map(Number);
  const [layerCount, blobCount] = header;
  if (header.length !== 2 || !isCount(layerCount) || !isCount(blobCount))
    throw new NcnnFormatError(
      file,
      'line 2',
      `expected "<layer count> <blob count>", got "${lines[1] ?? ''}"`,
    );

  const layers: NcnnLayer[] = [];
  const produced = new Set<string>();
  for (let i = 2; i < lines.length; i++) {
    const raw = lines[i]!.trim();
    if (raw === '') continue;
    const layer = parseLayerLine(raw, i + 1, file);
    for (const b of layer.bottoms) {
      if (!produced.has(b))
        throw new NcnnFormatError(
          file,
          `line ${i + 1} (layer ${layer.name})`,
          `consumes blob "${b}" that no earlier layer produces`,
        );
    }
    for (const t of layer.tops) {
      if (produced.has(t))
        throw new NcnnFormatError(
          file,
          `line ${i + 1} (layer ${layer.name})`,
          `blob "${t}" is produced twice`,
        );
      produced.add(t);
    }
    layers.push(layer);
  }
  if (layers.length !== layerCount)
    throw new NcnnFormatError(
      file,
      'end of file',
      `header declares ${layerCount} layers but the file has ${layers.length} (truncated or corrupt)`,
    );
  if (produced.size !== blobCount)
    throw new NcnnFormatError(
      file,
      'end of file',
      `header declares ${blobCount} blobs but the layers produce ${produced.size} (truncated or corrupt)`,
    );
  return { layers, blobCount: blobCount! };
}

function isCount(v: number | undefined): v is number {
  return v !== undefined && Number.isInteger(v) && v > 0;
}

function parseLayerLine(raw: string, line: number, file: string): NcnnLayer {
  const tok = raw.split(/\s+/);
  const [type, name, nb, nt] = tok;
  const where = `line ${line}${name ? ` (layer ${name})` : ''}`;
  const nBottom = Number(nb);
  const nTop = Number(nt);
  if (!type || !name || !Number.isInteger(nBottom) || !Number.isInteger(nTop) || nBottom < 0 || nTop < 0)
    throw new NcnnFormatError(file, where, `malformed layer line "${raw.slice(0, 80)}"`);
  if (tok.length < 4 + nBottom + nTop)
    throw new NcnnFormatError(
      file,
      where,
      `declares ${nBottom} inputs and ${nTop} outputs but lists only ${tok.length - 4} blob names`,
    );
  const bottoms = tok.slice(4, 4 + nBottom);
  const tops = tok.slice(4 + nBottom, 4 + nBottom + nTop);
  const params = new Map<number, NcnnParamValue>();
  for (const kv of tok.slice(4 + nBottom + nTop)) {
    const eq = kv.indexOf('=');
    const key = Number(kv.slice(0, eq));
    if (eq <= 0 || !Number.isInteger(key))
      throw new NcnnFormatError(file, where, `malformed param "${kv}" (expected key=value)`);
    const valueText = kv.slice(eq + 1);
    if (key <= ARRAY_KEY_BASE) {
      const parts = valueText.split(',').map((s) => parseNumber(s, file, where, kv));
      const count = parts[0]!;
      if (!Number.isInteger(count) || parts.length !== count + 1)
        throw new NcnnFormatError(
          file,
          where,
          `array param "${kv}" declares ${count} values but has ${parts.length - 1}`,
        );
      params.set(ARRAY_KEY_BASE - key, parts.slice(1));
    } else {
      params.set(key, parseNumber(valueText, file, where, kv));
    }
  }
  return { type, name, bottoms, tops, params, line };
}

function parseNumber(s: string, file: string, where: string, kv: string): number {
  const v = Number(s);
  if (s.trim() === '' || !Number.isFinite(v))
    throw new NcnnFormatError(file, where, `param "${kv}" has a non-numeric value "${s}"`);
  return v;
}

/** Typed access to a layer's params with ncnn's defaults. */
export class LayerParams {
  constructor(
    private readonly layer: NcnnLayer,
    private readonly file: string,
  ) {}

  int(id: number, dflt: number): number {
    const raw = this.raw(id);
    if (raw !== undefined) return raw;
    const v = this.layer.params.get(id) ?? dflt;
    if (typeof v !== 'number' || !Number.isInteger(v))
      throw new NcnnFormatError(this.file, this.where(), `param ${id} must be an integer, got ${String(v)}`);
    return v;
  }

  float(id: number, dflt: number): number {
    const raw = this.raw(id);
    if (raw !== undefined) return bitsAsFloat(raw);
    const v = this.layer.params.get(id) ?? dflt;
    if (typeof v !== 'number')
      throw new NcnnFormatError(this.file, this.where(), `param ${id} must be a number, got an array`);
    return v;
  }

  array(id: number): readonly number[] {
    const v = this.layer.params.get(id);
    if (v === undefined) return [];
    const raw = this.raw(id);
    if (raw !== undefined) return [raw];
    return typeof v === 'number' ? [v] : v;
  }

  where(): string {
    return `line ${this.layer.line} (${this.layer.type} ${this.layer.name})`;
  }

  /** The raw 32 bits of a scalar from a binary .param (param-bin.ts), which the caller types. */
  private raw(id: number): number | undefined {
    const v = this.layer.params.get(id) as unknown;
    return typeof v === 'object' && v !== null && 'raw' in v ? (v as { raw: number }).raw : undefined;
  }
}

const bits = new DataView(new ArrayBuffer(4));
function bitsAsFloat(raw: number): number {
  bits.setInt32(0, raw, true);
  return bits.getFloat32(0, true);
}
