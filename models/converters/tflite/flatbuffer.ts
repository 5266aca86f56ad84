/**
 * A minimal, bounds-checked FlatBuffers table reader (the wire format of `.tflite` files). Every offset is
 * checked against the buffer before use, so a truncated or corrupt file becomes a TfliteFormatError naming what
 * was being read, never an out-of-range read or a hang on a cyclic offset.
 */
export class TfliteFormatError extends Error {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`${file}: not a valid .tflite file (${message}). Re-download it or check the path.`);
    this.name = 'TfliteFormatError';
  }
}

export class FlatBuffer {
  readonly view: DataView;

  readonly bytes: Uint8Array;

  constructor(
    bytes: Uint8Array,
    readonly file: string,
  ) {
    // A plain Uint8Array view: a Buffer's slice() would alias rather than copy.
    this.bytes = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  fail(what: string): never {
    throw new TfliteFormatError(this.file, what);
  }

  private need(pos: number, size: number, what: string): void {
    if (!Number.isInteger(pos) || pos < 0 || pos + size > this.bytes.length)
      this.fail(`${what} at byte ${pos} runs past the end of the file (${this.bytes.length} B): truncated?`);
  }

  u8(pos: number, what: string): number {
    this.need(pos, 1, what);
    return this.view.getUint8(pos);
  }
  i8(pos: number, what: string): number {
    this.need(pos, 1, what);
    return this.view.getInt8(pos);
  }
  u16(pos: number, what: string): number {
    this.need(pos, 2, what);
    return this.view.getUint16(pos, true);
  }
  i32(pos: number, what: string): number {
    this.need(pos, 4, what);
    return this.view.getInt32(pos, true);
  }
  u32(pos: number, what: string): number {
    this.need(pos, 4, what);
    return this.view.getUint32(pos, true);
  }
  f32(pos: number, what: string): number {
    this.need(pos, 4, what);
    return this.view.getFloat32(pos, true);
  }
  i64(pos: number, what: string): number {
    this.need(pos, 8, what);
    return Number(this.view.getBigInt64(pos, true));
  }

  /** The root table (its offset is the first uint32). */
  root(): Table {
    return new Table(this, this.u32(0, 'root offset'), 'Model');
  }
}

/** One table: fields are read through its vtable by field index (slot = 4 + 2 × index). */
export class Table {
  private readonly vtable: number;
  private readonly vtableSize: number;

  constructor(
    readonly fb: FlatBuffer,
    readonly pos: number,
    readonly what: string,
  ) {
    this.vtable = pos - fb.i32(pos, `${what} vtable offset`);
    this.vtableSize = fb.u16(this.vtable, `${what} vtable`);
    if (this.vtableSize < 4 || this.vtableSize % 2) fb.fail(`${what} has a malformed vtable`);
    fb.u16(this.vtable + this.vtableSize - 2, `${what} vtable`);
  }

  /** Absolute position of a field, or 0 when absent (then the schema default applies). */
  private field(index: number): number {
    const slot = 4 + 2 * index;
    if (slot >= this.vtableSize) return 0;
    const off = this.fb.u16(this.vtable + slot, `${this.what} field ${index}`);
    return off ? this.pos + off : 0;
  }

  has(index: number): boolean {
    return this.field(index) !== 0;
  }

  u8(index: number, def = 0): number {
    const p = this.field(index);
    return p ? this.fb.u8(p, `${this.what} field ${index}`) : def;
  }
  i8(index: number, def = 0): number {
    const p = this.field(index);
    return p ? this.fb.i8(p, `${this.what} field ${index}`) : def;
  }
  i32(index: number, def = 0): number {
    const p = this.field(index);
    return p ? this.fb.i32(p, `${this.what} field ${index}`) : def;
  }
  u32(index: number, def = 0): number {
    const p = this.field(index);
    return p ? this.fb.u32(p, `${this.what} field ${index}`) : def;
  }
  f32(index: number, def = 0): number {
    const p = this.field(index);
    return p ? this.fb.f32(p, `${this.what} field ${index}`) : def;
  }
  bool(index: number, def = false): boolean {
    const p = this.field(index);
    return p ? this.fb.u8(p, `${this.what} field ${index}`) !== 0 : def;
  }

  private indirect(index: number): number {
    const p = this.field(index);
    return p ? p + this.fb.u32(p, `${this.what} field ${index} offset`) : 0;
  }

  table(index: number, what: string): Table | undefined {
    const p = this.indirect(index);
    return p ? new Table(this.fb, p, what) : undefined;
  }

  string(index: number): string {
    const p = this.indirect(index);
    if (!p) return '';
    const len = this.fb.u32(p, `${this.what} string length`);
    this.fb.u8(p + 4 + len - 1 + (len ? 0 : 1), `${this.what} string`);
    return new TextDecoder().decode(this.fb.bytes.subarray(p + 4, p + 4 + len));
  }

  /** A vector: its element count and the position of element 0. */
  private vector(index: number, elemSize: number): { start: number; length: number } {
    const p = this.indirect(index);
    if (!p) return { start: 0, length: 0 };
    const length = this.fb.u32(p, `${this.what} vector length`);
    if (length > 0) this.fb.u8(p + 4 + length * elemSize - 1, `${this.what} vector of ${length}`);
    return { start: p + 4, length };
  }

  i32s(index: number): number[] {
    const { start, length } = this.vector(index, 4);
    return Array.from({ length }, (_, i) => this.fb.i32(start + 4 * i, this.what));
  }
  f32s(index: number): number[] {
    const { start, length } = this.vector(index, 4);
    return Array.from({ length }, (_, i) => this.fb.f32(start + 4 * i, this.what));
  }
  i64s(index: number): number[] {
    const { start, length } = this.vector(index, 8);
    return Array.from({ length }, (_, i) => this.fb.i64(start + 8 * i, this.what));
  }
  /** A [ubyte] vector as a view into the file (no copy). */
  bytes(index: number): Uint8Array {
    const { start, length } = this.vector(index, 1);
    return length ? this.fb.bytes.subarray(start, start + length) : new Uint8Array(0);
  }
  tables(index: number, what: string): Table[] {
    const { start, length } = this.vector(index, 4);
    return Array.from({ length }, (_, i) => {
      const p = start + 4 * i;
      return new Table(this.fb, p + this.fb.u32(p, `${what} offset`), `${what} ${i}`);
    });
  }
}
