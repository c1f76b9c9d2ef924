// Admin requests to a real cluster, spoken with the project's own protocol layer and connections:
// topics created with a chosen replica placement, partitions added, topics deleted, replicas
// reordered and preferred leaders elected (to move leaders while a producer writes), and the
// questions the end-to-end tests ask of the brokers (leaders, in-sync replicas, coordinators,
// committed offsets, last stable offsets). Requests that meet a broker going down are retried.
import { Cluster } from '../../src/cluster/cluster.js';
import { brokerErrorByCode } from '../../src/errors/broker-error-codes.js';
import { KafkaError } from '../../src/errors/kafka-error.js';
import type { Connection } from '../../src/network/connection.js';
import type { MetadataResponseData } from '../../src/protocol/index.js';

/** One partition as the brokers describe it. */
export interface PartitionState {
  readonly partition: number;
  /** -1 while the partition has no leader. */
  readonly leader: number;
  readonly leaderEpoch: number;
  readonly replicas: readonly number[];
  readonly isr: readonly number[];
}

export interface NewTopic {
  readonly partitions?: number;
  readonly replicationFactor?: number;
  /** Replicas of each partition, preferred leader first; sets the partition count. */
  readonly assignments?: readonly (readonly number[])[];
  readonly configs?: Readonly<Record<string, string | number>>;
}

const NOT_NEEDED = brokerErrorByCode(84).name; // ELECTION_NOT_NEEDED
// IncrementalAlterConfigs: the CLIENT_METRICS resource type (KIP-714) and the SET operation.
const CLIENT_METRICS_RESOURCE = 16;
const SET = 0;

export class KafkaAdmin {
  private readonly cluster: Cluster;

  constructor(bootstrapServers: string) {
    this.cluster = new Cluster({
      bootstrapServers: bootstrapServers.split(','),
      clientId: 'e2e-admin',
      connectTimeoutMs: 3000,
      requestTimeoutMs: 30_000,
      metadataMaxAgeMs: 300_000,
      reconnectBackoffMs: 50,
      reconnectBackoffMaxMs: 500,
      allowAutoTopicCreation: false,
    });
  }

  close(): void {
    this.cluster.close();
  }

  /**
   * The partitions of `topic`, ordered by partition; empty while the brokers do not know it. Asked
   * of `nodeId` when given (each broker applies metadata changes on its own), else of any broker.
   */
  async partitions(topic: string, nodeId?: number): Promise<PartitionState[]> {
    const response = await this.metadata([topic], nodeId);
    const found = response.topics.find((entry) => entry.name === topic);
    if (found?.errorCode !== 0) return [];
    return found.partitions
      .map((entry) => ({ partition: entry.partitionIndex, leader: entry.leaderId, leaderEpoch: entry.leaderEpoch ?? -1, replicas: entry.replicaNodes, isr: entry.isrNodes }))
      .sort((left, right) => left.partition - right.partition);
  }

  /** Partition -> leader of `topic`. */
  async leaders(topic: string): Promise<Map<number, number>> {
    return new Map((await this.partitions(topic)).map((entry) => [entry.partition, entry.leader]));
  }

  /** The leader of one partition (-1 when it has none or is unknown). */
  async leaderOf(topic: string, partition: number): Promise<number> {
    return (await this.leaders(topic)).get(partition) ?? -1;
  }

  /** Node ids of the brokers registered and unfenced now. */
  async brokers(): Promise<number[]> {
    return (await this.metadata([])).brokers.map((broker) => broker.nodeId).sort((left, right) => left - right);
  }

