// Per-partition sequence numbers of an idempotent producer. A batch gets its sequence once, when
// it is drained, and keeps it through retries (invariant 1). A partition moves to a new epoch
// (restarting at sequence 0) only when it asked for it and nothing of it is in flight (KIP-360).
// A batch the broker rejected with OUT_OF_ORDER_SEQUENCE_NUMBER is proven unwritten, unless a later
// batch of its epoch was acknowledged (then it was written); a batch that expired in flight leaves its sequence to be resolved by the next batch of
// the partition, sent under the same epoch (invariant 5). A batch
// sent under one stamp with an unknown outcome is never given another: under a new stamp the
// broker could not recognise it as a copy, so it is refused here and failed as possibly written.
import type { PartitionState } from '../accumulator/partition-state.js';
import type { ProducerBatch } from '../accumulator/producer-batch.js';
import type { ProducerIdentity } from './producer-identity.js';

const SEQUENCE_MODULUS = 0x80000000;

/**
 * What prepare() decided for a batch: `ready` (stamped, send it), `wait` (the partition needs a
 * new epoch but has batches in flight), or `possibly-written` (the batch was sent under an older
 * stamp with an unknown outcome; it must not be renumbered, only failed as possibly written).
 */
export type PrepareResult = 'ready' | 'wait' | 'possibly-written';

export class SequenceTracker {
  constructor(
    private readonly identity: ProducerIdentity,
    private readonly transactional: boolean,
  ) {}

  /**
   * Readies `batch`, the head of `queue`, to be sent: moves the partition to the producer's epoch
   * when it may, and stamps the batch when it has no sequence under the partition's epoch.
   * A batch stamped under an older producer id or epoch is stamped anew only when no send of it
   * may have been written (invariant 5).
   */
  prepare(queue: PartitionState, batch: ProducerBatch): PrepareResult {
    const identity = this.identity;
    const stale = queue.producerId !== identity.producerId || queue.sequenceEpoch !== identity.epoch;
    if (stale) {
      const mustMove = queue.resetRequested || queue.producerId !== identity.producerId || !this.holdsStampedBatches(queue, batch);
      if (mustMove) {
        if (queue.inFlight.length > 0) return 'wait';
        this.restart(queue);
      }
    }
    if (batch.baseSequence < 0 || batch.producerId !== queue.producerId || batch.producerEpoch !== queue.sequenceEpoch) {
      if (batch.baseSequence >= 0) {
        if (batch.possiblyPersisted) return 'possibly-written';
        batch.sequenceReset = true;
      }
      batch.assignSequence(queue.producerId, queue.sequenceEpoch, queue.nextSequence);
      queue.nextSequence = (queue.nextSequence + batch.recordCount) % SEQUENCE_MODULUS;
    }
    batch.applyStamp(this.transactional);
    return 'ready';
  }

  /**
   * A batch too large for the broker was split: the parts take the original's sequence range in
   * order, so the sequences of later batches stay valid. Only a batch that cannot have been written
   * is split (parts with other ranges would not be recognised as copies of a written original).
   */
  onSplit(original: ProducerBatch, parts: readonly ProducerBatch[]): void {
    let sequence = original.baseSequence;
    for (const part of parts) {
      part.assignSequence(original.producerId, original.producerEpoch, sequence);
      sequence = (sequence + part.recordCount) % SEQUENCE_MODULUS;
    }
  }

  // Batches already stamped under the partition's current epoch must keep their stamps while a
  // previous send of them may still be deduplicated by the broker.
  private holdsStampedBatches(queue: PartitionState, head: ProducerBatch): boolean {
    return queue.inFlight.length > 0 || (head.baseSequence >= 0 && head.producerEpoch === queue.sequenceEpoch && head.producerId === queue.producerId);
  }

  private restart(queue: PartitionState): void {
    queue.producerId = this.identity.producerId;
    queue.sequenceEpoch = this.identity.epoch;
    queue.nextSequence = 0;
    queue.lastAckedSequence = -1;
    queue.resetRequested = false;
  }

  /** Records an acknowledged batch. */
  onAcknowledged(queue: PartitionState, batch: ProducerBatch): void {
    if (batch.producerId !== queue.producerId || batch.producerEpoch !== queue.sequenceEpoch || batch.baseSequence < 0) return;
    if (queue.lastAckedSequence < 0 || isAfter(batch.lastSequence, queue.lastAckedSequence)) {
      queue.lastAckedSequence = batch.lastSequence;
    }
  }

