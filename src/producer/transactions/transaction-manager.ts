// Transactions on top of the idempotent producer: InitProducerId for the transactional id (fencing
// older producers), AddPartitionsToTxn before the first batch of each partition is sent, offsets
// added with AddOffsetsToTxn + TxnOffsetCommit, and EndTxn to commit or abort.
//
// Two protocols (KIP-890): the first one, above, with every broker; transactions v2 when the
// cluster's `transaction.version` feature is 2 or more (the default of Kafka 4.x clusters). In v2
// the partition leader adds a partition to the transaction itself when it receives a Produce v12 of
// it, the group coordinator adds the offsets with TxnOffsetCommit v5 (no AddPartitionsToTxn nor
// AddOffsetsToTxn from the client), and EndTxn v5 bumps the producer epoch at every commit and
// abort and returns it, so each transaction runs under its own epoch, its sequences starting at 0.
// The protocol is chosen when the producer id is obtained and again at the end of each
// transaction; moving from the first protocol to v2 takes one more epoch bump, as in Java's client.
//
// Failures, as in Java's TransactionManager: a failed batch or a failed add makes the transaction
// abortable (what was not sent fails at once, nothing more is added); fencing, or a refusal that
// no retry can fix, is fatal. An EndTxn that got no answer until maxBlockMs leaves the state as it
// was (COMMITTING or ABORTING): the same call sends it again; a commit the coordinator refused
// makes the transaction abortable.
import type { Cluster } from '../../cluster/cluster.js';
import { ErrorCode } from '../../errors/broker-error-codes.js';
import { BrokerError, KafkaError, kafkaErrorOf, ProducerFencedError, TransactionAbortedError } from '../../errors/kafka-error.js';
import { type Clock, systemClock } from '../../time/clock.js';
import type { PartitionState } from '../accumulator/partition-state.js';
import type { ProducerIdentity } from '../idempotence/producer-identity.js';
import { CoordinatorClient } from './coordinator-client.js';
import { OneCallAtATime } from './one-call-at-a-time.js';
import { PartitionRegistration } from './partition-registration.js';
import { abortRequired, explained, sendRefusalIn } from './transaction-errors.js';
import { type ConsumerGroupMetadata, type TransactionOffset, TransactionRequests } from './transaction-requests.js';
import { type TransactionState, TransactionStateMachine } from './transaction-state.js';

export type { ConsumerGroupMetadata, TransactionOffset } from './transaction-requests.js';

export interface TransactionManagerConfig {
  readonly transactionalId: string;
  readonly transactionTimeoutMs: number;
  readonly maxBlockMs: number;
  readonly retryBackoffMs: number;
  readonly retryBackoffMaxMs: number;
  readonly cluster: Cluster;
  readonly identity: ProducerIdentity;
  /** Called when partitions were added, so the sender can send their batches. */
  readonly onPartitionsAdded: () => void;
  /** Fails every batch not yet sent with `error` (the transaction is aborted, or can only be aborted). */
  readonly failUnsent: (error: KafkaError) => void;
  /** The producer cannot go on (fenced by the coordinator, or refused for good): every batch fails with `error`. */
  readonly onFatalError: (error: KafkaError) => void;
  /** The producer's logger: the protocol chosen for transactions is logged at info level. */
  readonly log?: (level: 'info', message: string, context: Record<string, unknown>) => void;
  /** Reads the time and waits out backoffs (default the system clock). */
  readonly clock?: Clock | undefined;
}

/** The transaction protocol of a transaction: the first one, or v2 (KIP-890). */
export type TransactionProtocol = 1 | 2;
// EndTxn refusals after which the producer cannot go on (as in Java): the transactional id or the
// cluster is not authorized for this principal.
const FATAL_END_CODES = new Set<number>([ErrorCode.CLUSTER_AUTHORIZATION_FAILED, ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED]);

