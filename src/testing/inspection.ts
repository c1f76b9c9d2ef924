// Read-only views of what a partition stored, for assertions in tests: records with their producer
// fields and transaction state, and batch headers. Views are copies: changing one never changes the
// stored bytes that fetchers read.
import { type CompressionType, readBatchHeader } from '../records/index.js';
import type { PartitionLog, StoredBatch } from './partition-log.js';
import { lastSequenceOf } from './producer-state.js';

/** Whether a stored record is committed, aborted, in an open transaction, or not transactional ('none'). */
export type RecordState = 'committed' | 'aborted' | 'ongoing' | 'none';

/** One stored record, as {@link FakeCluster.records} returns it. */
export interface StoredRecord {
  readonly offset: bigint;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  /** `[key, value]` pairs in order; keys may repeat. */
  readonly headers: readonly [string, Buffer | null][];
  /** Timestamp in ms. */
  readonly timestamp: number;
  /** -1n when the producer was not idempotent. */
  readonly producerId: bigint;
  readonly producerEpoch: number;
  /** The batch's base sequence plus the record's offset delta; -1 when not idempotent. */
  readonly sequence: number;
  readonly transactional: boolean;
  /** True for transaction markers (only listed with `includeControl`). */
  readonly control: boolean;
  readonly state: RecordState;
}

/** One stored batch header, as {@link FakeCluster.batches} returns it. */
export interface StoredRecordBatch {
  readonly baseOffset: bigint;
  readonly lastOffset: bigint;
  readonly recordCount: number;
  readonly producerId: bigint;
  readonly producerEpoch: number;
  readonly baseSequence: number;
  /** -1 when not idempotent. */
  readonly lastSequence: number;
  readonly transactional: boolean;
  readonly control: boolean;
  readonly compression: CompressionType;
  /** The leader epoch stamped by the broker at append. */
  readonly partitionLeaderEpoch: number;
  readonly baseTimestamp: number;
  readonly maxTimestamp: number;
  readonly sizeInBytes: number;
  readonly crc: number;
  readonly state: RecordState;
}

/** Options of {@link FakeCluster.records}. */
export interface RecordsOptions {
  /** Also list transaction markers (control records). Default false. */
  readonly includeControl?: boolean;
}

function stateOf(batch: StoredBatch): RecordState {
  if (!batch.info.transactional) return 'none';
  return batch.transaction?.outcome ?? 'ongoing';
}

/** The records of `log` from its log start offset, in offset order. */
export function recordsOf(log: PartitionLog, options: RecordsOptions = {}): StoredRecord[] {
  const records: StoredRecord[] = [];
  for (const batch of log.batches) {
    if (batch.info.control && !options.includeControl) continue;
    const { producerId, producerEpoch, baseSequence, transactional, control } = batch.info;
    const state = stateOf(batch);
    for (const record of batch.records) {
      const offset = batch.baseOffset + BigInt(record.offsetDelta);
      // The first batch may start below the log start offset: its records there are deleted.
      if (offset < log.logStartOffset) continue;
      records.push({
        offset,
        key: record.key && Buffer.from(record.key),
        value: record.value && Buffer.from(record.value),
        headers: record.headers.map(([name, value]) => [name, value && Buffer.from(value)]),
        timestamp: record.timestamp,
        producerId,
        producerEpoch,
        sequence: lastSequenceOf(baseSequence, record.offsetDelta),
        transactional,
        control,
        state,
      });
    }
  }
  return records;
}

/** The headers of the batches `log` still stores (the first may start below the log start offset), in offset order. */
export function batchesOf(log: PartitionLog): StoredRecordBatch[] {
  return log.batches.map((batch) => {
    const header = readBatchHeader(batch.bytes);
    return {
      baseOffset: batch.baseOffset,
      lastOffset: batch.lastOffset,
      recordCount: header.recordCount,
      producerId: header.producerId,
      producerEpoch: header.producerEpoch,
      baseSequence: header.baseSequence,
      lastSequence: lastSequenceOf(header.baseSequence, header.lastOffsetDelta),
      transactional: header.isTransactional,
      control: header.isControl,
      compression: header.compression,
      partitionLeaderEpoch: header.partitionLeaderEpoch,
      baseTimestamp: header.baseTimestamp,
      maxTimestamp: header.maxTimestamp,
      sizeInBytes: header.sizeInBytes,
      crc: header.crc,
      state: stateOf(batch),
    };
  });
}
