// Brokers, topics and partitions of the fake cluster: replica assignment, leaders with their epochs,
// the in-sync replica set and elections. The log belongs to the partition, not to a broker, so a
// leader change never loses or forks data; every leader change bumps the partition's leader epoch.
import { createHash } from 'node:crypto';
import { ErrorCode } from './error-codes.js';
import type { ResolvedOptions } from './options.js';
import { PartitionLog } from './partition-log.js';

/** One broker's identity and liveness. */
export interface BrokerNode {
  readonly id: number;
  readonly host: string;
  port: number;
  alive: boolean;
}

/** A topic with its partitions and its per-topic configuration. */
export interface TopicState {
  readonly name: string;
  readonly id: string;
  readonly partitions: PartitionState[];
  readonly minInsyncReplicas: number;
  readonly maxMessageBytes: number;
}

/** One partition: replicas, ISR, leader (-1 when none) and the shared log. */
export interface PartitionState {
  readonly topic: TopicState;
  readonly index: number;
  readonly replicas: readonly number[];
  isr: number[];
  leader: number;
  leaderEpoch: number;
  readonly log: PartitionLog;
}

/** What a topic is created with (from options, Metadata auto-creation or CreateTopics). */
export interface TopicSpec {
  readonly name: string;
  readonly partitions: number;
  readonly replicationFactor: number;
  readonly assignments?: readonly (readonly number[])[];
  readonly minInsyncReplicas?: number | undefined;
  readonly maxMessageBytes?: number | undefined;
}

/** A topology change refused with a Kafka error code (CreateTopics answers with it). */
export class TopologyError extends Error {
  constructor(
    readonly errorCode: number,
    message: string,
  ) {
    super(message);
  }
}

const legalTopicName = /^[a-zA-Z0-9._-]{1,249}$/;

/** The cluster's brokers and topics, and the operations that move leadership. */
export class Topology {
  readonly brokers = new Map<number, BrokerNode>();
  readonly topics = new Map<string, TopicState>();
  private readonly topicsById = new Map<string, TopicState>();

  constructor(private readonly options: ResolvedOptions) {
    for (let id = 1; id <= options.brokers; id++) {
      this.brokers.set(id, { id, host: options.host, port: options.ports[id - 1] ?? 0, alive: true });
    }
  }

  /** The topic with `id` (a UUID string), if any. */
  topicById(id: string): TopicState | undefined {
    return this.topicsById.get(id);
  }

  /** The partition, if the topic and partition exist. */
  partition(topic: string, index: number): PartitionState | undefined {
    return this.topics.get(topic)?.partitions[index];
  }

  /** The partition, or a TypeError naming what is missing (for the control API). */
  requirePartition(topic: string, index: number): PartitionState {
    const found = this.partition(topic, index);
    if (!found) throw new TypeError(`FakeCluster has no partition ${topic}-${index}`);
    return found;
  }

  /** Live broker ids, ascending. */
  liveBrokerIds(): number[] {
    return [...this.brokers.values()].filter((broker) => broker.alive).map((broker) => broker.id);
  }

  /** The controller reported by Metadata: the lowest live broker id, or -1. */
  controllerId(): number {
    return this.liveBrokerIds()[0] ?? -1;
  }

  /** Kafka's topic name check: null when legal, else INVALID_TOPIC_EXCEPTION. */
  static topicNameError(name: string): number | null {
    return legalTopicName.test(name) && name !== '.' && name !== '..' ? null : ErrorCode.INVALID_TOPIC_EXCEPTION;
  }

  /** Creates a topic with a deterministic replica assignment; throws TopologyError when refused. */
  createTopic(spec: TopicSpec): TopicState {
    if (Topology.topicNameError(spec.name) !== null) {
      throw new TopologyError(ErrorCode.INVALID_TOPIC_EXCEPTION, `'${spec.name}' is not a legal topic name`);
    }
    if (this.topics.has(spec.name)) {
      throw new TopologyError(ErrorCode.TOPIC_ALREADY_EXISTS, `Topic '${spec.name}' already exists`);
    }
    const assignments = spec.assignments ?? this.assign(spec.partitions, spec.replicationFactor);
    if (assignments.length < 1) throw new TopologyError(ErrorCode.INVALID_PARTITIONS, 'A topic needs at least one partition');
    for (const replicas of assignments) {
      if (replicas.length < 1 || replicas.some((id) => !this.brokers.has(id)) || new Set(replicas).size !== replicas.length) {
        throw new TopologyError(ErrorCode.INVALID_REPLICATION_FACTOR, `Invalid replica assignment [${replicas.join(', ')}]`);
      }
    }
    const topic: TopicState = {
      name: spec.name,
      id: topicIdOf(this.options.clusterId, spec.name),
      partitions: [],
      minInsyncReplicas: spec.minInsyncReplicas ?? this.options.minInsyncReplicas,
      maxMessageBytes: spec.maxMessageBytes ?? this.options.maxMessageBytes,
    };
    assignments.forEach((replicas, index) => {
      const live = replicas.filter((id) => this.brokers.get(id)!.alive);
      topic.partitions.push({
        topic,
        index,
        replicas: [...replicas],
        isr: live.length > 0 ? live : [replicas[0]!],
        leader: live[0] ?? -1,
        leaderEpoch: 0,
        log: new PartitionLog(),
      });
    });
    this.topics.set(topic.name, topic);
    this.topicsById.set(topic.id, topic);
    return topic;
  }

