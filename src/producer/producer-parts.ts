// The parts of one producer, made from its resolved options and wired to each other: the cluster,
// the accumulator, the sender with idempotence and transactions, the appender, availability,
// metrics and telemetry. Callbacks between parts made later than their callers go through the
// variables below, assigned before any callback can run (the cluster connects on the first send).
import { Cluster } from '../cluster/cluster.js';
import type { MetricsSnapshot } from '../metrics/metric-definitions.js';
import { ProducerMetrics } from '../metrics/producer-metrics.js';
import type { LogSink } from '../network/connection.js';
import { ClientTelemetry } from '../telemetry/client-metrics/client-telemetry.js';
import { createProducerTelemetry, type ProducerTelemetry } from '../telemetry/open-telemetry/open-telemetry.js';
import { type Clock, systemClock } from '../time/clock.js';
import { RecordAccumulator } from './accumulator/record-accumulator.js';
import { ProducerAvailability } from './availability/producer-availability.js';
import { createBatchCompressor } from './compression.js';
import { configuredLevel } from './compression-level-options.js';
import { ProducerIdentity } from './idempotence/producer-identity.js';
import { SequenceTracker } from './idempotence/sequence-tracker.js';
import { InterceptorChain } from './interceptors/interceptor-chain.js';
import { rebuildRecovered } from './journal/batch-rebuilder.js';
import { ProducerJournal } from './journal/producer-journal.js';
import type { ResolvedProducerOptions } from './options.js';
import { LeaderDrainStats } from './partitioners/leader-drain-stats.js';
import { type AdaptiveLoad, createPartitioner } from './partitioners/partitioner.js';
import { RecordAppender } from './record-appender.js';
import { BatchSplitter } from './sender/batch-splitter.js';
import { Sender } from './sender/sender.js';
import { TransactionManager } from './transactions/transaction-manager.js';

export interface ProducerParts {
  /** The one clock every part reads the time from and sets its timers with. */
  readonly clock: Clock;
  readonly metrics: ProducerMetrics;
  readonly cluster: Cluster;
  readonly availability: ProducerAvailability;
  readonly accumulator: RecordAccumulator;
  /** Present when idempotence is on. */
  readonly identity: ProducerIdentity | undefined;
  /** Present for transactional producers. */
  readonly transactions: TransactionManager | undefined;
  readonly sender: Sender;
  readonly appender: RecordAppender;
  /** KIP-714 metrics push, made only with `enableMetricsPush`. */
  readonly metricsPush: ClientTelemetry | undefined;
  /** The `openTelemetry` option's bridge, undefined when it is off. */
  readonly telemetry: ProducerTelemetry | undefined;
  /** The `journal` option's journal, undefined when it is off. */
  readonly journal: ProducerJournal | undefined;
  /**
   * The `interceptors` option and the OpenTelemetry send spans, undefined when neither is
   * configured (send() then skips them at no cost).
   */
  readonly interceptors: InterceptorChain | undefined;
}

/** What the parts need of the Producer itself. */
export interface ProducerHooks {
  /** Connects the producer (once). */
  readonly start: () => void;
  readonly isClosed: () => boolean;
  /** The producer's metrics snapshot. */
  readonly snapshot: () => MetricsSnapshot;
}

