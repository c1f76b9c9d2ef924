// Bounds-checked reader with one method per Kafka wire type. Every read past the end of the frame,
// or of a value that cannot be valid (negative lengths, over-long varints), raises a
// MalformedResponseError: a garbled frame never surfaces as a RangeError or crashes the process.
import { MalformedResponseError } from '../errors/kafka-error.js';

export class Reader {
  readonly buffer: Buffer;
  offset: number;
  readonly end: number;

  constructor(buffer: Buffer, offset = 0, end = buffer.length) {
    this.buffer = buffer;
    this.offset = offset;
    this.end = end;
  }

  /** Bytes left before the end of the frame. */
  remaining(): number {
    return this.end - this.offset;
  }

  private need(size: number, what: string): void {
    if (size < 0 || this.offset + size > this.end) {
      throw new MalformedResponseError(
        `truncated frame: ${what} needs ${size} bytes at offset ${this.offset}, ${this.end - this.offset} left`,
      );
    }
  }

  int8(): number {
    this.need(1, 'int8');
    return this.buffer.readInt8(this.offset++);
  }

  bool(): boolean {
    return this.int8() !== 0;
  }

  int16(): number {
    this.need(2, 'int16');
    const value = this.buffer.readInt16BE(this.offset);
    this.offset += 2;
    return value;
  }

  uint16(): number {
    this.need(2, 'uint16');
    const value = this.buffer.readUInt16BE(this.offset);
    this.offset += 2;
    return value;
  }

  int32(): number {
    this.need(4, 'int32');
    const value = this.buffer.readInt32BE(this.offset);
    this.offset += 4;
    return value;
  }

  uint32(): number {
    this.need(4, 'uint32');
    const value = this.buffer.readUInt32BE(this.offset);
    this.offset += 4;
    return value;
  }

  int64(): bigint {
    this.need(8, 'int64');
    const value = this.buffer.readBigInt64BE(this.offset);
    this.offset += 8;
    return value;
  }

  float64(): number {
    this.need(8, 'float64');
    const value = this.buffer.readDoubleBE(this.offset);
    this.offset += 8;
    return value;
  }

  unsignedVarInt(): number {
    const buffer = this.buffer;
    let result = 0;
    let shift = 0;
    for (let index = 0; index < 5; index++) {
      if (this.offset >= this.end) this.need(1, 'varint');
      const byte = buffer[this.offset++]!;
      result |= (byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result >>> 0;
      shift += 7;
    }
    throw new MalformedResponseError(`varint longer than 5 bytes at offset ${this.offset}`);
  }

  varInt(): number {
    const value = this.unsignedVarInt();
    return (value >>> 1) ^ -(value & 1);
  }

  varLong(): bigint {
    let result = 0n;
    let shift = 0n;
    for (let index = 0; index < 10; index++) {
      if (this.offset >= this.end) this.need(1, 'varlong');
      const byte = this.buffer[this.offset++]!;
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return BigInt.asIntN(64, (result >> 1n) ^ -(result & 1n));
      shift += 7n;
    }
    throw new MalformedResponseError(`varlong longer than 10 bytes at offset ${this.offset}`);
  }

  uuid(): string {
    this.need(16, 'uuid');
    const hex = this.buffer.toString('hex', this.offset, this.offset + 16);
    this.offset += 16;
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }

  /** `size` raw bytes, as a view into the frame (no copy). */
  raw(size: number): Buffer {
    this.need(size, 'bytes');
    const value = this.buffer.subarray(this.offset, this.offset + size);
    this.offset += size;
    return value;
  }

  private utf8(size: number): string {
    this.need(size, 'string');
    const value = this.buffer.toString('utf8', this.offset, this.offset + size);
    this.offset += size;
    return value;
  }

  string(): string | null {
    const length = this.int16();
    if (length === -1) return null;
    if (length < -1) throw new MalformedResponseError(`negative string length ${length}`);
    return this.utf8(length);
  }

  compactString(): string | null {
    const length = this.unsignedVarInt();
    if (length === 0) return null;
    return this.utf8(length - 1);
  }

  bytes(): Buffer | null {
    const length = this.int32();
    if (length === -1) return null;
    if (length < -1) throw new MalformedResponseError(`negative bytes length ${length}`);
    return this.raw(length);
  }

  compactBytes(): Buffer | null {
    const length = this.unsignedVarInt();
    if (length === 0) return null;
    return this.raw(length - 1);
  }

  /** An array length (int32, -1 for null), checked against the bytes left so garbage cannot allocate. */
  arrayLength(): number {
    const length = this.int32();
    if (length < -1) throw new MalformedResponseError(`negative array length ${length}`);
    if (length > this.end - this.offset) throw new MalformedResponseError(`array length ${length} exceeds frame`);
    return length;
  }

  /** A compact array length (unsigned varint N+1, 0 for null), returned as N or -1. */
  compactArrayLength(): number {
    const length = this.unsignedVarInt() - 1;
    if (length > this.end - this.offset) throw new MalformedResponseError(`array length ${length} exceeds frame`);
    return length;
  }
}
