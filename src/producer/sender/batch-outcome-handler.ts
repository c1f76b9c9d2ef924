// What the answer about a batch leads to: acknowledged, retried (with backoff, after a metadata
// refresh when the leader may have moved), split (too large), resolved by the idempotence rules (a
// sequence refused), or failed, alone or with the later batches of its partition. The request's
// failure without an answer (connection lost, timeout) retries the batch under the same stamp.
// Every batch that ends here ends through BatchCompletion.
import { brokerErrorByCode, ErrorCode } from '../../errors/broker-error-codes.js';
import { BrokerError, KafkaError, ProducerFencedError, RequestNotSentError, TransactionAbortedError } from '../../errors/kafka-error.js';
import type { ProducerMetrics } from '../../metrics/producer-metrics.js';
import { backoffDelay } from '../../network/exponential-backoff.js';
import type { Clock } from '../../time/clock.js';
import type { ProducerBatch } from '../accumulator/producer-batch.js';
import type { RecordAccumulator } from '../accumulator/record-accumulator.js';
import { classify, mayHaveBeenWritten } from '../error-actions.js';
import type { ProducerIdentity } from '../idempotence/producer-identity.js';
import type { SequenceTracker } from '../idempotence/sequence-tracker.js';
import type { ProducerJournal } from '../journal/producer-journal.js';
import type { ResolvedProducerOptions } from '../options.js';
import type { TransactionManager } from '../transactions/transaction-manager.js';
import type { BatchCompletion } from './batch-completion.js';
import type { BatchSplitter } from './batch-splitter.js';
import type { BatchResult } from './produce-request.js';
import type { SenderCluster } from './sender.js';

export interface BatchOutcomeDependencies {
  readonly options: ResolvedProducerOptions;
  readonly cluster: Pick<SenderCluster, 'metadata'>;
  readonly accumulator: RecordAccumulator;
  readonly completion: BatchCompletion;
  readonly sequences: SequenceTracker | undefined;
  readonly transactions: TransactionManager | undefined;
  readonly splitter: BatchSplitter;
  readonly metrics: ProducerMetrics;
  readonly clock: Clock;
  /** Present when idempotence is on. */
  readonly identity?: ProducerIdentity | undefined;
  /** The journal, with the `journal` option. */
  readonly journal?: ProducerJournal | undefined;
  /** The sender: metadata is wanted (the leader may have moved). */
  readonly wantMetadata: () => void;
  /** The sender: something changed, run a pass. */
  readonly wake: () => void;
  /** The sender: the producer cannot go on (fenced); every batch fails with `error`. */
  readonly fatal: (error: KafkaError) => void;
}

export class BatchOutcomeHandler {
  constructor(private readonly deps: BatchOutcomeDependencies) {}

  /** `leader` answered `batch` with `result`. */
  onResult(batch: ProducerBatch, leader: number, result: BatchResult): void {
    const { sequences, completion } = this.deps;
    const outcome = classify(result.errorCode, 'produce');
    if (outcome === 'success') {
      batch.queue.acknowledged(batch, leader);
      completion.acknowledge(batch, result.baseOffset, result.logAppendTimeMs);
      return;
    }
    batch.queue.refused(batch);
    if (batch.done) {
      completion.answeredAfterDone(batch);
      return;
    }
    if (batch.failedBehind) {
      // An earlier batch of the partition failed for good while this one was in flight: it is not
      // retried, so that nothing of the partition is written after the records that failed.
      if (mayHaveBeenWritten(result.errorCode) || sequences?.acknowledgedPast(batch.queue, batch)) batch.possiblyPersisted = true;
      // The sequence gap proves it unwritten, unless a later batch of its epoch was acknowledged.
      else if (result.errorCode === ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER) batch.possiblyPersisted = false;
      this.failBehind(batch);
      return;
    }
    if (mayHaveBeenWritten(result.errorCode)) batch.possiblyPersisted = true;
    const error = brokerError(batch, leader, result);
    switch (outcome) {
      case 'split':
        // A batch that may be in the log is split too: its parts carry that mark (BatchSplitter).
        if (batch.recordCount > 1) this.split(batch);
        else completion.failWithLater(batch, error);
        return;
      case 'sequence-rejected':
        this.onSequenceRejected(batch, result.errorCode, error);
        return;
      case 'fenced': {
        const fenced = new ProducerFencedError(`${error.message}: a newer producer with the same id took over`, {
          brokerErrorCode: result.errorCode,
          brokerErrorName: error.brokerErrorName ?? 'PRODUCER_FENCED',
        });
        completion.failWithLater(batch, fenced);
        this.deps.fatal(fenced);
        return;
      }
      case 'retry-after-metadata':
        if (result.currentLeader) {
          this.deps.cluster.metadata.updateLeader(batch.queue.topic, batch.queue.partition, result.currentLeader.leaderId, result.currentLeader.leaderEpoch);
        }
        this.deps.wantMetadata();
        this.retry(batch, error);
        return;
      case 'retry':
        this.retry(batch, error);
        return;
      default:
        if (result.errorCode === ErrorCode.INVALID_PRODUCER_EPOCH && batch.recovered && this.deps.journal && this.deps.identity) {
          // A batch an earlier process sent, under an epoch the broker has moved past: a new
          // producer id restarts every partition's sequences, and the batch is resent under it
          // (reported as possibly duplicated when it is stamped anew, at drain).
          this.deps.identity.reset();
          this.retry(batch, error);
          return;
        }
        completion.failWithLater(batch, error);
    }
  }

