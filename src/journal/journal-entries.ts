// The five kinds of journal entries and their binary payloads (the frame around a payload is the
// segment files' business). A payload starts with its kind byte; the fields follow in a fixed
// order. Entry numbers are not stored: an entry's number is its position in the journal, so the
// decoder is told it, and checks that references point to entries before it.
import {
  type EntryData,
  EntryDecodeError,
  EntryReader,
  sizeOfNullableData,
  sizeOfSignedVarLong,
  sizeOfString,
  sizeOfUnsignedVarLong,
  writeNullableData,
  writeSignedVarLong,
  writeString,
  writeUnsignedVarLong,
} from './entry-bytes.js';
import { type NumberRuns, readRuns, sizeOfRuns, writeRuns } from './number-runs.js';

/** The kind byte at the start of each payload. Values are part of the file format: never reuse one. */
export const EntryKind = { identity: 1, record: 2, batch: 3, acknowledged: 4, settled: 5 } as const;

/** The producer id and epoch the producer uses from this entry on. */
export interface IdentityEntry {
  readonly kind: 'identity';
  readonly producerId: bigint;
  readonly epoch: number;
  /** When the producer obtained it, in ms since the epoch. */
  readonly time: number;
}

/** Headers of a record as the journal takes them: `[key, value]` pairs in order; a key may repeat. */
export type JournalHeaders = readonly (readonly [string, EntryData])[];

/** A record as handed to the journal: its partition is already chosen. */
export interface JournalRecordInput {
  readonly topic: string;
  /** The partition (0 to 2^31 - 1). */
  readonly partition: number;
  /** Create time in ms since the epoch. */
  readonly timestamp: number;
  readonly key: EntryData;
  readonly value: EntryData;
  readonly headers?: JournalHeaders | undefined;
}

/** A record as read back from the journal. */
export interface RecordEntry {
  readonly kind: 'record';
  readonly topic: string;
  readonly partition: number;
  readonly timestamp: number;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: readonly (readonly [string, Buffer | null])[];
}

/** A batch about to be written to the network for the first time (or again, under new numbers). */
export interface BatchEntry {
  readonly kind: 'batch';
  readonly topic: string;
  readonly partition: number;
  readonly producerId: bigint;
  readonly epoch: number;
  readonly baseSequence: number;
  /** The numbers of its records, in batch order, as runs. */
  readonly records: NumberRuns;
}

/** The broker acknowledged the batch entry numbered `batch`: its records are settled. */
export interface AcknowledgedEntry {
  readonly kind: 'acknowledged';
  readonly batch: number;
  /** The offset the broker assigned to the batch's first record (-1 when unknown, as with acks=0). */
  readonly offset: bigint;
}

/** Records that ended without an acknowledgement (failed for good): never to be sent again. */
export interface SettledEntry {
  readonly kind: 'settled';
  readonly records: NumberRuns;
}

export type JournalEntry = IdentityEntry | RecordEntry | BatchEntry | AcknowledgedEntry | SettledEntry;

/** An entry to write: a record may carry strings and Uint8Arrays, the others are as read. */
export type JournalEntryInput = IdentityEntry | ({ readonly kind: 'record' } & JournalRecordInput) | BatchEntry | AcknowledgedEntry | SettledEntry;

/** Payload bytes of a record entry. */
export function sizeOfRecordPayload(record: JournalRecordInput): number {
  let size = 1 + sizeOfString(record.topic) + sizeOfUnsignedVarLong(record.partition) + sizeOfSignedVarLong(record.timestamp);
  size += sizeOfNullableData(record.key) + sizeOfNullableData(record.value);
  const headers = record.headers ?? [];
  size += sizeOfUnsignedVarLong(headers.length);
  for (const [key, value] of headers) size += sizeOfString(key) + sizeOfNullableData(value);
  return size;
}

export function writeRecordPayload(buffer: Buffer, offset: number, record: JournalRecordInput): number {
  buffer[offset++] = EntryKind.record;
  offset = writeString(buffer, offset, record.topic);
  offset = writeUnsignedVarLong(buffer, offset, record.partition);
  offset = writeSignedVarLong(buffer, offset, record.timestamp);
  offset = writeNullableData(buffer, offset, record.key);
  offset = writeNullableData(buffer, offset, record.value);
  const headers = record.headers ?? [];
  offset = writeUnsignedVarLong(buffer, offset, headers.length);
  for (const [key, value] of headers) {
    offset = writeString(buffer, offset, key);
    offset = writeNullableData(buffer, offset, value);
  }
  return offset;
}

/** Payload bytes of any entry. */
export function sizeOfPayload(entry: JournalEntryInput): number {
  switch (entry.kind) {
    case 'identity':
      return 1 + 8 + 2 + sizeOfSignedVarLong(entry.time);
    case 'record':
      return sizeOfRecordPayload(entry);
    case 'batch':
      return 1 + sizeOfString(entry.topic) + sizeOfUnsignedVarLong(entry.partition) + 8 + 2 + 4 + sizeOfRuns(entry.records);
    case 'acknowledged':
      return 1 + sizeOfUnsignedVarLong(entry.batch) + 8;
    case 'settled':
      return 1 + sizeOfRuns(entry.records);
  }
}

