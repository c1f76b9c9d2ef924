// Reads a segment file into frames, telling a torn tail from corruption. A crash can only cut the
// journal's last write short, and that write went to the end of the last segment: there, a frame
// header cut short, a frame running past the end of the file, a last frame whose CRC does not
// match, or zeros to the end of the file (space the file system allocated but never filled) are a
// torn tail, which recovery cuts off. Anywhere else the same damage is corruption: a crash cannot
// explain it, so the reader stops with JournalCorruptedError naming the file and byte offset.
import { readFile } from 'node:fs/promises';
import { crc32cRange } from '../records/crc32c.js';
import { JournalCorruptedError } from './journal-errors.js';
import { FRAME_HEADER_BYTES, MAX_PAYLOAD_BYTES, type SegmentFile } from './segment-files.js';

/** The end of a last segment that a crash left incomplete. */
export interface TornTail {
  /** The segment file. */
  readonly file: string;
  /** Where the incomplete frame starts: the file's valid length. */
  readonly offset: number;
  /** Bytes from `offset` to the end of the file. */
  readonly bytes: number;
  /** What is incomplete. */
  readonly reason: string;
}

/** The frames of one segment file. */
export interface SegmentContents {
  readonly file: SegmentFile;
  /** The whole file. Payloads are read in place from it. */
  readonly bytes: Buffer;
  /** Byte offset of each complete frame, in order. */
  readonly frames: readonly number[];
  /** Length of the complete frames: the file's size once a torn tail is cut. */
  readonly validBytes: number;
  /** The torn tail, for the last segment only. */
  readonly torn: TornTail | undefined;
}

/** The payload of the frame at `offset` of `bytes`: [start, end). */
export function payloadBounds(bytes: Buffer, offset: number): [number, number] {
  const start = offset + FRAME_HEADER_BYTES;
  return [start, start + bytes.readUInt32BE(offset)];
}

/**
 * Reads `file` and splits it into frames, checking every CRC. `last`: the file is the journal's
 * last segment, whose end may be torn.
 */
export async function readSegment(file: SegmentFile, last: boolean): Promise<SegmentContents> {
  const bytes = await readFile(file.path);
  return splitFrames(file, bytes, last);
}

export function splitFrames(file: SegmentFile, bytes: Buffer, last: boolean): SegmentContents {
  const frames: number[] = [];
  const size = bytes.length;
  let offset = 0;
  let tail: string | undefined;
  while (offset < size) {
    const remaining = size - offset;
    if (remaining < FRAME_HEADER_BYTES) {
      tail = `a frame header cut short (${remaining} of ${FRAME_HEADER_BYTES} bytes)`;
      break;
    }
    const length = bytes.readUInt32BE(offset);
    if (length === 0 || length > MAX_PAYLOAD_BYTES) {
      if (last && isZero(bytes, offset)) {
        tail = `${remaining} zero bytes where a frame should start`;
        break;
      }
      throw new JournalCorruptedError(file.path, offset, `impossible frame length ${length}`);
    }
    if (length > remaining - FRAME_HEADER_BYTES) {
      tail = `a frame of ${length} bytes runs past the end of the file (${remaining - FRAME_HEADER_BYTES} bytes left)`;
      break;
    }
    const end = offset + FRAME_HEADER_BYTES + length;
    const stored = bytes.readUInt32BE(offset + 4);
    const computed = crc32cRange(bytes, offset + FRAME_HEADER_BYTES, end) >>> 0;
    if (stored !== computed) {
      if (last && end === size) {
        tail = `the last frame's CRC does not match (stored ${hex(stored)}, computed ${hex(computed)})`;
        break;
      }
      throw new JournalCorruptedError(file.path, offset, `CRC mismatch in a frame of ${length} bytes (stored ${hex(stored)}, computed ${hex(computed)})`);
    }
    frames.push(offset);
    offset = end;
  }
  if (tail !== undefined && !last) {
    // Only the last segment is written to; an earlier one was complete and synced before the next began.
    throw new JournalCorruptedError(file.path, offset, `${tail}, in a segment that is not the last`);
  }
  const torn = tail === undefined ? undefined : { file: file.path, offset, bytes: size - offset, reason: tail };
  return { file, bytes, frames, validBytes: offset, torn };
}

function isZero(bytes: Buffer, from: number): boolean {
  for (let index = from; index < bytes.length; index++) if (bytes[index] !== 0) return false;
  return true;
}

function hex(value: number): string {
  return `0x${value.toString(16).padStart(8, '0')}`;
}