export class TransactionManager {
  private readonly machine = new TransactionStateMachine();
  private readonly requests: TransactionRequests;
  /** The partitions added to the transaction (the first protocol). */
  private readonly partitions: PartitionRegistration;
  /** Whether the coordinator added the consumer group's offsets to the transaction. */
  private offsetsAdded = false;
  /**
   * Whether an AddPartitionsToTxn or AddOffsetsToTxn was sent in this transaction: the coordinator
   * may have started the transaction even if no answer said so (a lost answer), so it must be ended.
   */
  private startAttempted = false;
  /** Why the current transaction must be aborted, once something in it failed. */
  private abortableError: KafkaError | undefined;
  private failUnsentScheduled = false;
  /** Set when the epoch bump that ends an abort failed: a retried abort (or initTransactions()) gets the epoch. */
  private bumpPending = false;
  /** The commit, abort or initialisation under way: a second identical call shares it. */
  private readonly calls = new OneCallAtATime();
  /** Why the producer cannot go on (fenced, or a fatal broker answer). */
  fatalError: KafkaError | undefined;
  /** The protocol of the current (or next) transaction. */
  private protocolInUse: TransactionProtocol = 1;
  /** Transactions v2: whether a batch of this transaction was acknowledged (the leader added its partition). */
  private produceConfirmed = false;

  private readonly clock: Clock;
  constructor(private readonly config: TransactionManagerConfig) {
    this.clock = config.clock ?? systemClock;
    const coordinators = new CoordinatorClient({ ...config, clock: this.clock });
    this.requests = new TransactionRequests({ ...config, coordinators, clock: this.clock });
    this.partitions = new PartitionRegistration(this.requests, {
      mayAdd: () => this.machine.is('IN_TRANSACTION', 'COMMITTING') && !this.abortableError,
      onAttempt: () => {
        this.startAttempted = true;
      },
      onAdded: () => config.onPartitionsAdded(),
      onFailed: (failure) => {
        if (failure instanceof ProducerFencedError) this.fail(failure, true);
        else this.setAbortable(failure);
      },
    });
  }

  get state(): TransactionState {
    return this.machine.state;
  }

  /** Whether the transaction is being aborted: nothing of it is sent or resent any more. */
  get isAborting(): boolean {
    return this.machine.is('ABORTING');
  }

  /** The transaction protocol in use: 2 with a cluster whose `transaction.version` is 2 or more. */
  get protocol(): TransactionProtocol {
    return this.protocolInUse;
  }

  /** Whether records may be sent now (a transaction is open). */
  get inTransaction(): boolean {
    return this.machine.is('IN_TRANSACTION');
  }

  /** Gets a producer id and epoch for the transactional id, fencing older producers that used it. */
  initTransactions(): Promise<void> {
    return this.once('initTransactions()', async () => {
      this.throwIfFatal();
      this.machine.transition('INITIALIZING', 'initTransactions()');
      try {
        await this.initProducerId(false);
        this.protocolInUse = this.clusterProtocol();
        this.logProtocol();
      } catch (error) {
        // Not fenced: initTransactions() may be called again.
        if (!this.fatalError) this.machine.transition('UNINITIALIZED', 'initTransactions()');
        throw error;
      }
      this.bumpPending = false;
      this.machine.transition('READY', 'initTransactions()');
    });
  }

  beginTransaction(): void {
    this.throwIfFatal();
    this.machine.transition('IN_TRANSACTION', 'beginTransaction()');
    this.resetTransaction();
  }

  /** Why send() must be refused now (outside a transaction), undefined when it may go on. */
  get sendRefusal(): KafkaError | undefined {
    return this.inTransaction ? undefined : sendRefusalIn(this.state);
  }


  /**
   * Whether batches of `queue` may be sent: only inside a transaction, once the partition was added
   * to it. The first ask for a partition starts its AddPartitionsToTxn (batched with others). Once
   * the transaction can only be aborted, nothing is sent or added any more, and what waits fails.
   */
  partitionReady(queue: PartitionState): boolean {
    if (this.abortableError && this.machine.is('COMMITTING', 'ABORTABLE_ERROR')) {
      this.scheduleFailUnsent();
      return false;
    }
    if (!this.machine.is('IN_TRANSACTION', 'COMMITTING')) return false;
    // Transactions v2: the leader adds the partition when it receives the Produce.
    if (this.protocolInUse === 2) return true;
    return this.partitions.isAdded(queue);
  }

