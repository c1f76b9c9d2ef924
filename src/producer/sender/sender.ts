// The send loop: one pass (runOnce) expires batches past deliveryTimeoutMs, finds partitions whose
// head batch is ready and whose leader is known, and drains them per leader into Produce requests
// (one batch per partition per request, up to maxRequestSize, up to maxInFlight per connection).
// Woken by appends, responses and one timer for the next deadline. Choosing a batch, stamping its
// sequence and writing its request happen in one synchronous step (invariant 8).
import type { Cluster } from '../../cluster/cluster.js';
import { brokerErrorByCode, ErrorCode } from '../../errors/broker-error-codes.js';
import { BrokerError, KafkaError, ProducerFencedError, permanentCause, RequestNotSentError, TransactionAbortedError, UnsupportedVersionError, withPossiblyPersisted } from '../../errors/kafka-error.js';
import type { ProducerMetrics } from '../../metrics/producer-metrics.js';
import type { Connection } from '../../network/connection.js';
import { backoffDelay } from '../../network/exponential-backoff.js';
import type { ProduceResponseData } from '../../protocol/index.js';
import type { PartitionQueue } from '../accumulator/partition-queue.js';
import type { ProducerBatch } from '../accumulator/producer-batch.js';
import type { RecordAccumulator } from '../accumulator/record-accumulator.js';
import { type Clock, type ClockTimer, systemClock } from '../clock.js';
import type { BatchCompressor } from '../compression.js';
import { IDEMPOTENT_ONLY, loadProducerId } from '../idempotence/producer-id-loader.js';
import type { ProducerIdentity } from '../idempotence/producer-identity.js';
import type { SequenceTracker } from '../idempotence/sequence-tracker.js';
import type { ResolvedProducerOptions } from '../options.js';
import type { LeaderDrainStats } from '../partitioners/leader-drain-stats.js';
import type { TransactionManager } from '../transactions/transaction-manager.js';
import type { BatchSplitter } from './batch-splitter.js';
import { classifyProduceError, mayHaveBeenWritten } from './produce-outcome.js';
import { type BatchResult, buildProduceRequest, requestOverhead, resultsByBatch, sendProduceRequest } from './produce-request.js';

/** What the sender uses of the cluster (an interface, so that unit tests can stand in for it). */
export type SenderCluster = Pick<Cluster, 'metadata' | 'isMetadataStale' | 'connectionIfReady' | 'connectionTo' | 'reconnectDelay' | 'refreshMetadata' | 'anyConnection'>;

export interface SenderDependencies {
  readonly options: ResolvedProducerOptions;
  readonly cluster: SenderCluster;
  readonly accumulator: RecordAccumulator;
  /** Present when idempotence is on. */
  readonly identity: ProducerIdentity | undefined;
  readonly sequences: SequenceTracker | undefined;
  /** Present for transactional producers. */
  readonly transactions: TransactionManager | undefined;
  readonly splitter: BatchSplitter;
  readonly metrics: ProducerMetrics;
  /** Compresses batches (absent when compression is 'none'). */
  readonly compressor: BatchCompressor | undefined;
  /** Time source; the system clock unless a test steps time by hand. */
  readonly clock?: Clock;
  /** Told, per leader with ready batches, whether each pass could send to it (adaptive partitioning). */
  readonly drains?: LeaderDrainStats;
  readonly log: (level: 'debug' | 'info' | 'warn' | 'error', message: string, context?: Record<string, unknown>) => void;
}

export class Sender {
  private readonly deps: SenderDependencies;
  private wakeScheduled = false;
  /**
   * True while a pass or the handling of a response is on the stack; runNow() called from inside
   * one (a logger that sends) leaves the work to a scheduled pass.
   */
  private busy = false;
  /** True while runNow() runs a pass on a send() call's stack. */
  private onCallerStack = false;
  private timer: ClockTimer | undefined;
  private timerDue = Number.POSITIVE_INFINITY;
  private metadataWanted = false;
  private producerIdPending = false;
  private producerIdFailures = 0;
  private producerIdRetryAt = 0;
  private readonly connecting = new Set<number>();
  private drainRotation = 0;
  /** > 0 while flush() or close() wants every batch sent now, lingering or not. */
  flushing = 0;
  closed = false;
  /** A fatal error of the producer (e.g. authorization to produce denied): every batch fails with it. */
  fatalError: KafkaError | undefined;

