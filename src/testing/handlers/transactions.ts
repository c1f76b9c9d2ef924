// The transaction APIs: InitProducerId, AddPartitionsToTxn (the v0-3 client layout and the v4+
// batched layout), AddOffsetsToTxn, EndTxn and TxnOffsetCommit. Requests naming a transactional id
// or group this broker does not coordinate get NOT_COORDINATOR, as in Kafka.
import type {
  AddPartitionsToTxnRequestAddPartitionsToTxnTopic,
  AddPartitionsToTxnResponseAddPartitionsToTxnTopicResult,
} from '../../protocol/index.js';
import { ErrorCode } from '../error-codes.js';
import type { PartitionState } from '../topology.js';
import { isCoordinator } from './find-coordinator.js';
import type { Handler, RequestContext } from './handler.js';

/** Answers InitProducerId (any broker for idempotent producers, the coordinator for transactional ones). */
export const handleInitProducerId: Handler<'InitProducerId'> = (context, request) => {
  const transactionalId = request.transactionalId;
  if (transactionalId && !isCoordinator(context, transactionalId)) {
    return { response: { throttleTimeMs: 0, errorCode: ErrorCode.NOT_COORDINATOR, producerId: -1n, producerEpoch: -1 } };
  }
  const producerId = request.producerId ?? -1n;
  const expected = producerId >= 0n ? { producerId, producerEpoch: request.producerEpoch ?? -1 } : undefined;
  const result = context.runtime.transactions.initProducerId(transactionalId, request.transactionTimeoutMs, expected);
  return { response: { throttleTimeMs: 0, ...result } };
};

/** Answers AddPartitionsToTxn. */
export const handleAddPartitionsToTxn: Handler<'AddPartitionsToTxn'> = (context, request) => {
  if (context.version <= 3) {
    const topicResults = addPartitions(
      context,
      request.v3AndBelowTransactionalId ?? '',
      request.v3AndBelowProducerId ?? -1n,
      request.v3AndBelowProducerEpoch ?? -1,
      request.v3AndBelowTopics ?? [],
      false,
    );
    return { response: { throttleTimeMs: 0, resultsByTopicV3AndBelow: topicResults } };
  }
  const resultsByTransaction = (request.transactions ?? []).map((transaction) => ({
    transactionalId: transaction.transactionalId,
    topicResults: addPartitions(
      context,
      transaction.transactionalId,
      transaction.producerId,
      transaction.producerEpoch,
      transaction.topics,
      transaction.verifyOnly,
    ),
  }));
  return { response: { throttleTimeMs: 0, errorCode: ErrorCode.NONE, resultsByTransaction } };
};

function addPartitions(
  context: RequestContext,
  transactionalId: string,
  producerId: bigint,
  producerEpoch: number,
  topics: readonly AddPartitionsToTxnRequestAddPartitionsToTxnTopic[],
  verifyOnly: boolean,
): AddPartitionsToTxnResponseAddPartitionsToTxnTopicResult[] {
  const { transactions, topology } = context.runtime;
  const answer = (code: (topic: string, partition: number) => number) =>
    topics.map((topic) => ({
      name: topic.name,
      resultsByPartition: topic.partitions.map((partition) => ({ partitionIndex: partition, partitionErrorCode: code(topic.name, partition) })),
    }));
  if (!isCoordinator(context, transactionalId)) return answer(() => ErrorCode.NOT_COORDINATOR);
  const checked = transactions.checkProducer(transactionalId, producerId, producerEpoch);
  if (checked !== ErrorCode.NONE) return answer(() => checked);
  if (verifyOnly) {
    const metadata = transactions.get(transactionalId)!;
    return answer((topic, partition) =>
      metadata.state === 'Ongoing' && metadata.partitions.has(`${topic}\u0000${partition}`) ? ErrorCode.NONE : ErrorCode.INVALID_TXN_STATE,
    );
  }
  const found: PartitionState[] = [];
  const unknown = new Set<string>();
  for (const topic of topics) {
    for (const index of topic.partitions) {
      const partition = topology.partition(topic.name, index);
      if (partition) found.push(partition);
      else unknown.add(`${topic.name}\u0000${index}`);
    }
  }
  // As Kafka: one unknown partition fails the request; the others are reported as not attempted.
  if (unknown.size > 0) {
    return answer((topic, partition) =>
      unknown.has(`${topic}\u0000${partition}`) ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : ErrorCode.OPERATION_NOT_ATTEMPTED,
    );
  }
  transactions.addPartitions(transactionalId, found);
  return answer(() => ErrorCode.NONE);
}

