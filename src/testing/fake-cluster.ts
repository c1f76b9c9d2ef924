// FakeCluster, the public face of the in-process Kafka cluster: lifecycle (start, stop), inspection
// of what was stored (and of SASL authentications), deterministic fault injection (intercept rules,
// seeded chaos) and topology changes (leader moves, broker stops and restarts, ISR changes).
// Brokers bind loopback only, over TCP or TLS.
import { BrokerServer } from './broker-server.js';
import { ClusterRuntime } from './cluster-runtime.js';
import { Chaos, type ChaosHandle, type ChaosOptions } from './faults/chaos.js';
import type { FaultAction, InterceptHandle, InterceptMatch, InterceptOptions } from './faults/interceptor.js';
import { batchesOf, type RecordsOptions, recordsOf, type StoredRecord, type StoredRecordBatch } from './inspection.js';
import { type FakeClusterOptions, type FakeTopicConfig, resolveOptions } from './options.js';
import type { SaslAuthentication } from './sasl/authority.js';
import type { PartitionState } from './topology.js';
import type { TransactionState } from './transaction-coordinator.js';

/** Leadership and replication state of one partition. */
export interface PartitionDescription {
  readonly topic: string;
  readonly partition: number;
  /** Leader broker id, or -1 when the partition has no leader. */
  readonly leader: number;
  readonly leaderEpoch: number;
  readonly replicas: readonly number[];
  readonly isr: readonly number[];
  readonly highWatermark: bigint;
  readonly lastStableOffset: bigint;
}

/** Options of {@link FakeCluster.loseProducerState}. */
export interface LoseProducerStateOptions {
  /**
   * Answer the next batch of a forgotten producer with UNKNOWN_PRODUCER_ID when its sequence is not
   * 0, as brokers before Kafka 2.5 did. Default false: accept it whatever its sequence, as Kafka 2.5+.
   */
  readonly unknownProducerId?: boolean;
}

/**
 * An in-process Kafka cluster speaking the real protocol on 127.0.0.1, for tests. Any Kafka client
 * can produce to it and consume from it; faults are injected deterministically. With the `ssl`
 * option its brokers serve TLS; with `sasl` every connection must authenticate first, as on Kafka.
 *
 * @example
 * ```ts
 * const cluster = new FakeCluster({ brokers: 3, topics: [{ name: 'orders', partitions: 3 }] });
 * await cluster.start();
 * // ... point a client at cluster.bootstrapServers ...
 * cluster.intercept({ api: 'Produce', topic: 'orders' }, { dropResponse: true });
 * await cluster.stop();
 * ```
 */
export class FakeCluster {
  private readonly runtime: ClusterRuntime;
  private readonly servers = new Map<number, BrokerServer>();
  private state: 'new' | 'starting' | 'started' | 'stopped' = 'new';

  /** Creates the cluster and its initial topics; nothing listens before {@link start}. */
  constructor(options: FakeClusterOptions = {}) {
    const resolved = resolveOptions(options);
    this.runtime = new ClusterRuntime(resolved);
    for (const topic of resolved.topics) this.createTopic(topic);
    for (const broker of this.runtime.topology.brokers.values()) this.servers.set(broker.id, new BrokerServer(broker, this.runtime));
  }

  /** Starts every broker's listener. */
  async start(): Promise<void> {
    if (this.state !== 'new') throw new Error(`FakeCluster.start(): the cluster is already ${this.state}`);
    this.state = 'starting';
    try {
      for (const server of this.servers.values()) await server.listen();
    } catch (error) {
      await this.stop();
      throw error;
    }
    this.state = 'started';
  }

  /** Stops every broker, closes every connection and clears every timer (idempotent). */
  async stop(): Promise<void> {
    if (this.state === 'stopped') return;
    this.state = 'stopped';
    this.runtime.shutdown();
    await Promise.all([...this.servers.values()].map((server) => server.close()));
  }

  /** `host:port` of every broker, comma-separated, for a client's bootstrap servers. */
  get bootstrapServers(): string {
    return this.brokerAddresses().join(',');
  }

