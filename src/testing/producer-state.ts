// Per-partition producer state, as Kafka's ProducerStateManager keeps it: for each producer id the
// epoch, the metadata of its last 5 batches (duplicates are answered with the original offsets), the
// first offset of its open transaction and the timestamp its expiry is measured from. Checks follow
// ProducerAppendInfo in Kafka 3.x/4.x; expiry follows removeExpiredProducers.
import { ErrorCode } from './error-codes.js';

/** How many batches per producer are remembered for deduplication (Kafka's NUM_BATCHES_TO_RETAIN). */
export const BATCHES_TO_RETAIN = 5;

const INT32_MAX = 0x7fffffff;

/** What is remembered of one appended batch. */
export interface BatchMetadata {
  readonly firstSequence: number;
  readonly lastSequence: number;
  readonly firstOffset: bigint;
  readonly lastOffset: bigint;
}

/** The state of one producer id on one partition. */
export interface ProducerEntry {
  epoch: number;
  batches: BatchMetadata[];
  /** First offset of the producer's open transaction on this partition, if one is open. */
  transactionFirstOffset: bigint | undefined;
  /**
   * Max timestamp of its last batch (the client's CreateTime) or timestamp of its last transaction
   * marker: Kafka measures a producer's idle time from it, not from the broker's append time.
   */
  lastTimestamp: number;
}

/** The producer fields of a batch that the checks read. */
export interface ProducerBatchFields {
  readonly producerId: bigint;
  readonly producerEpoch: number;
  readonly baseSequence: number;
  readonly lastOffsetDelta: number;
  readonly transactional: boolean;
  readonly maxTimestamp: number;
}

/** The outcome of checking one batch against the producer state. */
export type SequenceVerdict =
  | { readonly kind: 'append' }
  | { readonly kind: 'duplicate'; readonly original: BatchMetadata }
  | { readonly kind: 'reject'; readonly errorCode: number; readonly message: string };

/** The last sequence of a batch: base sequence plus offset delta, wrapping past Int32.MAX to 0. */
export function lastSequenceOf(baseSequence: number, lastOffsetDelta: number): number {
  if (baseSequence < 0) return -1;
  return baseSequence > INT32_MAX - lastOffsetDelta
    ? lastOffsetDelta - (INT32_MAX - baseSequence) - 1
    : baseSequence + lastOffsetDelta;
}

function inSequence(lastSequence: number, nextSequence: number): boolean {
  return nextSequence === lastSequence + 1 || (nextSequence === 0 && lastSequence === INT32_MAX);
}

/** The producer state of one partition. */
export class ProducerStateTable {
  private readonly entries = new Map<bigint, ProducerEntry>();
  // Producer ids whose state was dropped with `unknownProducerId: true`: they get the pre-2.5 answer.
  private readonly strictlyForgotten = new Set<bigint>();

  /** The entry of `producerId`, if the partition has state for it. */
  entry(producerId: bigint): ProducerEntry | undefined {
    return this.entries.get(producerId);
  }

  /** Producer ids with state on this partition. */
  producerIds(): bigint[] {
    return [...this.entries.keys()];
  }

  /**
   * Checks a data batch: duplicate of one of the last 5 (same epoch, same sequence range), stale epoch,
   * a new epoch not starting at 0, a sequence gap, or a non-transactional write inside a transaction.
   * With no state at all for the producer, any sequence is accepted, as Kafka does since 2.5 (KIP-360).
   */
  check(batch: ProducerBatchFields): SequenceVerdict {
    if (batch.producerId < 0n) return { kind: 'append' };
    const entry = this.entries.get(batch.producerId);
    const lastSequence = lastSequenceOf(batch.baseSequence, batch.lastOffsetDelta);
    if (!entry) {
      if (this.strictlyForgotten.has(batch.producerId) && batch.baseSequence !== 0) {
        return reject(
          ErrorCode.UNKNOWN_PRODUCER_ID,
          `No state for producer ${batch.producerId} and sequence ${batch.baseSequence} is not 0`,
        );
      }
      return { kind: 'append' };
    }
    if (batch.producerEpoch === entry.epoch) {
      const original = entry.batches.find(
        (known) => known.firstSequence === batch.baseSequence && known.lastSequence === lastSequence,
      );
      if (original) return { kind: 'duplicate', original };
    }
    if (batch.producerEpoch < entry.epoch) {
      return reject(
        ErrorCode.INVALID_PRODUCER_EPOCH,
        `Epoch ${batch.producerEpoch} of producer ${batch.producerId} is older than the last seen epoch ${entry.epoch}`,
      );
    }
    if (batch.producerEpoch !== entry.epoch) {
      if (batch.baseSequence !== 0) {
        return reject(
          ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
          `New epoch ${batch.producerEpoch} of producer ${batch.producerId} must start at sequence 0, got ${batch.baseSequence}`,
        );
      }
    } else {
      const currentLast = entry.batches.at(-1)?.lastSequence ?? -1;
      if (!inSequence(currentLast, batch.baseSequence)) {
        return reject(
          ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
          `Out of order sequence ${batch.baseSequence} for producer ${batch.producerId}; the last sequence is ${currentLast}`,
        );
      }
    }
    if (entry.transactionFirstOffset !== undefined && !batch.transactional) {
      return reject(
        ErrorCode.INVALID_TXN_STATE,
        `Producer ${batch.producerId} wrote a non-transactional batch inside an open transaction`,
      );
    }
    return { kind: 'append' };
  }

