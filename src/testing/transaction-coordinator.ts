// The transaction coordinator: producer ids and epochs per transactional id (bumps, fencing, KIP-360
// re-initialisation), the transaction state machine, partitions and groups in the transaction,
// commit/abort markers written to every partition, and the timeout that aborts a stale transaction.
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

  /** EndTxn: commit or abort the ongoing transaction; retries of a completed end are answered NONE. */
  endTransaction(transactionalId: string, producerId: bigint, producerEpoch: number, commit: boolean): number {
    const checked = this.checkProducer(transactionalId, producerId, producerEpoch);
    if (checked !== ErrorCode.NONE) return checked;
    const metadata = this.transactions.get(transactionalId)!;
    switch (metadata.state) {
      case 'Ongoing':
        this.complete(metadata, commit);
        return ErrorCode.NONE;
      case 'CompleteCommit':
        return commit ? ErrorCode.NONE : ErrorCode.INVALID_TXN_STATE;
      case 'CompleteAbort':
        return commit ? ErrorCode.INVALID_TXN_STATE : ErrorCode.NONE;
      default:
        return ErrorCode.INVALID_TXN_STATE;
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
