// The requests of a transactional producer, as the protocol wants them: InitProducerId,
// AddPartitionsToTxn, AddOffsetsToTxn, TxnOffsetCommit and EndTxn, each sent to its coordinator
// (found and retried by the CoordinatorClient until maxBlockMs), with the version caps of the
// transaction protocol in use and the error code that decides each answer. What a transaction
// does with them, and when, is the TransactionManager's.
import { ErrorCode } from '../../errors/broker-error-codes.js';
import type { EndTxnResponseData } from '../../protocol/index.js';
import type { Clock } from '../../time/clock.js';
import type { PartitionState } from '../accumulator/partition-state.js';
import { loadProducerId } from '../idempotence/producer-id-loader.js';
import type { ProducerIdentity } from '../idempotence/producer-identity.js';
import { COORDINATOR_GROUP, COORDINATOR_TRANSACTION, type CoordinatorClient } from './coordinator-client.js';

// AddPartitionsToTxn v4+ is for brokers only; clients speak v3 and below.
const ADD_PARTITIONS_MAX_VERSION = 3;
// The last versions of the first protocol: EndTxn v5, TxnOffsetCommit v5 and Produce v12 (sender.ts)
// tell the broker the client runs transactions v2.
const END_TXN_V1_MAX_VERSION = 4;
const TXN_OFFSET_COMMIT_V1_MAX_VERSION = 4;

/** One offset to commit within a transaction. */
export interface TransactionOffset {
  readonly topic: string;
  readonly partition: number;
  /** The next offset to consume (the last processed offset + 1). */
  readonly offset: bigint | number | string;
  readonly metadata?: string | null;
}

/** The consumer group whose offsets a transaction commits (Java's ConsumerGroupMetadata). */
export interface ConsumerGroupMetadata {
  readonly groupId: string;
  readonly generationId?: number;
  readonly memberId?: string;
  readonly groupInstanceId?: string | null;
}

export interface TransactionRequestsConfig {
  readonly transactionalId: string;
  readonly transactionTimeoutMs: number;
  readonly maxBlockMs: number;
  readonly identity: ProducerIdentity;
  readonly coordinators: CoordinatorClient;
  readonly clock: Clock;
}

export class TransactionRequests {
  constructor(private readonly config: TransactionRequestsConfig) {}

  private deadline(): number {
    return this.config.clock.now() + this.config.maxBlockMs;
  }

  /** InitProducerId for the transactional id (`bump`: a new epoch for the same producer, KIP-360); adopts the answer. */
  async initProducerId(bump: boolean): Promise<void> {
    const { transactionalId, transactionTimeoutMs, identity, coordinators } = this.config;
    await coordinators.request(
      COORDINATOR_TRANSACTION,
      transactionalId,
      'InitProducerId',
      this.deadline(),
      (connection) => loadProducerId(connection, identity, { transactionalId, transactionTimeoutMs, bump }),
      (response) => response.errorCode,
    );
  }

  /** AddPartitionsToTxn for `partitions`; `onAttempt` is told before each send (the transaction may have started). */
  async addPartitions(partitions: readonly PartitionState[], onAttempt: () => void): Promise<void> {
    const { transactionalId, identity, coordinators } = this.config;
    const { producerId, epoch } = identity;
    const topics = new Map<string, number[]>();
    for (const queue of partitions) topics.set(queue.topic, [...(topics.get(queue.topic) ?? []), queue.partition]);
    await coordinators.request(
      COORDINATOR_TRANSACTION,
      transactionalId,
      'AddPartitionsToTxn',
      this.deadline(),
      (connection) => {
        onAttempt();
        return connection.requestAt('AddPartitionsToTxn', Math.min(connection.versionFor('AddPartitionsToTxn'), ADD_PARTITIONS_MAX_VERSION), {
          v3AndBelowTransactionalId: transactionalId,
          v3AndBelowProducerId: producerId,
          v3AndBelowProducerEpoch: epoch,
          v3AndBelowTopics: [...topics].map(([name, partitions]) => ({ name, partitions })),
        });
      },
      (answer) => {
        const codes = (answer.resultsByTopicV3AndBelow ?? []).flatMap((topic) => topic.resultsByPartition.map((result) => result.partitionErrorCode));
        // OPERATION_NOT_ATTEMPTED only means another partition of the request failed.
        return codes.find((code) => code !== ErrorCode.NONE && code !== ErrorCode.OPERATION_NOT_ATTEMPTED) ?? codes.find((code) => code !== ErrorCode.NONE) ?? answer.errorCode ?? ErrorCode.NONE;
      },
    );
  }

