// What the client knows about the cluster: brokers, topics, partitions and their leaders with
// leader epochs. An update never moves a partition back to an older leader epoch (KIP-320), and a
// topic missing from one response keeps its last known state until it is reported as deleted. A
// topic deleted and created again under the same name has a new topic id (KIP-516): its partitions
// start again at leader epoch 0, and the epochs of the old topic do not hold them back.
import { ErrorCode } from '../errors/broker-error-codes.js';
import type { MetadataResponseData } from '../protocol/index.js';

export interface BrokerInfo {
  readonly nodeId: number;
  readonly host: string;
  readonly port: number;
  readonly rack: string | null;
}

export interface PartitionInfo {
  readonly partition: number;
  /** -1 while the partition has no leader. */
  readonly leader: number;
  readonly leaderEpoch: number;
  readonly replicas: readonly number[];
  readonly isr: readonly number[];
  readonly errorCode: number;
}

export interface TopicInfo {
  readonly name: string;
  /** The topic's id (Metadata v10+), undefined when the broker did not send one. */
  readonly topicId: string | undefined;
  readonly errorCode: number;
  readonly partitions: readonly PartitionInfo[];
  /** Partitions that have a leader, computed once per update for the partitioners. */
  readonly available: readonly number[];
}

function topicInfo(name: string, topicId: string | undefined, errorCode: number, partitions: readonly PartitionInfo[]): TopicInfo {
  const available = partitions.filter((partition) => partition.leader >= 0).map((partition) => partition.partition);
  return { name, topicId, errorCode, partitions, available };
}

const NO_TOPIC_ID = '00000000-0000-0000-0000-000000000000';

export class MetadataCache {
  readonly brokers = new Map<number, BrokerInfo>();
  readonly topics = new Map<string, TopicInfo>();
  /** Topics the last response reported with an error code, by name. */
  readonly topicErrors = new Map<string, number>();
  /** The time (of the cluster's clock) since which each topic has been reported as not existing (UNKNOWN_TOPIC_OR_PARTITION), without a break. */
  readonly unknownSince = new Map<string, number>();
  controllerId = -1;
  clusterId: string | null = null;
  /** The time (of the cluster's clock) of the last successful update, 0 before the first. */
  updatedAt = 0;
  /** Increases with every update; lets callers notice a change cheaply. */
  generation = 0;

  update(response: MetadataResponseData, now = Date.now()): void {
    this.brokers.clear();
    for (const broker of response.brokers) {
      this.brokers.set(broker.nodeId, {
        nodeId: broker.nodeId,
        host: broker.host,
        port: broker.port,
        rack: broker.rack ?? null,
      });
    }
    this.controllerId = response.controllerId ?? -1;
    this.clusterId = response.clusterId ?? null;
    this.topicErrors.clear();
    for (const topic of response.topics) {
      const name = topic.name;
      if (name === null || name === undefined) continue;
      if (topic.errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) {
        if (!this.unknownSince.has(name)) this.unknownSince.set(name, now);
      } else {
        this.unknownSince.delete(name);
      }
      if (topic.errorCode !== ErrorCode.NONE) {
        this.topicErrors.set(name, topic.errorCode);
        // Keep what we knew through transient errors (leader elections); drop it when the topic is gone.
        if (topic.errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION && !this.topics.has(name)) continue;
        if (topic.partitions.length === 0) continue;
      }
      const topicId = topic.topicId === undefined || topic.topicId === NO_TOPIC_ID ? undefined : topic.topicId;
      const known = this.topics.get(name);
      // A new id is a new topic: the leader epochs of the one deleted say nothing about it.
      const previous = known && topicId !== undefined && known.topicId !== undefined && known.topicId !== topicId ? undefined : known;
      const partitions = topic.partitions
        .map((partition): PartitionInfo => {
          const leaderEpoch = partition.leaderEpoch ?? -1;
          const old = previous?.partitions[partition.partitionIndex];
          if (old && old.partition === partition.partitionIndex && leaderEpoch >= 0 && old.leaderEpoch > leaderEpoch) {
            return old; // stale answer from a broker behind on metadata
          }
          return {
            partition: partition.partitionIndex,
            leader: partition.leaderId,
            leaderEpoch,
            replicas: partition.replicaNodes,
            isr: partition.isrNodes,
            errorCode: partition.errorCode,
          };
        })
        .sort((left, right) => left.partition - right.partition);
      this.topics.set(name, topicInfo(name, topicId ?? previous?.topicId, topic.errorCode, partitions));
    }
    this.updatedAt = now;
    this.generation++;
  }

  /** Forgets a topic (after the broker said it does not exist). */
  forget(topic: string): void {
    this.topics.delete(topic);
  }

  partition(topic: string, partition: number): PartitionInfo | undefined {
    return this.topics.get(topic)?.partitions[partition];
  }

  /** Records that `partition` of `topic` is now led by `leader` at `leaderEpoch` (a hint from a response). */
  updateLeader(topic: string, partition: number, leader: number, leaderEpoch: number): boolean {
    const info = this.topics.get(topic);
    const current = info?.partitions[partition];
    if (!info || !current || leaderEpoch <= current.leaderEpoch || !this.brokers.has(leader)) return false;
    const partitions = info.partitions.slice();
    partitions[partition] = { ...current, leader, leaderEpoch };
    this.topics.set(topic, topicInfo(topic, info.topicId, info.errorCode, partitions));
    this.generation++;
    return true;
  }
}
