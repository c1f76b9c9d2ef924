// Appends records into one growing buffer in RecordBatch v2 layout and builds the batch bytes.
// Invariant: `sizeInBytes` always equals the size of the uncompressed batch `build()` would return,
// so the accumulator can decide exactly whether the next record fits.
import { InvalidRecordError } from '../errors/kafka-error.js';
import { type CompressionCodec, compressNow, compressWith } from './codecs/codec.js';
import { crc32c } from './crc32c.js';
import {
  ATTRIBUTES_POSITION,
  BASE_OFFSET_POSITION,
  BASE_SEQUENCE_POSITION,
  BASE_TIMESTAMP_POSITION,
  BATCH_LENGTH_POSITION,
  COMPRESSION_ATTRIBUTE,
  CONTROL_MASK,
  type CompressionType,
  CRC_POSITION,
  CURRENT_MAGIC,
  LAST_OFFSET_DELTA_POSITION,
  LOG_OVERHEAD,
  MAGIC_POSITION,
  MAX_TIMESTAMP_POSITION,
  NO_PARTITION_LEADER_EPOCH,
  NO_PRODUCER_EPOCH,
  NO_PRODUCER_ID,
  NO_SEQUENCE,
  NO_TIMESTAMP,
  PARTITION_LEADER_EPOCH_POSITION,
  PRODUCER_EPOCH_POSITION,
  PRODUCER_ID_POSITION,
  RECORD_BATCH_OVERHEAD,
  RECORDS_COUNT_POSITION,
  TIMESTAMP_TYPE_MASK,
  type TimestampType,
} from './record-batch-layout.js';
import {
  dataSize,
  type RecordData,
  type RecordHeaderList,
  sizeOfVarInt,
  sizeOfVarLong,
  utf8Length,
  writeData,
  writeVarInt,
  writeVarLong,
} from './record-encoding.js';

/** Options of {@link RecordBatchBuilder}. */
export interface RecordBatchBuilderOptions {
  /** Bytes allocated up front (the buffer doubles when records outgrow it). Default 1024. */
  initialCapacity?: number;
  /**
   * A buffer to write the batch into instead of allocating one (its contents are overwritten);
   * `initialCapacity` is then ignored. It is replaced, like an allocated one, when records outgrow it.
   */
  buffer?: Buffer;
  /** Marks the batch as a control batch (attribute bit 5), for transaction markers. Default false. */
  isControl?: boolean;
  /** Timestamp type of the batch (attribute bit 3). Producers write CreateTime, the default. */
  timestampType?: TimestampType;
}

/**
 * Largest timestamp accepted: timestamp deltas are computed with numbers, exact while both
 * timestamps stay below 2^52 ms (about 142,000 years after 1970).
 */
const MAX_TIMESTAMP = 2 ** 52 - 1;

/** Record overhead beyond key, value and headers at worst: length (5), attributes (1), timestamp delta (10), offset delta (5). */
const RECORD_FIXED_UPPER_BOUND = 5 + 1 + 10 + 5;

/**
 * Builds one RecordBatch v2. Records are encoded straight into the batch buffer as they are
 * appended; `build()` writes the 61-byte header in front of them with placeholder producer id,
 * epoch and base sequence (-1), which `stampRecordBatch` fills in later without re-encoding.
 */
export class RecordBatchBuilder {
  private buffer: Buffer;
  /** End of the records written so far; also the batch size, since the header space is reserved. */
  private position = RECORD_BATCH_OVERHEAD;
  private count = 0;
  private firstTimestamp = NO_TIMESTAMP;
  private largestTimestamp = NO_TIMESTAMP;
  private readonly attributes: number;
  private built: Buffer | undefined;
  private closed = false;
  /** The buffer the builder was given to write into, if any. */
  private readonly given: Buffer | undefined;