/** Writes the payload of `entry` at `offset` (sized with {@link sizeOfPayload}); returns the offset after it. */
export function writePayload(buffer: Buffer, offset: number, entry: JournalEntryInput): number {
  switch (entry.kind) {
    case 'identity':
      buffer[offset++] = EntryKind.identity;
      offset = buffer.writeBigInt64BE(entry.producerId, offset);
      offset = buffer.writeInt16BE(entry.epoch, offset);
      return writeSignedVarLong(buffer, offset, entry.time);
    case 'record':
      return writeRecordPayload(buffer, offset, entry);
    case 'batch':
      buffer[offset++] = EntryKind.batch;
      offset = writeString(buffer, offset, entry.topic);
      offset = writeUnsignedVarLong(buffer, offset, entry.partition);
      offset = buffer.writeBigInt64BE(entry.producerId, offset);
      offset = buffer.writeInt16BE(entry.epoch, offset);
      offset = buffer.writeInt32BE(entry.baseSequence, offset);
      return writeRuns(buffer, offset, entry.records);
    case 'acknowledged':
      buffer[offset++] = EntryKind.acknowledged;
      offset = writeUnsignedVarLong(buffer, offset, entry.batch);
      return buffer.writeBigInt64BE(entry.offset, offset);
    case 'settled':
      buffer[offset++] = EntryKind.settled;
      return writeRuns(buffer, offset, entry.records);
  }
}

/** The payload of `entry` as a new buffer (for tests and tools; the journal writes in place). */
export function encodePayload(entry: JournalEntryInput): Buffer {
  const buffer = Buffer.allocUnsafe(sizeOfPayload(entry));
  const end = writePayload(buffer, 0, entry);
  if (end !== buffer.length) throw new Error(`entry size mismatch: computed ${buffer.length}, wrote ${end}`);
  return buffer;
}

/**
 * Decodes the payload in `buffer[start, end)` of the entry numbered `number`. Byte fields are
 * views of `buffer`. Throws EntryDecodeError for bytes that are not a valid payload.
 */
export function decodePayload(buffer: Buffer, start: number, end: number, number: number): JournalEntry {
  const reader = new EntryReader(buffer, start, end);
  const kind = reader.uint8();
  let entry: JournalEntry;
  switch (kind) {
    case EntryKind.identity:
      entry = { kind: 'identity', producerId: reader.int64(), epoch: reader.int16(), time: reader.signedVarLong('the identity time') };
      break;
    case EntryKind.record:
      entry = decodeRecord(reader);
      break;
    case EntryKind.batch: {
      const topic = reader.string('the batch topic');
      const partition = partitionOf(reader, 'the batch partition');
      const producerId = reader.int64();
      const epoch = reader.int16();
      const baseSequence = reader.int32();
      if (baseSequence < 0) throw new EntryDecodeError(`the batch base sequence is negative (${baseSequence})`);
      const records = readRuns(reader, number, 'the batch records');
      if (records.length === 0) throw new EntryDecodeError('the batch holds no records');
      entry = { kind: 'batch', topic, partition, producerId, epoch, baseSequence, records };
      break;
    }
    case EntryKind.acknowledged: {
      const batch = reader.unsignedVarLong('the acknowledged batch');
      if (batch >= number) throw new EntryDecodeError(`the acknowledgement refers to entry ${batch}, not before it`);
      entry = { kind: 'acknowledged', batch, offset: reader.int64() };
      break;
    }
    case EntryKind.settled:
      entry = { kind: 'settled', records: readRuns(reader, number, 'the settled records') };
      break;
    default:
      throw new EntryDecodeError(`unknown entry kind ${kind}`);
  }
  if (!reader.atEnd()) throw new EntryDecodeError(`${end - reader.offset} bytes follow the ${entry.kind} entry's fields`);
  return entry;
}

function decodeRecord(reader: EntryReader): RecordEntry {
  const topic = reader.string('the record topic');
  const partition = partitionOf(reader, 'the record partition');
  const timestamp = reader.signedVarLong('the record timestamp');
  const key = reader.nullableData('the record key');
  const value = reader.nullableData('the record value');
  const headerCount = reader.unsignedVarLong('the header count');
  const headers: (readonly [string, Buffer | null])[] = [];
  for (let index = 0; index < headerCount; index++) {
    headers.push([reader.string('a header key'), reader.nullableData('a header value')]);
  }
  return { kind: 'record', topic, partition, timestamp, key, value, headers };
}

function partitionOf(reader: EntryReader, what: string): number {
  const partition = reader.unsignedVarLong(what);
  if (partition > 0x7fffffff) throw new EntryDecodeError(`${what} ${partition} is not an int32`);
  return partition;
}
