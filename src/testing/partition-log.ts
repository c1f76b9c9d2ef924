// The log of one partition: record batches stored byte-exact in offset order (only baseOffset and
// partitionLeaderEpoch are stamped, which the CRC does not cover), the producer state, the open and
// aborted transactions, the last stable offset and the log start offset, which DeleteRecords-style
// truncation advances. The high watermark is the log end offset.
import { assignBaseOffset, decodeRecords, type KafkaRecord, type RecordsContext } from '../records/index.js';
import { ProducerStateTable } from './producer-state.js';

/** The header fields of a stored batch that the broker logic reads. */
export interface BatchInfo {
  readonly producerId: bigint;
  readonly producerEpoch: number;
  readonly baseSequence: number;
  readonly lastOffsetDelta: number;
  readonly recordCount: number;
  readonly transactional: boolean;
  readonly control: boolean;
  readonly baseTimestamp: number;
  readonly maxTimestamp: number;
  readonly attributes: number;
  readonly sizeInBytes: number;
}

/**
 * A validated batch to append: bytes owned by the log from now on, header fields, and its records
 * section (decompressed; a view into `bytes` when uncompressed), decoded only when inspected.
 */
export interface ParsedBatch {
  readonly bytes: Buffer;
  readonly info: BatchInfo;
  readonly section: Buffer;
  readonly context: RecordsContext;
}

/** The outcome of a transaction on one partition. */
export type TransactionOutcome = 'ongoing' | 'committed' | 'aborted';

/** One transaction of one producer on one partition. */
export interface LogTransaction {
  readonly producerId: bigint;
  readonly firstOffset: bigint;
  outcome: TransactionOutcome;
  /** Offset of the marker that ended it, once it ended. */
  markerOffset: bigint | undefined;
}

/**
 * One batch as stored. Records are decoded when read, not kept as objects: a log of millions of
 * records then costs its bytes, not a heap of small objects for the garbage collector to walk.
 */
export class StoredBatch {
  constructor(
    readonly baseOffset: bigint,
    readonly lastOffset: bigint,
    /** The batch bytes, from baseOffset to the end of its records, as sent to fetchers. */
    readonly bytes: Buffer,
    readonly info: BatchInfo,
    private readonly section: Buffer,
    private readonly context: RecordsContext,
    /** The transaction of a transactional data batch or of a marker. */
    readonly transaction: LogTransaction | undefined,
  ) {}

  /** The records, decoded now; their `offset` fields are relative to the produced batch, use baseOffset + offsetDelta. */
  get records(): readonly KafkaRecord[] {
    return decodeRecords(this.section, this.context);
  }
}

/** The batches a fetch returns, and the offset after the last one. */
export interface LogSlice {
  readonly batches: readonly StoredBatch[];
  readonly sizeInBytes: number;
}

/** One partition's log. */
export class PartitionLog {
  readonly batches: StoredBatch[] = [];
  readonly producers = new ProducerStateTable();
  private startOffset = 0n;
  private endOffset = 0n;
  private readonly openTransactions = new Map<bigint, LogTransaction>();
  private readonly abortedTransactions: LogTransaction[] = [];
  /** Called after every append, so that waiting fetches can be answered. */
  onAppend: (() => void) | undefined;

  /** The first readable offset: reads below it are out of range. */
  get logStartOffset(): bigint {
    return this.startOffset;
  }

  /** The offset the next batch gets. */
  get logEndOffset(): bigint {
    return this.endOffset;
  }

  /** The high watermark: every replica shares the log, so it is the log end offset. */
  get highWatermark(): bigint {
    return this.endOffset;
  }

  /**
   * The first offset of the oldest open transaction, or the high watermark when none is open; never
   * below the log start offset (Kafka clamps it there when a transaction's start was deleted).
   */
  get lastStableOffset(): bigint {
    let stable = this.endOffset;
    for (const transaction of this.openTransactions.values()) {
      if (transaction.firstOffset < stable) stable = transaction.firstOffset;
    }
    return stable > this.startOffset ? stable : this.startOffset;
  }