  /** `host:port` of every broker, in broker id order. */
  brokerAddresses(): string[] {
    if (this.state !== 'started') throw new Error('FakeCluster: call start() before reading addresses');
    return [...this.runtime.topology.brokers.values()].map((broker) => `${hostForUrl(broker.host)}:${broker.port}`);
  }

  /** The broker ids (1..N). */
  get brokerIds(): number[] {
    return [...this.runtime.topology.brokers.keys()];
  }

  /** Errors the brokers hit while handling requests; empty unless a request could not be handled. */
  get serverErrors(): readonly Error[] {
    return this.runtime.serverErrors;
  }

  /** Creates a topic (defaults from the cluster options); throws when it exists or is invalid. */
  createTopic(config: FakeTopicConfig): void {
    const { options } = this.runtime;
    try {
      this.runtime.createTopic({
        name: config.name,
        partitions: config.partitions ?? options.defaultPartitions,
        replicationFactor: config.replicationFactor ?? options.defaultReplicationFactor,
        minInsyncReplicas: config.minInsyncReplicas,
        maxMessageBytes: config.maxMessageBytes,
      });
    } catch (error) {
      throw new TypeError(`FakeCluster cannot create topic '${config.name}': ${(error as Error).message}`);
    }
  }

  /** The records stored in a partition, in offset order (transaction markers only with `includeControl`). */
  records(topic: string, partition: number, options: RecordsOptions = {}): StoredRecord[] {
    return recordsOf(this.partition(topic, partition).log, options);
  }

  /** The batch headers stored in a partition, in offset order (markers included). */
  batches(topic: string, partition: number): StoredRecordBatch[] {
    return batchesOf(this.partition(topic, partition).log);
  }

  /** The partition's high watermark (its log end offset: every replica shares the log). */
  highWatermark(topic: string, partition: number): bigint {
    return this.partition(topic, partition).log.highWatermark;
  }

  /** The partition's last stable offset (first offset of the oldest open transaction, else the high watermark). */
  lastStableOffset(topic: string, partition: number): bigint {
    return this.partition(topic, partition).log.lastStableOffset;
  }

  /** The partition's leader broker id, or -1. */
  leader(topic: string, partition: number): number {
    return this.partition(topic, partition).leader;
  }

  /** Leader, epoch, replicas, ISR and offsets of a partition. */
  describePartition(topic: string, partition: number): PartitionDescription {
    const state = this.partition(topic, partition);
    return {
      topic,
      partition,
      leader: state.leader,
      leaderEpoch: state.leaderEpoch,
      replicas: [...state.replicas],
      isr: [...state.isr],
      highWatermark: state.log.highWatermark,
      lastStableOffset: state.log.lastStableOffset,
    };
  }

  /** The offset a consumer group committed for a partition, if any. */
  committedOffset(groupId: string, topic: string, partition: number): bigint | undefined {
    return this.runtime.groups.committedOffset(groupId, topic, partition)?.offset;
  }

  /**
   * Every SASL authentication attempt that reached a mechanism, oldest first: broker, mechanism,
   * outcome, the user (PLAIN, SCRAM) and, for failures, the broker's reason. Empty without `sasl`.
   */
  saslAuthentications(): SaslAuthentication[] {
    return [...(this.runtime.sasl?.authentications ?? [])];
  }

  /** The coordinator's state of a transactional id, if it is known. */
  transactionState(transactionalId: string): TransactionState | undefined {
    return this.runtime.transactions.get(transactionalId)?.state;
  }

  /**
   * Registers a fault rule. `match` selects requests (API, and optionally broker, topic, partition);
   * the rule lets `options.after` matching requests through, then fires on the next `options.times`
   * (default 1) matching requests. A request counts once however many of its partitions match.
   * See {@link FaultAction} for what each action does.
   */
  intercept(match: InterceptMatch, action: FaultAction, options: InterceptOptions = {}): InterceptHandle {
    return this.runtime.interceptor.add(match, action, options);
  }

  /** Removes every intercept rule. */
  clearIntercepts(): void {
    this.runtime.interceptor.clear();
  }