  /** AddOffsetsToTxn (the first protocol): the group's offsets will be part of the transaction. */
  async addOffsets(groupId: string, deadline: number, onAttempt: () => void): Promise<void> {
    const { transactionalId, identity, coordinators } = this.config;
    await coordinators.request(
      COORDINATOR_TRANSACTION,
      transactionalId,
      'AddOffsetsToTxn',
      deadline,
      (connection) => {
        onAttempt();
        return connection.request('AddOffsetsToTxn', { transactionalId, producerId: identity.producerId, producerEpoch: identity.epoch, groupId });
      },
      (answer) => answer.errorCode,
    );
  }

  /** TxnOffsetCommit to the group coordinator (in transactions v2, v5 also adds the offsets to the transaction). */
  async commitOffsets(offsets: readonly TransactionOffset[], group: ConsumerGroupMetadata, v2: boolean, deadline: number, onAttempt: () => void): Promise<void> {
    const { transactionalId, identity, coordinators } = this.config;
    const byTopic = new Map<string, { partitionIndex: number; committedOffset: bigint; committedLeaderEpoch: number; committedMetadata: string | null }[]>();
    for (const entry of offsets) {
      const partitions = byTopic.get(entry.topic) ?? [];
      partitions.push({ partitionIndex: entry.partition, committedOffset: BigInt(entry.offset), committedLeaderEpoch: -1, committedMetadata: entry.metadata ?? null });
      byTopic.set(entry.topic, partitions);
    }
    await coordinators.request(
      COORDINATOR_GROUP,
      group.groupId,
      'TxnOffsetCommit',
      deadline,
      (connection) => {
        onAttempt();
        const version = connection.versionFor('TxnOffsetCommit');
        return connection.requestAt('TxnOffsetCommit', v2 ? version : Math.min(version, TXN_OFFSET_COMMIT_V1_MAX_VERSION), {
          transactionalId,
          groupId: group.groupId,
          producerId: identity.producerId,
          producerEpoch: identity.epoch,
          generationId: group.generationId ?? -1,
          memberId: group.memberId ?? '',
          groupInstanceId: group.groupInstanceId ?? null,
          topics: [...byTopic].map(([name, partitions]) => ({ name, partitions })),
        });
      },
      (answer) => answer.topics.flatMap((topic) => topic.partitions).find((partition) => partition.errorCode !== ErrorCode.NONE)?.errorCode ?? ErrorCode.NONE,
    );
  }

  /** EndTxn, committing or aborting; in transactions v2 the answer carries the bumped epoch. */
  endTransaction(committed: boolean, v2: boolean): Promise<EndTxnResponseData> {
    const { transactionalId, identity, coordinators } = this.config;
    const { producerId, epoch } = identity;
    return coordinators.request(
      COORDINATOR_TRANSACTION,
      transactionalId,
      committed ? 'EndTxn (commit)' : 'EndTxn (abort)',
      this.deadline(),
      (connection) => {
        const version = connection.versionFor('EndTxn');
        return connection.requestAt('EndTxn', v2 ? version : Math.min(version, END_TXN_V1_MAX_VERSION), { transactionalId, producerId, producerEpoch: epoch, committed });
      },
      (response) => response.errorCode,
    );
  }
}
