// The snappy-java ("xerial") stream framing that the Java client writes for snappy batches: a
// 16-byte header (magic \x82SNAPPY\x00, version 1, compatible version 1), then blocks of
// [int32 big-endian length][raw snappy block]. Readers also meet raw snappy without it (librdkafka).
import { CorruptRecordError } from '../errors.js';

/** Uncompressed bytes per block, as snappy-java's SnappyOutputStream cuts them (32 KiB). */
export const XERIAL_BLOCK_SIZE = 32 * 1024;

const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
const XERIAL_HEADER = Buffer.concat([XERIAL_MAGIC, Buffer.from([0, 0, 0, 1, 0, 0, 0, 1])]);
const XERIAL_HEADER_SIZE = XERIAL_HEADER.length;

/** Whether `data` starts with the xerial magic (else it is taken as one raw snappy block). */
export function isXerialFramed(data: Buffer): boolean {
  return data.length >= XERIAL_MAGIC.length && data.compare(XERIAL_MAGIC, 0, XERIAL_MAGIC.length, 0, XERIAL_MAGIC.length) === 0;
}

/** Cuts `data` into the uncompressed pieces that become one xerial block each. */
export function xerialPieces(data: Buffer): Buffer[] {
  const pieces: Buffer[] = [];
  for (let start = 0; start < data.length; start += XERIAL_BLOCK_SIZE) {
    pieces.push(data.subarray(start, Math.min(start + XERIAL_BLOCK_SIZE, data.length)));
  }
  return pieces;
}

/** The xerial stream of compressed `blocks`, in order. */
export function frameXerial(blocks: readonly Uint8Array[]): Buffer {
  let size = XERIAL_HEADER_SIZE;
  for (const block of blocks) size += 4 + block.length;
  const framed = Buffer.allocUnsafe(size);
  XERIAL_HEADER.copy(framed, 0);
  let offset = XERIAL_HEADER_SIZE;
  for (const block of blocks) {
    framed.writeInt32BE(block.length, offset);
    framed.set(block, offset + 4);
    offset += 4 + block.length;
  }
  return framed;
}

/**
 * The compressed blocks of a xerial stream (views, no copy). Accepts concatenated streams (a header
 * again where a block length is due), as snappy-java does; lengths running past the end are corrupt.
 */
export function xerialBlocks(data: Buffer): Buffer[] {
  const blocks: Buffer[] = [];
  let offset = 0;
  while (offset < data.length) {
    if (data.length - offset >= XERIAL_MAGIC.length && data.compare(XERIAL_MAGIC, 0, XERIAL_MAGIC.length, offset, offset + XERIAL_MAGIC.length) === 0) {
      if (data.length - offset < XERIAL_HEADER_SIZE) throw new CorruptRecordError(`truncated snappy (xerial) header at byte ${offset}`, offset);
      offset += XERIAL_HEADER_SIZE;
      continue;
    }
    if (data.length - offset < 4) throw new CorruptRecordError(`truncated snappy (xerial) block length at byte ${offset}`, offset);
    const length = data.readInt32BE(offset);
    if (length < 0 || length > data.length - offset - 4) {
      throw new CorruptRecordError(`snappy (xerial) block of ${length} bytes at byte ${offset} runs past the end of the data`, offset);
    }
    blocks.push(data.subarray(offset + 4, offset + 4 + length));
    offset += 4 + length;
  }
  return blocks;
}
