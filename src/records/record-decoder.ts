// Decodes the records section of one batch (already decompressed) into records. Every length and
// varint is checked against the record's own declared length, so garbage raises CorruptRecordError;
// keys and values are views into the section, not copies.
import { CorruptRecordError } from './errors.js';

/** One record of a batch, with its absolute offset and timestamp. */
export interface KafkaRecord {
  offsetDelta: number;
  timestampDelta: number;
  /** baseOffset + offsetDelta. */
  offset: bigint;
  /** baseTimestamp + timestampDelta (for a LogAppendTime batch, its maxTimestamp, as Kafka defines). */
  timestamp: number;
  /** A view into the batch data (no copy): copy it to keep it beyond the data's life. */
  key: Buffer | null;
  value: Buffer | null;
  /** `[key, value]` pairs in order; keys may repeat. */
  headers: [string, Buffer | null][];
}

/** What decoding needs from the batch header. */
export interface RecordsContext {
  baseOffset: bigint;
  baseTimestamp: number;
  /** When set, every record's timestamp (LogAppendTime batches). */
  overrideTimestamp: number | undefined;
  recordCount: number;
  /** Position of the batch in the caller's data, for error messages. */
  batchPosition: number;
}

/** Smallest possible record: seven one-byte fields (length, attributes, two deltas, key, value, header count). */
const MIN_RECORD_SIZE = 7;

/** Decodes `context.recordCount` records filling `section` exactly. */
export function decodeRecords(section: Buffer, context: RecordsContext): KafkaRecord[] {
  const { recordCount, batchPosition } = context;
  if (recordCount > section.length / MIN_RECORD_SIZE) {
    throw new CorruptRecordError(
      `record batch at byte ${batchPosition} declares ${recordCount} records but holds only ${section.length} bytes of records`,
      batchPosition,
    );
  }
  const cursor = new RecordCursor(section, batchPosition);
  const records: KafkaRecord[] = new Array(recordCount);
  for (let index = 0; index < recordCount; index++) records[index] = decodeRecord(cursor, context);
  if (cursor.position !== section.length) {
    throw new CorruptRecordError(
      `record batch at byte ${batchPosition} has ${section.length - cursor.position} bytes after its ${recordCount} declared records`,
      batchPosition,
    );
  }
  return records;
}

/**
 * Walks `context.recordCount` records filling `section` exactly, checking every length and varint as
 * {@link decodeRecords} does but without building records (what a broker does on Produce), and
 * returns the index of the first record whose offset delta is not its index, or -1 when all match.
 */
export function checkRecords(section: Buffer, context: RecordsContext): number {
  const { recordCount, batchPosition } = context;
  if (recordCount > section.length / MIN_RECORD_SIZE) {
    throw new CorruptRecordError(
      `record batch at byte ${batchPosition} declares ${recordCount} records but holds only ${section.length} bytes of records`,
      batchPosition,
    );
  }
  const cursor = new RecordCursor(section, batchPosition);
  let firstMisplaced = -1;
  for (let index = 0; index < recordCount; index++) {
    if (checkRecord(cursor) !== index && firstMisplaced === -1) firstMisplaced = index;
  }
  if (cursor.position !== section.length) {
    throw new CorruptRecordError(
      `record batch at byte ${batchPosition} has ${section.length - cursor.position} bytes after its ${recordCount} declared records`,
      batchPosition,
    );
  }
  return firstMisplaced;
}

/** Skips one record after checking its structure; returns its offset delta. */
function checkRecord(cursor: RecordCursor): number {
  const recordEnd = cursor.recordStart();
  cursor.varLong(); // timestamp delta
  const offsetDelta = cursor.varInt();
  cursor.skipNullableBytes('key');
  cursor.skipNullableBytes('value');
  const headerCount = cursor.headerCount(recordEnd);
  for (let index = 0; index < headerCount; index++) {
    cursor.skip(cursor.headerKeyLength(), 'header key');
    cursor.skipNullableBytes('header value');
  }
  cursor.recordEnd(recordEnd);
  return offsetDelta;
}

