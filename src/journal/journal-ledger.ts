// What the journal's entries mean for its files: which records are still pending (not settled),
// which batch each pending record belongs to, which batches are live (hold pending records), and
// per segment how many pending records and live batch entries it holds. The journal applies every
// entry it appends here, and recovery applies every entry it reads, so a reopened journal has the
// very state the crashed one had.
//
// A segment can go once it holds nothing pending and every segment before it is gone: segments are
// deleted oldest first, so an entry settling something (an acknowledgement) is never lost while
// what it settles is still on disk. Every operation costs O(1) per record it names (a map lookup,
// a counter), plus a binary search over the few segments: no scan of the journal.
import type { BatchEntry, IdentityEntry } from './journal-entries.js';
import type { NumberRuns } from './number-runs.js';
import { PendingRecords } from './pending-records.js';

/** One segment's bookkeeping. */
export interface SegmentLedger {
  /** Number of its first entry. */
  readonly base: number;
  /** Bytes of its frames, written or not. */
  bytes: number;
  entries: number;
  /** 1 when its first entry is the identity copied there when it was started, else 0. */
  headerEntries: number;
  /** Pending records whose entry is in it, plus live batches whose entry is in it. */
  pending: number;
  /** Its deletion is scheduled. */
  releasing: boolean;
}

/** A batch entry that still holds pending records. */
export interface LiveBatch {
  readonly records: NumberRuns;
  /** Its topic-partition, as {@link JournalLedger.partitionId} numbers them. */
  readonly partition: number;
  /** Its pending records that no later batch entry took. */
  live: number;
  /** The entry and where it is, kept by recovery (which rebuilds the batch); not kept while appending. */
  readonly detail: BatchDetail | undefined;
}

/** A batch entry as recovery read it, and where. */
export interface BatchDetail {
  readonly entry: BatchEntry;
  readonly file: string;
  readonly offset: number;
}

/** How a record stopped being pending. */
export type SettleReason = 'acknowledged' | 'settled';

/**
 * The owner of a pending record in no batch, in {@link JournalLedger.owners}: a negative number
 * that says its partition, so that a batch can be checked to hold records of its own partition.
 */
export function unbatched(partition: number): number {
  return -partition - 1;
}

export class JournalLedger {
  /** Live segments, oldest first; the last one is being written. */
  readonly segments: SegmentLedger[] = [];
  /** Pending record number -> number of the batch entry holding it, or unbatched(partition). */
  readonly owners = new PendingRecords();
  readonly batches = new Map<number, LiveBatch>();
  identity: IdentityEntry | undefined;
  /** Bytes of every live segment. */
  bytes = 0;
  /** Set when a segment's pending count reaches 0: the journal then looks for segments to delete. */
  releaseCheck = false;
  /** Told of every record that stops being pending (recovery keeps counts and drops payloads). */
  onSettled: ((record: number, reason: SettleReason) => void) | undefined;

  /** Topic -> partition -> the partition's number in this ledger. */
  private readonly partitionIds = new Map<string, number[]>();
  private partitionCount = 0;

  /** A small number for the topic-partition, the same every time it is asked for. */
  partitionId(topic: string, partition: number): number {
    let partitions = this.partitionIds.get(topic);
    if (!partitions) this.partitionIds.set(topic, (partitions = []));
    return (partitions[partition] ??= this.partitionCount++);
  }

  get activeSegment(): SegmentLedger {
    return this.segments[this.segments.length - 1]!;
  }

  startSegment(base: number): SegmentLedger {
    const segment: SegmentLedger = { base, bytes: 0, entries: 0, headerEntries: 0, pending: 0, releasing: false };
    this.segments.push(segment);
    return segment;
  }

  /** Counts an entry of `bytes` in the active segment. */
  addEntry(bytes: number): void {
    const segment = this.activeSegment;
    segment.bytes += bytes;
    segment.entries++;
    this.bytes += bytes;
  }

  identityEntry(entry: IdentityEntry): void {
    this.identity = entry;
  }