  /**
   * Appends a batch at the log end offset and returns it as stored. Its bytes (which the log now
   * owns) get the assigned baseOffset and the leader epoch. A transactional data batch opens (or joins) its
   * producer's transaction; a control batch closes it with `marker`'s outcome.
   */
  append(parsed: ParsedBatch, leaderEpoch: number, marker?: 'commit' | 'abort'): StoredBatch {
    const { info } = parsed;
    const stored = parsed.bytes;
    const baseOffset = this.endOffset;
    assignBaseOffset(stored, baseOffset, leaderEpoch);
    const lastOffset = baseOffset + BigInt(info.lastOffsetDelta);
    let transaction: LogTransaction | undefined;
    if (info.control && marker) {
      transaction = this.openTransactions.get(info.producerId);
      if (transaction) {
        this.openTransactions.delete(info.producerId);
        transaction.outcome = marker === 'commit' ? 'committed' : 'aborted';
        transaction.markerOffset = baseOffset;
        if (marker === 'abort') this.abortedTransactions.push(transaction);
      }
      this.producers.recordMarker(info.producerId, info.producerEpoch, info.maxTimestamp);
    } else if (info.transactional) {
      transaction = this.openTransactions.get(info.producerId);
      if (!transaction) {
        transaction = { producerId: info.producerId, firstOffset: baseOffset, outcome: 'ongoing', markerOffset: undefined };
        this.openTransactions.set(info.producerId, transaction);
      }
    }
    if (!info.control) this.producers.recordAppend(info, baseOffset, lastOffset);
    const batch = new StoredBatch(baseOffset, lastOffset, stored, info, parsed.section, parsed.context, transaction);
    this.batches.push(batch);
    this.endOffset = lastOffset + 1n;
    this.onAppend?.();
    return batch;
  }

  /**
   * Advances the log start offset to `offset` (at most the high watermark; a lower offset changes
   * nothing) and drops the batches that end below it. A batch holding `offset` stays whole, as Kafka
   * deletes whole segments and fetches return whole batches. The producer state is kept, as Kafka
   * keeps it since KIP-360; see rebuildProducerState. Returns the log start offset.
   */
  truncateBefore(offset: bigint): bigint {
    if (offset <= this.startOffset) return this.startOffset;
    if (offset > this.endOffset) throw new RangeError(`offset ${offset} is beyond the high watermark ${this.endOffset}`);
    this.startOffset = offset;
    this.batches.splice(0, this.batchIndexAt(offset));
    return offset;
  }

  /**
   * Rebuilds the producer state by replaying the batches still stored, as a replica that copied the
   * log from its start offset does: producers whose batches were all deleted have no state left.
   */
  rebuildProducerState(): void {
    this.producers.clear();
    for (const batch of this.batches) {
      const { info } = batch;
      if (info.control) this.producers.recordMarker(info.producerId, info.producerEpoch, info.maxTimestamp);
      else this.producers.recordAppend(info, batch.baseOffset, batch.lastOffset);
    }
  }

  /** Whether `producerId` has an open transaction on this partition. */
  hasOpenTransaction(producerId: bigint): boolean {
    return this.openTransactions.has(producerId);
  }

  /** Index of the batch holding `offset`, or of the first batch after it; batches.length if none. */
  batchIndexAt(offset: bigint): number {
    let low = 0;
    let high = this.batches.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.batches[middle]!.lastOffset < offset) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  /**
   * Whole batches from the one holding `fetchOffset`, below `upTo` (high watermark or last stable
   * offset), within `maxBytes`; the first batch is returned even when larger, as Kafka does (KIP-74),
   * when `atLeastOne`.
   */
  read(fetchOffset: bigint, upTo: bigint, maxBytes: number, atLeastOne: boolean): LogSlice {
    const batches: StoredBatch[] = [];
    let size = 0;
    for (let index = this.batchIndexAt(fetchOffset); index < this.batches.length; index++) {
      const batch = this.batches[index]!;
      if (batch.baseOffset >= upTo) break;
      if (size + batch.bytes.length > maxBytes && !(atLeastOne && batches.length === 0)) break;
      batches.push(batch);
      size += batch.bytes.length;
    }
    return { batches, sizeInBytes: size };
  }

  /** Aborted transactions overlapping [from, to), for read_committed fetches. */
  abortedBetween(from: bigint, to: bigint): LogTransaction[] {
    return this.abortedTransactions.filter(
      (transaction) => transaction.firstOffset < to && (transaction.markerOffset ?? this.endOffset) >= from,
    );
  }
}