  /** Records an appended data batch (call after `check` said 'append'). */
  recordAppend(batch: ProducerBatchFields, firstOffset: bigint, lastOffset: bigint): void {
    if (batch.producerId < 0n) return;
    this.strictlyForgotten.delete(batch.producerId);
    const entry = this.entryForEpoch(batch.producerId, batch.producerEpoch);
    entry.batches.push({
      firstSequence: batch.baseSequence,
      lastSequence: lastSequenceOf(batch.baseSequence, batch.lastOffsetDelta),
      firstOffset,
      lastOffset,
    });
    if (entry.batches.length > BATCHES_TO_RETAIN) entry.batches.shift();
    entry.lastTimestamp = batch.maxTimestamp;
    if (batch.transactional && entry.transactionFirstOffset === undefined) entry.transactionFirstOffset = firstOffset;
  }

  /** Records a transaction marker: the transaction is over, and the marker's epoch becomes current. */
  recordMarker(producerId: bigint, producerEpoch: number, timestamp: number): void {
    const entry = this.entryForEpoch(producerId, producerEpoch);
    entry.transactionFirstOffset = undefined;
    // As Kafka since KAFKA-9144: a marker counts as activity, so a producer is not expired right after its transaction.
    entry.lastTimestamp = timestamp;
  }

  /**
   * Drops the state of the producers (one, or all) with no open transaction whose last timestamp is
   * at least `idleMs` before `now`, as Kafka's producer-id expiration does once a producer has been
   * idle for `producer.id.expiration.ms`. Their next batch is then accepted whatever its sequence.
   * Returns the expired producer ids.
   */
  expire(now: number, idleMs: number, producerId?: bigint): bigint[] {
    const expired: bigint[] = [];
    for (const [id, entry] of this.entries) {
      if (producerId !== undefined && id !== producerId) continue;
      if (entry.transactionFirstOffset !== undefined || now - entry.lastTimestamp < idleMs) continue;
      this.entries.delete(id);
      expired.push(id);
    }
    return expired;
  }

  /** Drops every entry, before the state is rebuilt by replaying the log. */
  clear(): void {
    this.entries.clear();
    this.strictlyForgotten.clear();
  }

  /**
   * Forgets one producer (or all) while the log keeps its batches: the harsh mode, which no real
   * broker does (see FakeCluster.loseProducerStateKeepingLog). With `unknownProducerId`, its next
   * batch with a sequence other than 0 gets UNKNOWN_PRODUCER_ID, as brokers before Kafka 2.5
   * answered; otherwise the next batch is accepted whatever its sequence.
   */
  forget(producerId: bigint | undefined, unknownProducerId: boolean): void {
    const ids = producerId === undefined ? [...this.entries.keys()] : [producerId];
    for (const id of ids) {
      if (this.entries.get(id)?.transactionFirstOffset !== undefined) continue;
      this.entries.delete(id);
      if (unknownProducerId) this.strictlyForgotten.add(id);
    }
  }

  // A new epoch starts with an empty batch history, as Kafka's maybeUpdateProducerEpoch does.
  private entryForEpoch(producerId: bigint, producerEpoch: number): ProducerEntry {
    let entry = this.entries.get(producerId);
    if (!entry) {
      entry = { epoch: producerEpoch, batches: [], transactionFirstOffset: undefined, lastTimestamp: -1 };
      this.entries.set(producerId, entry);
    } else if (entry.epoch !== producerEpoch) {
      entry.epoch = producerEpoch;
      entry.batches = [];
    }
    return entry;
  }
}

function reject(errorCode: number, message: string): SequenceVerdict {
  return { kind: 'reject', errorCode, message };
}
