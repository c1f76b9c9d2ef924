// The transaction coordinator: producer ids and epochs per transactional id (bumps, fencing, KIP-360
// re-initialisation), the transaction state machine, partitions and groups in the transaction,
// commit/abort markers written to every partition, and the timeout that aborts a stale transaction.
// Transactions v2 (KIP-890), served when the cluster's transaction.version is 2: partitions are
// added by their leader when a Produce v12 of the transaction arrives, groups by TxnOffsetCommit v5,
// and EndTxn v5 bumps the epoch of every transaction it ends (a retry of it gets the new epoch).
import { ErrorCode } from './error-codes.js';
import type { GroupCoordinator, PendingOffset } from './group-coordinator.js';
import type { ResolvedOptions } from './options.js';
import { transactionMarker } from './record-batches.js';
import type { PartitionState } from './topology.js';

/** The states of Kafka's TransactionMetadata that a client can observe. */
export type TransactionState = 'Empty' | 'Ongoing' | 'PrepareCommit' | 'PrepareAbort' | 'CompleteCommit' | 'CompleteAbort';

/** What the coordinator knows of one transactional id. */
export interface TransactionMetadata {
  readonly transactionalId: string;
  producerId: bigint;
  producerEpoch: number;
  lastProducerId: bigint;
  lastProducerEpoch: number;
  timeoutMs: number;
  state: TransactionState;
  readonly partitions: Map<string, PartitionState>;
  /** Offsets committed in the transaction (TxnOffsetCommit), by group id. */
  readonly pendingOffsets: Map<string, PendingOffset[]>;
  readonly groups: Set<string>;
  timer: NodeJS.Timeout | undefined;
  /**
   * Transactions v2: the producer id and epoch the last transaction was ended under, and how, so
   * that a retried EndTxn (its answer lost) is told the epoch it was bumped to.
   */
  lastEnd: { readonly producerId: bigint; readonly producerEpoch: number; readonly commit: boolean } | undefined;
}

/** Answer of EndTxn: with transactions v2, the producer id and epoch of the next transaction. */
export interface EndTransactionResult {
  readonly errorCode: number;
  readonly producerId: bigint;
  readonly producerEpoch: number;
}

/** Answer of InitProducerId. */
export interface ProducerIdAndEpoch {
  readonly errorCode: number;
  readonly producerId: bigint;
  readonly producerEpoch: number;
}

const NO_PRODUCER_EPOCH = -1;
/** Kafka rotates the producer id once the epoch reaches Short.MAX_VALUE - 1. */
const EXHAUSTED_EPOCH = 0x7fff - 1;

/** The cluster's transaction coordinator (one state, whichever broker is asked). */
export class TransactionCoordinator {
  private readonly transactions = new Map<string, TransactionMetadata>();

  constructor(
    private readonly groups: GroupCoordinator,
    private readonly options: ResolvedOptions,
    private readonly allocateProducerId: () => bigint,
  ) {}

  /** The metadata of a transactional id, if known. */
  get(transactionalId: string): TransactionMetadata | undefined {
    return this.transactions.get(transactionalId);
  }

