// Builds one Produce request from drained batches (at most one per partition) and maps the
// response back to the batches, partition by partition.
import type { Connection } from '../../network/connection.js';
import type { ProduceRequestData, ProduceResponseData } from '../../protocol/index.js';
import type { ProducerBatch } from '../accumulator/producer-batch.js';

/** The answer for one batch of a Produce request. */
export interface BatchResult {
  readonly errorCode: number;
  readonly baseOffset: bigint;
  readonly logAppendTimeMs: number;
  readonly errorMessage: string | null;
  /** A newer leader the broker pointed to (KIP-951), if any. */
  readonly currentLeader: { readonly leaderId: number; readonly leaderEpoch: number } | undefined;
}

/** Bytes of a Produce request besides the record batches, an upper bound used for sizing. */
export function requestOverhead(topic: string): number {
  return 64 + Buffer.byteLength(topic) + 16;
}

export function buildProduceRequest(
  batches: readonly ProducerBatch[],
  acks: number,
  timeoutMs: number,
  transactionalId: string | null,
): ProduceRequestData {
  const byTopic = new Map<string, { index: number; records: Buffer }[]>();
  for (const batch of batches) {
    const { topic, partition } = batch.topicPartition;
    let partitions = byTopic.get(topic);
    if (!partitions) byTopic.set(topic, (partitions = []));
    partitions.push({ index: partition, records: batch.bytes! });
  }
  return {
    transactionalId,
    acks,
    timeoutMs,
    topicData: [...byTopic].map(([name, partitionData]) => ({ name, partitionData })),
  };
}

/** Sends the request; acks 0 resolves once written, with no response. */
export function sendProduceRequest(
  connection: Connection,
  version: number,
  request: ProduceRequestData,
): Promise<ProduceResponseData | undefined> {
  return connection.requestAt('Produce', version, request, { expectResponse: request.acks !== 0 });
}

/** The result of each batch, or undefined for a batch the response does not mention. */
export function resultsByBatch(
  batches: readonly ProducerBatch[],
  response: ProduceResponseData,
): (BatchResult | undefined)[] {
  const answers = new Map<string, BatchResult>();
  for (const topic of response.responses) {
    for (const partition of topic.partitionResponses) {
      const leader = partition.currentLeader;
      answers.set(`${topic.name}\u0000${partition.index}`, {
        errorCode: partition.errorCode,
        baseOffset: partition.baseOffset,
        logAppendTimeMs: Number(partition.logAppendTimeMs ?? -1n),
        errorMessage: partition.errorMessage ?? null,
        currentLeader: leader && leader.leaderId >= 0 ? { leaderId: leader.leaderId, leaderEpoch: leader.leaderEpoch } : undefined,
      });
    }
  }
  return batches.map((batch) => {
    const { topic, partition } = batch.queue;
    return answers.get(`${topic}\u0000${partition}`);
  });
}
