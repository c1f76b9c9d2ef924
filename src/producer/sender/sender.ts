// The send loop. One pass (runOnce) fails batches past deliveryTimeoutMs, asks the accumulator
// which leaders have batches ready, and for each leader with a ready connection drains one request
// at a time (up to maxInFlight per connection, one batch per partition per request, up to
// maxRequestSize). Woken by appends, answers and one timer for the next deadline. Choosing a batch,
// stamping its sequence and writing its request happen in one synchronous step (invariant 8); with
// the journal on, the request is written once its batch entries are durable, in drain order.
// What an answer leads to is BatchOutcomeHandler's; how a batch ends, BatchCompletion's.
import type { Cluster } from '../../cluster/cluster.js';
import { ErrorCode } from '../../errors/broker-error-codes.js';
import { KafkaError, permanentCause, UnsupportedVersionError } from '../../errors/kafka-error.js';
import type { ProducerMetrics } from '../../metrics/producer-metrics.js';
import type { Connection } from '../../network/connection.js';
import type { ProduceResponseData } from '../../protocol/index.js';
import { type Clock, systemClock } from '../../time/clock.js';
import { DeadlineTimer } from '../../time/deadline-timer.js';
import { BatchSealer } from '../accumulator/batch-sealer.js';
import type { PartitionState } from '../accumulator/partition-state.js';
import type { ProducerBatch } from '../accumulator/producer-batch.js';
import type { RecordAccumulator } from '../accumulator/record-accumulator.js';
import type { BatchCompressor } from '../compression.js';
import { IdempotentProducerId } from '../idempotence/idempotent-producer-id.js';
import type { ProducerIdentity } from '../idempotence/producer-identity.js';
import type { SequenceTracker } from '../idempotence/sequence-tracker.js';
import type { ProducerJournal } from '../journal/producer-journal.js';
import type { ResolvedProducerOptions } from '../options.js';
import type { LeaderDrainStats } from '../partitioners/leader-drain-stats.js';
import type { TransactionManager } from '../transactions/transaction-manager.js';
import { BatchCompletion } from './batch-completion.js';
import { BatchOutcomeHandler } from './batch-outcome-handler.js';
import type { BatchSplitter } from './batch-splitter.js';
import { DurableRequestGate } from './durable-request-gate.js';
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
  /** The journal, with the `journal` option. */
  readonly journal?: ProducerJournal | undefined;
  readonly log: (level: 'debug' | 'info' | 'warn' | 'error', message: string, context?: Record<string, unknown>) => void;
}

export class Sender {
  private readonly deps: SenderDependencies;
  private readonly clock: Clock;
  /** The one way batches end. */
  readonly completion: BatchCompletion;
  private readonly outcomes: BatchOutcomeHandler;
  private readonly producerId: IdempotentProducerId | undefined;
  private readonly sealer: BatchSealer;
  private wakeScheduled = false;
  /**
   * True while a pass or the handling of an answer is on the stack; runNow() called from inside
   * one (a logger that sends) leaves the work to a scheduled pass.
   */
  private busy = false;
  /** Wakes the loop at the next deadline (linger, backoff, expiry, reconnect). */
  private readonly timer: DeadlineTimer;
  private metadataWanted = false;
  private readonly connecting = new Set<number>();
  private drainRotation = 0;
  private closed = false;
  /** A fatal error of the producer (e.g. authorization to produce denied): every batch fails with it. */
  private fatalError: KafkaError | undefined;
  /** With the journal on: requests wait there until their batch entries are durable. */
  private readonly durableGate: DurableRequestGate | undefined;

