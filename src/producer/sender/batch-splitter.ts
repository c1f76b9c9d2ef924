// Splits a batch the broker refused as too large (MESSAGE_TOO_LARGE) into batches of about half
// its size, re-reading its records from its bytes. Parts keep the original's deliveries, place,
// creation time (so the same delivery deadline) and, through the sequence tracker, its sequences.
// Parts are sealed (and compressed) by the sender like any new batch.
import { type CodecOverrides, RECORD_BATCH_OVERHEAD, RecordBatchBuilder, readRecordBatches } from '../../records/index.js';
import { ProducerBatch } from '../accumulator/producer-batch.js';
import { SerializedRecordFields } from '../producer-record.js';

export class BatchSplitter {
  constructor(
    private readonly options: { readonly batchSize: number; readonly deliveryTimeoutMs: number },
    private readonly userCodecs: CodecOverrides | undefined,
  ) {}

  async split(batch: ProducerBatch): Promise<ProducerBatch[]> {
    const [decoded] = await readRecordBatches(batch.bytes!, this.userCodecs ? { codecs: this.userCodecs, strict: true } : { strict: true });
    if (!decoded) throw new Error('the batch could not be re-read');
    const owners = batch.recordOwners();
    const target = Math.max(1, Math.floor(Math.min(batch.sizeInBytes, this.options.batchSize * 2) / 2));
    const parts: ProducerBatch[] = [];
    let current: ProducerBatch | undefined;
    // Appends copy what they need, so one record object serves every record in turn.
    const serialized = new SerializedRecordFields();
    const journalRecords = batch.journalRecords;
    decoded.records.forEach((record, index) => {
      serialized.key = record.key;
      serialized.value = record.value;
      serialized.headers = record.headers;
      serialized.timestamp = owners.timestamps[index]!;
      serialized.partition = batch.topicPartition.partition;
      serialized.keySize = record.key ? record.key.length : 0;
      serialized.valueSize = record.value ? record.value.length : 0;
      const recordBytes = RecordBatchBuilder.recordSizeUpperBound(serialized.keySize, serialized.valueSize, serialized.headers);
      if (!current || (current.recordCount > 0 && current.sizeInBytes + (serialized.keySize + serialized.valueSize) > target)) {
        current?.closeForAppends();
        current = new ProducerBatch(batch.topicPartition, batch.createdAt, this.options.deliveryTimeoutMs, target);
        // The part's place: the original's, at the original's record where the part starts.
        current.order = batch.order;
        current.rank = batch.rank + index;
        parts.push(current);
        current.append(serialized, owners.deliveries[index]!, owners.positions[index]!, RECORD_BATCH_OVERHEAD + recordBytes);
      } else {
        current.append(serialized, owners.deliveries[index]!, owners.positions[index]!, recordBytes);
      }
      // With the journal on, each part keeps its records' entry numbers (its own batch entry names them).
      if (journalRecords !== undefined) current.addJournalRecord(journalRecords[index]!);
    });
    // No part takes further records, the last one included: its sequence range is the original's,
    // and a record appended to it at the tail of the queue would be written before the records of
    // the batches behind the original.
    current?.closeForAppends();
    for (const part of parts) {
      part.attempts = batch.attempts;
      // Parts of a batch that may be in the log carry that, so that none is renumbered or taken
      // for unwritten on a sequence refusal (SequenceTracker.onSequenceRejected).
      if (batch.possiblyPersisted) {
        part.possiblyPersisted = true;
        part.splitFromUnknown = true;
      }
    }
    return parts;
  }
}
