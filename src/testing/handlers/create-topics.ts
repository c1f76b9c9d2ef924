// CreateTopics: creates topics with a given or default partition count and replication factor (or
// explicit assignments), honouring the min.insync.replicas and max.message.bytes configs and
// validateOnly; refusals carry Kafka's codes (TOPIC_ALREADY_EXISTS, INVALID_PARTITIONS, ...).
import type { CreateTopicsResponseCreatableTopicResult } from '../../protocol/index.js';
import { ErrorCode } from '../error-codes.js';
import { Topology, TopologyError } from '../topology.js';
import type { Handler } from './handler.js';

const NO_TOPIC_ID = '00000000-0000-0000-0000-000000000000';

/** Answers CreateTopics. */
export const handleCreateTopics: Handler<'CreateTopics'> = (context, request) => {
  const { runtime } = context;
  const topics = request.topics.map((wanted): CreateTopicsResponseCreatableTopicResult => {
    const refuse = (errorCode: number, message: string | null) => ({
      name: wanted.name,
      topicId: NO_TOPIC_ID,
      errorCode,
      errorMessage: message,
      numPartitions: -1,
      replicationFactor: -1,
      configs: [],
    });
    const configs = new Map(wanted.configs.map((config) => [config.name, config.value]));
    const assignments = wanted.assignments.length > 0
      ? [...wanted.assignments].sort((left, right) => left.partitionIndex - right.partitionIndex).map((entry) => entry.brokerIds)
      : undefined;
    const partitions = wanted.numPartitions === -1 ? runtime.options.defaultPartitions : wanted.numPartitions;
    const replicationFactor = wanted.replicationFactor === -1 ? runtime.options.defaultReplicationFactor : wanted.replicationFactor;
    const nameError = Topology.topicNameError(wanted.name);
    if (nameError !== null) return refuse(nameError, `'${wanted.name}' is not a legal topic name`);
    if (runtime.topology.topics.has(wanted.name)) return refuse(ErrorCode.TOPIC_ALREADY_EXISTS, `Topic '${wanted.name}' already exists`);
    const spec = {
      name: wanted.name,
      partitions,
      replicationFactor,
      ...(assignments ? { assignments } : {}),
      minInsyncReplicas: numberConfig(configs.get('min.insync.replicas')),
      maxMessageBytes: numberConfig(configs.get('max.message.bytes')),
    };
    if (request.validateOnly) {
      if (!(partitions >= 1)) return refuse(ErrorCode.INVALID_PARTITIONS, `Invalid number of partitions ${partitions}`);
      if (!(replicationFactor >= 1 && replicationFactor <= runtime.topology.brokers.size)) {
        return refuse(ErrorCode.INVALID_REPLICATION_FACTOR, `Invalid replication factor ${replicationFactor}`);
      }
      return { ...refuse(ErrorCode.NONE, null), numPartitions: partitions, replicationFactor };
    }
    try {
      const topic = runtime.createTopic(spec);
      return {
        name: topic.name,
        topicId: topic.id,
        errorCode: ErrorCode.NONE,
        errorMessage: null,
        numPartitions: topic.partitions.length,
        replicationFactor: topic.partitions[0]!.replicas.length,
        configs: [],
      };
    } catch (error) {
      if (error instanceof TopologyError) return refuse(error.errorCode, error.message);
      throw error;
    }
  });
  return { response: { throttleTimeMs: 0, topics } };
};

function numberConfig(value: string | null | undefined): number | undefined {
  if (value === null || value === undefined) return undefined;
  const parsed = Number(value);
  return Number.isInteger(parsed) && parsed > 0 ? parsed : undefined;
}