  /**
   * A Produce request of the transaction was sent: in transactions v2 it may have started the
   * transaction at the coordinator (through its leader), so the transaction must be ended.
   */
  onProduceSent(): void {
    this.startAttempted = true;
  }

  /** A batch of the transaction was acknowledged: in transactions v2, its leader added the partition. */
  onBatchAcknowledged(): void {
    this.produceConfirmed = true;
  }

  /**
   * A batch of the transaction failed: the transaction can only be aborted now. A batch refused for
   * an old epoch (INVALID_PRODUCER_EPOCH, abortable since Kafka 2.7, KIP-588) makes the abort bump
   * the epoch; a fenced one (PRODUCER_FENCED) is fatal, and the sender has failed everything already.
   */
  onBatchFailed(error: KafkaError): void {
    if (error instanceof ProducerFencedError) {
      this.fail(error, false);
      return;
    }
    if (error.brokerErrorCode === ErrorCode.INVALID_PRODUCER_EPOCH) this.config.identity.epochBumpRequested = true;
    this.setAbortable(error);
  }

  async sendOffsets(offsets: readonly TransactionOffset[], group: ConsumerGroupMetadata): Promise<void> {
    this.throwIfFatal();
    this.machine.require('sendOffsetsToTransaction()', 'IN_TRANSACTION');
    const deadline = this.clock.now() + this.config.maxBlockMs;
    const v2 = this.protocolInUse === 2;
    const attempted = () => {
      this.startAttempted = true;
    };
    try {
      // Transactions v2: the group coordinator adds the offsets to the transaction (TxnOffsetCommit v5).
      if (!v2) {
        await this.guard(this.requests.addOffsets(group.groupId, deadline, attempted));
        this.offsetsAdded = true;
      }
      await this.guard(this.requests.commitOffsets(offsets, group, v2, deadline, v2 ? attempted : () => {}));
      if (v2) this.offsetsAdded = true;
    } catch (error) {
      if (this.fatalError) throw error;
      // The offsets are not in the transaction: committing it would lose them. Calling again
      // cannot help now, whatever the broker's error: only an abort can.
      this.setAbortable(kafkaErrorOf(error, 'SEND_OFFSETS_FAILED'));
      throw explained(error, 'The offsets were not added, and the transaction can only be aborted now: call abortTransaction()', false);
    }
  }

  /**
   * Commits once `flush` has settled every record; throws (leaving an abortable state) when one
   * failed or the coordinator refused the commit. When EndTxn got no answer until maxBlockMs, the
   * state stays COMMITTING and calling this again sends EndTxn(commit) again.
   */
  commit(flush: () => Promise<void>): Promise<void> {
    return this.once('commitTransaction()', async () => {
      this.throwIfFatal();
      if (this.machine.is('ABORTABLE_ERROR')) throw this.abortRequired();
      this.machine.transition('COMMITTING', 'commitTransaction()');
      await flush();
      this.throwIfFatal();
      if (this.abortableError) {
        this.machine.transition('ABORTABLE_ERROR', 'commitTransaction()');
        throw this.abortRequired();
      }
      await this.endTransaction(true);
      if (this.switchProtocol()) {
        await this.bumpEpoch('commitTransaction()');
        return;
      }
      this.machine.transition('READY', 'commitTransaction()');
    });
  }

