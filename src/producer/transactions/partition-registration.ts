// The partitions of the current transaction, in the first protocol: a partition's batches may be
// sent once AddPartitionsToTxn added it. The first ask for a partition queues it; one request at a
// time adds every partition queued meanwhile, for as long as the transaction may still commit.
import { KafkaError } from '../../errors/kafka-error.js';
import type { PartitionState } from '../accumulator/partition-state.js';
import type { TransactionRequests } from './transaction-requests.js';

export interface PartitionRegistrationHooks {
  /** Whether partitions may still be added (the transaction is open or committing, nothing failed). */
  readonly mayAdd: () => boolean;
  /** An AddPartitionsToTxn is about to be sent: the transaction may have started at the coordinator. */
  readonly onAttempt: () => void;
  /** Partitions were added (or adding them failed): the sender may go on. */
  readonly onAdded: () => void;
  /** Adding failed for good (fenced, refused, or no answer until maxBlockMs). */
  readonly onFailed: (error: KafkaError) => void;
}

export class PartitionRegistration {
  private readonly added = new Set<PartitionState>();
  private readonly toAdd = new Set<PartitionState>();
  /** The AddPartitionsToTxn under way, if any. */
  private adding: Promise<void> | undefined;

  constructor(
    private readonly requests: TransactionRequests,
    private readonly hooks: PartitionRegistrationHooks,
  ) {}

  /** Whether `queue` was added; if not, asks for it (batched with others). */
  isAdded(queue: PartitionState): boolean {
    if (this.added.has(queue)) return true;
    if (!this.toAdd.has(queue)) {
      this.toAdd.add(queue);
      this.start();
    }
    return false;
  }

  /** Whether the coordinator added any partition to this transaction. */
  get anyAdded(): boolean {
    return this.added.size > 0;
  }

  /** Resolves once no AddPartitionsToTxn is under way. */
  async settled(): Promise<void> {
    while (this.adding) await this.adding;
  }

  /** Forgets the partitions waiting to be added (the transaction is being aborted). */
  dropWaiting(): void {
    this.toAdd.clear();
  }

  /** A new transaction: no partition is added yet. */
  reset(): void {
    this.added.clear();
    this.toAdd.clear();
  }

  private start(): void {
    if (this.adding) return;
    this.adding = this.addWaiting().finally(() => {
      this.adding = undefined;
      if (this.toAdd.size > 0) this.start();
    });
  }

  private async addWaiting(): Promise<void> {
    try {
      while (this.toAdd.size > 0 && this.hooks.mayAdd()) {
        const batch = [...this.toAdd];
        await this.requests.addPartitions(batch, this.hooks.onAttempt);
        for (const queue of batch) {
          this.toAdd.delete(queue);
          this.added.add(queue);
        }
        this.hooks.onAdded();
      }
      this.toAdd.clear();
    } catch (error) {
      this.toAdd.clear();
      this.hooks.onFailed(error instanceof KafkaError ? error : new KafkaError('ADD_PARTITIONS_FAILED', String(error), { cause: error }));
      this.hooks.onAdded();
    }
  }
}