  /**
   * Starts a seeded chaos mode: random faults on the requests of `options.apis` (default Produce)
   * and, optionally, timed leader moves. The same seed and the same request sequence give the same
   * faults. Stop it with the returned handle (the cluster's stop() also stops it).
   */
  chaos(options: ChaosOptions): ChaosHandle {
    const chaos: Chaos = new Chaos(options, (random) => this.moveRandomLeader(random), () => this.runtime.chaosModes.delete(chaos));
    this.runtime.chaosModes.add(chaos);
    return chaos;
  }

  /**
   * Makes `toBroker` (a live replica) the partition's leader and bumps its leader epoch; the old
   * leader then answers NOT_LEADER_OR_FOLLOWER for it. The log moves with the partition.
   */
  moveLeader(topic: string, partition: number, toBroker: number): void {
    this.runtime.topology.moveLeader(topic, partition, toBroker);
  }

  /**
   * Stops a broker: its listener and connections close (connections are refused while it is down),
   * it leaves the ISRs, and each partition it led gets a new leader among its live in-sync replicas
   * (epoch bumped), or none (-1, LEADER_NOT_AVAILABLE in Metadata) when there is none.
   */
  async stopBroker(id: number): Promise<void> {
    const server = this.server(id);
    if (!server.listening) return;
    this.runtime.topology.brokerStopped(id);
    await server.close();
  }

  /**
   * Makes a broker stop reading its connections (until resumeReading), so that what clients write
   * to it backs up in their sockets; requests it had already read are answered as usual.
   */
  pauseReading(id: number): void {
    this.server(id).pauseReading();
  }

  /** Makes a broker read its connections again after pauseReading(). */
  resumeReading(id: number): void {
    this.server(id).resumeReading();
  }

  /** Restarts a stopped broker on the same port; it rejoins the ISRs and leads the partitions left without leader that it is in sync for. */
  async startBroker(id: number): Promise<void> {
    const server = this.server(id);
    if (this.state !== 'started' || server.listening) return;
    await server.listen();
    this.runtime.topology.brokerStarted(id);
  }

  /** Sets the ISR of a partition (it must contain the leader); acks=all fails with NOT_ENOUGH_REPLICAS below min.insync.replicas. */
  setIsr(topic: string, partition: number, brokerIds: readonly number[]): void {
    this.runtime.topology.setIsr(topic, partition, brokerIds);
  }

  /** Shrinks the ISR of a partition to its leader alone. */
  shrinkIsr(topic: string, partition: number): void {
    this.runtime.topology.shrinkIsr(topic, partition);
  }

  /** Puts every live replica of a partition back into its ISR. */
  restoreIsr(topic: string, partition: number): void {
    this.runtime.topology.restoreIsr(topic, partition);
  }

  /**
   * Forgets the idempotence state of one producer id (or of all) on every partition, as when its
   * batches leave the log through retention. Producers inside an open transaction keep theirs.
   */
  loseProducerState(producerId?: bigint, options: LoseProducerStateOptions = {}): void {
    for (const partition of this.runtime.topology.allPartitions()) {
      partition.log.producers.forget(producerId, options.unknownProducerId ?? false);
    }
  }

  private partition(topic: string, partition: number): PartitionState {
    return this.runtime.topology.requirePartition(topic, partition);
  }

  private server(id: number): BrokerServer {
    const server = this.servers.get(id);
    if (!server) throw new TypeError(`FakeCluster has no broker ${id} (brokers ${this.brokerIds.join(', ')})`);
    return server;
  }

  // Draws exactly two numbers per call, so the sequence of moves depends on the seed only.
  private moveRandomLeader(random: () => number): { topic: string; partition: number } | undefined {
    const { topology } = this.runtime;
    const pick = random();
    const target = random();
    const live = new Set(topology.liveBrokerIds());
    const candidates = [...topology.allPartitions()].filter(
      (partition) => partition.leader !== -1 && partition.replicas.some((id) => id !== partition.leader && live.has(id)),
    );
    if (candidates.length === 0) return undefined;
    const partition = candidates[Math.floor(pick * candidates.length)]!;
    const others = partition.replicas.filter((id) => id !== partition.leader && live.has(id));
    topology.moveLeader(partition.topic.name, partition.index, others[Math.floor(target * others.length)]!);
    return { topic: partition.topic.name, partition: partition.index };
  }
}

function hostForUrl(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}