  private readonly clock: Clock;

  constructor(deps: SenderDependencies) {
    this.deps = deps;
    this.clock = deps.clock ?? systemClock;
  }

  /** Schedules a pass of the loop soon (coalesced: many wakes, one pass). */
  wake(): void {
    if (this.wakeScheduled || this.closed) return;
    this.wakeScheduled = true;
    this.clock.soon(() => {
      this.wakeScheduled = false;
      this.runOnce();
    });
  }

  /**
   * Runs a pass now, on the caller's stack, so that batches completed by a send() are written
   * before it returns.
   */
  runNow(): void {
    if (this.busy || this.closed) {
      this.wake();
      return;
    }
    this.onCallerStack = true;
    try {
      this.runOnce();
    } finally {
      this.onCallerStack = false;
    }
  }

  private wakeAt(due: number): void {
    if (due >= this.timerDue || this.closed) return;
    this.timer?.cancel();
    this.timerDue = due;
    this.timer = this.clock.setTimer(() => {
      this.timer = undefined;
      this.timerDue = Number.POSITIVE_INFINITY;
      this.runOnce();
    }, Math.max(0, due - this.clock.now()));
  }

  /** One pass of the loop. */
  runOnce(): void {
    if (this.closed) return;
    if (this.busy) {
      this.wake();
      return;
    }
    this.whileBusy(() => this.pass());
  }

  // Runs `work` with `busy` set.
  private whileBusy(work: () => void): void {
    this.busy = true;
    try {
      work();
    } finally {
      this.busy = false;
    }
  }

  private pass(): void {
    const { accumulator, cluster, identity } = this.deps;
    const now = this.clock.now();
    if (this.fatalError) {
      this.failEverything(this.fatalError);
      return;
    }
    if (cluster.isMetadataStale(now) && cluster.metadata.updatedAt > 0) this.metadataWanted = true;
    const transactions = this.deps.transactions;
    if (identity) {
      // An idempotent producer bumps its epoch itself; a transactional one asks the coordinator
      // when the transaction is aborted (KIP-360).
      if (identity.epochBumpRequested && !transactions && !identity.bumpEpoch()) {
        this.deps.log('info', 'producer epoch exhausted; requesting a new producer id');
      }
      if (!identity.isKnown) {
        this.expireQueued(now, 'no producer id could be obtained');
        if (!transactions) this.ensureProducerId(now);
        return;
      }
    }
    const readyByLeader = new Map<number, PartitionQueue[]>();
    for (const queue of accumulator.active) {
      this.expireQueuedOf(queue, now, 'the batch could not be sent in time');
      const head = queue.queued[0];
      if (!head) {
        accumulator.settleIfIdle(queue);
        continue;
      }
      const leader = cluster.metadata.partition(queue.topic, queue.partition)?.leader ?? -1;
      if (leader < 0 || !cluster.metadata.brokers.has(leader)) {
        this.metadataWanted = true;
        this.wakeAt(head.deliveryDeadline);
        continue;
      }
      if (!this.isReady(queue, head, now)) continue;
      let list = readyByLeader.get(leader);
      if (!list) readyByLeader.set(leader, (list = []));
      list.push(queue);
    }
    const drains = this.deps.drains;
    for (const [leader, queues] of readyByLeader) {
      const drained = this.drainTo(leader, queues, now);
      drains?.onReady(leader, now, drained);
    }
    if (this.metadataWanted) this.refreshMetadata();
    // Nothing left to send or wait for: a timer still set (a lingering or expiry wake-up of batches
    // since acknowledged) would only hold the process open.
    if (accumulator.active.size === 0 && this.timer) {
      this.timer.cancel();
      this.timer = undefined;
      this.timerDue = Number.POSITIVE_INFINITY;
    }
  }

