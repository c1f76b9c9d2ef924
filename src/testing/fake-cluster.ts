// FakeCluster, the public face of the in-process Kafka cluster: lifecycle (start, stop), inspection
// of what was stored (and of SASL authentications), deterministic fault injection (intercept rules,
// seeded chaos), topology changes (leader moves, broker stops and restarts, ISR changes) and the
// ways a partition loses producer state (log truncation, producer-id expiry, and a harsh mode that
// no real broker has). Brokers bind loopback only, over TCP or TLS.
import { BrokerServer } from './broker-server.js';
import { ClusterRuntime } from './cluster-runtime.js';
import { Chaos, type ChaosHandle, type ChaosOptions } from './faults/chaos.js';
import type { FaultAction, InterceptHandle, InterceptMatch, InterceptOptions } from './faults/interceptor.js';
import { batchesOf, type RecordsOptions, recordsOf, type StoredRecord, type StoredRecordBatch } from './inspection.js';
import { type FakeClusterOptions, type FakeTelemetryOptions, type FakeTopicConfig, resolveOptions, resolveTelemetryOptions } from './options.js';
import type { SaslAuthentication } from './sasl/authority.js';
import type { TelemetryBroker, TelemetryPush, TelemetrySubscriptionRequest } from './telemetry-broker.js';
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
  /** The first readable offset; it advances with {@link FakeCluster.deleteRecords}. */
  readonly logStartOffset: bigint;
  readonly highWatermark: bigint;
  readonly lastStableOffset: bigint;
}

/** Options of {@link FakeCluster.expireProducerIds}. */
export interface ExpireProducerIdsOptions {
  /** Expire this producer id only; default every producer id. */
  readonly producerId?: bigint;
  /**
   * Expire only producers idle at least this long (ms), measured as Kafka does: from the max
   * timestamp of the producer's last batch on the partition (its CreateTime, set by the client) or
   * the time of its last transaction marker. Default 0: every producer, as if Kafka's
   * `producer.id.expiration.ms` (default 1 day) had passed since its last write.
   */
  readonly idleMs?: number;
}