  constructor(options: RecordBatchBuilderOptions = {}) {
    const given = options.buffer;
    this.given = given;
    if (given !== undefined && given.length < RECORD_BATCH_OVERHEAD + 16) {
      throw new RangeError(`RecordBatchBuilder: a buffer of ${given.length} bytes cannot hold a batch header`);
    }
    this.buffer = given ?? Buffer.allocUnsafe(Math.max(options.initialCapacity ?? 1024, RECORD_BATCH_OVERHEAD + 16));
    this.attributes = (options.isControl ? CONTROL_MASK : 0) | (options.timestampType === 'LogAppendTime' ? TIMESTAMP_TYPE_MASK : 0);
  }

  /**
   * Upper bound of the bytes one record adds to any batch, whatever its offset and timestamp
   * deltas; null key or value counts as size 0. Add {@link RECORD_BATCH_OVERHEAD} for the size of a
   * batch holding only this record.
   */
  static recordSizeUpperBound(keySize: number, valueSize: number, headers?: RecordHeaderList | null): number {
    return (
      RECORD_FIXED_UPPER_BOUND +
      sizeOfVarInt(keySize) +
      Math.max(keySize, 0) +
      sizeOfVarInt(valueSize) +
      Math.max(valueSize, 0) +
      headersSectionSize(headers)
    );
  }

  /** The exact size of the uncompressed batch built from the records appended so far. */
  get sizeInBytes(): number {
    return this.position;
  }

  /** Records appended so far. */
  get recordCount(): number {
    return this.count;
  }

  /** Timestamp of the first record (the batch's baseTimestamp), or -1 before the first append. */
  get baseTimestamp(): number {
    return this.firstTimestamp;
  }

  /** Largest record timestamp so far, or -1 before the first append. */
  get maxTimestamp(): number {
    return this.largestTimestamp;
  }

  /** Whether the batch was built (no more appends). */
  get isClosed(): boolean {
    return this.closed;
  }

  /**
   * The exact `sizeInBytes` after appending a record with this timestamp, key and value sizes
   * (UTF-8 length for strings; null counts as 0, which encodes to the same size as -1) and headers.
   */
  sizeAfterAppend(timestamp: number, keySize: number, valueSize: number, headers?: RecordHeaderList | null): number {
    const timestampDelta = this.count === 0 ? 0 : timestamp - this.firstTimestamp;
    return this.position + recordSize(this.count, timestampDelta, keySize, valueSize, headersSectionSize(headers));
  }

  /**
   * Appends one record; returns its offset delta. `timestamp` is in ms since the epoch (the first
   * record's becomes the batch's baseTimestamp; later ones may be smaller). Strings are written as
   * UTF-8 without an intermediate Buffer.
   */
  append(timestamp: number, key: RecordData, value: RecordData, headers?: RecordHeaderList | null): number {
    return this.appendSized(Number.POSITIVE_INFINITY, timestamp, key, dataSize(key), value, dataSize(value), headers);
  }

  /**
   * Appends one record whose key's and value's byte lengths the caller knows already (UTF-8 length
   * for strings, -1 for null), so that strings are not measured twice, if the batch stays within
   * `maxSizeInBytes` (an empty batch takes any record); returns its offset delta, or -1, appending
   * nothing, when it does not fit.
   */
  appendSized(
    maxSizeInBytes: number,
    timestamp: number,
    key: RecordData,
    keySize: number,
    value: RecordData,
    valueSize: number,
    headers?: RecordHeaderList | null,
  ): number {
    if (this.closed) throw new Error('RecordBatchBuilder: append after build()');
    if (!(timestamp >= 0 && timestamp <= MAX_TIMESTAMP) || Math.floor(timestamp) !== timestamp) {
      throw new InvalidRecordError(`Invalid record timestamp ${timestamp}: expected an integer number of ms in [0, 2^52)`);
    }
    const headersSection = headersSectionSize(headers);
    const offsetDelta = this.count;
    const timestampDelta = offsetDelta === 0 ? 0 : timestamp - this.firstTimestamp;
    const bodySize = recordBodySize(offsetDelta, timestampDelta, keySize, valueSize, headersSection);
    const size = sizeOfVarInt(bodySize) + bodySize;
    if (offsetDelta > 0 && this.position + size > maxSizeInBytes) return -1;
    this.ensureRoom(size);

    const buffer = this.buffer;
    let offset = writeVarInt(buffer, this.position, bodySize);
    buffer[offset++] = 0; // record attributes: unused
    offset = writeVarLong(buffer, offset, timestampDelta);
    offset = writeVarInt(buffer, offset, offsetDelta);
    offset = writeVarInt(buffer, offset, keySize);
    if (keySize > 0) offset = writeData(buffer, offset, key!, keySize);
    offset = writeVarInt(buffer, offset, valueSize);
    if (valueSize > 0) offset = writeData(buffer, offset, value!, valueSize);
    offset = writeHeaders(buffer, offset, headers);

    this.position = offset;
    this.count = offsetDelta + 1;
    if (offsetDelta === 0) this.firstTimestamp = timestamp;
    if (timestamp > this.largestTimestamp) this.largestTimestamp = timestamp;
    return offsetDelta;
  }