  constructor(deps: SenderDependencies) {
    this.deps = deps;
    this.clock = deps.clock ?? systemClock;
    this.timer = new DeadlineTimer(this.clock, () => this.runOnce());
    const { accumulator, sequences, transactions, metrics, identity, options, journal } = deps;
    this.durableGate = journal
      ? new DurableRequestGate(journal, {
          send: (connection, leader, version, batches) => this.send(connection, leader, version, batches),
          unsent: (batches, leader, error) => {
            this.whileBusy(() => {
              for (const batch of batches) this.outcomes.onRequestFailed(batch, leader, error);
            });
            this.wake();
          },
          fail: (error) => this.fail(error),
          isCurrent: (leader, connection) => this.deps.cluster.connectionIfReady(leader) === connection,
          closed: () => this.closed,
        })
      : undefined;
    this.completion = new BatchCompletion({ accumulator, metrics, sequences, transactions, journal });
    this.outcomes = new BatchOutcomeHandler({
      ...deps,
      completion: this.completion,
      clock: this.clock,
      wantMetadata: () => {
        this.metadataWanted = true;
      },
      wake: () => this.wake(),
      fatal: (error) => this.fail(error),
    });
    this.producerId =
      identity && !transactions
        ? new IdempotentProducerId({
            cluster: deps.cluster,
            identity,
            clock: this.clock,
            backoff: { initialMs: options.retryBackoffMs, maxMs: options.retryBackoffMaxMs },
            wake: () => this.wake(),
            wakeAt: (due) => this.wakeAt(due),
            fatal: (error) => {
              this.fatalError ??= error;
            },
            log: deps.log,
          })
        : undefined;
    this.sealer = new BatchSealer(
      deps.compressor,
      () => this.wake(),
      (batch, error) => {
        this.completion.failWithLater(batch, compressionFailure(batch, error));
        this.wake();
      },
    );
    accumulator.rules = { sequences, partitionReady: transactions && ((queue) => transactions.partitionReady(queue)), sealer: this.sealer, journal: journal !== undefined };
    accumulator.wakeAt = (due) => this.wakeAt(due);
    accumulator.onNotRenumbered = (queue, batch) => {
      // Sent by an earlier process (recovered from the journal): resent under the new stamp, and
      // reported as possibly duplicated, rather than failed (the drain then stamps it anew).
      if (journal && batch.recovered) journal.resendUnderNewStamp(batch, `${queue} restarted its sequences under a new producer epoch or id`);
      else this.outcomes.failUnresolved(batch, notRenumbered(queue, batch));
    };
  }

  /** The error every record fails with once the producer cannot go on; undefined while it can. */
  get fatal(): KafkaError | undefined {
    return this.fatalError;
  }

  /** The producer cannot go on (fenced, refused for good): every batch, queued or sent later, fails with `error`. */
  fail(error: KafkaError): void {
    this.fatalError ??= error;
    // Records journaled stay pending there, for the next producer on the directory.
    this.deps.journal?.stop();
    this.completion.failAll(this.fatalError);
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
    this.sealer.withoutOffLoopWork(() => this.runOnce());
  }

  private wakeAt(due: number): void {
    if (!this.closed) this.timer.arm(due);
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
    const wasBusy = this.busy;
    this.busy = true;
    try {
      work();
    } finally {
      this.busy = wasBusy;
    }
  }

  private pass(): void {
    const { accumulator, cluster, identity, transactions } = this.deps;
    const now = this.clock.now();
    if (this.fatalError) {
      this.completion.failAll(this.fatalError);
      return;
    }
    // With the journal on, nothing is sent before it is open: what it recovered goes first, under
    // the producer id it recovered.
    if (this.deps.journal && !this.deps.journal.isOpen) return;
    if (cluster.isMetadataStale(now) && cluster.metadata.updatedAt > 0) this.metadataWanted = true;
    if (identity) {
      // An idempotent producer bumps its epoch itself; a transactional one asks the coordinator
      // when the transaction is aborted (KIP-360).
      if (identity.epochBumpRequested && !transactions && !identity.bumpEpoch()) {
        this.deps.log('info', 'producer epoch exhausted; requesting a new producer id');
      }
      if (!identity.isKnown) {
        this.expire(now, 'no producer id could be obtained');
        this.producerId?.request(now);
        return;
      }
    }
    this.expire(now, 'the batch could not be sent in time');
    const ready = accumulator.ready(now, this.leaderOf);
    if (ready.leaderUnknown) this.metadataWanted = true;
    const drains = this.deps.drains;
    for (const [leader, queues] of ready.byLeader) {
      const drained = this.drainTo(leader, queues, now);
      drains?.onReady(leader, now, drained);
    }
    if (this.metadataWanted) this.refreshMetadata();
    // Nothing left to send or wait for: a timer still set (a lingering or expiry wake-up of batches
    // since acknowledged) would only hold the process open.
    if (!accumulator.hasActivePartitions) this.timer.cancel();
  }

  // The leader of a partition, -1 when unknown (or not among the brokers).
  private readonly leaderOf = (queue: PartitionState): number => {
    const metadata = this.deps.cluster.metadata;
    const leader = metadata.partition(queue.topic, queue.partition)?.leader ?? -1;
    return leader >= 0 && metadata.brokers.has(leader) ? leader : -1;
  };