/** Makes and wires the parts of a producer configured with `resolved`. */
export function assembleProducer(resolved: ResolvedProducerOptions, hooks: ProducerHooks, clock: Clock = systemClock): ProducerParts {
  let sender: Sender;
  let appender: RecordAppender;
  let availability: ProducerAvailability;
    const log: LogSink = (level, message, context) => resolved.logger?.[level]?.(message, context);
    const metrics = new ProducerMetrics({
      clientId: resolved.clientId,
      windows: { windowMs: resolved.metricsSampleWindowMs, samples: resolved.metricsNumSamples },
    });
    const cluster: Cluster = new Cluster({
      bootstrapServers: resolved.bootstrapServers,
      clientId: resolved.clientId,
      ssl: resolved.ssl,
      sasl: resolved.sasl,
      lookup: resolved.lookup,
      connectTimeoutMs: resolved.connectTimeoutMs,
      requestTimeoutMs: resolved.requestTimeoutMs,
      metadataMaxAgeMs: resolved.metadataMaxAgeMs,
      reconnectBackoffMs: resolved.reconnectBackoffMs,
      reconnectBackoffMaxMs: resolved.reconnectBackoffMaxMs,
      allowAutoTopicCreation: resolved.allowAutoTopicCreation,
      clock,
      onConnectionClosed: () => sender.wake(),
      onConnectAttempt: (error) => availability.onConnectAttempt(error),
      onMetadataUpdated: () => availability.update(undefined),
      log: resolved.logger ? log : undefined,
    });
    const metricsPush = resolved.enableMetricsPush
      ? new ClientTelemetry({
          cluster: cluster,
          clientId: resolved.clientId,
          transactionalId: resolved.transactionalId,
          codecs: resolved.codecs,
          requestTimeoutMs: resolved.requestTimeoutMs,
          read: () => ({ snapshot: hooks.snapshot() }),
          log,
        })
      : undefined;
    availability = new ProducerAvailability({
      options: resolved,
      cluster: cluster,
      onConnected: () => metrics.connectionCreated(),
      onUnavailable: (error) => appender.failWaiting(error),
      onAvailable: () => {
        appender.processPending();
        sender.wake();
      },
    });
    const accumulator = new RecordAccumulator(resolved);
    accumulator.onMemoryReleased = () => {
      if (appender.waiting > 0) appender.processPending();
    };
    accumulator.onBatchOpened = () => sender.wake();
    accumulator.onBatchCompleted = () => {
      appender.onBatchCompleted();
      sender.wake();
    };
    const identity = resolved.idempotence ? new ProducerIdentity() : undefined;
    const transactions =
      resolved.transactionalId !== undefined && identity
        ? new TransactionManager({
            transactionalId: resolved.transactionalId,
            transactionTimeoutMs: resolved.transactionTimeoutMs,
            maxBlockMs: resolved.maxBlockMs,
            retryBackoffMs: resolved.retryBackoffMs,
            retryBackoffMaxMs: resolved.retryBackoffMaxMs,
            cluster: cluster,
            identity,
            clock,
            onPartitionsAdded: () => sender.wake(),
            log,
            failUnsent: (error) => sender.completion.failUnsent(error),
            // Fenced (or refused for good) by the coordinator: the sender's fatal path, as for a
            // fenced Produce, so that every record, queued or sent later, fails with this error.
            onFatalError: (error) => sender.fail(error),
          })
        : undefined;
    // Adaptive partitioning reads the accumulator's queues and the sender's drain times (KIP-794).
    const adaptive: AdaptiveLoad | undefined =
      resolved.partitioner === 'default' && resolved.partitionerAdaptivePartitioning
        ? {
            load: {
              queueSize: (topic, partition) => accumulator.queuedBatches(topic, partition),
              leaderOf: (topic, partition) => cluster.metadata.partition(topic, partition)?.leader ?? -1,
            },
            drains: new LeaderDrainStats(resolved.partitionerAvailabilityTimeoutMs),
          }
        : undefined;
    const partitioner = createPartitioner(resolved.partitioner, resolved.batchSize, adaptive);
    const journal = resolved.journal
      ? new ProducerJournal({ options: { ...resolved.journal, logger: resolved.logger }, maxBlockMs: resolved.maxBlockMs, codecs: resolved.codecs, log })
      : undefined;
    sender = new Sender({
      options: resolved,
      cluster: cluster,
      accumulator: accumulator,
      identity,
      sequences: identity ? new SequenceTracker(identity, resolved.transactionalId !== undefined) : undefined,
      transactions: transactions,
      splitter: new BatchSplitter(resolved, resolved.codecs),
      metrics: metrics,
      compressor: createBatchCompressor(resolved.compression, resolved.codecs, configuredLevel(resolved)),
      clock,
      log,
      // Drain times matter only to the availability timeout: without it the sender records none.
      ...(adaptive && resolved.partitionerAvailabilityTimeoutMs > 0 ? { drains: adaptive.drains } : {}),
      journal,
    });
    appender = new RecordAppender({
      options: resolved,
      cluster: cluster,
      accumulator: accumulator,
      partitioner,
      metrics: metrics,
      runSender: () => sender.runNow(),
      start: hooks.start,
      isClosed: hooks.isClosed,
      clock,
      journal,
    });
    if (journal && identity) wireJournal(journal, identity, { accumulator, sender, appender, cluster, clock });
    const telemetry = createProducerTelemetry(resolved.openTelemetry, {
      clientId: resolved.clientId,
      snapshot: hooks.snapshot,
      leaderAddress: (topic, partition) => leaderAddress(cluster, topic, partition),
      log,
    });
    const sendObserver = telemetry?.sendObserver;
    const interceptors = resolved.interceptors ?? [];
    const interceptorChain = interceptors.length > 0 || sendObserver !== undefined ? new InterceptorChain(interceptors, log, sendObserver) : undefined;
  return { clock, metrics, cluster, availability, accumulator, identity, transactions, sender, appender, metricsPush, telemetry, journal, interceptors: interceptorChain };
}

