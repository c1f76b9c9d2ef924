// The record encoding of the hot path: varint sizes computed arithmetically and varints, strings and
// bytes written straight into a batch buffer at a position, with no intermediate allocation. Callers
// make room first; these functions never grow or bounds-check the buffer.
import { InvalidRecordError } from '../errors/kafka-error.js';

/** A key, value or header value as the builder accepts it: bytes, a string (written as UTF-8) or null. */
export type RecordData = Buffer | Uint8Array | string | null;

/** Record headers: `[key, value]` pairs in order; a key may repeat. */
export type RecordHeaderList = readonly (readonly [string, RecordData])[];

/** Strings up to this length that are pure ASCII are measured and copied in JavaScript. */
const SHORT_STRING = 24;

/** Byte length of `data` in the batch, or -1 for null (the length the record format writes for it). */
export function dataSize(data: RecordData): number {
  if (typeof data === 'string') return utf8Length(data);
  if (data instanceof Uint8Array) return data.length;
  if (data === null) return -1;
  throw new InvalidRecordError(`Invalid record data: expected Buffer, Uint8Array, string or null, got ${typeof data}`);
}

/** UTF-8 length of `text`; short ASCII strings are measured in JavaScript, cheaper than a native call. */
export function utf8Length(text: string): number {
  const length = text.length;
  if (length > SHORT_STRING) return Buffer.byteLength(text, 'utf8');
  for (let index = 0; index < length; index++) {
    if (text.charCodeAt(index) >= 0x80) return Buffer.byteLength(text, 'utf8');
  }
  return length;
}

/** Bytes of the unsigned varint of a value in [0, 2^32). */
export function sizeOfUnsignedVarInt(value: number): number {
  if (value < 0x80) return 1;
  if (value < 0x4000) return 2;
  if (value < 0x200000) return 3;
  if (value < 0x10000000) return 4;
  return 5;
}

/** Bytes of the zigzag varint of a signed 32-bit value. */
export function sizeOfVarInt(value: number): number {
  return sizeOfUnsignedVarInt(((value << 1) ^ (value >> 31)) >>> 0);
}

/**
 * Bytes of the zigzag varlong of an integer in (-2^52, 2^52). Numbers, not BigInt: timestamp
 * deltas stay far inside that range, and BigInt arithmetic would cost an allocation per record.
 */
export function sizeOfVarLong(value: number): number {
  const zigzag = value >= 0 ? value * 2 : -value * 2 - 1;
  if (zigzag < 0x10000000) return sizeOfUnsignedVarInt(zigzag);
  let size = 5;
  for (let limit = 0x800000000; zigzag >= limit; limit *= 128) size++;
  return size;
}

/** Writes the unsigned varint of a value in [0, 2^32) at `offset`; returns the offset after it. */
export function writeUnsignedVarInt(buffer: Buffer, offset: number, value: number): number {
  while (value >= 0x80) {
    buffer[offset++] = (value & 0x7f) | 0x80;
    value >>>= 7;
  }
  buffer[offset++] = value;
  return offset;
}

/** Writes the zigzag varint of a signed 32-bit value at `offset`; returns the offset after it. */
export function writeVarInt(buffer: Buffer, offset: number, value: number): number {
  return writeUnsignedVarInt(buffer, offset, ((value << 1) ^ (value >> 31)) >>> 0);
}

/** Writes the zigzag varlong of an integer in (-2^52, 2^52) at `offset`; returns the offset after it. */
export function writeVarLong(buffer: Buffer, offset: number, value: number): number {
  let zigzag = value >= 0 ? value * 2 : -value * 2 - 1;
  if (zigzag < 0x80000000) return writeUnsignedVarInt(buffer, offset, zigzag);
  while (zigzag >= 0x80) {
    buffer[offset++] = (zigzag % 128) | 0x80;
    zigzag = Math.floor(zigzag / 128);
  }
  buffer[offset++] = zigzag;
  return offset;
}

/** Writes the `size` bytes of non-null `data` at `offset`; returns the offset after them. */
export function writeData(buffer: Buffer, offset: number, data: Buffer | Uint8Array | string, size: number): number {
  if (typeof data === 'string') {
    // A UTF-8 size equal to the string length means every character is ASCII (one byte each).
    if (size === data.length && size <= SHORT_STRING) {
      for (let index = 0; index < size; index++) buffer[offset + index] = data.charCodeAt(index);
    } else {
      buffer.write(data, offset);
    }
  } else if (size < 16) {
    // A call to set() costs more than copying a few bytes one by one.
    for (let index = 0; index < size; index++) buffer[offset + index] = data[index]!;
  } else {
    buffer.set(data, offset);
  }
  return offset + size;
}