  /** The record numbered `number` (in the active segment) of partition `partition` is pending, in no batch. */
  record(number: number, partition: number): void {
    this.owners.set(number, unbatched(partition));
    this.activeSegment.pending++;
  }

  /**
   * Why a batch of partition `partition` cannot hold `records`, or undefined when it can: a batch
   * holds pending records of its own partition (checked before a batch entry is written).
   */
  batchProblem(records: NumberRuns, partition: number): string | undefined {
    for (let index = 0; index < records.length; index += 2) {
      const end = records[index]! + records[index + 1]!;
      for (let record = records[index]!; record < end; record++) {
        const owner = this.owners.get(record);
        if (owner === undefined) return `record ${record} is not pending (settled, or not a record)`;
        const recordPartition = owner < 0 ? -owner - 1 : this.batches.get(owner)!.partition;
        if (recordPartition !== partition) return `record ${record} belongs to another partition`;
      }
    }
    return undefined;
  }

  /**
   * The batch entry `number` (in the active segment) holds `records`. A record another batch held
   * moves to this one (a batch re-sent under new numbers, or split): the other batch ends when it
   * has no record left. Records no longer pending are skipped.
   */
  batch(number: number, records: NumberRuns, partition: number, detail?: BatchDetail): void {
    let live = 0;
    for (let index = 0; index < records.length; index += 2) {
      const end = records[index]! + records[index + 1]!;
      for (let record = records[index]!; record < end; record++) {
        const owner = this.owners.get(record);
        if (owner === undefined) continue;
        if (owner >= 0) this.leaveBatch(owner);
        this.owners.set(record, number);
        live++;
      }
    }
    if (live === 0) return;
    this.batches.set(number, { records, partition, live, detail });
    this.activeSegment.pending++;
  }

  /** The batch entry `batch` was acknowledged: every record it names is settled, whichever batch holds it now. */
  acknowledged(batch: number): void {
    const entry = this.batches.get(batch);
    if (!entry) return;
    this.settle(entry.records, 'acknowledged');
  }

  /** `records` are settled; those not pending (settled before) are skipped. */
  settle(records: NumberRuns, reason: SettleReason): void {
    for (let index = 0; index < records.length; index += 2) {
      const end = records[index]! + records[index + 1]!;
      for (let record = records[index]!; record < end; record++) {
        const owner = this.owners.delete(record);
        if (owner === undefined) continue;
        this.release(this.segmentOf(record));
        if (owner >= 0) this.leaveBatch(owner);
        this.onSettled?.(record, reason);
      }
    }
  }

  /** The live segment holding entry `number` (which must be in one). */
  segmentOf(number: number): SegmentLedger {
    const segments = this.segments;
    let low = 0;
    let high = segments.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >>> 1;
      if (segments[middle]!.base <= number) low = middle;
      else high = middle - 1;
    }
    return segments[low]!;
  }

  /**
   * Marks and returns the segments that can be deleted now: the oldest ones, in order, holding
   * nothing pending, up to the active one (which is never deleted).
   */
  takeReleasable(): SegmentLedger[] {
    this.releaseCheck = false;
    const releasable: SegmentLedger[] = [];
    for (let index = 0; index < this.segments.length - 1; index++) {
      const segment = this.segments[index]!;
      if (segment.releasing) continue;
      if (segment.pending > 0) break;
      segment.releasing = true;
      releasable.push(segment);
    }
    return releasable;
  }

  /** Forgets the deleted segment `base` (the oldest). */
  removeSegment(base: number): void {
    const index = this.segments.findIndex((segment) => segment.base === base);
    if (index < 0) return;
    this.bytes -= this.segments[index]!.bytes;
    this.segments.splice(index, 1);
  }

  private leaveBatch(owner: number): void {
    const batch = this.batches.get(owner);
    if (!batch) return;
    if (--batch.live > 0) return;
    this.batches.delete(owner);
    this.release(this.segmentOf(owner));
  }

  private release(segment: SegmentLedger): void {
    if (--segment.pending === 0) this.releaseCheck = true;
  }
}
