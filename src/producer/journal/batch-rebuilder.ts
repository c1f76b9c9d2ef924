// After a restart, what the journal recovered goes back into the accumulator before any new
// record: each batch an earlier process sent without a durable acknowledgement is rebuilt exactly
// (same records, same boundaries, same producer id, epoch and base sequence, its batch entry's
// number) at the front of its partition's queue, in order, so that the broker recognises a copy
// it already wrote (DUPLICATE_SEQUENCE_NUMBER, or its original offset); the partition's sequences
// continue after them. The records never batched follow, in journal order, as new batches.
import type { JournalRecovery, RecoveredBatch, RecoveredRecord } from '../../journal/journal-recovery.js';
import { RECORD_BATCH_OVERHEAD, RecordBatchBuilder } from '../../records/index.js';
import { journalOnlyDelivery } from '../accumulator/delivery.js';
import type { PartitionState } from '../accumulator/partition-state.js';
import { ProducerBatch } from '../accumulator/producer-batch.js';
import type { RecordAccumulator } from '../accumulator/record-accumulator.js';
import { SerializedRecordFields } from '../producer-record.js';

const SEQUENCE_MODULUS = 0x80000000;

/** What was put back: batches rebuilt and records in all. */
export interface RebuiltCounts {
  readonly batches: number;
  readonly records: number;
}

/** Queues what `recovery` holds in `accumulator`, recovered batches first. */
export function rebuildRecovered(recovery: JournalRecovery, accumulator: RecordAccumulator, now: number): RebuiltCounts {
  let records = 0;
  const lastOfPartition = new Map<PartitionState, RecoveredBatch>();
  for (const recovered of recovery.batches) {
    const queue = accumulator.queueFor(recovered.topic, recovered.partition);
    accumulator.addRebuilt(queue, rebuildBatch(queue, recovered, accumulator, now));
    lastOfPartition.set(queue, recovered);
    records += recovered.records.length;
  }
  // The partition's sequences go on after its last recovered batch, under that batch's producer id
  // and epoch, until the partition has nothing of them left in flight (SequenceTracker.prepare).
  for (const [queue, last] of lastOfPartition) {
    queue.producerId = last.producerId;
    queue.sequenceEpoch = last.epoch;
    queue.nextSequence = (last.baseSequence + last.records.length) % SEQUENCE_MODULUS;
    queue.lastAckedSequence = -1;
  }
  for (const partition of recovery.unbatched) {
    const queue = accumulator.queueFor(partition.topic, partition.partition);
    for (const record of partition.records) accumulator.appendRecovered(queue, toSerialized(record), journalOnlyDelivery, record.number, record.journaledBy, now);
    records += partition.records.length;
  }
  return { batches: recovery.batches.length, records };
}

/**
 * A batch holding exactly the records of `recovered`, stamped as it was sent. It may have been
 * written, so it is never renumbered silently (invariant 5), and it counts among its partition's
 * unconfirmed batches until its acknowledgement is durable.
 */
export function rebuildBatch(queue: PartitionState, recovered: RecoveredBatch, accumulator: Pick<RecordAccumulator, 'batchConfig'>, now: number): ProducerBatch {
  const records = recovered.records.map(toSerialized);
  let size = RECORD_BATCH_OVERHEAD;
  const sizes = records.map((record) => RecordBatchBuilder.recordSizeUpperBound(record.keySize, record.valueSize, record.headers));
  for (const bytes of sizes) size += bytes;
  const { batchSize, deliveryTimeoutMs } = accumulator.batchConfig;
  const batch = new ProducerBatch(queue, now, deliveryTimeoutMs, Math.max(batchSize, size));
  records.forEach((record, index) => {
    batch.append(record, journalOnlyDelivery, index, index === 0 ? RECORD_BATCH_OVERHEAD + sizes[index]! : sizes[index]!);
    batch.addJournalRecord(recovered.records[index]!.number);
    batch.journaledAt = Math.min(batch.journaledAt, recovered.records[index]!.journaledBy);
  });
  batch.closeForAppends();
  batch.assignSequence(recovered.producerId, recovered.epoch, recovered.baseSequence);
  batch.journalEntry = recovered.number;
  batch.journalStamp = { producerId: recovered.producerId, epoch: recovered.epoch, baseSequence: recovered.baseSequence };
  batch.possiblyPersisted = true;
  batch.recovered = true;
  batch.unconfirmed = true;
  queue.unconfirmed++;
  return batch;
}

function toSerialized(record: RecoveredRecord): SerializedRecordFields {
  const serialized = new SerializedRecordFields();
  serialized.key = record.key;
  serialized.value = record.value;
  serialized.headers = record.headers.length === 0 ? undefined : record.headers;
  serialized.timestamp = record.timestamp;
  serialized.partition = record.partition;
  serialized.keySize = record.key === null ? 0 : record.key.length;
  serialized.valueSize = record.value === null ? 0 : record.value.length;
  let headersSize = 0;
  for (const [name, value] of record.headers) headersSize += Buffer.byteLength(name) + (value === null ? 0 : value.length);
  serialized.headersSize = headersSize;
  return serialized;
}