  /**
   * The request carrying `batch` to `leader` ended without an answer (connection lost, request
   * timed out): the batch may have been written, so it is retried with the same producer id,
   * epoch and sequence.
   */
  onRequestFailed(batch: ProducerBatch, leader: number, error: KafkaError): void {
    batch.queue.unanswered(batch);
    if (batch.done) {
      this.deps.completion.answeredAfterDone(batch);
      return;
    }
    if (this.deps.options.acks !== 0 && !(error instanceof RequestNotSentError)) batch.possiblyPersisted = true;
    if (batch.failedBehind) {
      this.failBehind(batch);
      return;
    }
    this.retry(batch, new KafkaError(error.code, `${error.message} (sending to broker ${leader})`, { retriable: true, cause: error, possiblyPersisted: batch.possiblyPersisted }));
  }

  // OUT_OF_ORDER_SEQUENCE_NUMBER or UNKNOWN_PRODUCER_ID: the idempotence rules decide whether the
  // batch is retried (renumbered under a new epoch when its partition restarts), known written,
  // or possibly written; the last two are failed, never resent.
  private onSequenceRejected(batch: ProducerBatch, errorCode: number, error: BrokerError): void {
    const { sequences, completion } = this.deps;
    if (!sequences) {
      completion.failWithLater(batch, error);
      return;
    }
    const verdict = sequences.onSequenceRejected(batch.queue, batch, errorCode === ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    if (verdict === 'retry') {
      this.retry(batch, error);
      return;
    }
    if (verdict === 'possibly-written' && batch.recovered && this.deps.journal) {
      // Sent by an earlier process with an unknown outcome, and the broker no longer knows its
      // producer id or sequence: resent under a new epoch and reported, never silently.
      this.deps.journal.resendUnderNewStamp(batch, `the broker answered ${error.brokerErrorName ?? error.code} to it`);
      this.retry(batch, error);
      return;
    }
    const why =
      verdict === 'written'
        ? `A later batch of ${batch.queue} was acknowledged after these records, and the broker takes sequences only in order, so they were written; their answer was lost and the broker no longer recognises a resend, so their offset is unknown`
        : // An earlier send of these records went unanswered (the broker forgot the producer since,
          // or the batch they were split from may be in the log).
          'An earlier send of these records got no answer, so they may have been written';
    this.failUnresolved(
      batch,
      new BrokerError(error.code, `${error.message}. ${why}; they are not resent, to avoid a duplicate`, {
        brokerErrorCode: errorCode,
        brokerErrorName: error.brokerErrorName ?? brokerErrorByCode(errorCode).name,
        possiblyPersisted: true,
      }),
    );
  }

  /**
   * A batch whose outcome cannot be known fails alone: later batches of the partition stay, since
   * whether or not it was written, they come after it.
   */
  failUnresolved(batch: ProducerBatch, error: KafkaError): void {
    batch.possiblyPersisted = true;
    this.deps.completion.fail(batch, error, 'kept');
  }

  private retry(batch: ProducerBatch, error: KafkaError): void {
    const { options, metrics, completion } = this.deps;
    const now = this.deps.clock.now();
    batch.lastError = error;
    if (this.deps.transactions?.isAborting) {
      // The transaction is being aborted: nothing more of it is sent, so the abort need not wait
      // for this batch's delivery timeout.
      const aborted = new TransactionAbortedError(`The transaction was aborted while a batch for ${batch.queue} was being retried (last error: ${error.message})`, {
        cause: error,
        possiblyPersisted: batch.possiblyPersisted,
      });
      completion.fail(batch, aborted, 'gap', false);
      return;
    }
    if (now >= batch.deliveryDeadline && completion.expire(batch, now, 'it failed on its last attempt')) return;
    if (batch.attempts > options.retries) {
      const gaveUp = new KafkaError(error.code, `${error.message}; gave up after ${batch.attempts} attempts (retries: ${options.retries})`, {
        retriable: error.retriable,
        cause: error,
        possiblyPersisted: batch.possiblyPersisted,
        ...(error.brokerErrorCode === undefined ? {} : { brokerErrorCode: error.brokerErrorCode }),
        ...(error.brokerErrorName === undefined ? {} : { brokerErrorName: error.brokerErrorName }),
      });
      completion.failWithLater(batch, gaveUp);
      return;
    }
    metrics.recordRetry(batch);
    this.deps.accumulator.retry(batch, now + backoffDelay({ initialMs: options.retryBackoffMs, maxMs: options.retryBackoffMaxMs }, batch.attempts - 1));
  }

  // MESSAGE_TOO_LARGE: the batch is re-read and rebuilt as smaller batches that take its place
  // (and its sequence range). The partition holds while the records are re-read.
  private split(batch: ProducerBatch): void {
    const { accumulator, sequences, completion } = this.deps;
    batch.queue.startSplit(batch);
    this.deps.splitter.split(batch).then(
      (parts) => {
        batch.queue.endSplit(batch);
        if (batch.done) {
          // Failed meanwhile (the producer closed or was fenced): the parts hold the same records.
          completion.answeredAfterDone(batch);
        } else if (this.deps.transactions?.isAborting) {
          completion.fail(batch, new TransactionAbortedError(`The transaction was aborted while a batch for ${batch.queue} was being split`), 'gap', false);
        } else {
          if (sequences && batch.baseSequence >= 0) sequences.onSplit(batch, parts);
          this.deps.journal?.splitInto(batch, parts);
          accumulator.replaceSplit(batch, parts);
        }
        this.deps.wake();
      },
      (error: unknown) => {
        batch.queue.endSplit(batch);
        completion.failWithLater(batch, error instanceof KafkaError ? error : new KafkaError('SPLIT_FAILED', `Splitting a batch for ${batch.queue} failed: ${String(error)}`, { cause: error }));
        this.deps.wake();
      },
    );
  }

  // Ends a batch that was in flight when an earlier batch of its partition failed for good.
  private failBehind(batch: ProducerBatch): void {
    const cause = batch.failedBehind!;
    const written = batch.possiblyPersisted ? 'They may have been written: a request carrying them got no answer' : 'They were not written';
    this.deps.completion.failWithLater(
      batch,
      new KafkaError(cause.code, `Not resent: an earlier batch of ${batch.queue} failed for good (${cause.message}). ${written}`, {
        retriable: false,
        cause,
        possiblyPersisted: batch.possiblyPersisted,
      }),
    );
  }
}

function brokerError(batch: ProducerBatch, leader: number, result: BatchResult): BrokerError {
  const info = brokerErrorByCode(result.errorCode);
  const detail = result.errorMessage ? ` (${result.errorMessage})` : '';
  return new BrokerError(info.name, `Broker ${leader} rejected the batch for ${batch.queue}: ${info.name} (${info.code}): ${info.description}${detail}`, {
    retriable: info.retriable,
    brokerErrorCode: info.code,
    brokerErrorName: info.name,
  });
}
