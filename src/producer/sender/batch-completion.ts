// The one way a batch ends. Whatever ends it (an acknowledgement, a failure for good, its delivery
// timeout, an aborted transaction, a fenced producer, close), the same bookkeeping follows, in the
// same order: out of its partition's queue, the idempotence and transaction state told, its records
// settled (a failure marked as the batch may be written or not), the metrics counted, its pooled
// buffer and its bufferMemory released. What differs is only the rule for the sequence it held
// (invariants 5 and 6) and whether later batches of its partition go with it.
import { KafkaError, withPossiblyPersisted } from '../../errors/kafka-error.js';
import type { ProducerMetrics } from '../../metrics/producer-metrics.js';
import type { ProducerBatch } from '../accumulator/producer-batch.js';
import type { RecordAccumulator } from '../accumulator/record-accumulator.js';
import type { SequenceTracker } from '../idempotence/sequence-tracker.js';
import { StillJournaledError } from '../journal/journal-events.js';
import type { ProducerJournal } from '../journal/producer-journal.js';
import type { TransactionManager } from '../transactions/transaction-manager.js';

/**
 * What a failed batch's sequence means for its partition. `gap`: it will never be written in
 * sequence (the partition needs a new epoch); `gap-if-unwritten`: a gap unless the batch may have
 * been written, whose sequence the next batch then resolves (invariant 5); `kept`: nothing changes.
 */
export type SequenceRule = 'gap' | 'gap-if-unwritten' | 'kept';

export interface BatchCompletionDependencies {
  readonly accumulator: RecordAccumulator;
  readonly metrics: ProducerMetrics;
  readonly sequences: SequenceTracker | undefined;
  readonly transactions: TransactionManager | undefined;
  /** The journal, with the `journal` option: told of every end. */
  readonly journal?: ProducerJournal | undefined;
}

export class BatchCompletion {
  constructor(private readonly deps: BatchCompletionDependencies) {}

  /** The broker acknowledged `batch`: its records resolve with their offsets. */
  acknowledge(batch: ProducerBatch, baseOffset: bigint, logAppendTime: number): void {
    const { accumulator, metrics, sequences, transactions } = this.deps;
    sequences?.onAcknowledged(batch.queue, batch);
    transactions?.onBatchAcknowledged();
    if (!batch.done) {
      batch.complete(baseOffset, logAppendTime);
      metrics.recordBatchDone(batch, true);
    }
    this.deps.journal?.acknowledged(batch, baseOffset);
    batch.onAcknowledged();
    accumulator.release(batch);
  }

  /**
   * Fails `batch` alone, with `error`: its records reject, and the transaction, if any, can only be
   * aborted (`tellTransaction`). Later batches of the partition stay.
   */
  fail(batch: ProducerBatch, error: KafkaError, rule: SequenceRule, tellTransaction = true): void {
    const { accumulator, metrics, sequences, transactions } = this.deps;
    if (tellTransaction) transactions?.onBatchFailed(error);
    if (rule === 'gap' || (rule === 'gap-if-unwritten' && !batch.possiblyPersisted)) sequences?.onSequenceGap(batch.queue, batch);
    accumulator.dequeue(batch);
    if (!batch.done) {
      const failure = withPossiblyPersisted(error, batch.possiblyPersisted);
      batch.fail(failure);
      metrics.recordBatchDone(batch, false);
      this.deps.journal?.failed(batch, failure);
    }
    accumulator.release(batch);
  }

  /**
   * Fails `batch` for good, with the partition's later queued batches, so that no later record of
   * the partition is written after one that failed (invariant 6). Later batches already in flight
   * cannot be recalled: each fails when its answer comes (ProducerBatch.failedBehind).
   */
  failWithLater(batch: ProducerBatch, error: KafkaError): void {
    this.fail(batch, error, 'gap-if-unwritten');
    for (const other of batch.queue.inFlightAfter(batch)) other.failedBehind ??= error;
    for (const other of batch.queue.queuedAfter(batch)) {
      const notSent = new KafkaError(error.code, `Not sent: an earlier batch of ${batch.queue} failed: ${error.message}`, {
        retriable: error.retriable,
        cause: error,
        possiblyPersisted: other.possiblyPersisted,
      });
      this.fail(other, notSent, 'kept', false);
    }
  }

  /**
   * `batch` is past its delivery deadline: its records reject with a delivery timeout. With the
   * journal on, only its callers' promises reject (StillJournaledError): the batch stays, to be
   * sent until acknowledged, failed for good, or older than journal.maxAgeMs (then it fails for
   * good here). Returns whether the batch ended.
   */
  expire(batch: ProducerBatch, now: number, reason: string): boolean {
    const journal = this.deps.journal;
    if (journal) {
      const ageDeadline = journal.ageDeadline(batch);
      if (now >= ageDeadline) {
        this.fail(batch, journal.tooOld(batch, now, reason), 'gap-if-unwritten', false);
        return true;
      }
      const last = batch.lastErrorNote();
      batch.releaseCallers(
        new StillJournaledError(
          `${batch.recordCount} record(s) for ${batch.queue} were not acknowledged within ${now - batch.createdAt} ms (deliveryTimeoutMs): ${reason}${last.note}. They stay in the journal and the producer keeps sending them until the broker acknowledges them; a failure for good is reported by the 'journal' event`,
          last.options,
        ),
        ageDeadline,
      );
      return false;
    }
    const error = batch.expiryError(now, reason);
    this.deps.transactions?.onBatchFailed(new KafkaError('DELIVERY_TIMEOUT', `a batch for ${batch.queue} expired: ${reason}`));
    this.fail(batch, error, 'gap-if-unwritten', false);
    return true;
  }

  /**
   * A batch in flight when the producer must stop (fenced, fatal error): its records reject now,
   * as possibly written; its memory is released when its request ends.
   */
  failInFlight(batch: ProducerBatch, error: KafkaError): void {
    if (batch.done) return;
    batch.fail(withPossiblyPersisted(error, true));
    this.deps.metrics.recordBatchDone(batch, false);
  }

  /** A batch that had already settled was answered (or its request failed): only its memory is left. */
  answeredAfterDone(batch: ProducerBatch): void {
    this.deps.accumulator.release(batch);
  }

  /**
   * Fails every batch not yet sent (an aborted transaction): given up without an answer about them,
   * their sequences can no longer be relied on. Batches in flight settle as they end.
   */
  failUnsent(error: KafkaError): void {
    for (const batch of this.deps.accumulator.unsent()) this.fail(batch, error, 'gap', false);
  }

  /**
   * Fails every batch not yet settled: queued ones now, in-flight ones too (their memory goes as
   * their requests end). Their records stay pending in the journal, if any (the producer stops).
   */
  failAll(error: KafkaError): void {
    this.deps.journal?.stop();
    this.failUnsent(error);
    for (const batch of this.deps.accumulator.inFlight()) this.failInFlight(batch, error);
  }

  /**
   * The producer closes: every batch not yet settled fails with `error`, and all memory is
   * released. Their records stay pending in the journal, if any, for the next producer.
   */
  close(error: KafkaError): void {
    this.deps.journal?.stop();
    this.failAll(error);
    for (const batch of this.deps.accumulator.unsettled()) {
      if (!batch.done) {
        batch.fail(withPossiblyPersisted(error, batch.possiblyPersisted || batch.attempts > 0));
        this.deps.metrics.recordBatchDone(batch, false);
      }
      this.deps.accumulator.release(batch);
    }
  }
}