  /** Creates `name` and waits until every partition has a leader. */
  async createTopic(name: string, topic: NewTopic = {}): Promise<void> {
    const assignments = topic.assignments ?? [];
    await this.retrying(`CreateTopics ${name}`, async (connection) => {
      const response = await connection.request('CreateTopics', {
        topics: [
          {
            name,
            numPartitions: assignments.length > 0 ? -1 : (topic.partitions ?? 6),
            replicationFactor: assignments.length > 0 ? -1 : (topic.replicationFactor ?? 3),
            assignments: assignments.map((brokerIds, partitionIndex) => ({ partitionIndex, brokerIds: [...brokerIds] })),
            configs: Object.entries(topic.configs ?? {}).map(([key, value]) => ({ name: key, value: String(value) })),
          },
        ],
        timeoutMs: 30_000,
      });
      const result = response.topics[0];
      if (result && result.errorCode !== 0 && result.errorCode !== 36 /* TOPIC_ALREADY_EXISTS on a retry */) throw brokerFailure('CreateTopics', result.errorCode, result.errorMessage ?? null);
    });
    const count = assignments.length > 0 ? assignments.length : (topic.partitions ?? 6);
    await this.waitUntil(`${name} has ${count} partitions with leaders`, async () => {
      const partitions = await this.partitions(name);
      return partitions.length === count && partitions.every((entry) => entry.leader >= 0);
    });
  }

  /** Raises the partition count of `topic` to `count` and waits until the brokers report them. */
  async createPartitions(topic: string, count: number): Promise<void> {
    await this.retrying(`CreatePartitions ${topic}`, async (connection) => {
      const response = await connection.request('CreatePartitions', { topics: [{ name: topic, count, assignments: null }], timeoutMs: 30_000, validateOnly: false });
      const result = response.results[0];
      if (result && result.errorCode !== 0) throw brokerFailure('CreatePartitions', result.errorCode, result.errorMessage);
    });
    await this.waitUntil(`${topic} has ${count} partitions with leaders`, async () => {
      const partitions = await this.partitions(topic);
      return partitions.length === count && partitions.every((entry) => entry.leader >= 0);
    });
  }

  /**
   * Creates or replaces the client-metrics subscription `name` (a CLIENT_METRICS resource, KIP-714)
   * with IncrementalAlterConfigs: the metric name prefixes the brokers ask clients for, and the
   * push interval.
   */
  async setClientMetricsSubscription(name: string, metrics: readonly string[], intervalMs: number): Promise<void> {
    await this.retrying(`IncrementalAlterConfigs ${name}`, async (connection) => {
      const response = await connection.request('IncrementalAlterConfigs', {
        resources: [
          {
            resourceType: CLIENT_METRICS_RESOURCE,
            resourceName: name,
            configs: [
              { name: 'metrics', configOperation: SET, value: metrics.join(',') },
              { name: 'interval.ms', configOperation: SET, value: String(intervalMs) },
            ],
          },
        ],
        validateOnly: false,
      });
      const result = response.responses[0];
      if (result && result.errorCode !== 0) throw brokerFailure('IncrementalAlterConfigs', result.errorCode, result.errorMessage);
    });
  }

  /** Deletes `topic` (the answer comes once the controller accepted the deletion). */
  async deleteTopic(topic: string): Promise<void> {
    await this.retrying(`DeleteTopics ${topic}`, async (connection) => {
      const version = connection.versionFor('DeleteTopics');
      const response = await connection.request(
        'DeleteTopics',
        version >= 6 ? { topics: [{ name: topic, topicId: '' }], timeoutMs: 30_000 } : { topicNames: [topic], timeoutMs: 30_000 },
      );
      const result = response.responses[0];
      if (result && result.errorCode !== 0) throw brokerFailure('DeleteTopics', result.errorCode, result.errorMessage ?? null);
    });
  }