  /**
   * Aborts: the records not yet sent fail, `settle` waits for those in flight, then EndTxn(abort).
   * An epoch bump asked for during the transaction (KIP-360, KIP-588) happens here, with the
   * coordinator. When EndTxn got no answer until maxBlockMs, the state stays ABORTING and calling
   * this again sends it again; when the bump failed, calling this again retries the bump.
   */
  abort(settle: () => Promise<void>): Promise<void> {
    return this.once('abortTransaction()', async () => {
      this.throwIfFatal();
      if (this.bumpPending && this.machine.is('UNINITIALIZED')) {
        await this.bumpEpoch('abortTransaction()');
        return;
      }
      this.machine.transition('ABORTING', 'abortTransaction()');
      this.partitions.dropWaiting();
      this.config.failUnsent(new TransactionAbortedError('The transaction was aborted before the record was sent'));
      await settle();
      this.throwIfFatal();
      await this.endTransaction(false);
      // In transactions v2 the EndTxn that was sent bumped the epoch already (clearing the request).
      if (this.switchProtocol() || this.config.identity.epochBumpRequested) {
        await this.bumpEpoch('abortTransaction()');
        return;
      }
      this.machine.transition('READY', 'abortTransaction()');
    });
  }

  // EndTxn, unless nothing was sent to the coordinator in this transaction.
  private async endTransaction(committed: boolean): Promise<void> {
    await this.partitions.settled();
    if (!this.startAttempted) {
      this.resetTransaction();
      return;
    }
    const { identity } = this.config;
    const operation = committed ? 'commitTransaction()' : 'abortTransaction()';
    try {
      const answer = await this.requests.endTransaction(committed, this.protocolInUse === 2);
      // EndTxn v5 returns the epoch the coordinator bumped to (a new producer id once the epoch is
      // exhausted): the next transaction runs under it, every partition restarting at sequence 0.
      if (answer.producerId !== undefined && answer.producerId >= 0n && answer.producerEpoch !== undefined && answer.producerEpoch >= 0) {
        identity.set(answer.producerId, answer.producerEpoch);
      }
    } catch (error) {
      if (error instanceof ProducerFencedError) {
        this.fail(error, true);
        throw error;
      }
      const refused = error instanceof BrokerError && !error.retriable ? error : undefined;
      const code = refused?.brokerErrorCode;
      if (!refused || code === undefined) {
        // No answer (the coordinator stayed unavailable until maxBlockMs, the connection failed):
        // the end may or may not have happened. The state stays, and the same call sends EndTxn again.
        throw explained(error, `The transaction stays ${this.state}: call ${operation} again to finish it`);
      }
      if (FATAL_END_CODES.has(code)) {
        this.fail(refused, true);
        throw refused;
      }
      if (!committed && code === ErrorCode.INVALID_TXN_STATE && !this.startConfirmed) {
        // The coordinator has no transaction of this producer open: the add (or, in transactions
        // v2, the Produce) it was sent never started one. There is nothing to abort.
        this.resetTransaction();
        return;
      }
      if (committed) {
        // The coordinator refused the commit: the transaction can only be aborted now.
        this.abortableError = refused;
        this.machine.transition('ABORTABLE_ERROR', operation);
        const why =
          code === ErrorCode.INVALID_TXN_STATE ? ' (the coordinator has no open transaction of this producer: it may have aborted it after transactionTimeoutMs)' : '';
        throw explained(refused, `The transaction was not committed${why}: call abortTransaction()`);
      }
      // The coordinator refused to abort a transaction it had started (Java's client stops there too).
      this.fail(refused, true);
      throw refused;
    }
    this.resetTransaction();
  }

  // The epoch bump that ends an abort (state ABORTING, or UNINITIALIZED when an earlier bump failed),
  // or the commit of the last transaction before the cluster moved to transactions v2.
  private async bumpEpoch(operation: 'commitTransaction()' | 'abortTransaction()'): Promise<void> {
    this.machine.transition('INITIALIZING', operation);
    try {
      await this.initProducerId(true);
    } catch (error) {
      if (this.fatalError) throw error;
      this.bumpPending = true;
      this.machine.transition('UNINITIALIZED', operation);
      const done = operation === 'commitTransaction()' ? 'committed' : 'aborted';
      throw explained(error, `The transaction was ${done}, but the new producer epoch was not obtained: call abortTransaction() again`);
    }
    this.bumpPending = false;
    this.machine.transition('READY', operation);
  }