/** Answers AddOffsetsToTxn. */
export const handleAddOffsetsToTxn: Handler<'AddOffsetsToTxn'> = (context, request) => {
  const { transactions } = context.runtime;
  let errorCode: number = ErrorCode.NOT_COORDINATOR;
  if (isCoordinator(context, request.transactionalId)) {
    errorCode = transactions.checkProducer(request.transactionalId, request.producerId, request.producerEpoch);
    if (errorCode === ErrorCode.NONE) transactions.addOffsets(request.transactionalId, request.groupId);
  }
  return { response: { throttleTimeMs: 0, errorCode } };
};

/** Answers EndTxn: markers are written to every partition of the transaction before the answer. */
export const handleEndTxn: Handler<'EndTxn'> = (context, request) => {
  const { transactions, transactionVersion } = context.runtime;
  if (!isCoordinator(context, request.transactionalId)) {
    return { response: { throttleTimeMs: 0, errorCode: ErrorCode.NOT_COORDINATOR, producerId: -1n, producerEpoch: -1 } };
  }
  // EndTxn v5 is the client's side of transactions v2: the end bumps the epoch when the cluster serves it.
  const bumpEpoch = context.version >= 5 && transactionVersion === 2;
  const result = transactions.endTransaction(request.transactionalId, request.producerId, request.producerEpoch, request.committed, bumpEpoch);
  return { response: { throttleTimeMs: 0, ...result } };
};

/** Answers TxnOffsetCommit (sent to the group coordinator): the offsets are committed with the transaction. */
export const handleTxnOffsetCommit: Handler<'TxnOffsetCommit'> = (context, request) => {
  const { runtime } = context;
  let errorCode: number = ErrorCode.NOT_COORDINATOR;
  if (isCoordinator(context, request.groupId)) {
    const generationId = request.generationId ?? -1;
    errorCode =
      generationId >= 0 ? runtime.groups.validateGeneration(request.groupId, request.memberId ?? '', generationId) : ErrorCode.NONE;
    const unknown = request.topics.some((topic) =>
      topic.partitions.some((partition) => !runtime.topology.partition(topic.name, partition.partitionIndex)),
    );
    if (errorCode === ErrorCode.NONE && unknown) errorCode = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
    // TxnOffsetCommit v5 on a transactions v2 cluster adds the group to the transaction itself.
    if (errorCode === ErrorCode.NONE && context.version >= 5 && runtime.transactionVersion === 2) {
      errorCode = runtime.transactions.checkProducer(request.transactionalId, request.producerId, request.producerEpoch);
      if (errorCode === ErrorCode.NONE) runtime.transactions.addOffsets(request.transactionalId, request.groupId);
    }
    if (errorCode === ErrorCode.NONE) {
      const offsets = request.topics.flatMap((topic) =>
        topic.partitions.map((partition) => ({
          topic: topic.name,
          partition: partition.partitionIndex,
          offset: partition.committedOffset,
          leaderEpoch: partition.committedLeaderEpoch ?? -1,
          metadata: partition.committedMetadata,
        })),
      );
      errorCode = runtime.transactions.addPendingOffsets(request.transactionalId, request.producerId, request.producerEpoch, request.groupId, offsets);
    }
  }
  const code = errorCode;
  return {
    response: {
      throttleTimeMs: 0,
      topics: request.topics.map((topic) => ({
        name: topic.name,
        partitions: topic.partitions.map((partition) => ({ partitionIndex: partition.partitionIndex, errorCode: code })),
      })),
    },
  };
};