  /** Reassigns one partition to `replicas` (the same brokers in a new order changes only its preferred leader). */
  async reassign(topic: string, partition: number, replicas: readonly number[]): Promise<void> {
    await this.retrying(`AlterPartitionReassignments ${topic}-${partition}`, async (connection) => {
      const response = await connection.request('AlterPartitionReassignments', {
        timeoutMs: 30_000,
        topics: [{ name: topic, partitions: [{ partitionIndex: partition, replicas: [...replicas] }] }],
      });
      if (response.errorCode !== 0) throw brokerFailure('AlterPartitionReassignments', response.errorCode, response.errorMessage);
      const result = response.responses[0]?.partitions[0];
      if (result && result.errorCode !== 0) throw brokerFailure('AlterPartitionReassignments', result.errorCode, result.errorMessage);
    });
    await this.waitUntil(`${topic}-${partition} has replicas ${replicas.join(',')}`, async () => {
      const state = (await this.partitions(topic))[partition];
      return state !== undefined && state.replicas.join(',') === replicas.join(',');
    });
  }

  /**
   * Elects the preferred leader (first replica) of `partitions` of `topic`. Resolves with the
   * partitions whose leader moved; ELECTION_NOT_NEEDED leaves a partition out, any other refusal throws.
   */
  async electPreferredLeaders(topic: string, partitions: readonly number[]): Promise<number[]> {
    // Partitions moved by an attempt stay counted when another partition makes it fail and retry.
    const moved = new Set<number>();
    await this.retrying(`ElectLeaders ${topic}`, async (connection) => {
      const response = await connection.request('ElectLeaders', { electionType: 0, topicPartitions: [{ topic, partitions: [...partitions] }], timeoutMs: 30_000 });
      if (response.errorCode) throw brokerFailure('ElectLeaders', response.errorCode, null);
      let refusal: KafkaError | undefined;
      for (const result of response.replicaElectionResults.flatMap((entry) => entry.partitionResult)) {
        if (result.errorCode === 0) moved.add(result.partitionId);
        else if (brokerErrorByCode(result.errorCode).name !== NOT_NEEDED) refusal ??= brokerFailure(`ElectLeaders ${topic}-${result.partitionId}`, result.errorCode, result.errorMessage);
      }
      if (refusal) throw refusal;
    });
    return [...moved].sort((left, right) => left - right);
  }

  /** The node coordinating a consumer group or a transactional id. */
  async coordinator(key: string, type: 'group' | 'transaction'): Promise<number> {
    return this.retrying(`FindCoordinator ${key}`, async (connection) => {
      const keyType = type === 'group' ? 0 : 1;
      const response = await connection.request(
        'FindCoordinator',
        connection.versionFor('FindCoordinator') >= 4 ? { keyType, coordinatorKeys: [key] } : { key, keyType },
      );
      const entry = response.coordinators?.[0] ?? { errorCode: response.errorCode ?? 0, nodeId: response.nodeId ?? -1, errorMessage: response.errorMessage ?? null };
      if (entry.errorCode !== 0) throw brokerFailure('FindCoordinator', entry.errorCode, entry.errorMessage ?? null);
      return entry.nodeId;
    });
  }

  /** Committed offsets of `group` for `partitions` of `topic` (-1 where none), stable ones only. */
  async committedOffsets(group: string, topic: string, partitions: readonly number[]): Promise<Map<number, bigint>> {
    const coordinator = await this.coordinator(group, 'group');
    return this.retrying(`OffsetFetch ${group}`, async () => {
      await this.cluster.refreshMetadata();
      const connection = await this.cluster.connectionTo(coordinator);
      const version = connection.versionFor('OffsetFetch');
      const topics = [{ name: topic, partitionIndexes: [...partitions] }];
      const response = await connection.request(
        'OffsetFetch',
        version >= 8 ? { groups: [{ groupId: group, topics }], requireStable: true } : { groupId: group, topics, requireStable: true },
      );
      const groupResult = response.groups?.[0];
      const errorCode = groupResult?.errorCode ?? response.errorCode ?? 0;
      if (errorCode !== 0) throw brokerFailure('OffsetFetch', errorCode, null);
      const offsets = new Map<number, bigint>();
      for (const entry of groupResult?.topics ?? response.topics ?? []) {
        for (const partition of entry.partitions) {
          if (partition.errorCode !== 0) throw brokerFailure(`OffsetFetch ${topic}-${partition.partitionIndex}`, partition.errorCode, null);
          offsets.set(partition.partitionIndex, partition.committedOffset);
        }
      }
      return offsets;
    });
  }