  // Ready: the head batch is full, or not the only one, or lingered, or a retry whose backoff
  // passed, or everything must go now (flush, close). Compressed batches must be sealed first: at
  // once when the codec allows, else off the event loop, and the batch is ready on a later pass.
  private isReady(queue: PartitionQueue, head: ProducerBatch, now: number): boolean {
    if (head.retryAt > now) {
      this.wakeAt(head.retryAt);
      return false;
    }
    const lingered = head.attempts > 0 || head.isFull || queue.queued.length > 1 || this.flushing > 0 || now >= head.createdAt + this.deps.options.lingerMs;
    if (!lingered) {
      this.wakeAt(head.createdAt + this.deps.options.lingerMs);
      return false;
    }
    if (head.isSealed) return true;
    const compressor = this.deps.compressor;
    if (!compressor) return true;
    if (head.sealing) return false;
    try {
      if (compressor.sealNow(head)) return true;
    } catch (error) {
      this.failBatch(queue, head, compressionFailure(queue, error));
      return false;
    }
    // A pass on a send() call's stack writes what is ready now; compressing off the event loop
    // starts in the pass scheduled for it, once the caller yields.
    if (this.onCallerStack) return false;
    compressor.seal(head).then(
      () => this.wake(),
      (error: unknown) => {
        this.failBatch(queue, head, compressionFailure(queue, error));
        this.wake();
      },
    );
    return false;
  }

  // Whether the head of `queue` may go to `leader` now (invariants 3 and 4).
  private canDrain(queue: PartitionQueue, leader: number): boolean {
    if (queue.splitting.length > 0) return false;
    if (queue.inFlight.length === 0) return true;
    if (queue.inFlightLeader !== leader) return false;
    if (queue.recovering) return false;
    return queue.confirmedLeader === leader;
  }

  // Returns whether the leader could take requests: a connection ready with an in-flight slot free
  // (whether or not the rules of its partitions let a batch go).
  private drainTo(leader: number, queues: PartitionQueue[], now: number): boolean {
    const { cluster, options, sequences } = this.deps;
    const connection = cluster.connectionIfReady(leader);
    if (!connection) {
      this.connect(leader);
      return false;
    }
    const open = connection.inFlight < options.maxInFlightRequestsPerConnection && !connection.isBlocked;
    let version: number;
    try {
      version = connection.versionFor('Produce');
      // Produce v12 tells the broker the client runs transactions v2 (KIP-890): the leader then adds
      // the partition to the transaction itself. A transaction of the first protocol stays below it.
      if (this.deps.transactions && this.deps.transactions.protocol === 1) version = Math.min(version, 11);
    } catch (error) {
      this.fatalError = error instanceof UnsupportedVersionError ? error : new UnsupportedVersionError(String(error));
      this.failEverything(this.fatalError);
      return open;
    }
    const rotation = this.drainRotation++ % queues.length;
    while (connection.inFlight < options.maxInFlightRequestsPerConnection && !connection.isBlocked) {
      const batches: ProducerBatch[] = [];
      let size = 0;
      for (let step = 0; step < queues.length; step++) {
        const queue = queues[(rotation + step) % queues.length]!;
        const head = queue.queued[0];
        if (!head || !this.canDrain(queue, leader)) continue;
        if (batches.length > 0 && !this.isReady(queue, head, now)) continue;
        if (this.deps.transactions && !this.deps.transactions.partitionReady(queue)) continue;
        if (!head.isSealed) {
          if (head.sealing || this.deps.compressor) continue;
          head.seal();
        }
        const bytes = head.bytes!.length + requestOverhead(queue.topic);
        if (batches.length > 0 && size + bytes > options.maxRequestSize) continue;
        if (sequences) {
          const prepared = sequences.prepare(queue, head);
          if (prepared === 'wait') continue;
          if (prepared === 'possibly-written') {
            this.failUnresolved(queue, head, notRenumbered(queue, head));
            step--; // the partition's next batch may go in its place
            continue;
          }
        }
        queue.queued.shift();
        queue.inFlight.push(head);
        queue.inFlightLeader = leader;
        head.attempts++;
        batches.push(head);
        size += bytes;
      }
      if (batches.length === 0) break;
      this.deps.transactions?.onProduceSent();
      this.send(connection, leader, version, batches);
      // Further requests only for partitions whose next batch is ready too.
      now = this.clock.now();
      queues = queues.filter((queue) => queue.queued.length > 0 && this.isReady(queue, queue.queued[0]!, now));
      if (queues.length === 0) break;
    }
    return open;
  }