  /**
   * InitProducerId. Without a transactional id: a new producer id with epoch 0. With one: bump the
   * epoch (fencing the previous holder); an ongoing transaction is first aborted, and the caller is
   * told CONCURRENT_TRANSACTIONS so that it retries, as Kafka does. `expected` is the KIP-360 pair.
   */
  initProducerId(
    transactionalId: string | null,
    timeoutMs: number,
    expected: { producerId: bigint; producerEpoch: number } | undefined,
  ): ProducerIdAndEpoch {
    if (transactionalId === null) return { errorCode: ErrorCode.NONE, producerId: this.allocateProducerId(), producerEpoch: 0 };
    if (transactionalId === '') return failure(ErrorCode.INVALID_REQUEST);
    if (!(timeoutMs > 0 && timeoutMs <= this.options.transactionMaxTimeoutMs)) return failure(ErrorCode.INVALID_TRANSACTION_TIMEOUT);
    let metadata = this.transactions.get(transactionalId);
    if (!metadata) {
      metadata = {
        transactionalId,
        producerId: this.allocateProducerId(),
        producerEpoch: NO_PRODUCER_EPOCH,
        lastProducerId: -1n,
        lastProducerEpoch: NO_PRODUCER_EPOCH,
        timeoutMs,
        state: 'Empty',
        partitions: new Map(),
        pendingOffsets: new Map(),
        groups: new Set(),
        timer: undefined,
        lastEnd: undefined,
      };
      this.transactions.set(transactionalId, metadata);
    }
    if (expected && !isValidProducerId(metadata, expected)) return failure(ErrorCode.PRODUCER_FENCED);
    if (metadata.state === 'Ongoing') {
      this.fenceEpoch(metadata);
      this.complete(metadata, false);
      return failure(ErrorCode.CONCURRENT_TRANSACTIONS);
    }
    if (metadata.state === 'PrepareCommit' || metadata.state === 'PrepareAbort') return failure(ErrorCode.CONCURRENT_TRANSACTIONS);
    if (metadata.producerEpoch >= EXHAUSTED_EPOCH && (!expected || expected.producerEpoch === metadata.producerEpoch)) {
      metadata.lastProducerId = metadata.producerId;
      metadata.lastProducerEpoch = metadata.producerEpoch;
      metadata.producerId = this.allocateProducerId();
      metadata.producerEpoch = 0;
    } else if (!expected) {
      metadata.producerEpoch++;
      metadata.lastProducerEpoch = NO_PRODUCER_EPOCH;
    } else if (metadata.producerEpoch === NO_PRODUCER_EPOCH || expected.producerEpoch === metadata.producerEpoch) {
      metadata.lastProducerEpoch = metadata.producerEpoch;
      metadata.producerEpoch++;
    } else if (expected.producerEpoch !== metadata.lastProducerEpoch) {
      // A retry of a bump whose answer was lost matches lastProducerEpoch and gets the current epoch.
      return failure(ErrorCode.PRODUCER_FENCED);
    }
    metadata.timeoutMs = timeoutMs;
    metadata.state = 'Empty';
    metadata.lastEnd = undefined;
    return { errorCode: ErrorCode.NONE, producerId: metadata.producerId, producerEpoch: metadata.producerEpoch };
  }

  /** Checks the producer of a coordinator request (AddPartitionsToTxn, AddOffsetsToTxn, EndTxn). */
  checkProducer(transactionalId: string, producerId: bigint, producerEpoch: number): number {
    const metadata = this.transactions.get(transactionalId);
    if (!metadata || metadata.producerId !== producerId) return ErrorCode.INVALID_PRODUCER_ID_MAPPING;
    if (metadata.producerEpoch !== producerEpoch) return ErrorCode.PRODUCER_FENCED;
    if (metadata.state === 'PrepareCommit' || metadata.state === 'PrepareAbort') return ErrorCode.CONCURRENT_TRANSACTIONS;
    return ErrorCode.NONE;
  }

  /** Adds partitions (already checked to exist) to the transaction; starts it if needed. */
  addPartitions(transactionalId: string, partitions: readonly PartitionState[]): void {
    const metadata = this.transactions.get(transactionalId)!;
    for (const partition of partitions) metadata.partitions.set(`${partition.topic.name}\u0000${partition.index}`, partition);
    this.begin(metadata);
  }

  /** Adds a group's offsets to the transaction (AddOffsetsToTxn). */
  addOffsets(transactionalId: string, groupId: string): void {
    const metadata = this.transactions.get(transactionalId)!;
    metadata.groups.add(groupId);
    this.begin(metadata);
  }

