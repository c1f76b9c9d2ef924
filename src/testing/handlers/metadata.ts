// Metadata: live brokers, cluster id, controller, and per topic its id and partitions (leader,
// leader epoch, replicas, ISR, offline replicas). Unknown topics are created when both the cluster
// option and the request allow it (immediately, where Kafka first answers LEADER_NOT_AVAILABLE).
import type { MetadataResponsePartition, MetadataResponseTopic } from '../../protocol/index.js';
import type { ClusterRuntime } from '../cluster-runtime.js';
import { ErrorCode } from '../error-codes.js';
import { type TopicState, Topology, TopologyError } from '../topology.js';
import type { Handler } from './handler.js';

const NO_TOPIC_ID = '00000000-0000-0000-0000-000000000000';
const NO_AUTHORIZED_OPERATIONS = -2147483648;

/** Answers Metadata. */
export const handleMetadata: Handler<'Metadata'> = (context, request) => {
  const { runtime, version } = context;
  const { topology, options } = runtime;
  const allowCreation = options.autoCreateTopics && (version < 4 || request.allowAutoTopicCreation !== false);
  const everyTopic = request.topics === null || (version === 0 && request.topics.length === 0);
  const topics: MetadataResponseTopic[] = [];
  if (everyTopic) {
    for (const topic of topology.topics.values()) topics.push(describeTopic(runtime, topic));
  } else {
    for (const wanted of request.topics ?? []) {
      const byId = wanted.name === null || wanted.name === undefined;
      const topic = byId ? topology.topicById(wanted.topicId ?? NO_TOPIC_ID) : topology.topics.get(wanted.name!);
      if (topic) topics.push(describeTopic(runtime, topic));
      else if (byId) topics.push(missingTopic(version >= 12 ? null : '', wanted.topicId ?? NO_TOPIC_ID, ErrorCode.UNKNOWN_TOPIC_ID));
      else topics.push(createOrRefuse(runtime, wanted.name!, allowCreation));
    }
  }
  return {
    response: {
      throttleTimeMs: 0,
      brokers: topology.liveBrokerIds().map((id) => {
        const broker = topology.brokers.get(id)!;
        return { nodeId: id, host: broker.host, port: broker.port, rack: null };
      }),
      clusterId: options.clusterId,
      controllerId: topology.controllerId(),
      topics,
      clusterAuthorizedOperations: NO_AUTHORIZED_OPERATIONS,
    },
  };
};

function createOrRefuse(runtime: ClusterRuntime, name: string, allowCreation: boolean): MetadataResponseTopic {
  const invalid = Topology.topicNameError(name);
  if (invalid !== null) return missingTopic(name, NO_TOPIC_ID, invalid);
  if (!allowCreation) return missingTopic(name, NO_TOPIC_ID, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  try {
    const { defaultPartitions, defaultReplicationFactor } = runtime.options;
    return describeTopic(runtime, runtime.createTopic({ name, partitions: defaultPartitions, replicationFactor: defaultReplicationFactor }));
  } catch (error) {
    if (error instanceof TopologyError) return missingTopic(name, NO_TOPIC_ID, error.errorCode);
    throw error;
  }
}

function describeTopic(runtime: ClusterRuntime, topic: TopicState): MetadataResponseTopic {
  const { brokers } = runtime.topology;
  return {
    errorCode: ErrorCode.NONE,
    name: topic.name,
    topicId: topic.id,
    isInternal: false,
    partitions: topic.partitions.map(
      (partition): MetadataResponsePartition => ({
        errorCode: partition.leader === -1 ? ErrorCode.LEADER_NOT_AVAILABLE : ErrorCode.NONE,
        partitionIndex: partition.index,
        leaderId: partition.leader,
        leaderEpoch: partition.leaderEpoch,
        replicaNodes: [...partition.replicas],
        isrNodes: [...partition.isr],
        offlineReplicas: partition.replicas.filter((id) => !brokers.get(id)!.alive),
      }),
    ),
    topicAuthorizedOperations: NO_AUTHORIZED_OPERATIONS,
  };
}

function missingTopic(name: string | null, topicId: string, errorCode: number): MetadataResponseTopic {
  return { errorCode, name, topicId, isInternal: false, partitions: [], topicAuthorizedOperations: NO_AUTHORIZED_OPERATIONS };
}