  /**
   * The offsets a read_committed consumer of `partitions` of `topic` could read up to (last stable
   * offsets) and the log end offsets, asked of each partition's leader.
   */
  async stableAndEndOffsets(topic: string, partitions: readonly number[]): Promise<Map<number, { stable: bigint; end: bigint }>> {
    const result = new Map<number, { stable: bigint; end: bigint }>();
    const leaders = await this.leaders(topic);
    for (const partition of partitions) {
      const ask = (isolationLevel: number) =>
        this.retrying(`ListOffsets ${topic}-${partition}`, async () => {
          await this.cluster.refreshMetadata();
          const connection = await this.cluster.connectionTo(leaders.get(partition) ?? -1);
          const response = await connection.request('ListOffsets', {
            replicaId: -1,
            isolationLevel,
            topics: [{ name: topic, partitions: [{ partitionIndex: partition, currentLeaderEpoch: -1, timestamp: -1n, maxNumOffsets: 1 }] }],
          });
          const entry = response.topics[0]?.partitions[0];
          if (!entry) throw new KafkaError('MISSING', `ListOffsets did not answer for ${topic}-${partition}`, { retriable: true });
          if (entry.errorCode !== 0) throw brokerFailure(`ListOffsets ${topic}-${partition}`, entry.errorCode, null);
          return entry.offset ?? -1n;
        });
      result.set(partition, { stable: await ask(1), end: await ask(0) });
    }
    return result;
  }

  /** Polls `condition` until it holds (see {@link waitUntil}). */
  waitUntil(what: string, condition: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
    return waitUntil(what, condition, timeoutMs);
  }

  private async metadata(topics: readonly string[], nodeId?: number): Promise<MetadataResponseData> {
    return this.retrying('Metadata', async (any) => {
      let connection = any;
      if (nodeId !== undefined) {
        if (!this.cluster.metadata.brokers.has(nodeId)) await this.cluster.refreshMetadata();
        connection = await this.cluster.connectionTo(nodeId);
      }
      return connection.request('Metadata', {
        topics: topics.map((name) => ({ name })),
        allowAutoTopicCreation: false,
        includeClusterAuthorizedOperations: false,
        includeTopicAuthorizedOperations: false,
      });
    });
  }

  // Runs `request` on a connection to any broker, again (up to 30 s) while it fails with a
  // retriable error: a broker that was just killed, a controller that moved.
  private async retrying<T>(what: string, request: (connection: Connection) => Promise<T>): Promise<T> {
    const deadline = Date.now() + 30_000;
    for (let attempt = 0; ; attempt++) {
      try {
        return await request(await this.cluster.anyConnection());
      } catch (error) {
        const retriable = error instanceof KafkaError && error.retriable;
        if (!retriable || Date.now() >= deadline || attempt >= 100) throw new Error(`${what} failed: ${String(error)}`, { cause: error });
        await new Promise((resolve) => setTimeout(resolve, 300));
      }
    }
  }
}

/** Polls `condition` every 250 ms until it holds, failing after `timeoutMs` with `what` (and the last error it threw). */
export async function waitUntil(what: string, condition: () => Promise<boolean> | boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (let attempt = 0; attempt < 10_000 && Date.now() < deadline; attempt++) {
    try {
      if (await condition()) return;
    } catch (error) {
      last = ` (last error: ${String(error)})`;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`waited ${timeoutMs} ms for: ${what}${last}`);
}

function brokerFailure(what: string, code: number, message: string | null): KafkaError {
  const info = brokerErrorByCode(code);
  return new KafkaError(info.name, `${what}: ${info.name} (${code})${message ? `: ${message}` : ''}`, { retriable: info.retriable, brokerErrorCode: code, brokerErrorName: info.name });
}