  // The protocol the cluster's features call for now.
  private clusterProtocol(): TransactionProtocol {
    return this.config.cluster.finalizedFeatureLevel('transaction.version') >= 2 ? 2 : 1;
  }

  // Between two transactions, moves to the protocol the cluster calls for now; true when it moved
  // from the first protocol to v2, which takes an epoch bump first (as in Java's client, so that
  // nothing of the first protocol's bookkeeping carries into a v2 transaction under the same epoch).
  private switchProtocol(): boolean {
    const next = this.clusterProtocol();
    const upgraded = next === 2 && this.protocolInUse === 1;
    const changed = next !== this.protocolInUse;
    this.protocolInUse = next;
    if (changed) this.logProtocol();
    return upgraded;
  }

  private logProtocol(): void {
    const { identity, transactionalId } = this.config;
    this.config.log?.('info', `transactions: protocol ${this.protocolInUse === 2 ? 'v2 (KIP-890)' : 'v1'}`, {
      transactionalId,
      producerId: identity.producerId.toString(),
      producerEpoch: identity.epoch,
    });
  }

  private async initProducerId(bump: boolean): Promise<void> {
    await this.guard(this.requests.initProducerId(bump));
  }

  // The transaction can only be aborted now: nothing more is added or sent, and the batches not
  // yet sent fail at once (as Java's sender does), so that a commit or flush does not wait for them.
  private setAbortable(error: KafkaError): void {
    if (!this.machine.is('IN_TRANSACTION', 'COMMITTING', 'ABORTABLE_ERROR')) return;
    this.abortableError ??= error;
    if (this.machine.is('IN_TRANSACTION')) this.machine.transition('ABORTABLE_ERROR', 'continue the transaction');
    this.scheduleFailUnsent();
  }

  // Outside the sender's handling of the batch that failed (this may be called from inside it).
  private scheduleFailUnsent(): void {
    if (this.failUnsentScheduled) return;
    this.failUnsentScheduled = true;
    queueMicrotask(() => {
      this.failUnsentScheduled = false;
      const cause = this.abortableError;
      if (!cause || !this.machine.is('COMMITTING', 'ABORTABLE_ERROR')) return;
      this.config.failUnsent(
        new KafkaError(cause.code, `Not sent: the transaction can only be aborted now: ${cause.message}`, {
          cause,
          ...(cause.brokerErrorCode === undefined ? {} : { brokerErrorCode: cause.brokerErrorCode, brokerErrorName: cause.brokerErrorName }),
        }),
      );
    });
  }

  // Whether the coordinator (or, in transactions v2, a partition leader) said it added something to
  // the transaction.
  private get startConfirmed(): boolean {
    return this.partitions.anyAdded || this.offsetsAdded || this.produceConfirmed;
  }

  private resetTransaction(): void {
    this.partitions.reset();
    this.offsetsAdded = false;
    this.produceConfirmed = false;
    this.startAttempted = false;
    this.abortableError = undefined;
  }

  private once(operation: string, run: () => Promise<void>): Promise<void> {
    return this.calls.run(operation, run, () => this.state);
  }

  // Marks the producer fenced when a coordinator says so, then rethrows.
  private async guard<T>(promise: Promise<T>): Promise<T> {
    try {
      return await promise;
    } catch (error) {
      if (error instanceof ProducerFencedError) this.fail(error, true);
      throw error;
    }
  }

  // The producer cannot go on; `toSender` passes the error to the sender (the coordinator found it),
  // which fails every batch with it.
  private fail(error: KafkaError, toSender: boolean): void {
    this.fatalError ??= error;
    if (!this.machine.is('FATAL_ERROR')) this.machine.transition('FATAL_ERROR', 'continue');
    if (toSender) this.config.onFatalError(this.fatalError);
  }

  private throwIfFatal(): void {
    if (this.fatalError) throw this.fatalError;
  }

  private abortRequired(): KafkaError {
    return abortRequired(this.abortableError);
  }

}