  private send(connection: Connection, leader: number, version: number, batches: ProducerBatch[]): void {
    const { options, metrics } = this.deps;
    const request = buildProduceRequest(batches, options.acks, options.requestTimeoutMs, options.transactionalId ?? null);
    const writtenBefore = connection.bytesWritten;
    const answer = sendProduceRequest(connection, version, request);
    const sent = metrics.requestSent(leader, version, batches, connection.bytesWritten - writtenBefore);
    answer.then(
      (response) => {
        metrics.requestDone(sent, response === undefined ? undefined : (response.throttleTimeMs ?? 0));
        this.whileBusy(() => this.onProduceResponse(batches, leader, response));
        this.wake();
      },
      (error: unknown) => {
        metrics.requestDone(sent, undefined, error);
        const failure = error instanceof KafkaError ? error : new KafkaError('REQUEST_FAILED', String(error), { cause: error });
        this.whileBusy(() => {
          for (const batch of batches) this.onRequestFailed(batch, leader, failure);
        });
        this.metadataWanted = true;
        this.wake();
      },
    );
  }

  private onProduceResponse(batches: ProducerBatch[], leader: number, response: ProduceResponseData | undefined): void {
    if (response === undefined) {
      // acks=0: no response; the request was written.
      for (const batch of batches) this.onBatchResult(batch, leader, { errorCode: 0, baseOffset: -1n, logAppendTimeMs: -1, errorMessage: null, currentLeader: undefined });
      return;
    }
    const results = resultsByBatch(batches, response);
    batches.forEach((batch, index) => {
      this.onBatchResult(batch, leader, results[index] ?? missingResult);
    });
  }

  private onBatchResult(batch: ProducerBatch, leader: number, result: BatchResult): void {
    const { accumulator, sequences, cluster, metrics } = this.deps;
    const queue = batch.topicPartition as PartitionQueue;
    queue.removeInFlight(batch);
    const outcome = classifyProduceError(result.errorCode);
    if (outcome !== 'success' && !batch.done && batch.failedBehind) {
      // An earlier batch of the partition failed for good while this one was in flight: it is not
      // retried, so that nothing of the partition is written after the records that failed.
      if (mayHaveBeenWritten(result.errorCode) || sequences?.acknowledgedPast(queue, batch)) batch.possiblyPersisted = true;
      // The sequence gap proves it unwritten, unless a later batch of its epoch was acknowledged.
      else if (result.errorCode === ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER) batch.possiblyPersisted = false;
      this.failBehind(queue, batch);
      return;
    }
    if (outcome === 'success') {
      sequences?.onAcknowledged(queue, batch);
      this.deps.transactions?.onBatchAcknowledged();
      queue.confirmedLeader = leader;
      // Recovery ends with the success of the head: a later batch acknowledged while an earlier one
      // waits for its retry must not let the partition pipeline again (invariant 3), or more than 5
      // batches could be written behind it and a resend of it no longer be recognised.
      if (queue.inFlight.length === 0 && !queue.hasQueuedBefore(batch)) queue.recovering = false;
      if (!batch.done) {
        batch.complete(result.baseOffset, result.logAppendTimeMs);
        metrics.recordBatchDone(batch, true);
      }
      batch.onAcknowledged();
      accumulator.release(batch);
      accumulator.settleIfIdle(queue);
      return;
    }
    if (batch.done) {
      accumulator.release(batch);
      return;
    }
    if (mayHaveBeenWritten(result.errorCode)) batch.possiblyPersisted = true;
    const error = this.brokerError(queue, leader, result);
    switch (outcome) {
      case 'split':
        // A batch that may be in the log is split too: its parts carry that mark (BatchSplitter).
        if (batch.recordCount > 1) {
          this.split(queue, batch);
          return;
        }
        this.failBatch(queue, batch, error);
        return;
      case 'sequence-rejected':
        this.onSequenceRejected(queue, batch, result.errorCode, error);
        return;
      case 'fenced': {
        const fenced = new ProducerFencedError(`${error.message}: a newer producer with the same id took over`, {
          brokerErrorCode: result.errorCode,
          brokerErrorName: error.brokerErrorName ?? 'PRODUCER_FENCED',
        });
        this.fatalError = fenced;
        this.failBatch(queue, batch, fenced);
        this.failEverything(fenced);
        return;
      }
      case 'retry-after-metadata':
        if (result.currentLeader) {
          cluster.metadata.updateLeader(queue.topic, queue.partition, result.currentLeader.leaderId, result.currentLeader.leaderEpoch);
        }
        this.metadataWanted = true;
        this.retry(queue, batch, error);
        return;
      case 'retry':
        this.retry(queue, batch, error);
        return;
      default:
        this.failBatch(queue, batch, error);
    }
  }

