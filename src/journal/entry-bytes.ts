// The field encodings of journal entries: unsigned varints wide enough for entry numbers (up to
// 2^53), zigzag varlongs for timestamps, length-prefixed strings and nullable byte arrays. Writers
// put bytes at a position of a buffer the caller sized exactly (no growth, no copies); the reader
// checks every read against the end of the entry, so damaged bytes raise EntryDecodeError and
// never a RangeError or a value read from the next entry.
import { sizeOfVarLong, utf8Length, writeData, writeVarLong } from '../records/record-encoding.js';

/** Bytes of a value that cannot be a valid entry; the segment reader names the file and offset. */
export class EntryDecodeError extends Error {}

/** Bytes of the unsigned varint of an integer in [0, 2^53). */
export function sizeOfUnsignedVarLong(value: number): number {
  let size = 1;
  while (value >= 0x80) {
    value = Math.floor(value / 0x80);
    size++;
  }
  return size;
}

/** Writes the unsigned varint of an integer in [0, 2^53) at `offset`; returns the offset after it. */
export function writeUnsignedVarLong(buffer: Buffer, offset: number, value: number): number {
  // Division instead of shifts: shifts would cut the value to 32 bits.
  while (value >= 0x80) {
    buffer[offset++] = (value % 0x80) | 0x80;
    value = Math.floor(value / 0x80);
  }
  buffer[offset++] = value;
  return offset;
}

/** Bytes of a string field: its UTF-8 length as a varint, then the bytes. */
export function sizeOfString(value: string): number {
  const length = utf8Length(value);
  return sizeOfUnsignedVarLong(length) + length;
}

export function writeString(buffer: Buffer, offset: number, value: string): number {
  const length = utf8Length(value);
  offset = writeUnsignedVarLong(buffer, offset, length);
  return writeData(buffer, offset, value, length);
}

/** A byte field's content as the writer takes it: bytes, a string (written as UTF-8) or null. */
export type EntryData = Buffer | Uint8Array | string | null;

/** Byte length of `data` (0 for null). */
export function dataLength(data: EntryData): number {
  if (data === null) return 0;
  return typeof data === 'string' ? utf8Length(data) : data.length;
}

/** Bytes of a nullable byte field: length + 1 as a varint (0 for null), then the bytes. */
export function sizeOfNullableData(data: EntryData): number {
  if (data === null) return 1;
  const length = dataLength(data);
  return sizeOfUnsignedVarLong(length + 1) + length;
}

export function writeNullableData(buffer: Buffer, offset: number, data: EntryData): number {
  if (data === null) {
    buffer[offset] = 0;
    return offset + 1;
  }
  const length = dataLength(data);
  offset = writeUnsignedVarLong(buffer, offset, length + 1);
  return writeData(buffer, offset, data, length);
}

/** Bytes of the zigzag varlong of an integer in (-2^52, 2^52) (a timestamp). */
export const sizeOfSignedVarLong = sizeOfVarLong;
/** Writes the zigzag varlong of an integer in (-2^52, 2^52); returns the offset after it. */
export const writeSignedVarLong = writeVarLong;

/** Bounds-checked reads of one entry's payload. */
export class EntryReader {
  constructor(
    readonly buffer: Buffer,
    public offset: number,
    readonly end: number,
  ) {}

  private need(size: number, what: string): void {
    if (this.offset + size > this.end) throw new EntryDecodeError(`${what} runs past the end of the entry`);
  }

  atEnd(): boolean {
    return this.offset === this.end;
  }

  uint8(): number {
    this.need(1, 'a byte');
    return this.buffer[this.offset++]!;
  }

  int16(): number {
    this.need(2, 'an int16');
    const value = this.buffer.readInt16BE(this.offset);
    this.offset += 2;
    return value;
  }

  int32(): number {
    this.need(4, 'an int32');
    const value = this.buffer.readInt32BE(this.offset);
    this.offset += 4;
    return value;
  }

  int64(): bigint {
    this.need(8, 'an int64');
    const value = this.buffer.readBigInt64BE(this.offset);
    this.offset += 8;
    return value;
  }

  unsignedVarLong(what: string): number {
    let value = 0;
    let scale = 1;
    for (let index = 0; index < 8; index++) {
      this.need(1, what);
      const byte = this.buffer[this.offset++]!;
      value += (byte & 0x7f) * scale;
      if ((byte & 0x80) === 0) {
        if (!Number.isSafeInteger(value)) break;
        return value;
      }
      scale *= 0x80;
    }
    throw new EntryDecodeError(`${what} is not a varint below 2^53`);
  }

  signedVarLong(what: string): number {
    const zigzag = this.unsignedVarLong(what);
    return zigzag % 2 === 0 ? zigzag / 2 : -(zigzag + 1) / 2;
  }

  string(what: string): string {
    const length = this.unsignedVarLong(`the length of ${what}`);
    this.need(length, what);
    const value = this.buffer.toString('utf8', this.offset, this.offset + length);
    this.offset += length;
    return value;
  }

  /** A nullable byte field, as a view of the buffer (not a copy). */
  nullableData(what: string): Buffer | null {
    const lengthPlusOne = this.unsignedVarLong(`the length of ${what}`);
    if (lengthPlusOne === 0) return null;
    const length = lengthPlusOne - 1;
    this.need(length, what);
    const value = this.buffer.subarray(this.offset, this.offset + length);
    this.offset += length;
    return value;
  }
}
