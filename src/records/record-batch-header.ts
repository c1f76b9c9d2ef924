// Parses the 61-byte header of a RecordBatch v2 without touching its records: what a broker needs to
// check producer id, epoch and sequences. Out-of-range fields raise typed errors, never RangeError.
import { crc32c } from './crc32c.js';
import { CorruptRecordError, UnsupportedCompressionError, UnsupportedRecordFormatError } from './errors.js';
import {
  ATTRIBUTES_POSITION,
  BASE_OFFSET_POSITION,
  BASE_SEQUENCE_POSITION,
  BASE_TIMESTAMP_POSITION,
  BATCH_LENGTH_POSITION,
  COMPRESSION_MASK,
  COMPRESSION_TYPES,
  CONTROL_MASK,
  type CompressionType,
  CRC_POSITION,
  CURRENT_MAGIC,
  DELETE_HORIZON_MASK,
  LAST_OFFSET_DELTA_POSITION,
  LOG_OVERHEAD,
  MAGIC_POSITION,
  MAX_TIMESTAMP_POSITION,
  PARTITION_LEADER_EPOCH_POSITION,
  PRODUCER_EPOCH_POSITION,
  PRODUCER_ID_POSITION,
  RECORD_BATCH_OVERHEAD,
  RECORDS_COUNT_POSITION,
  TIMESTAMP_TYPE_MASK,
  type TimestampType,
  TRANSACTIONAL_MASK,
} from './record-batch-layout.js';

/** The header fields of one RecordBatch v2. */
export interface RecordBatchHeader {
  baseOffset: bigint;
  /** Bytes after the batchLength field; the whole batch is `batchLength + 12` bytes. */
  batchLength: number;
  partitionLeaderEpoch: number;
  magic: number;
  /** The CRC stored in the batch (unsigned). */
  crc: number;
  attributes: number;
  compression: CompressionType;
  timestampType: TimestampType;
  isTransactional: boolean;
  isControl: boolean;
  /** Whether baseTimestamp is a compaction delete horizon (attribute bit 6). */
  hasDeleteHorizon: boolean;
  lastOffsetDelta: number;
  /** In ms; a number, exact for every real timestamp (below 2^53). */
  baseTimestamp: number;
  maxTimestamp: number;
  producerId: bigint;
  producerEpoch: number;
  baseSequence: number;
  /** The recordsCount field. */
  recordCount: number;
  /** Size of the whole batch in bytes (`batchLength + 12`). */
  sizeInBytes: number;
}

/** Smallest batchLength a v2 batch can have: its header after the batchLength field. */
export const MIN_BATCH_LENGTH = RECORD_BATCH_OVERHEAD - LOG_OVERHEAD;

/**
 * Reads the header of the batch starting at `offset` in `data`. Needs only the 61 header bytes,
 * unless `verifyCrc` is set, which needs the whole batch and checks its CRC-32C.
 * Throws CorruptRecordError, UnsupportedRecordFormatError (magic other than 2) or
 * UnsupportedCompressionError (compression 5-7).
 */
export function readBatchHeader(data: Buffer, offset = 0, options: { verifyCrc?: boolean } = {}): RecordBatchHeader {
  if (!(offset >= 0 && offset <= data.length)) throw new RangeError(`offset ${offset} is outside data of ${data.length} bytes`);
  const available = data.length - offset;
  if (available < RECORD_BATCH_OVERHEAD) {
    if (available > MAGIC_POSITION) checkMagic(data, offset);
    throw new CorruptRecordError(`truncated record batch header at byte ${offset}: ${available} of ${RECORD_BATCH_OVERHEAD} bytes`, offset);
  }
  checkMagic(data, offset);
  const batchLength = data.readInt32BE(offset + BATCH_LENGTH_POSITION);
  if (batchLength < MIN_BATCH_LENGTH) {
    throw new CorruptRecordError(`record batch at byte ${offset} has batchLength ${batchLength}, below the minimum ${MIN_BATCH_LENGTH}`, offset);
  }
  const attributes = data.readInt16BE(offset + ATTRIBUTES_POSITION);
  const compression = COMPRESSION_TYPES[attributes & COMPRESSION_MASK];
  if (compression === undefined) {
    throw new UnsupportedCompressionError(`record batch at byte ${offset} uses unknown compression type ${attributes & COMPRESSION_MASK}`);
  }
  const recordCount = data.readInt32BE(offset + RECORDS_COUNT_POSITION);
  if (recordCount < 0) throw new CorruptRecordError(`record batch at byte ${offset} has a negative record count ${recordCount}`, offset);
  const header: RecordBatchHeader = {
    baseOffset: data.readBigInt64BE(offset + BASE_OFFSET_POSITION),
    batchLength,
    partitionLeaderEpoch: data.readInt32BE(offset + PARTITION_LEADER_EPOCH_POSITION),
    magic: CURRENT_MAGIC,
    crc: data.readUInt32BE(offset + CRC_POSITION),
    attributes,
    compression,
    timestampType: attributes & TIMESTAMP_TYPE_MASK ? 'LogAppendTime' : 'CreateTime',
    isTransactional: (attributes & TRANSACTIONAL_MASK) !== 0,
    isControl: (attributes & CONTROL_MASK) !== 0,
    hasDeleteHorizon: (attributes & DELETE_HORIZON_MASK) !== 0,
    lastOffsetDelta: data.readInt32BE(offset + LAST_OFFSET_DELTA_POSITION),
    baseTimestamp: readTimestamp(data, offset + BASE_TIMESTAMP_POSITION),
    maxTimestamp: readTimestamp(data, offset + MAX_TIMESTAMP_POSITION),
    producerId: data.readBigInt64BE(offset + PRODUCER_ID_POSITION),
    producerEpoch: data.readInt16BE(offset + PRODUCER_EPOCH_POSITION),
    baseSequence: data.readInt32BE(offset + BASE_SEQUENCE_POSITION),
    recordCount,
    sizeInBytes: batchLength + LOG_OVERHEAD,
  };
  if (options.verifyCrc) verifyBatchCrc(data, offset, header);
  return header;
}

/** Throws CorruptRecordError unless the whole batch is present and its CRC-32C matches. */
export function verifyBatchCrc(data: Buffer, offset: number, header: RecordBatchHeader): void {
  const end = offset + header.sizeInBytes;
  if (end > data.length) {
    throw new CorruptRecordError(`truncated record batch at byte ${offset}: ${data.length - offset} of ${header.sizeInBytes} bytes`, offset);
  }
  const computed = crc32c(data.subarray(offset + ATTRIBUTES_POSITION, end));
  if (computed !== header.crc) {
    throw new CorruptRecordError(
      `record batch at byte ${offset} is corrupt: stored CRC ${hex(header.crc)}, computed ${hex(computed)}`,
      offset,
    );
  }
}

function checkMagic(data: Buffer, offset: number): void {
  const magic = data.readInt8(offset + MAGIC_POSITION);
  if (magic !== CURRENT_MAGIC) throw new UnsupportedRecordFormatError(magic, offset);
}

/** An int64 read as a number (exact below 2^53), avoiding a BigInt per timestamp. */
function readTimestamp(data: Buffer, position: number): number {
  return data.readInt32BE(position) * 0x100000000 + data.readUInt32BE(position + 4);
}

function hex(value: number): string {
  return `0x${value.toString(16).padStart(8, '0')}`;
}