  /** Stores offsets committed inside the transaction (TxnOffsetCommit); returns an error code. */
  addPendingOffsets(transactionalId: string, producerId: bigint, producerEpoch: number, groupId: string, offsets: PendingOffset[]): number {
    const metadata = this.transactions.get(transactionalId);
    if (!metadata || metadata.producerId !== producerId) return ErrorCode.INVALID_PRODUCER_ID_MAPPING;
    if (producerEpoch < metadata.producerEpoch) return ErrorCode.PRODUCER_FENCED;
    if (metadata.state !== 'Ongoing' || !metadata.groups.has(groupId)) return ErrorCode.INVALID_TXN_STATE;
    const pending = metadata.pendingOffsets.get(groupId) ?? [];
    pending.push(...offsets);
    metadata.pendingOffsets.set(groupId, pending);
    return ErrorCode.NONE;
  }

  /**
   * EndTxn: commit or abort the ongoing transaction; retries of a completed end are answered NONE.
   * With `bumpEpoch` (EndTxn v5 on a transactions v2 cluster) the end bumps the epoch (a new producer
   * id once it is exhausted), and the answer carries the producer id and epoch to use next.
   */
  endTransaction(transactionalId: string, producerId: bigint, producerEpoch: number, commit: boolean, bumpEpoch = false): EndTransactionResult {
    const metadata = this.transactions.get(transactionalId);
    const current = (errorCode: number): EndTransactionResult =>
      bumpEpoch && metadata ? { errorCode, producerId: metadata.producerId, producerEpoch: metadata.producerEpoch } : { errorCode, producerId: -1n, producerEpoch: -1 };
    const last = metadata?.lastEnd;
    if (bumpEpoch && last && last.producerId === producerId && last.producerEpoch === producerEpoch) {
      // A retry of the end that bumped the epoch: the same outcome is success, with the new epoch.
      return current(last.commit === commit ? ErrorCode.NONE : ErrorCode.INVALID_TXN_STATE);
    }
    const checked = this.checkProducer(transactionalId, producerId, producerEpoch);
    if (checked !== ErrorCode.NONE) return current(checked);
    switch (metadata!.state) {
      case 'Ongoing':
        this.complete(metadata!, commit);
        if (bumpEpoch) this.bumpAfterEnd(metadata!, commit);
        return current(ErrorCode.NONE);
      case 'CompleteCommit':
        return current(commit && !bumpEpoch ? ErrorCode.NONE : ErrorCode.INVALID_TXN_STATE);
      case 'CompleteAbort':
        return current(!commit && !bumpEpoch ? ErrorCode.NONE : ErrorCode.INVALID_TXN_STATE);
      default:
        return current(ErrorCode.INVALID_TXN_STATE);
    }
  }

  /**
   * Transactions v2: the leader of `partition` adds it to the transaction when a Produce v12 of the
   * transaction arrives, starting the transaction if none is open. As Kafka, a coordinator still
   * completing the previous transaction is reported as NOT_ENOUGH_REPLICAS, which clients retry.
   */
  addPartitionFromProduce(transactionalId: string, producerId: bigint, producerEpoch: number, partition: PartitionState): number {
    const metadata = this.transactions.get(transactionalId);
    if (!metadata || metadata.producerId !== producerId) return ErrorCode.INVALID_PRODUCER_ID_MAPPING;
    if (metadata.producerEpoch !== producerEpoch) return ErrorCode.INVALID_PRODUCER_EPOCH;
    if (metadata.state === 'PrepareCommit' || metadata.state === 'PrepareAbort') return ErrorCode.NOT_ENOUGH_REPLICAS;
    this.addPartitions(transactionalId, [partition]);
    return ErrorCode.NONE;
  }

