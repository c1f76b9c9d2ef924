// Growable buffer writer with one method per Kafka wire type. Big-endian fixed-width integers,
// zigzag varints (signed) and unsigned varints as the protocol guide defines them.

const EMPTY_UUID = '00000000-0000-0000-0000-000000000000';

/** Byte arrays from this size up are referenced, not copied, by a writer that collects chunks. */
const REFERENCE_MIN_BYTES = 4096;

export class Writer {
  buffer: Buffer;
  offset = 0;
  /** Large byte arrays referenced in place, each with the offset in `buffer` it comes after. */
  private readonly references: { readonly at: number; readonly bytes: Uint8Array }[] | undefined;
  /** Total length of the referenced arrays. */
  referencedBytes = 0;

  /**
   * `referenceLargeBytes`: byte arrays of 4 KiB or more (record batches) are not copied but kept
   * by reference, and the result is read with {@link chunks}; they must not change until written.
   */
  constructor(initialSize = 256, referenceLargeBytes = false) {
    this.buffer = Buffer.allocUnsafe(initialSize);
    this.references = referenceLargeBytes ? [] : undefined;
  }

  /** Makes room for `size` more bytes. */
  ensure(size: number): void {
    const needed = this.offset + size;
    if (needed <= this.buffer.length) return;
    let capacity = this.buffer.length * 2;
    while (capacity < needed) capacity *= 2;
    const grown = Buffer.allocUnsafe(capacity);
    this.buffer.copy(grown, 0, 0, this.offset);
    this.buffer = grown;
  }

  /** The bytes written so far (a view, not a copy); only for a writer that references nothing. */
  finish(): Buffer {
    if (this.referencedBytes > 0) throw new Error('Writer: finish() on a writer holding references; use chunks()');
    return this.buffer.subarray(0, this.offset);
  }

  /** The bytes written from `start` on, as views of the buffer interleaved with the referenced arrays. */
  chunks(start = 0): Uint8Array[] {
    const result: Uint8Array[] = [];
    let from = start;
    for (const { at, bytes } of this.references ?? []) {
      if (at < start) continue;
      if (at > from) result.push(this.buffer.subarray(from, at));
      result.push(bytes);
      from = at;
    }
    if (this.offset > from || result.length === 0) result.push(this.buffer.subarray(from, this.offset));
    return result;
  }

  int8(value: number): this {
    this.ensure(1);
    this.buffer.writeInt8(value, this.offset);
    this.offset += 1;
    return this;
  }

  bool(value: boolean): this {
    return this.int8(value ? 1 : 0);
  }

  int16(value: number): this {
    this.ensure(2);
    this.buffer.writeInt16BE(value, this.offset);
    this.offset += 2;
    return this;
  }

  uint16(value: number): this {
    this.ensure(2);
    this.buffer.writeUInt16BE(value, this.offset);
    this.offset += 2;
    return this;
  }

  int32(value: number): this {
    this.ensure(4);
    this.buffer.writeInt32BE(value, this.offset);
    this.offset += 4;
    return this;
  }

  uint32(value: number): this {
    this.ensure(4);
    this.buffer.writeUInt32BE(value, this.offset);
    this.offset += 4;
    return this;
  }

  int64(value: bigint): this {
    this.ensure(8);
    this.buffer.writeBigInt64BE(value, this.offset);
    this.offset += 8;
    return this;
  }

  float64(value: number): this {
    this.ensure(8);
    this.buffer.writeDoubleBE(value, this.offset);
    this.offset += 8;
    return this;
  }

  /** Unsigned LEB128 varint of a value in [0, 2^32). */
  unsignedVarInt(value: number): this {
    this.ensure(5);
    const buffer = this.buffer;
    let offset = this.offset;
    value >>>= 0;
    while (value >= 0x80) {
      buffer[offset++] = (value & 0x7f) | 0x80;
      value >>>= 7;
    }
    buffer[offset++] = value;
    this.offset = offset;
    return this;
  }

  /** Zigzag varint of a signed 32-bit value. */
  varInt(value: number): this {
    return this.unsignedVarInt((value << 1) ^ (value >> 31));
  }

  /** Zigzag varlong of a signed 64-bit value. */
  varLong(value: bigint): this {
    let zigzag = BigInt.asUintN(64, (value << 1n) ^ (value >> 63n));
    this.ensure(10);
    while (zigzag >= 0x80n) {
      this.buffer[this.offset++] = Number(zigzag & 0x7fn) | 0x80;
      zigzag >>= 7n;
    }
    this.buffer[this.offset++] = Number(zigzag);
    return this;
  }

  /** A UUID written as its 16 raw bytes; accepts the canonical 8-4-4-4-12 hex form. */
  uuid(value: string): this {
    const hex = (value || EMPTY_UUID).replace(/-/g, '');
    // Buffer#write stops at the first non-hex digit, which would leave stale bytes in the frame.
    if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new TypeError(`invalid UUID '${value}'`);
    this.ensure(16);
    this.buffer.write(hex, this.offset, 16, 'hex');
    this.offset += 16;
    return this;
  }

  /** Raw bytes with no length prefix. */
  raw(bytes: Uint8Array): this {
    if (this.references && bytes.length >= REFERENCE_MIN_BYTES) {
      this.references.push({ at: this.offset, bytes });
      this.referencedBytes += bytes.length;
      return this;
    }
    this.ensure(bytes.length);
    this.buffer.set(bytes, this.offset);
    this.offset += bytes.length;
    return this;
  }

  /** STRING / NULLABLE_STRING: int16 length (-1 for null), then UTF-8 bytes. */
  string(value: string | null): this {
    if (value === null) return this.int16(-1);
    const length = Buffer.byteLength(value);
    this.int16(length);
    this.ensure(length);
    this.offset += this.buffer.write(value, this.offset, length, 'utf8');
    return this;
  }

  /** COMPACT_STRING / COMPACT_NULLABLE_STRING: unsigned varint length + 1 (0 for null), then UTF-8. */
  compactString(value: string | null): this {
    if (value === null) return this.unsignedVarInt(0);
    const length = Buffer.byteLength(value);
    this.unsignedVarInt(length + 1);
    this.ensure(length);
    this.offset += this.buffer.write(value, this.offset, length, 'utf8');
    return this;
  }

  /** BYTES / NULLABLE_BYTES: int32 length (-1 for null), then the bytes. */
  bytes(value: Uint8Array | null): this {
    if (value === null) return this.int32(-1);
    this.int32(value.length);
    return this.raw(value);
  }

  /** COMPACT_BYTES / COMPACT_NULLABLE_BYTES: unsigned varint length + 1 (0 for null), then the bytes. */
  compactBytes(value: Uint8Array | null): this {
    if (value === null) return this.unsignedVarInt(0);
    this.unsignedVarInt(value.length + 1);
    return this.raw(value);
  }

  /** Writes `value` as an int32 at an earlier position (for length prefixes written afterwards). */
  int32At(position: number, value: number): void {
    this.buffer.writeInt32BE(value, position);
  }
}