  /**
   * Records a stamped batch that ended without being written in sequence: failed for good while
   * certainly unwritten, or given up by a transaction's abort whether written or not. The
   * sequences after it can no longer be relied on to follow on, so the partition needs a new epoch
   * (a transactional producer gets it with the abort's InitProducerId).
   */
  onSequenceGap(queue: PartitionState, batch: ProducerBatch): void {
    if (batch.baseSequence < 0 || batch.producerEpoch !== queue.sequenceEpoch || batch.producerId !== queue.producerId) return;
    this.requestNewEpoch(queue);
  }

  /**
   * The broker rejected `batch` for its sequence (OUT_OF_ORDER_SEQUENCE_NUMBER), which proves the
   * batch unwritten (a broker deduplicates the last 5 batches of a producer), or did not know the
   * producer (UNKNOWN_PRODUCER_ID), which proves nothing about an earlier send of it. When an earlier
   * batch of the partition is still pending, the gap may fill and the batch is retried as it is;
   * otherwise the gap is permanent (or the broker lost the producer's state) and the partition
   * restarts its sequences under a new epoch. Returns `possibly-written` when the records may be in
   * the log all the same (an earlier send of them went unanswered): they must not be resent under a
   * new stamp, only failed as possibly written; and `written` when a later batch of the same epoch
   * was acknowledged (see acknowledgedPast): the sequences continue, the records are in the log
   * at an offset no answer will tell.
   */
  onSequenceRejected(queue: PartitionState, batch: ProducerBatch, provesUnwritten: boolean): 'retry' | 'possibly-written' | 'written' {
    const current = batch.producerEpoch === queue.sequenceEpoch && batch.producerId === queue.producerId;
    if (current && this.acknowledgedPast(queue, batch)) return 'written';
    // For a part of a batch that may have been written, the refusal proves only that this range
    // was not: the batch it was split from, with another range, may be in the log.
    if (provesUnwritten && !batch.splitFromUnknown) batch.possiblyPersisted = false;
    const pending = current && this.hasPendingPredecessor(queue, batch);
    if (current && !pending) this.requestNewEpoch(queue);
    if (!batch.possiblyPersisted) return 'retry';
    // Such a part refused for a gap that an earlier batch may still fill is sent again as it is.
    return pending && provesUnwritten ? 'retry' : 'possibly-written';
  }

  /**
   * Whether a later batch of the partition, under the same producer id and epoch, was acknowledged:
   * the broker takes a producer's sequences only in order, so `batch` was written. Its answer was
   * lost, and a resend of it refused (out of order, once more than 5 later batches were written,
   * or for a producer the broker forgot) proves nothing against that.
   */
  acknowledgedPast(queue: PartitionState, batch: ProducerBatch): boolean {
    if (batch.baseSequence < 0 || queue.lastAckedSequence < 0) return false;
    if (batch.producerEpoch !== queue.sequenceEpoch || batch.producerId !== queue.producerId) return false;
    return queue.lastAckedSequence === batch.lastSequence || isAfter(queue.lastAckedSequence, batch.lastSequence);
  }

  private hasPendingPredecessor(queue: PartitionState, batch: ProducerBatch): boolean {
    const earlier = (other: ProducerBatch) =>
      other !== batch &&
      other.baseSequence >= 0 &&
      other.producerEpoch === batch.producerEpoch &&
      other.producerId === batch.producerId &&
      isAfter(batch.baseSequence, other.baseSequence);
    return queue.inFlight.some(earlier) || queue.queued.some(earlier) || queue.splitting.some(earlier);
  }

  private requestNewEpoch(queue: PartitionState): void {
    if (queue.resetRequested) return;
    queue.resetRequested = true;
    // A partition must never reuse an epoch it already used; one bump serves every partition that
    // asks within the same epoch.
    if (queue.sequenceEpoch === this.identity.epoch && queue.producerId === this.identity.producerId) {
      this.identity.epochBumpRequested = true;
    }
  }
}

/** Whether sequence `left` comes after `right`, with wrap-around at 2^31. */
function isAfter(left: number, right: number): boolean {
  const distance = (left - right + SEQUENCE_MODULUS) % SEQUENCE_MODULUS;
  return distance !== 0 && distance < SEQUENCE_MODULUS / 2;
}
