// The journal directory's segment files and the frame every entry is wrapped in. A segment is named
// by the number of its first entry, zero-padded to 20 digits so that names sort as numbers do.
// A frame is [payload length u32][CRC-32C of the payload u32][payload], big-endian: the length
// lets a reader find the next frame, the CRC tells a complete frame from a torn or damaged one.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32cRange } from '../records/crc32c.js';

/** Bytes before a payload: its length and its CRC. */
export const FRAME_HEADER_BYTES = 8;

/**
 * The largest payload a frame may declare. Larger lengths cannot have been written (the journal
 * refuses such records), so a reader takes one for damage instead of a frame to skip over.
 */
export const MAX_PAYLOAD_BYTES = 1 << 30;

const SEGMENT_NAME = /^(\d{20})\.log$/;

/** One segment file of a journal directory. */
export interface SegmentFile {
  /** File name, e.g. `00000000000000000000.log`. */
  readonly name: string;
  readonly path: string;
  /** Number of the segment's first entry. */
  readonly base: number;
}

export function segmentFileName(base: number): string {
  return `${String(base).padStart(20, '0')}.log`;
}

export function segmentFile(directory: string, base: number): SegmentFile {
  const name = segmentFileName(base);
  return { name, path: join(directory, name), base };
}

/** The segment files of `directory` in entry order. Other files (the lock) are not segments. */
export async function listSegments(directory: string): Promise<SegmentFile[]> {
  const segments: SegmentFile[] = [];
  for (const name of await readdir(directory)) {
    const match = SEGMENT_NAME.exec(name);
    if (!match) continue;
    const base = Number(match[1]);
    // Names beyond 2^53 cannot be numbers this journal wrote.
    if (!Number.isSafeInteger(base)) continue;
    segments.push({ name, path: join(directory, name), base });
  }
  return segments.sort((a, b) => a.base - b.base);
}

/**
 * Completes the frame whose payload of `payloadLength` bytes was written at `offset + 8`: writes its
 * length and CRC in front. Returns the offset after the frame.
 */
export function sealFrame(buffer: Buffer, offset: number, payloadLength: number): number {
  const payloadStart = offset + FRAME_HEADER_BYTES;
  const end = payloadStart + payloadLength;
  buffer.writeUInt32BE(payloadLength, offset);
  buffer.writeUInt32BE(crc32cRange(buffer, payloadStart, end) >>> 0, offset + 4);
  return end;
}