// The journal's callbacks. Once it is open, what it recovered goes into the accumulator before
// any record waiting for it, under the producer id it recovered with a new epoch: partitions with
// nothing recovered restart their sequences at 0, which under the earlier process's epoch the
// broker could take for copies of what it already wrote. Without an identity recovered, the
// sender gets one with InitProducerId; every id and epoch is journaled before a batch uses it.
function wireJournal(
  journal: ProducerJournal,
  identity: ProducerIdentity,
  parts: { accumulator: RecordAccumulator; sender: Sender; appender: RecordAppender; cluster: Cluster; clock: Clock },
): void {
  const { accumulator, sender, appender, cluster, clock } = parts;
  journal.onOpened = (opened) => {
    const recovered = opened.recovered;
    if (recovered.identity) {
      identity.set(recovered.identity.producerId, recovered.identity.epoch);
      // An exhausted epoch resets the identity: InitProducerId then gives a new id.
      identity.bumpEpoch();
    }
    identity.onChange = (producerId, epoch) => journal.identityChanged(producerId, epoch);
    if (identity.isKnown) journal.identityChanged(identity.producerId, identity.epoch);
    const counts = rebuildRecovered(recovered, accumulator, clock.now());
    // Recovered records may have waited already: an age limit (journal.maxAgeMs) can come first.
    for (const batch of accumulator.unsent()) batch.deliveryDeadline = Math.min(batch.deliveryDeadline, journal.ageDeadline(batch));
    // The recovered records' topics: their leaders come with the next metadata.
    const topics = new Set([...recovered.batches, ...recovered.unbatched].map((part) => part.topic));
    if (topics.size > 0) {
      cluster.addTopics([...topics]);
      cluster.refreshMetadata().catch(() => undefined);
    }
    journal.recovered(counts.batches, counts.records, recovered.truncatedBytes);
    appender.processPending();
    sender.wake();
  };
  journal.onRoom = () => appender.processPending();
  journal.onConfirmed = () => sender.wake();
  journal.onFailed = (error) => {
    appender.failWaiting(error);
    sender.fail(error);
  };
}

// Where the leader of a partition listens, for the send spans' server.address and server.port.
function leaderAddress(cluster: Cluster, topic: string, partition: number): { readonly host: string; readonly port: number } | undefined {
  const metadata = cluster.metadata;
  const partitions = metadata.topics.get(topic)?.partitions;
  const info = partitions?.[partition]?.partition === partition ? partitions[partition] : partitions?.find((candidate) => candidate.partition === partition);
  const leader = info?.leader;
  return leader === undefined || leader < 0 ? undefined : metadata.brokers.get(leader);
}