  /** The uncompressed records section (a view, valid until the builder is garbage). */
  recordsSection(): Buffer {
    return this.buffer.subarray(RECORD_BATCH_OVERHEAD, this.position);
  }

  /**
   * Closes the builder and returns the uncompressed batch: no copy when the buffer is mostly used
   * or was given (`buffer` option: its owner decides when it is free again), else a right-sized
   * copy, so a small batch does not pin a large buffer while it waits to be sent. Calling it again
   * returns the same bytes.
   */
  build(): Buffer {
    if (this.built) return this.built;
    if (this.closed) throw new Error('RecordBatchBuilder: already built, or being compressed');
    this.closed = true;
    let batch = this.buffer.subarray(0, this.position);
    if (this.buffer !== this.given && this.buffer.length > 2 * this.position) batch = Buffer.from(batch);
    this.writeHeader(batch, this.attributes);
    this.built = batch;
    this.buffer = batch;
    return batch;
  }

  /**
   * Closes the builder and returns the batch with its records section compressed by `codec`.
   * Small sections are compressed synchronously when the codec offers it; larger ones off the
   * event loop. With `'none'`, the same as {@link build}.
   */
  async buildCompressed(compression: CompressionType, codec: CompressionCodec | undefined): Promise<Buffer> {
    if (compression === 'none') return this.build();
    if (!codec) throw new TypeError(`RecordBatchBuilder: ${compression} compression needs a codec`);
    if (this.closed) throw new Error('RecordBatchBuilder: already built');
    // Closed while the codec works on a view of the records; reopened for build() if it fails.
    this.closed = true;
    let compressed: Buffer;
    try {
      compressed = await compressWith(codec, this.recordsSection());
    } finally {
      this.closed = false;
    }
    return this.buildWithCompressedRecords(compression, compressed);
  }

  /**
   * buildCompressed() on the calling thread: the batch, or undefined, leaving the builder open, when
   * `codec` has no synchronous path for a records section this large.
   */
  buildCompressedNow(compression: Exclude<CompressionType, 'none'>, codec: CompressionCodec): Buffer | undefined {
    if (this.closed) throw new Error('RecordBatchBuilder: already built');
    const compressed = compressNow(codec, this.recordsSection());
    return compressed === undefined ? undefined : this.buildWithCompressedRecords(compression, compressed);
  }

  /** Closes the builder and returns the batch holding `compressedRecords`, this batch's records section compressed. */
  buildWithCompressedRecords(compression: CompressionType, compressedRecords: Uint8Array): Buffer {
    if (this.closed) throw new Error('RecordBatchBuilder: already built');
    this.closed = true;
    const batch = Buffer.allocUnsafe(RECORD_BATCH_OVERHEAD + compressedRecords.length);
    batch.set(compressedRecords, RECORD_BATCH_OVERHEAD);
    this.writeHeader(batch, this.attributes | COMPRESSION_ATTRIBUTE[compression]);
    this.built = batch;
    this.buffer = Buffer.alloc(0);
    return batch;
  }