  private expire(now: number, reason: string): void {
    for (const batch of this.deps.accumulator.expired(now)) this.completion.expire(batch, now, reason);
  }

  // Returns whether the leader could take requests: a connection ready with an in-flight slot free
  // (whether or not the rules of its partitions let a batch go).
  private drainTo(leader: number, queues: PartitionState[], now: number): boolean {
    const { cluster, options, accumulator } = this.deps;
    const connection = cluster.connectionIfReady(leader);
    if (!connection) {
      this.connect(leader);
      return false;
    }
    const open = connection.inFlight + this.awaiting(leader) < options.maxInFlightRequestsPerConnection && !connection.isBlocked;
    let version: number;
    try {
      version = connection.versionFor('Produce');
      // Produce v12 tells the broker the client runs transactions v2 (KIP-890): the leader then adds
      // the partition to the transaction itself. A transaction of the first protocol stays below it.
      if (this.deps.transactions && this.deps.transactions.protocol === 1) version = Math.min(version, 11);
    } catch (error) {
      this.fail(error instanceof UnsupportedVersionError ? error : new UnsupportedVersionError(String(error)));
      return open;
    }
    const rotation = this.drainRotation++ % queues.length;
    while (connection.inFlight + this.awaiting(leader) < options.maxInFlightRequestsPerConnection && !connection.isBlocked) {
      const batches = accumulator.drain(leader, queues, rotation, options.maxRequestSize, now, requestOverheadOf);
      if (batches.length === 0) break;
      this.deps.transactions?.onProduceSent();
      if (this.durableGate) this.durableGate.submit(connection, leader, version, batches);
      else this.send(connection, leader, version, batches);
      // Further requests only for partitions whose next batch is ready too.
      now = this.clock.now();
      queues = queues.filter((queue) => accumulator.hasReadyHead(queue, now));
      if (queues.length === 0) break;
    }
    return open;
  }

  // Requests to `leader` drained and waiting for the journal: they count as in flight.
  private awaiting(leader: number): number {
    return this.durableGate?.awaiting(leader) ?? 0;
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
          for (const batch of batches) this.outcomes.onRequestFailed(batch, leader, failure);
        });
        this.metadataWanted = true;
        this.wake();
      },
    );
  }

  private onProduceResponse(batches: ProducerBatch[], leader: number, response: ProduceResponseData | undefined): void {
    if (response === undefined) {
      // acks=0: no response; the request was written.
      for (const batch of batches) this.outcomes.onResult(batch, leader, writtenWithoutAnswer);
      return;
    }
    const results = resultsByBatch(batches, response);
    batches.forEach((batch, index) => {
      this.outcomes.onResult(batch, leader, results[index] ?? missingResult);
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
    for (const batch of this.deps.accumulator.queuedFor(leader, this.leaderOf)) batch.lastError = error;
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

  /** Stops the loop; with `error`, every unsettled batch (queued or in flight) fails with it. */
  close(error?: KafkaError): void {
    if (error) this.completion.close(error);
    this.closed = true;
    this.timer.cancel();
  }
}

const requestOverheadOf = (queue: PartitionState): number => requestOverhead(queue.topic);

const writtenWithoutAnswer: BatchResult = { errorCode: 0, baseOffset: -1n, logAppendTimeMs: -1, errorMessage: null, currentLeader: undefined };

const missingResult: BatchResult = {
  errorCode: ErrorCode.NETWORK_EXCEPTION, // the response did not mention the partition
  baseOffset: -1n,
  logAppendTimeMs: -1,
  errorMessage: 'the response did not mention this partition',
  currentLeader: undefined,
};

function compressionFailure(batch: ProducerBatch, error: unknown): KafkaError {
  return error instanceof KafkaError ? error : new KafkaError('COMPRESSION_FAILED', `Compressing a batch for ${batch.queue} failed: ${String(error)}`, { cause: error });
}

// The error of a batch that was sent under an older stamp with an unknown outcome and would need a
// new one (the broker forgot the producer, or an earlier batch failed): renumbered, a copy already
// in the log would be written again, so it fails instead (invariant 5).
function notRenumbered(queue: PartitionState, batch: ProducerBatch): KafkaError {
  return new KafkaError(
    'POSSIBLY_PERSISTED',
    `${batch.recordCount} record(s) for ${queue} are not resent: an earlier send of them got no answer, so they may have been written, and the partition had to restart its sequences under a new epoch, under which the broker could not recognise a copy`,
    { possiblyPersisted: true },
  );
}
