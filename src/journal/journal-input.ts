// Checks of what callers append, done before a byte is reserved: a value that fails half-way
// through encoding would leave a broken frame in the buffer. These are the producer's own calls,
// so a failure is a TypeError naming the field, not a user-facing error.
import type { JournalRecordInput } from './journal-entries.js';

const INT32_MAX = 0x7fffffff;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
/** Timestamps are written as zigzag varlongs of safe integers. */
const TIMESTAMP_LIMIT = 2 ** 52;

/** What a batch entry says, as `Journal.appendBatch` takes it. */
export interface JournalBatchInput {
  readonly topic: string;
  readonly partition: number;
  readonly producerId: bigint;
  readonly epoch: number;
  readonly baseSequence: number;
  /** Entry numbers of its records, ascending, in batch order. */
  readonly records: readonly number[];
}

export function checkRecord(record: JournalRecordInput): void {
  if (typeof record !== 'object' || record === null) throw new TypeError('a journal record must be an object');
  checkTopicPartition(record.topic, record.partition, 'record');
  if (!Number.isSafeInteger(record.timestamp) || Math.abs(record.timestamp) >= TIMESTAMP_LIMIT) {
    throw new TypeError(`record timestamp must be an integer number of ms, got ${record.timestamp}`);
  }
  checkData(record.key, 'record key');
  checkData(record.value, 'record value');
  const { headers } = record;
  if (headers === undefined) return;
  if (!Array.isArray(headers)) throw new TypeError('record headers must be an array of [key, value] pairs');
  for (const header of headers) {
    if (!Array.isArray(header) || typeof header[0] !== 'string') throw new TypeError('record headers must be [string, value] pairs');
    checkData(header[1], `header '${header[0]}'`);
  }
}

export function checkBatch(batch: JournalBatchInput): void {
  if (typeof batch !== 'object' || batch === null) throw new TypeError('a journal batch must be an object');
  checkTopicPartition(batch.topic, batch.partition, 'batch');
  checkProducerId(batch.producerId);
  checkEpoch(batch.epoch);
  if (!Number.isInteger(batch.baseSequence) || batch.baseSequence < 0 || batch.baseSequence > INT32_MAX) {
    throw new TypeError(`batch baseSequence must be an integer from 0 to ${INT32_MAX}, got ${batch.baseSequence}`);
  }
  if (!Array.isArray(batch.records) || batch.records.length === 0) throw new TypeError('batch records must be a non-empty array of entry numbers');
}

export function checkProducerId(producerId: bigint): void {
  if (typeof producerId !== 'bigint' || producerId < INT64_MIN || producerId > INT64_MAX) throw new TypeError(`producerId must be an int64 bigint, got ${String(producerId)}`);
}

export function checkEpoch(epoch: number): void {
  if (!Number.isInteger(epoch) || epoch < -1 || epoch > 0x7fff) throw new TypeError(`epoch must be an integer from -1 to 32767, got ${epoch}`);
}

export function checkOffset(offset: bigint): void {
  if (typeof offset !== 'bigint' || offset < INT64_MIN || offset > INT64_MAX) throw new TypeError(`offset must be an int64 bigint, got ${String(offset)}`);
}

function checkTopicPartition(topic: unknown, partition: unknown, what: string): void {
  if (typeof topic !== 'string' || topic === '') throw new TypeError(`${what} topic must be a non-empty string`);
  if (!Number.isInteger(partition) || (partition as number) < 0 || (partition as number) > INT32_MAX) {
    throw new TypeError(`${what} partition must be an integer from 0 to ${INT32_MAX} (chosen before journaling), got ${String(partition)}`);
  }
}

function checkData(data: unknown, what: string): void {
  if (data === null || typeof data === 'string' || data instanceof Uint8Array) return;
  throw new TypeError(`${what} must be a Buffer, Uint8Array, string or null, got ${typeof data}`);
}