function decodeRecord(cursor: RecordCursor, context: RecordsContext): KafkaRecord {
  const recordEnd = cursor.recordStart();
  const timestampDelta = cursor.varLong();
  const offsetDelta = cursor.varInt();
  const key = cursor.nullableBytes('key');
  const value = cursor.nullableBytes('value');
  const headerCount = cursor.headerCount(recordEnd);
  const headers: [string, Buffer | null][] = new Array(headerCount);
  for (let index = 0; index < headerCount; index++) {
    const headerKey = cursor.bytes(cursor.headerKeyLength(), 'header key').toString('utf8');
    headers[index] = [headerKey, cursor.nullableBytes('header value')];
  }
  cursor.recordEnd(recordEnd);
  return {
    offsetDelta,
    timestampDelta,
    offset: context.baseOffset + BigInt(offsetDelta),
    timestamp: context.overrideTimestamp ?? context.baseTimestamp + timestampDelta,
    key,
    value,
    headers,
  };
}

/** A position in the records section with bounds-checked reads that raise CorruptRecordError. */
class RecordCursor {
  position = 0;
  end: number;

  constructor(
    readonly data: Buffer,
    private readonly batchPosition: number,
  ) {
    this.end = data.length;
  }

  fail(problem: string): never {
    throw new CorruptRecordError(
      `corrupt record in batch at byte ${this.batchPosition} (records byte ${this.position}): ${problem}`,
      this.batchPosition,
    );
  }

  /**
   * Reads a record's length and attributes and bounds later reads to the record; returns where the
   * record ends.
   */
  recordStart(): number {
    this.end = this.data.length;
    const length = this.varInt();
    if (length < MIN_RECORD_SIZE - 1 || length > this.end - this.position) this.fail(`record length ${length} does not fit the batch`);
    const recordEnd = this.position + length;
    this.end = recordEnd; // fields may not read past their record
    this.position++; // attributes: unused
    return recordEnd;
  }

  /** Checks that the record's fields took exactly its declared length. */
  recordEnd(recordEnd: number): void {
    if (this.position !== recordEnd) this.fail(`record fields end at records byte ${this.position}, not at its declared end ${recordEnd}`);
  }

  headerCount(recordEnd: number): number {
    const count = this.varInt();
    if (count < 0 || count > (recordEnd - this.position) / 2) this.fail(`header count ${count} does not fit the record`);
    return count;
  }

  headerKeyLength(): number {
    const length = this.varInt();
    if (length < 0) this.fail(`header key length ${length} is negative`);
    return length;
  }

  /** A zigzag varint of at most 5 bytes, as a signed 32-bit number. */
  varInt(): number {
    const data = this.data;
    let unsigned = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      if (this.position >= this.end) this.fail('varint runs past the record');
      const byte = data[this.position++]!;
      unsigned |= (byte & 0x7f) << shift;
      if (byte < 0x80) return (unsigned >>> 1) ^ -(unsigned & 1);
    }
    return this.fail('varint longer than 5 bytes');
  }

  /** A zigzag varlong of at most 10 bytes, as a number (exact within +-2^53). */
  varLong(): number {
    const data = this.data;
    let unsigned = 0;
    let scale = 1;
    for (let index = 0; index < 10; index++) {
      if (this.position >= this.end) this.fail('varlong runs past the record');
      const byte = data[this.position++]!;
      unsigned += (byte & 0x7f) * scale;
      if (byte < 0x80) return unsigned % 2 === 0 ? unsigned / 2 : -(unsigned + 1) / 2;
      scale *= 128;
    }
    return this.fail('varlong longer than 10 bytes');
  }

  bytes(length: number, what: string): Buffer {
    if (length > this.end - this.position) this.fail(`${what} of ${length} bytes runs past the record`);
    const value = this.data.subarray(this.position, this.position + length);
    this.position += length;
    return value;
  }

  skip(length: number, what: string): void {
    if (length > this.end - this.position) this.fail(`${what} of ${length} bytes runs past the record`);
    this.position += length;
  }

  skipNullableBytes(what: string): void {
    const length = this.varInt();
    if (length < -1) this.fail(`${what} length ${length} is negative`);
    if (length > 0) this.skip(length, what);
  }

  /** A varint length (-1 for null) followed by that many bytes. */
  nullableBytes(what: string): Buffer | null {
    const length = this.varInt();
    if (length === -1) return null;
    if (length < -1) this.fail(`${what} length ${length} is negative`);
    return this.bytes(length, what);
  }
}
