// What a producer resends after a crash, from a replayed journal: the batches that were written
// to the network (or about to be) and not acknowledged, exactly as they were (records, boundaries,
// producer id, epoch, sequences), and the records never batched, per partition in journal order.
// Acknowledged and settled records are gone.
//
// A batch whose records all still belong to it comes back whole. One that lost some records to a
// later batch entry (a split was journaled part by part when the crash came) or to a settled
// entry comes back as the runs of records it still holds, each with the sequence its first record
// had in the batch: a record's sequence is its batch's base sequence plus its position.
import type { IdentityEntry, RecordEntry } from './journal-entries.js';
import type { LiveBatch } from './journal-ledger.js';
import type { Replay, SegmentSummary } from './journal-replay.js';

/** A pending record as recovered. Key, value and header values are views of the segment's bytes. */
export interface RecoveredRecord extends Omit<RecordEntry, 'kind'> {
  /** Its entry number: what batches and settled entries name it by. */
  readonly number: number;
  /** When it was journaled, no later: the last write to its segment file, in ms since the epoch. */
  readonly journaledBy: number;
}

/** An unacknowledged batch to resend as it is. */
export interface RecoveredBatch {
  /** Its batch entry's number: pass it to `Journal.acknowledge` once the broker acknowledges it. */
  readonly number: number;
  readonly topic: string;
  readonly partition: number;
  readonly producerId: bigint;
  readonly epoch: number;
  readonly baseSequence: number;
  /** Its records, in batch order. */
  readonly records: readonly RecoveredRecord[];
}

/** Records of one partition that were never in a batch, in journal order. */
export interface RecoveredPartition {
  readonly topic: string;
  readonly partition: number;
  readonly records: readonly RecoveredRecord[];
}

/** The producer identity in effect when the journal stopped. */
export interface JournalIdentity {
  readonly producerId: bigint;
  readonly epoch: number;
  /** When the producer obtained it, in ms since the epoch. */
  readonly time: number;
}

/** What `Journal.open` found in the directory. */
export interface JournalRecovery {
  /** The last identity journaled, if any. */
  readonly identity: JournalIdentity | undefined;
  /**
   * Unacknowledged batches, in the order of their first record: within a partition, the order
   * to resend them in.
   */
  readonly batches: readonly RecoveredBatch[];
  /** Records never batched, per partition (partitions in the order of their first such record). */
  readonly unbatched: readonly RecoveredPartition[];
  /** Bytes cut off a torn tail of the last segment (0 when it was intact). */
  readonly truncatedBytes: number;
}

/** A batch to rebuild: whole (it keeps its entry number) or part of one (it needs an entry of its own). */
export interface BatchPlan extends Omit<RecoveredBatch, 'number'> {
  /** The batch entry's number, for a whole batch. */
  readonly number: number | undefined;
  /** The batch entry it comes from (its own number for a whole batch). */
  readonly source: number;
}

/** Sequence numbers wrap to 0 after 2^31 - 1, as brokers expect. */
const SEQUENCE_MODULUS = 2 ** 31;

/** The batches to rebuild, in the order of their first record. */
export function planBatches(replay: Replay): BatchPlan[] {
  const plans: BatchPlan[] = [];
  for (const [number, batch] of replay.ledger.batches) plans.push(...batchParts(replay, number, batch));
  return plans.sort((a, b) => a.records[0]!.number - b.records[0]!.number);
}

function batchParts(replay: Replay, number: number, batch: LiveBatch): BatchPlan[] {
  const { entry } = batch.detail!;
  const owners = replay.ledger.owners;
  const parts: { start: number; records: RecoveredRecord[] }[] = [];
  let current: { start: number; records: RecoveredRecord[] } | undefined;
  let position = 0;
  let count = 0;
  for (let index = 0; index < entry.records.length; index += 2) {
    const end = entry.records[index]! + entry.records[index + 1]!;
    for (let record = entry.records[index]!; record < end; record++, position++) {
      count++;
      if (owners.get(record) !== number) {
        current = undefined;
        continue;
      }
      if (!current) parts.push((current = { start: position, records: [] }));
      current.records.push(recovered(replay, record, replay.records.get(record)!));
    }
  }
  const whole = parts.length === 1 && parts[0]!.records.length === count;
  return parts.map((part) => ({
    number: whole ? number : undefined,
    source: number,
    topic: entry.topic,
    partition: entry.partition,
    producerId: entry.producerId,
    epoch: entry.epoch,
    baseSequence: (entry.baseSequence + part.start) % SEQUENCE_MODULUS,
    records: part.records,
  }));
}

/** Pending records in no batch, grouped per partition, in journal order. */
export function unbatchedRecords(replay: Replay): RecoveredPartition[] {
  const partitions = new Map<number, { topic: string; partition: number; records: RecoveredRecord[] }>();
  replay.ledger.owners.forEach((record, owner) => {
    if (owner >= 0) return;
    const entry = replay.records.get(record)!;
    let group = partitions.get(owner);
    if (!group) partitions.set(owner, (group = { topic: entry.topic, partition: entry.partition, records: [] }));
    group.records.push(recovered(replay, record, entry));
  });
  return [...partitions.values()];
}

export function identityOf(entry: IdentityEntry | undefined): JournalIdentity | undefined {
  return entry ? { producerId: entry.producerId, epoch: entry.epoch, time: entry.time } : undefined;
}

function recovered(replay: Replay, number: number, entry: RecordEntry): RecoveredRecord {
  const journaledBy = segmentHolding(replay, number)?.modifiedMs ?? Date.now();
  return { number, journaledBy, topic: entry.topic, partition: entry.partition, timestamp: entry.timestamp, key: entry.key, value: entry.value, headers: entry.headers };
}

// The segment whose entries include `number` (segments are in entry order).
function segmentHolding(replay: Replay, number: number): SegmentSummary | undefined {
  const { segments } = replay;
  let low = 0;
  let high = segments.length - 1;
  while (low < high) {
    const middle = (low + high + 1) >> 1;
    if (segments[middle]!.base <= number) low = middle;
    else high = middle - 1;
  }
  return segments[low];
}
