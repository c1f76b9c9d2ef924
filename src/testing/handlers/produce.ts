// Produce: per partition, in Kafka's order of checks (leadership, transaction verification, ISR for
// acks=all, size, batch validation, producer state), then the append. Batches are decoded first and
// every check and append of the request then runs without a pause, so a request appends atomically.
import type {
  ProduceRequestData,
  ProduceResponseNodeEndpoint,
  ProduceResponsePartitionProduceResponse,
  ProduceResponseTopicProduceResponse,
} from '../../protocol/index.js';
import { ErrorCode } from '../error-codes.js';
import type { ParsedBatch } from '../partition-log.js';
import { type ProducedBatchResult, parseProducedBatch } from '../record-batches.js';
import type { PartitionState } from '../topology.js';
import type { Handler, RequestContext } from './handler.js';

interface PartitionOutcome {
  errorCode: number;
  baseOffset: bigint;
  /** The partition's log start offset, reported with a success. */
  logStartOffset: bigint;
  message: string | null;
  notLeader?: PartitionState;
}

/** Answers Produce; acks 0 gets no response, and an error with acks 0 closes the connection as Kafka does. */
export const handleProduce: Handler<'Produce'> = async (context, request) => {
  const parsed = await parseAll(context, request);
  const outcomes = request.topicData.map((topicData, topicIndex) =>
    topicData.partitionData.map((partitionData, partitionIndex) =>
      producePartition(context, request, topicData.name, partitionData.index, partitionData.records, parsed[topicIndex]![partitionIndex]),
    ),
  );
  if (request.acks === 0) {
    const failed = outcomes.some((topic) => topic.some((outcome) => outcome.errorCode !== ErrorCode.NONE));
    return { noResponse: true, closeConnection: failed };
  }
  const endpoints = new Map<number, ProduceResponseNodeEndpoint>();
  const responses: ProduceResponseTopicProduceResponse[] = request.topicData.map((topicData, topicIndex) => ({
    name: topicData.name,
    partitionResponses: topicData.partitionData.map((partitionData, partitionIndex) =>
      partitionResponse(context, partitionData.index, outcomes[topicIndex]![partitionIndex]!, endpoints),
    ),
  }));
  return { response: { responses, throttleTimeMs: 0, nodeEndpoints: [...endpoints.values()] } };
};

// Decodes (and decompresses) the batches that pass the cheap checks, before anything is appended.
async function parseAll(context: RequestContext, request: ProduceRequestData): Promise<(ProducedBatchResult | undefined)[][]> {
  const { topology } = context.runtime;
  return Promise.all(
    request.topicData.map((topicData) =>
      Promise.all(
        topicData.partitionData.map(async (partitionData) => {
          const partition = topology.partition(topicData.name, partitionData.index);
          const records = partitionData.records;
          if (!partition || (records && records.length > partition.topic.maxMessageBytes)) return undefined;
          return parseProducedBatch(records);
        }),
      ),
    ),
  );
}

function producePartition(
  context: RequestContext,
  request: ProduceRequestData,
  topic: string,
  index: number,
  records: Buffer | null,
  parsed: ProducedBatchResult | undefined,
): PartitionOutcome {
  const { runtime, brokerId, faults } = context;
  const injected = faults.partitionError(topic, index);
  if (injected !== undefined) return failure(injected, 'Injected by FakeCluster');
  if (request.acks !== 0 && request.acks !== 1 && request.acks !== -1) return failure(ErrorCode.INVALID_REQUIRED_ACKS, `acks ${request.acks}`);
  const partition = runtime.topology.partition(topic, index);
  if (!partition) return failure(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Unknown partition ${topic}-${index}`);
  if (partition.leader !== brokerId) {
    return { ...failure(ErrorCode.NOT_LEADER_OR_FOLLOWER, `Broker ${brokerId} does not lead ${topic}-${index}`), notLeader: partition };
  }
  const batch = parsed && 'batch' in parsed ? parsed.batch : undefined;
  if (batch?.info.transactional && request.transactionalId) {
    const { producerId, producerEpoch } = batch.info;
    // Produce v12 is the client's side of transactions v2: on a cluster that serves it, the leader
    // adds the partition to the transaction; otherwise it only checks that the client added it.
    const verified =
      context.version >= 12 && runtime.transactionVersion === 2
        ? runtime.transactions.addPartitionFromProduce(request.transactionalId, producerId, producerEpoch, partition)
        : runtime.transactions.verifyProduce(request.transactionalId, producerId, producerEpoch, partition);
    if (verified !== ErrorCode.NONE) return failure(verified, `Transaction verification failed for ${topic}-${index}`);
  }
  if (request.acks === -1 && partition.isr.length < partition.topic.minInsyncReplicas) {
    return failure(
      ErrorCode.NOT_ENOUGH_REPLICAS,
      `ISR [${partition.isr.join(', ')}] is smaller than min.insync.replicas ${partition.topic.minInsyncReplicas}`,
    );
  }
  const size = records?.length ?? 0;
  if (size > partition.topic.maxMessageBytes) {
    return failure(ErrorCode.MESSAGE_TOO_LARGE, `Batch of ${size} bytes exceeds max.message.bytes ${partition.topic.maxMessageBytes}`);
  }
  if (!parsed) return failure(ErrorCode.CORRUPT_MESSAGE, 'No records');
  if (!('batch' in parsed)) return failure(parsed.errorCode, parsed.message);
  return append(partition, parsed.batch);
}

function append(partition: PartitionState, batch: ParsedBatch): PartitionOutcome {
  const verdict = partition.log.producers.check(batch.info);
  if (verdict.kind === 'reject') return failure(verdict.errorCode, verdict.message);
  // A duplicate of one of the last 5 batches is answered as Kafka 3.x/4.x does: NONE with the offset
  // the batch got the first time, and nothing appended.
  const { log } = partition;
  if (verdict.kind === 'duplicate') {
    return { errorCode: ErrorCode.NONE, baseOffset: verdict.original.firstOffset, logStartOffset: log.logStartOffset, message: null };
  }
  const stored = log.append(batch, partition.leaderEpoch);
  return { errorCode: ErrorCode.NONE, baseOffset: stored.baseOffset, logStartOffset: log.logStartOffset, message: null };
}

function partitionResponse(
  context: RequestContext,
  index: number,
  outcome: PartitionOutcome,
  endpoints: Map<number, ProduceResponseNodeEndpoint>,
): ProduceResponsePartitionProduceResponse {
  const ok = outcome.errorCode === ErrorCode.NONE;
  const response: ProduceResponsePartitionProduceResponse = {
    index,
    errorCode: outcome.errorCode,
    baseOffset: ok ? outcome.baseOffset : -1n,
    logAppendTimeMs: -1n,
    logStartOffset: ok ? outcome.logStartOffset : -1n,
    recordErrors: [],
    errorMessage: ok ? null : outcome.message,
  };
  // KIP-951: tell the client where the leader went, so it need not wait for a metadata refresh.
  const moved = outcome.notLeader;
  if (moved && moved.leader !== -1 && context.version >= 10) {
    response.currentLeader = { leaderId: moved.leader, leaderEpoch: moved.leaderEpoch };
    const broker = context.runtime.topology.brokers.get(moved.leader)!;
    endpoints.set(broker.id, { nodeId: broker.id, host: broker.host, port: broker.port, rack: null });
  }
  return response;
}

function failure(errorCode: number, message: string): PartitionOutcome {
  return { errorCode, baseOffset: -1n, logStartOffset: -1n, message };
}