  // The epoch of the next transaction (Kafka rotates the producer id once the epoch is exhausted);
  // the ended one is remembered for a retried EndTxn.
  private bumpAfterEnd(metadata: TransactionMetadata, commit: boolean): void {
    metadata.lastEnd = { producerId: metadata.producerId, producerEpoch: metadata.producerEpoch, commit };
    metadata.lastProducerId = metadata.producerId;
    metadata.lastProducerEpoch = metadata.producerEpoch;
    if (metadata.producerEpoch >= EXHAUSTED_EPOCH) {
      metadata.producerId = this.allocateProducerId();
      metadata.producerEpoch = 0;
    } else {
      metadata.producerEpoch++;
    }
  }

  /**
   * Checks a transactional Produce to `partition` as Kafka's partition verification (KIP-890 part 1)
   * does: a stale or unknown epoch gets INVALID_PRODUCER_EPOCH, a partition that was not added to an
   * ongoing transaction gets INVALID_TXN_STATE.
   */
  verifyProduce(transactionalId: string, producerId: bigint, producerEpoch: number, partition: PartitionState): number {
    const metadata = this.transactions.get(transactionalId);
    if (!metadata || metadata.producerId !== producerId) return ErrorCode.INVALID_PRODUCER_ID_MAPPING;
    if (metadata.producerEpoch !== producerEpoch) return ErrorCode.INVALID_PRODUCER_EPOCH;
    const key = `${partition.topic.name}\u0000${partition.index}`;
    if (metadata.state !== 'Ongoing' || !metadata.partitions.has(key)) return ErrorCode.INVALID_TXN_STATE;
    return ErrorCode.NONE;
  }

  /** Clears every transaction timer. */
  shutdown(): void {
    for (const metadata of this.transactions.values()) this.clearTimer(metadata);
  }

  private begin(metadata: TransactionMetadata): void {
    if (metadata.state === 'Ongoing') return;
    metadata.state = 'Ongoing';
    const epoch = metadata.producerEpoch;
    metadata.timer = setTimeout(() => {
      metadata.timer = undefined;
      if (metadata.state !== 'Ongoing' || metadata.producerEpoch !== epoch) return;
      // As Kafka: a timed-out transaction is aborted with a bumped epoch, fencing its producer.
      this.fenceEpoch(metadata);
      this.complete(metadata, false);
    }, metadata.timeoutMs);
    metadata.timer.unref();
  }

  private fenceEpoch(metadata: TransactionMetadata): void {
    metadata.producerEpoch++;
    metadata.lastProducerEpoch = NO_PRODUCER_EPOCH;
    metadata.lastEnd = undefined;
  }

  // Markers are written to every partition of the transaction, whether or not it has a leader now:
  // the log is the partition's, so the marker lands where the data is.
  private complete(metadata: TransactionMetadata, commit: boolean): void {
    this.clearTimer(metadata);
    metadata.state = commit ? 'PrepareCommit' : 'PrepareAbort';
    for (const partition of metadata.partitions.values()) {
      const marker = transactionMarker(metadata.producerId, metadata.producerEpoch, commit, Date.now());
      partition.log.append(marker, partition.leaderEpoch, commit ? 'commit' : 'abort');
    }
    if (commit) {
      for (const [groupId, offsets] of metadata.pendingOffsets) this.groups.commitOffsets(groupId, offsets);
    }
    metadata.partitions.clear();
    metadata.pendingOffsets.clear();
    metadata.groups.clear();
    metadata.state = commit ? 'CompleteCommit' : 'CompleteAbort';
  }

  private clearTimer(metadata: TransactionMetadata): void {
    if (metadata.timer) clearTimeout(metadata.timer);
    metadata.timer = undefined;
  }
}

function isValidProducerId(metadata: TransactionMetadata, expected: { producerId: bigint; producerEpoch: number }): boolean {
  return (
    metadata.producerEpoch === NO_PRODUCER_EPOCH ||
    expected.producerId === metadata.producerId ||
    (expected.producerId === metadata.lastProducerId && expected.producerEpoch >= EXHAUSTED_EPOCH)
  );
}

function failure(errorCode: number): ProducerIdAndEpoch {
  return { errorCode, producerId: -1n, producerEpoch: -1 };
}