/** Options of {@link FakeCluster.loseProducerStateKeepingLog}. */
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

  /** The partition's log start offset: the first offset still readable. */
  logStartOffset(topic: string, partition: number): bigint {
    return this.partition(topic, partition).log.logStartOffset;
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
      logStartOffset: state.log.logStartOffset,
      highWatermark: state.log.highWatermark,
      lastStableOffset: state.log.lastStableOffset,
    };
  }

  /** The offset a consumer group committed for a partition, if any. */
  committedOffset(groupId: string, topic: string, partition: number): bigint | undefined {
    return this.runtime.groups.committedOffset(groupId, topic, partition)?.offset;
  }

  /**
   * Every PushTelemetry request received (KIP-714 client telemetry), oldest first: the client
   * instance, subscription id, terminating flag, compression, the error code answered and the
   * decoded metrics (decompressed OTLP MetricsData). Pushes refused by an intercept rule are not
   * listed. Empty without the `telemetry` option.
   */
  telemetryPushes(): TelemetryPush[] {
    return [...(this.runtime.telemetry?.pushes ?? [])];
  }

  /** Every GetTelemetrySubscriptions request answered, oldest first. Empty without the `telemetry` option. */
  telemetrySubscriptionRequests(): TelemetrySubscriptionRequest[] {
    return [...(this.runtime.telemetry?.subscriptionRequests ?? [])];
  }

  /**
   * Replaces the client-metrics subscription, as altering a CLIENT_METRICS resource does on Kafka:
   * the subscription id changes, so each client's next push is refused with UNKNOWN_SUBSCRIPTION_ID
   * and the client fetches the new subscription. Needs the `telemetry` option.
   */
  setTelemetrySubscription(options: FakeTelemetryOptions): void {
    this.telemetryBroker().resubscribe(resolveTelemetryOptions(options));
  }

  private telemetryBroker(): TelemetryBroker {
    const telemetry = this.runtime.telemetry;
    if (!telemetry) throw new Error('FakeCluster serves client telemetry only with the telemetry option');
    return telemetry;
  }

  /**
   * Every SASL authentication attempt that reached a mechanism, oldest first: broker, mechanism,
   * outcome, the user (PLAIN, SCRAM) and, for failures, the broker's reason. Empty without `sasl`.
   */
  saslAuthentications(): SaslAuthentication[] {
    return [...(this.runtime.sasl?.authentications ?? [])];
  }

  /**
   * Connections closed because a request arrived after their SASL session expired
   * (`sasl.sessionLifetimeMs`, KIP-368): each is a client that did not re-authenticate in time.
   */
  saslExpiredSessions(): number {
    return this.runtime.sasl?.expiredSessions ?? 0;
  }

  /** The broker coordinating a transactional id or a group id now (-1 when every broker is down). */
  coordinatorOf(key: string): number {
    return this.runtime.coordinatorFor(key);
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

  /**
   * Sets the cluster's `transaction.version` feature, as Kafka's `kafka-features upgrade` (or
   * downgrade) does: the brokers serve the new level at once, and report it, with a newer features
   * epoch, in the ApiVersions answers of connections opened from now on.
   */
  setTransactionVersion(level: 1 | 2): void {
    if (level !== 1 && level !== 2) throw new TypeError(`transaction.version must be 1 or 2, got ${String(level)}`);
    this.runtime.transactionVersion = level;
    this.runtime.featuresEpoch++;
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
   * Deletes the partition's records below `beforeOffset` (default, or -1n: the high watermark), as
   * Kafka's DeleteRecords API or retention does: the log start offset advances, Fetch below it
   * answers OFFSET_OUT_OF_RANGE, ListOffsets earliest answers it, and {@link records} no longer
   * lists what is below. A batch holding `beforeOffset` stays whole (Fetch returns whole batches).
   * An offset below the current log start offset changes nothing; one beyond the high watermark
   * throws, as Kafka answers OFFSET_OUT_OF_RANGE. Returns the new log start offset.
   *
   * Like Kafka since KIP-360 (KAFKA-7190), the leader keeps the producer state of the deleted
   * batches, so producers continue their sequences; follow with {@link rebuildProducerState} for a
   * replica that rebuilt its state from the truncated log.
   */
  deleteRecords(topic: string, partition: number, beforeOffset = -1n): bigint {
    const { log } = this.partition(topic, partition);
    if (beforeOffset < -1n) throw new RangeError(`FakeCluster.deleteRecords(): offset ${beforeOffset} is negative`);
    const offset = beforeOffset === -1n ? log.highWatermark : beforeOffset;
    if (offset > log.highWatermark) {
      throw new RangeError(`FakeCluster.deleteRecords(): offset ${offset} is beyond the high watermark ${log.highWatermark} of ${topic}-${partition}`);
    }
    return log.truncateBefore(offset);
  }

  /**
   * Rebuilds the partition's producer state from the batches still in its log, as a replica does
   * that copied the log from its start offset (a new replica after a reassignment, one that lost
   * its disk, or recovery after an unclean shutdown with no usable snapshot) before it leads the
   * partition. After {@link deleteRecords} removed all of a producer's batches, that producer has
   * no state: its next batch is accepted whatever its sequence, as Kafka 2.5+ does. Producers with
   * batches left keep the state those batches give. The realistic way to lose state by truncation.
   */
  rebuildProducerState(topic: string, partition: number): void {
    this.partition(topic, partition).log.rebuildProducerState();
  }

  /**
   * Expires producer ids on every partition, as Kafka does once a producer has been idle for
   * `producer.id.expiration.ms` (default 1 day; `transactional.id.expiration.ms` before KIP-854):
   * their state is dropped, their batches stay in the log, and their next batch is accepted
   * whatever its sequence. Producers inside an open transaction are never expired. Returns the
   * expired producer ids.
   */
  expireProducerIds(options: ExpireProducerIdsOptions = {}): bigint[] {
    const idleMs = options.idleMs ?? 0;
    if (!(idleMs >= 0)) throw new RangeError(`FakeCluster.expireProducerIds(): idleMs must be >= 0, got ${idleMs}`);
    const now = Date.now();
    const expired = new Set<bigint>();
    for (const partition of this.runtime.topology.allPartitions()) {
      for (const id of partition.log.producers.expire(now, idleMs, options.producerId)) expired.add(id);
    }
    return [...expired];
  }

  /**
   * Harsh mode, NOT what a real broker does: forgets the producer state of one producer id (or of
   * all) on every partition while the log keeps its batches, at once, even while the producer is
   * writing. A real broker loses a producer's state only with its batches ({@link deleteRecords}
   * then {@link rebuildProducerState}) or after it was idle for a day ({@link expireProducerIds}).
   * Useful to test a client's worst case: its next batch is accepted whatever its sequence (Kafka
   * 2.5+), or with `unknownProducerId` answered UNKNOWN_PRODUCER_ID unless its sequence is 0 (brokers
   * before 2.5). Producers inside an open transaction keep their state.
   */
  loseProducerStateKeepingLog(producerId?: bigint, options: LoseProducerStateOptions = {}): void {
    for (const partition of this.runtime.topology.allPartitions()) {
      partition.log.producers.forget(producerId, options.unknownProducerId ?? false);
    }
  }

  /** @deprecated The harsh mode under its former name: use {@link loseProducerStateKeepingLog}. */
  loseProducerState(producerId?: bigint, options: LoseProducerStateOptions = {}): void {
    this.loseProducerStateKeepingLog(producerId, options);
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