  // OUT_OF_ORDER_SEQUENCE_NUMBER or UNKNOWN_PRODUCER_ID: the idempotence rules decide whether the
  // batch is retried (renumbered under a new epoch when its partition restarts), known written,
  // or possibly written; the last two are failed, never resent.
  private onSequenceRejected(queue: PartitionQueue, batch: ProducerBatch, errorCode: number, error: BrokerError): void {
    const sequences = this.deps.sequences;
    if (!sequences) {
      this.failBatch(queue, batch, error);
      return;
    }
    const verdict = sequences.onSequenceRejected(queue, batch, errorCode === ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    if (verdict === 'retry') {
      this.retry(queue, batch, error);
      return;
    }
    const why =
      verdict === 'written'
        ? `A later batch of ${queue} was acknowledged after these records, and the broker takes sequences only in order, so they were written; their answer was lost and the broker no longer recognises a resend, so their offset is unknown`
        : // An earlier send of these records went unanswered (the broker forgot the producer since,
          // or the batch they were split from may be in the log).
          'An earlier send of these records got no answer, so they may have been written';
    this.failUnresolved(queue, batch, new BrokerError(error.code, `${error.message}. ${why}; they are not resent, to avoid a duplicate`, {
      brokerErrorCode: errorCode,
      brokerErrorName: error.brokerErrorName ?? brokerErrorByCode(errorCode).name,
      possiblyPersisted: true,
    }));
  }

  // The request's outcome is unknown (connection lost, request timed out): the batch may have
  // been written, so it is retried with the same producer id, epoch and sequence.
  private onRequestFailed(batch: ProducerBatch, leader: number, error: KafkaError): void {
    const queue = batch.topicPartition as PartitionQueue;
    queue.removeInFlight(batch);
    queue.confirmedLeader = -1;
    if (batch.done) {
      this.deps.accumulator.release(batch);
      return;
    }
    if (this.deps.options.acks !== 0 && !(error instanceof RequestNotSentError)) batch.possiblyPersisted = true;
    if (batch.failedBehind) {
      this.failBehind(queue, batch);
      return;
    }
    this.retry(queue, batch, new KafkaError(error.code, `${error.message} (sending to broker ${leader})`, { retriable: true, cause: error, possiblyPersisted: batch.possiblyPersisted }));
  }

  private retry(queue: PartitionQueue, batch: ProducerBatch, error: KafkaError): void {
    const { options, metrics } = this.deps;
    const now = this.clock.now();
    batch.lastError = error;
    if (this.deps.transactions?.isAborting) {
      // The transaction is being aborted: nothing more of it is sent, so the abort need not wait
      // for this batch's delivery timeout.
      this.abandon(queue, batch, new TransactionAbortedError(`The transaction was aborted while a batch for ${queue} was being retried (last error: ${error.message})`, {
        cause: error,
        possiblyPersisted: batch.possiblyPersisted,
      }));
      return;
    }
    if (now >= batch.deliveryDeadline) {
      this.expire(queue, batch, now, 'it failed on its last attempt');
      return;
    }
    if (batch.attempts > options.retries) {
      this.failBatch(queue, batch, new KafkaError(error.code, `${error.message}; gave up after ${batch.attempts} attempts (retries: ${options.retries})`, {
        retriable: error.retriable,
        cause: error,
        possiblyPersisted: batch.possiblyPersisted,
        ...(error.brokerErrorCode === undefined ? {} : { brokerErrorCode: error.brokerErrorCode }),
        ...(error.brokerErrorName === undefined ? {} : { brokerErrorName: error.brokerErrorName }),
      }));
      return;
    }
    metrics.recordRetry(batch);
    batch.retryAt = now + backoffDelay({ initialMs: options.retryBackoffMs, maxMs: options.retryBackoffMaxMs }, batch.attempts - 1);
    queue.recovering = true;
    queue.reenqueue(batch);
    this.deps.accumulator.active.add(queue);
    this.wakeAt(batch.retryAt);
  }

  // MESSAGE_TOO_LARGE: the batch is re-read and rebuilt as smaller batches that take its place
  // (and its sequence range). The partition holds while the records are re-read.
  private split(queue: PartitionQueue, batch: ProducerBatch): void {
    const { accumulator, sequences } = this.deps;
    queue.splitting.push(batch);
    queue.recovering = true;
    this.deps.splitter.split(batch).then(
      (parts) => {
        queue.splitting.splice(queue.splitting.indexOf(batch), 1);
        if (batch.done) {
          // Failed meanwhile (the producer closed or was fenced): the parts hold the same records.
          accumulator.release(batch);
          this.wake();
          return;
        }
        if (this.deps.transactions?.isAborting) {
          this.abandon(queue, batch, new TransactionAbortedError(`The transaction was aborted while a batch for ${queue} was being split`));
          this.wake();
          return;
        }
        if (sequences && batch.baseSequence >= 0) sequences.onSplit(batch, parts);
        // The parts take the original's place by order: a retried earlier batch stays ahead of
        // them, as its sequences do.
        for (const part of parts) queue.reenqueue(part);
        accumulator.replaceSplit(batch, parts);
        accumulator.active.add(queue);
        this.wake();
      },
      (error: unknown) => {
        queue.splitting.splice(queue.splitting.indexOf(batch), 1);
        this.failBatch(queue, batch, error instanceof KafkaError ? error : new KafkaError('SPLIT_FAILED', `Splitting a batch for ${queue} failed: ${String(error)}`, { cause: error }));
        this.wake();
      },
    );
  }

  // A batch whose outcome cannot be known fails alone: later batches of the partition stay, since
  // whether or not it was written, they come after it.
  private failUnresolved(queue: PartitionQueue, batch: ProducerBatch, error: KafkaError): void {
    this.deps.transactions?.onBatchFailed(error);
    batch.possiblyPersisted = true;
    this.endFailed(queue, batch, error);
    this.deps.accumulator.settleIfIdle(queue);
  }

  // The bookkeeping every failed batch ends with: out of the queue, its records rejected with
  // `error` (marked as the batch may be written or not), counted, its memory released.
  private endFailed(queue: PartitionQueue, batch: ProducerBatch, error: KafkaError): void {
    queue.removeQueued(batch);
    batch.fail(withPossiblyPersisted(error, batch.possiblyPersisted));
    this.deps.metrics.recordBatchDone(batch, false);
    this.deps.accumulator.release(batch);
  }

  private expire(queue: PartitionQueue, batch: ProducerBatch, now: number, reason: string): void {
    this.deps.transactions?.onBatchFailed(new KafkaError('DELIVERY_TIMEOUT', `a batch for ${queue} expired: ${reason}`));
    // An expired batch that may have been written leaves its sequence to be resolved by the next
    // batch of the partition, sent under the same epoch (invariant 5); one certainly unwritten
    // leaves a gap.
    if (!batch.possiblyPersisted) this.deps.sequences?.onSequenceGap(queue, batch);
    batch.expire(now, reason);
    this.deps.metrics.recordBatchDone(batch, false);
    queue.removeQueued(batch);
    this.deps.accumulator.release(batch);
  }

  // A batch that fails for good takes the partition's later queued batches with it, so that no
  // later record of the partition is written after one that failed (invariant 6).
  private failBatch(queue: PartitionQueue, batch: ProducerBatch, error: KafkaError): void {
    const { accumulator, sequences } = this.deps;
    this.deps.transactions?.onBatchFailed(error);
    if (!batch.possiblyPersisted) sequences?.onSequenceGap(queue, batch);
    this.endFailed(queue, batch, error);
    // Later batches already in flight cannot be recalled; each fails when its answer comes, unless
    // the broker wrote it (which, with idempotence, the gap in sequences prevents).
    for (const other of queue.inFlight) if (other.isAfter(batch)) other.failedBehind ??= error;
    const later = queue.queued.filter((other) => other.isAfter(batch));
    for (const other of later) {
      this.endFailed(
        queue,
        other,
        new KafkaError(error.code, `Not sent: an earlier batch of ${queue} failed: ${error.message}`, {
          retriable: error.retriable,
          cause: error,
          possiblyPersisted: other.possiblyPersisted,
        }),
      );
    }
    accumulator.settleIfIdle(queue);
  }

  // Ends a batch that was in flight when an earlier batch of its partition failed for good.
  private failBehind(queue: PartitionQueue, batch: ProducerBatch): void {
    const cause = batch.failedBehind!;
    const written = batch.possiblyPersisted ? 'They may have been written: a request carrying them got no answer' : 'They were not written';
    this.failBatch(
      queue,
      batch,
      new KafkaError(cause.code, `Not resent: an earlier batch of ${queue} failed for good (${cause.message}). ${written}`, {
        retriable: false,
        cause,
        possiblyPersisted: batch.possiblyPersisted,
      }),
    );
  }

  // Fails a batch given up without an answer about it (an aborted transaction): its sequence, if it
  // had one, can no longer be relied on.
  private abandon(queue: PartitionQueue, batch: ProducerBatch, error: KafkaError): void {
    this.deps.sequences?.onSequenceGap(queue, batch);
    this.endFailed(queue, batch, error);
    this.deps.accumulator.settleIfIdle(queue);
  }

  private expireQueuedOf(queue: PartitionQueue, now: number, reason: string): void {
    while (queue.queued.length > 0 && queue.queued[0]!.deliveryDeadline <= now) {
      this.expire(queue, queue.queued[0]!, now, reason);
    }
    const head = queue.queued[0];
    if (head) this.wakeAt(head.deliveryDeadline);
  }

  private expireQueued(now: number, reason: string): void {
    for (const queue of this.deps.accumulator.active) this.expireQueuedOf(queue, now, reason);
  }

  private brokerError(queue: PartitionQueue, leader: number, result: BatchResult): BrokerError {
    const info = brokerErrorByCode(result.errorCode);
    const detail = result.errorMessage ? ` (${result.errorMessage})` : '';
    return new BrokerError(info.name, `Broker ${leader} rejected the batch for ${queue}: ${info.name} (${info.code}): ${info.description}${detail}`, {
      retriable: info.retriable,
      brokerErrorCode: info.code,
      brokerErrorName: info.name,
    });
  }

  private connect(leader: number): void {
    if (this.connecting.has(leader)) return;
    this.connecting.add(leader);
    this.deps.cluster.connectionTo(leader).then(
      () => {
        this.connecting.delete(leader);
        this.wake();
      },
      (error: unknown) => {
        this.connecting.delete(leader);
        this.metadataWanted = true;
        this.deps.log('warn', `cannot connect to broker ${leader}`, { error: String(error) });
        const permanent = permanentCause(error);
        if (permanent) this.noteLeaderRefused(leader, permanent);
        this.wakeAt(this.clock.now() + Math.max(this.deps.options.reconnectBackoffMs, this.deps.cluster.reconnectDelay(leader)));
      },
    );
  }

  // A leader that refuses the connection for good (authentication refused, at the first attempt or
  // at a re-authentication): its batches keep their delivery timeout, and expire with this error as
  // their last one, so that the records' failure names the cause.
  private noteLeaderRefused(leader: number, error: KafkaError): void {
    const { accumulator, cluster } = this.deps;
    for (const queue of accumulator.active) {
      if ((cluster.metadata.partition(queue.topic, queue.partition)?.leader ?? -1) !== leader) continue;
      for (const batch of queue.queued) batch.lastError = error;
    }
  }

  private refreshMetadata(): void {
    this.metadataWanted = false;
    this.deps.cluster.refreshMetadata().then(
      () => this.wake(),
      (error: unknown) => {
        this.deps.log('warn', 'metadata refresh failed', { error: String(error) });
        this.metadataWanted = true;
        this.wakeAt(this.clock.now() + this.deps.options.retryBackoffMs);
      },
    );
  }

  // InitProducerId for an idempotent producer: any broker answers it. Retriable failures retry
  // with backoff; authorization failures are fatal.
  private ensureProducerId(now: number): void {
    if (this.producerIdPending) return;
    if (now < this.producerIdRetryAt) {
      this.wakeAt(this.producerIdRetryAt);
      return;
    }
    this.producerIdPending = true;
    const { cluster, identity } = this.deps;
    cluster
      .anyConnection()
      .then((connection) => loadProducerId(connection, identity!, IDEMPOTENT_ONLY))
      .then(
        (response) => {
          this.producerIdPending = false;
          if (response.errorCode === ErrorCode.NONE) {
            this.producerIdFailures = 0;
            this.deps.log('debug', 'producer id assigned', { producerId: String(response.producerId), epoch: response.producerEpoch });
          } else {
            const info = brokerErrorByCode(response.errorCode);
            if (!info.retriable) {
              this.fatalError = new BrokerError(info.name, `InitProducerId failed: ${info.name} (${info.code}): ${info.description}`, {
                brokerErrorCode: info.code,
                brokerErrorName: info.name,
              });
            }
            this.producerIdBackoff();
          }
          this.wake();
        },
        (error: unknown) => {
          this.producerIdPending = false;
          this.fatalError ??= permanentCause(error);
          this.deps.log('warn', 'InitProducerId failed', { error: String(error) });
          this.producerIdBackoff();
          this.wake();
        },
      );
  }

  private producerIdBackoff(): void {
    const { options } = this.deps;
    this.producerIdRetryAt = this.clock.now() + backoffDelay({ initialMs: options.retryBackoffMs, maxMs: options.retryBackoffMaxMs }, this.producerIdFailures++);
    this.wakeAt(this.producerIdRetryAt);
  }

  /** Fails every batch not yet sent (an aborted transaction); batches in flight settle as they end. */
  failUnsent(error: KafkaError): void {
    const { accumulator } = this.deps;
    for (const queue of accumulator.active) {
      for (const batch of [...queue.queued]) this.abandon(queue, batch, error);
    }
  }

  /** Fails every batch not yet settled (queued now; in-flight ones as their requests end). */
  failEverything(error: KafkaError): void {
    this.failUnsent(error);
    for (const queue of this.deps.accumulator.active) {
      for (const batch of queue.inFlight) batch.fail(withPossiblyPersisted(error, true));
    }
  }

  /** Stops the loop; with `error`, every unsettled batch (queued or in flight) fails with it. */
  close(error?: KafkaError): void {
    if (error) {
      this.failEverything(error);
      for (const batch of [...this.deps.accumulator.incomplete]) {
        batch.fail(withPossiblyPersisted(error, batch.possiblyPersisted || batch.attempts > 0));
        this.deps.accumulator.release(batch);
      }
    }
    this.closed = true;
    this.timer?.cancel();
    this.timer = undefined;
  }

  /** Whether every batch has settled. */
  get idle(): boolean {
    return this.deps.accumulator.incomplete.size === 0;
  }
}

const missingResult: BatchResult = {
  errorCode: 13, // NETWORK_EXCEPTION: the response did not mention the partition
  baseOffset: -1n,
  logAppendTimeMs: -1,
  errorMessage: 'the response did not mention this partition',
  currentLeader: undefined,
};

function compressionFailure(queue: PartitionQueue, error: unknown): KafkaError {
  return error instanceof KafkaError ? error : new KafkaError('COMPRESSION_FAILED', `Compressing a batch for ${queue} failed: ${String(error)}`, { cause: error });
}

// The error of a batch that was sent under an older stamp with an unknown outcome and would need a
// new one (the broker forgot the producer, or an earlier batch failed): renumbered, a copy already
// in the log would be written again, so it fails instead (invariant 5).
function notRenumbered(queue: PartitionQueue, batch: ProducerBatch): KafkaError {
  return new KafkaError(
    'POSSIBLY_PERSISTED',
    `${batch.recordCount} record(s) for ${queue} are not resent: an earlier send of them got no answer, so they may have been written, and the partition had to restart its sequences under a new epoch, under which the broker could not recognise a copy`,
    { possiblyPersisted: true },
  );
}