  private writeHeader(batch: Buffer, attributes: number): void {
    batch.writeBigInt64BE(0n, BASE_OFFSET_POSITION); // the broker assigns offsets
    batch.writeInt32BE(batch.length - LOG_OVERHEAD, BATCH_LENGTH_POSITION);
    batch.writeInt32BE(NO_PARTITION_LEADER_EPOCH, PARTITION_LEADER_EPOCH_POSITION);
    batch[MAGIC_POSITION] = CURRENT_MAGIC;
    batch.writeInt16BE(attributes, ATTRIBUTES_POSITION);
    batch.writeInt32BE(this.count - 1, LAST_OFFSET_DELTA_POSITION); // -1 when empty
    writeTimestamp(batch, BASE_TIMESTAMP_POSITION, this.firstTimestamp);
    writeTimestamp(batch, MAX_TIMESTAMP_POSITION, this.largestTimestamp);
    batch.writeBigInt64BE(NO_PRODUCER_ID, PRODUCER_ID_POSITION);
    batch.writeInt16BE(NO_PRODUCER_EPOCH, PRODUCER_EPOCH_POSITION);
    batch.writeInt32BE(NO_SEQUENCE, BASE_SEQUENCE_POSITION);
    batch.writeInt32BE(this.count, RECORDS_COUNT_POSITION);
    batch.writeUInt32BE(crc32c(batch.subarray(ATTRIBUTES_POSITION)), CRC_POSITION);
  }

  private ensureRoom(size: number): void {
    const needed = this.position + size;
    if (needed <= this.buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(needed, this.buffer.length * 2));
    this.buffer.copy(grown, 0, 0, this.position);
    this.buffer = grown;
  }
}

/** Exact size of one record with these deltas, key and value sizes and headers section size. */
function recordSize(offsetDelta: number, timestampDelta: number, keySize: number, valueSize: number, headersSection: number): number {
  const bodySize = recordBodySize(offsetDelta, timestampDelta, keySize, valueSize, headersSection);
  return sizeOfVarInt(bodySize) + bodySize;
}

/** Size of a record after its length varint. */
function recordBodySize(offsetDelta: number, timestampDelta: number, keySize: number, valueSize: number, headersSection: number): number {
  return (
    1 + // attributes
    sizeOfVarLong(timestampDelta) +
    sizeOfVarInt(offsetDelta) +
    sizeOfVarInt(keySize) +
    Math.max(keySize, 0) +
    sizeOfVarInt(valueSize) +
    Math.max(valueSize, 0) +
    headersSection
  );
}

/** Size of a record's headers section: the count varint, then each key and value with their length varints. */
function headersSectionSize(headers: RecordHeaderList | null | undefined): number {
  if (!headers || headers.length === 0) return 1;
  let size = sizeOfVarInt(headers.length);
  for (let index = 0; index < headers.length; index++) {
    const header = headers[index]!;
    const name = header[0];
    if (typeof name !== 'string') throw new InvalidRecordError('Invalid record header: its key must be a string');
    const keySize = utf8Length(name);
    const valueSize = dataSize(header[1]);
    size += sizeOfVarInt(keySize) + keySize + sizeOfVarInt(valueSize) + Math.max(valueSize, 0);
  }
  return size;
}

function writeHeaders(buffer: Buffer, offset: number, headers: RecordHeaderList | null | undefined): number {
  if (!headers || headers.length === 0) {
    buffer[offset] = 0;
    return offset + 1;
  }
  offset = writeVarInt(buffer, offset, headers.length);
  for (let index = 0; index < headers.length; index++) {
    const header = headers[index]!;
    const name = header[0];
    const value = header[1];
    const keySize = utf8Length(name);
    offset = writeVarInt(buffer, offset, keySize);
    offset = writeData(buffer, offset, name, keySize);
    const valueSize = dataSize(value);
    offset = writeVarInt(buffer, offset, valueSize);
    if (valueSize > 0) offset = writeData(buffer, offset, value!, valueSize);
  }
  return offset;
}

/** Writes an int64 timestamp held in a number (exact below 2^53) without a BigInt. */
function writeTimestamp(buffer: Buffer, offset: number, timestamp: number): void {
  const high = Math.floor(timestamp / 0x100000000);
  buffer.writeInt32BE(high, offset);
  buffer.writeUInt32BE(timestamp - high * 0x100000000, offset + 4);
}