  /** Makes `toBroker` the leader of the partition (it must be a live replica); bumps the epoch. */
  moveLeader(topic: string, index: number, toBroker: number): void {
    const partition = this.requirePartition(topic, index);
    if (!partition.replicas.includes(toBroker)) {
      throw new TypeError(`Broker ${toBroker} is not a replica of ${topic}-${index} (replicas ${partition.replicas.join(', ')})`);
    }
    if (!this.brokers.get(toBroker)!.alive) throw new TypeError(`Broker ${toBroker} is stopped`);
    if (!partition.isr.includes(toBroker)) partition.isr.push(toBroker);
    this.elect(partition, toBroker);
  }

  /** A broker went down: it leaves the ISRs (never emptying one) and loses its leaderships. */
  brokerStopped(id: number): void {
    this.brokers.get(id)!.alive = false;
    for (const partition of this.allPartitions()) {
      if (!partition.replicas.includes(id)) continue;
      if (partition.isr.length > 1) partition.isr = partition.isr.filter((member) => member !== id);
      if (partition.leader === id) {
        const next = partition.replicas.find((replica) => replica !== id && this.isLiveInSync(partition, replica));
        this.elect(partition, next ?? -1);
      }
    }
  }

  /**
   * A broker came back. It rejoins the ISR of partitions that have a leader (it shares the log, so it
   * is caught up at once) and leads the leaderless partitions whose ISR it is still in; as in Kafka
   * without unclean election, a replica outside the ISR never becomes leader.
   */
  brokerStarted(id: number): void {
    this.brokers.get(id)!.alive = true;
    for (const partition of this.allPartitions()) {
      if (!partition.replicas.includes(id)) continue;
      if (partition.leader === -1) {
        if (partition.isr.includes(id)) this.elect(partition, id);
      } else if (!partition.isr.includes(id)) {
        partition.isr.push(id);
      }
    }
  }

  /** Sets the ISR; it must contain the leader, and only replicas of the partition. */
  setIsr(topic: string, index: number, brokerIds: readonly number[]): void {
    const partition = this.requirePartition(topic, index);
    for (const id of brokerIds) {
      if (!partition.replicas.includes(id)) throw new TypeError(`Broker ${id} is not a replica of ${topic}-${index}`);
    }
    if (partition.leader !== -1 && !brokerIds.includes(partition.leader)) {
      throw new TypeError(`The ISR of ${topic}-${index} must contain its leader ${partition.leader}`);
    }
    if (brokerIds.length === 0) throw new TypeError('An ISR cannot be empty');
    partition.isr = [...new Set(brokerIds)];
  }

  /** Shrinks the ISR to the leader alone (followers fell behind). */
  shrinkIsr(topic: string, index: number): void {
    const partition = this.requirePartition(topic, index);
    if (partition.leader !== -1) partition.isr = [partition.leader];
  }

  /** Puts every live replica back into the ISR. */
  restoreIsr(topic: string, index: number): void {
    const partition = this.requirePartition(topic, index);
    const live = partition.replicas.filter((id) => this.brokers.get(id)!.alive);
    if (live.length > 0) partition.isr = live;
  }

  /** Every partition of every topic, topics in creation order. */
  *allPartitions(): Iterable<PartitionState> {
    for (const topic of this.topics.values()) yield* topic.partitions;
  }

  private elect(partition: PartitionState, leader: number): void {
    if (partition.leader === leader) return;
    partition.leader = leader;
    partition.leaderEpoch++;
  }

  private isLiveInSync(partition: PartitionState, id: number): boolean {
    return partition.isr.includes(id) && this.brokers.get(id)!.alive;
  }

  // Replicas of partition p start at broker (t + p) mod N, so leaders spread over the brokers.
  private assign(partitions: number, replicationFactor: number): number[][] {
    if (!Number.isInteger(partitions) || partitions < 1) {
      throw new TopologyError(ErrorCode.INVALID_PARTITIONS, `Invalid number of partitions ${partitions}`);
    }
    const ids = [...this.brokers.keys()];
    if (!Number.isInteger(replicationFactor) || replicationFactor < 1 || replicationFactor > ids.length) {
      throw new TopologyError(
        ErrorCode.INVALID_REPLICATION_FACTOR,
        `Replication factor ${replicationFactor} is outside 1..${ids.length} (the number of brokers)`,
      );
    }
    const offset = this.topics.size;
    return Array.from({ length: partitions }, (_, partition) =>
      Array.from({ length: replicationFactor }, (_, replica) => ids[(offset + partition + replica) % ids.length]!),
    );
  }
}

// Topic ids are derived from the cluster id and the name so that runs are reproducible.
function topicIdOf(clusterId: string, name: string): string {
  const hex = createHash('sha256').update(`${clusterId}/${name}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
