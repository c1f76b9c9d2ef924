// The public Producer: validates and appends records synchronously in call order, returns one
// promise per send() call, and wires the accumulator, the sender, idempotence and the cluster.
// It owns no delivery logic of its own; see sender/ and idempotence/ for that.
import { EventEmitter } from 'node:events';
import { Cluster } from '../cluster/cluster.js';
import { brokerErrorByCode, ErrorCode } from '../errors/broker-error-codes.js';
import {
  BufferExhaustedError,
  ClosedError,
  ClusterUnavailableError,
  InvalidRecordError,
  KafkaError,
  permanentCause,
} from '../errors/kafka-error.js';
import type { MetricsSnapshot } from '../metrics/metric-definitions.js';
import { ProducerMetrics } from '../metrics/producer-metrics.js';
import { type PrometheusOptions, toPrometheus } from '../metrics/prometheus.js';
import { isTraced, type SendTraceContext, sendTraceContext, sendTracing, traceSend } from '../metrics/tracing.js';
import { RECORD_BATCH_OVERHEAD, RecordBatchBuilder } from '../records/index.js';
import { ClientTelemetry } from '../telemetry/client-metrics/client-telemetry.js';
import { createProducerTelemetry, type ProducerTelemetry } from '../telemetry/open-telemetry/open-telemetry.js';
import { type Delivery, MultiRecordDelivery, SingleDelivery } from './accumulator/delivery.js';
import { PartitionQueue } from './accumulator/partition-queue.js';
import { RecordAccumulator } from './accumulator/record-accumulator.js';
import { CircuitBreaker } from './availability/circuit-breaker.js';
import { deriveState, type ProducerHealth, type ProducerState, type ProducerStateChange } from './availability/health.js';
import { createBatchCompressor } from './compression.js';
import { configuredLevel } from './compression-level-options.js';
import { ProducerIdentity } from './idempotence/producer-identity.js';
import { SequenceTracker } from './idempotence/sequence-tracker.js';
import { InterceptorChain } from './interceptors/interceptor-chain.js';
import { ObservedMultiRecordDelivery, type RecordObserver } from './interceptors/observed-delivery.js';
import { type ProducerOptions, type ResolvedProducerOptions, resolveProducerOptions } from './options.js';
import { LeaderDrainStats } from './partitioners/leader-drain-stats.js';
import { type AdaptiveLoad, createPartitioner, type Partitioner } from './partitioners/partitioner.js';
import { type AppendAttempt, PendingAppends } from './pending-appends.js';
import {
  checkTopic,
  checkTopicMessages,
  type Message,
  type ProducerRecord,
  type RecordMetadata,
  type SerializedRecord,
  SerializedRecordFields,
  serializeRecord,
  type TopicMessages,
} from './producer-record.js';
import { BatchSplitter } from './sender/batch-splitter.js';
import { Sender } from './sender/sender.js';
import { type ConsumerGroupMetadata, TransactionManager, type TransactionOffset } from './transactions/transaction-manager.js';

// Metadata errors after which waiting is pointless: the topic can never be written.
const FATAL_TOPIC_ERRORS = new Set<number>([ErrorCode.INVALID_TOPIC_EXCEPTION, ErrorCode.TOPIC_AUTHORIZATION_FAILED]);
const UNKNOWN_TOPIC_OR_PARTITION = 3;
// A topic the brokers keep reporting as not existing for this long is taken as missing: records for
// it fail then rather than at maxBlockMs. A topic just created elsewhere reaches every broker's
// metadata well within it; one the cluster would create on demand is reported as being created
// (LEADER_NOT_AVAILABLE), not as unknown.
const MISSING_TOPIC_AFTER_MS = 1000;

/**
 * A Kafka producer. Records are batched per partition and sent by a background loop; each
 * `send()` returns a promise that settles once its records are acknowledged (per `acks`) or failed.
 *
 * @example
 * ```ts
 * const producer = new Producer({ bootstrapServers: 'localhost:9092' });
 * const { partition, offset } = await producer.send({ topic: 'orders', key: '1001', value: '{"total":42}' });
 * await producer.close();
 * ```
 */
export class Producer {
  private readonly options: ResolvedProducerOptions;
  private readonly cluster: Cluster;
  private readonly accumulator: RecordAccumulator;
  private readonly sender: Sender;
  private readonly partitioner: Partitioner;
  private readonly pending: PendingAppends;
  private readonly producerMetrics: ProducerMetrics;
  /** KIP-714 metrics push, made only with `enableMetricsPush`. */
  private readonly metricsPush: ClientTelemetry | undefined;
  private readonly transactions: TransactionManager | undefined;
  private started = false;
  private closing: Promise<void> | undefined;
  private closed = false;
  private metadataRefreshScheduled = false;
  /** Why the last metadata request failed, for the errors of records waiting for metadata. */
  private metadataError: KafkaError | undefined;
  private keyScratch = Buffer.allocUnsafe(256);
  /** The record object single-record send() calls serialize into (see sendOne). */
  private readonly scratchRecord = new SerializedRecordFields();
  private scratchInUse = false;
  /** Set when an append completed a batch, until the send() that made it lets the sender write it. */
  private batchCompleted = false;
  /** Topic names already validated, so that the check runs once per topic, not per record. */
  private readonly validTopics = new Set<string>();
  private readonly events = new EventEmitter();
  /** Fails sends fast while the cluster is unreachable; undefined with `circuitBreaker: false`. */
  private readonly breaker: CircuitBreaker | undefined;
  /** Whether sends reject while the breaker is open (else they wait, as without a breaker). */
  private readonly rejectWhenUnavailable: boolean;
  private everConnected = false;
  private readonly identity: ProducerIdentity | undefined;
  private state: ProducerState = 'connecting';
  /** The trace of the send() call running now, while `kafka-producer:send` has subscribers. */
  private sendTrace: SendTraceContext | undefined;
  /**
   * The `interceptors` option and the OpenTelemetry send spans, undefined when neither is
   * configured (send() then skips them at no cost).
   */
  private readonly interceptors: InterceptorChain | undefined;
  /** The `openTelemetry` option's bridge, undefined when it is off. */
  private readonly telemetry: ProducerTelemetry | undefined;

  /** Validates `options` (throwing a ConfigError naming the first bad one); connects lazily. */
  constructor(options: ProducerOptions) {
    this.options = resolveProducerOptions(options);
    const resolved = this.options;
    this.producerMetrics = new ProducerMetrics({
      clientId: resolved.clientId,
      windows: { windowMs: resolved.metricsSampleWindowMs, samples: resolved.metricsNumSamples },
    });
    this.cluster = new Cluster({
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
      onConnectionClosed: () => this.sender.wake(),
      onConnectAttempt: (error) => this.onConnectAttempt(error),
      onMetadataUpdated: () => this.updateState(undefined),
      log: resolved.logger ? (level, message, context) => resolved.logger?.[level]?.(message, context) : undefined,
    });
    this.metricsPush = resolved.enableMetricsPush
      ? new ClientTelemetry({
          cluster: this.cluster,
          clientId: resolved.clientId,
          transactionalId: resolved.transactionalId,
          codecs: resolved.codecs,
          requestTimeoutMs: resolved.requestTimeoutMs,
          read: () => ({ snapshot: this.metrics() }),
          log: (level, message, context) => resolved.logger?.[level]?.(message, context),
        })
      : undefined;
    const breakerOptions = resolved.circuitBreaker;
    this.rejectWhenUnavailable = breakerOptions !== false && breakerOptions.whenOpen === 'reject';
    this.breaker =
      breakerOptions === false
        ? undefined
        : new CircuitBreaker({
            openAfterMs: breakerOptions.openAfterMs,
            openAfterFailures: breakerOptions.openAfterFailures,
            reconnectBackoffMs: resolved.reconnectBackoffMs,
            reconnectBackoffMaxMs: resolved.reconnectBackoffMaxMs,
            hasReadyConnection: () => this.cluster.hasReadyConnection,
            probe: () => this.cluster.refreshMetadata(),
            onChange: (open) => this.onBreakerChange(open),
          });
    this.accumulator = new RecordAccumulator(resolved);
    this.accumulator.onMemoryReleased = () => {
      if (this.pending.size > 0) this.processPending();
    };
    this.accumulator.onBatchOpened = () => this.sender.wake();
    this.accumulator.onBatchCompleted = () => {
      this.batchCompleted = true;
      this.sender.wake();
    };
    const identity = resolved.idempotence ? new ProducerIdentity() : undefined;
    this.identity = identity;
    this.transactions =
      resolved.transactionalId !== undefined && identity
        ? new TransactionManager({
            transactionalId: resolved.transactionalId,
            transactionTimeoutMs: resolved.transactionTimeoutMs,
            maxBlockMs: resolved.maxBlockMs,
            retryBackoffMs: resolved.retryBackoffMs,
            retryBackoffMaxMs: resolved.retryBackoffMaxMs,
            cluster: this.cluster,
            identity,
            onPartitionsAdded: () => this.sender.wake(),
            log: (level, message, context) => resolved.logger?.[level]?.(message, context),
            failUnsent: (error) => this.sender.completion.failUnsent(error),
            // Fenced (or refused for good) by the coordinator: the sender's fatal path, as for a
            // fenced Produce, so that every record, queued or sent later, fails with this error.
            onFatalError: (error) => this.sender.fail(error),
          })
        : undefined;
    // Adaptive partitioning reads the accumulator's queues and the sender's drain times (KIP-794).
    const adaptive: AdaptiveLoad | undefined =
      resolved.partitioner === 'default' && resolved.partitionerAdaptivePartitioning
        ? {
            load: {
              queueSize: (topic, partition) => this.accumulator.queuedBatches(topic, partition),
              leaderOf: (topic, partition) => this.cluster.metadata.partition(topic, partition)?.leader ?? -1,
            },
            drains: new LeaderDrainStats(resolved.partitionerAvailabilityTimeoutMs),
          }
        : undefined;
    this.partitioner = createPartitioner(resolved.partitioner, resolved.batchSize, adaptive);
    this.sender = new Sender({
      options: resolved,
      cluster: this.cluster,
      accumulator: this.accumulator,
      identity,
      sequences: identity ? new SequenceTracker(identity, resolved.transactionalId !== undefined) : undefined,
      transactions: this.transactions,
      splitter: new BatchSplitter(resolved, resolved.codecs),
      metrics: this.producerMetrics,
      compressor: createBatchCompressor(resolved.compression, resolved.codecs, configuredLevel(resolved)),
      log: (level, message, context) => resolved.logger?.[level]?.(message, context),
      // Drain times matter only to the availability timeout: without it the sender records none.
      ...(adaptive && resolved.partitionerAvailabilityTimeoutMs > 0 ? { drains: adaptive.drains } : {}),
    });
    this.pending = new PendingAppends(
      (item) => this.tryAppend(item.topic, item.record, item.delivery, item.position, Date.now()),
      (item, waitingFor) => {
        if (waitingFor === 'metadata') {
          return new KafkaError(
            'METADATA_TIMEOUT',
            `Topic '${item.topic}' is not in the cluster metadata after ${this.options.maxBlockMs} ms (maxBlockMs)${this.describeTopicError(item.topic)}`,
            { retriable: true, ...(this.metadataError ? { cause: this.metadataError } : {}) },
          );
        }
        this.producerMetrics.recordBufferExhausted();
        return new BufferExhaustedError(
          `bufferMemory (${this.options.bufferMemory} bytes) stayed full for ${this.options.maxBlockMs} ms (maxBlockMs); the brokers are not keeping up or are unreachable`,
        );
      },
    );
    this.pending.onMemoryWait = (waiting) => this.producerMetrics.bufferWaitChanged(waiting);
    this.telemetry = createProducerTelemetry(resolved.openTelemetry, {
      clientId: resolved.clientId,
      snapshot: () => this.metrics(),
      leaderAddress: (topic, partition) => this.leaderAddress(topic, partition),
      log: (level, message, context) => resolved.logger?.[level]?.(message, context),
    });
    const sendObserver = this.telemetry?.sendObserver;
    const interceptors = resolved.interceptors ?? [];
    this.interceptors =
      interceptors.length > 0 || sendObserver !== undefined
        ? new InterceptorChain(interceptors, (level, message, context) => resolved.logger?.[level]?.(message, context), sendObserver)
        : undefined;
  }

  // Where the leader of a partition listens, for the send spans' server.address and server.port.
  private leaderAddress(topic: string, partition: number): { readonly host: string; readonly port: number } | undefined {
    const metadata = this.cluster.metadata;
    const partitions = metadata.topics.get(topic)?.partitions;
    const info = partitions?.[partition]?.partition === partition ? partitions[partition] : partitions?.find((candidate) => candidate.partition === partition);
    const leader = info?.leader;
    return leader === undefined || leader < 0 ? undefined : metadata.brokers.get(leader);
  }

  /** Connects to the cluster and fetches metadata. Optional: `send()` connects lazily. */
  async connect(): Promise<void> {
    this.assertOpen();
    this.start();
    await this.cluster.connect();
  }

  /** Sends one record; resolves with where it was written. */
  send(record: ProducerRecord): Promise<RecordMetadata>;
  /** Sends several records to one topic, in order; resolves with their metadata in the same order. */
  send(batch: TopicMessages): Promise<RecordMetadata[]>;
  send(input: ProducerRecord | TopicMessages): Promise<RecordMetadata | RecordMetadata[]> {
    if (this.interceptors !== undefined) return this.interceptors.send(input, this.sendIntercepted);
    if (isTraced(sendTracing)) return this.sendTraced(input);
    return this.dispatch(input);
  }

  // send() after the interceptors' onSend; `observer` hears the outcome of each record of a
  // multi-record call.
  private readonly sendIntercepted = (input: ProducerRecord | TopicMessages, observer: RecordObserver | undefined) =>
    isTraced(sendTracing) ? this.sendTraced(input, observer) : this.dispatch(input, observer);

  // send() while `kafka-producer:send` has subscribers: the call runs inside its trace, and
  // serialize() notes the key and value sizes of its records in it.
  private sendTraced(input: ProducerRecord | TopicMessages, observer?: RecordObserver): Promise<RecordMetadata | RecordMetadata[]> {
    const trace = sendTraceContext(this.options.clientId, input);
    return traceSend(trace, () => {
      const outer = this.sendTrace;
      this.sendTrace = trace;
      try {
        return this.dispatch(input, observer);
      } finally {
        this.sendTrace = outer;
      }
    });
  }

  private dispatch(input: ProducerRecord | TopicMessages, observer?: RecordObserver): Promise<RecordMetadata | RecordMetadata[]> {
    if (this.closed || this.closing) return Promise.reject(new ClosedError('send() after close()'));
    if (this.rejectWhenUnavailable && this.breaker!.isOpen) return Promise.reject(this.unavailableError());
    const fatal = this.sender.fatal ?? this.transactions?.fatalError;
    if (fatal) return Promise.reject(fatal);
    if (this.transactions && !this.transactions.inTransaction) {
      const state = this.transactions.state;
      const next =
        state === 'UNINITIALIZED' || state === 'INITIALIZING'
          ? 'call initTransactions() once, then beginTransaction()'
          : state === 'ABORTABLE_ERROR'
            ? 'a record or request of the transaction failed, so it can only be aborted: call abortTransaction(), then beginTransaction()'
            : state === 'COMMITTING' || state === 'ABORTING'
              ? 'the transaction is being committed or aborted: wait for that call, then beginTransaction()'
              : state === 'FATAL_ERROR'
                ? 'the producer cannot go on: close it'
                : 'call beginTransaction() first';
      return Promise.reject(
        new KafkaError('INVALID_TRANSACTION_STATE', `A transactional producer sends only inside a transaction: ${next} (the transaction state is ${state})`),
      );
    }
    try {
      if (typeof input !== 'object' || input === null) {
        throw new InvalidRecordError('send() expects a record ({ topic, value, ... }) or { topic, messages: [...] }');
      }
      const topic = input.topic;
      if (!this.validTopics.has(topic)) {
        checkTopic(topic);
        if (this.validTopics.size < 10_000) this.validTopics.add(topic);
      }
      const now = Date.now();
      let promise: Promise<RecordMetadata | RecordMetadata[]>;
      if ('messages' in input) {
        if (!Array.isArray(input.messages)) throw new InvalidRecordError(`messages for topic '${topic}' must be an array of { key?, value, headers?, partition?, timestamp? }`);
        checkTopicMessages(input, topic);
        const records = input.messages.map((message) => this.serialize(topic, message, now));
        const delivery = observer === undefined ? new MultiRecordDelivery(records.length) : new ObservedMultiRecordDelivery(records.length, observer);
        this.submit(topic, records, delivery, now);
        promise = delivery.promise;
      } else {
        promise = this.sendOne(topic, input as Message, now);
      }
      if (this.batchCompleted) this.sendCompletedBatches();
      return promise;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  // A send() that completed a batch (filled it, or opened the next one behind it) ends by letting
  // the sender write it: a caller that sends many records without yielding would otherwise keep
  // every completed batch waiting for its next turn of the event loop, leaving the broker idle
  // while it appends and itself idle while the broker catches up. Only here, after the appends
  // and outside the sender's own work: a batch completed by a waiting record that released memory
  // admitted is left to the pass already scheduled.
  private sendCompletedBatches(): void {
    this.batchCompleted = false;
    this.sender.runNow();
  }

  private serialize(topic: string, message: Message, now: number, target?: SerializedRecordFields, withTopic = false): SerializedRecordFields {
    const record = serializeRecord(topic, message, this.options.keySerializer, this.options.valueSerializer, now, target, withTopic);
    const trace = this.sendTrace;
    if (trace !== undefined) {
      if (record.key !== null) trace.hasKey = true;
      trace.valueSize += record.valueSize;
    }
    const size = RECORD_BATCH_OVERHEAD + RecordBatchBuilder.recordSizeUpperBound(record.keySize, record.valueSize, record.headers);
    if (size > this.options.maxRequestSize) {
      throw new InvalidRecordError(
        `A record of ${size} bytes for topic '${topic}' exceeds maxRequestSize (${this.options.maxRequestSize} bytes)`,
        { possiblyPersisted: false },
      );
    }
    if (size > this.options.bufferMemory) {
      throw new InvalidRecordError(`A record of ${size} bytes for topic '${topic}' exceeds bufferMemory (${this.options.bufferMemory} bytes)`);
    }
    return record;
  }

  private submit(topic: string, records: readonly SerializedRecord[], delivery: Delivery, now: number): void {
    this.start();
    const deadline = now + this.options.maxBlockMs;
    let position = 0;
    let waitingFor: 'wait-metadata' | 'wait-memory' = 'wait-metadata';
    if (this.pending.size === 0) {
      for (; position < records.length; position++) {
        const attempt = this.tryAppend(topic, records[position]!, delivery, position, now);
        if (attempt === 'appended') continue;
        if (typeof attempt !== 'string') {
          // A record that can never be appended (bad partition, unwritable topic) fails alone.
          delivery.recordFailed(position, attempt);
          continue;
        }
        waitingFor = attempt;
        break;
      }
    }
    for (; position < records.length; position++) {
      const record = records[position]!;
      // While bufferMemory is full, records may wait, but only up to bufferMemory bytes of them:
      // beyond that a caller that does not await its sends would grow memory without bound.
      if (this.pending.blockedOn?.reason === 'wait-memory' && this.pending.bytes + record.keySize + record.valueSize > this.options.bufferMemory) {
        this.producerMetrics.recordBufferExhausted();
        delivery.recordFailed(
          position,
          new BufferExhaustedError(
            `bufferMemory (${this.options.bufferMemory} bytes) is full and as many bytes of records already wait for it; the brokers are not keeping up: await send() or slow down`,
          ),
        );
        continue;
      }
      this.pending.add({ topic, record, delivery, position, deadline }, waitingFor);
    }
    this.requestMetadataForPending();
  }

  // One record of a single-record send() call. When it can be appended at once (the common case),
  // it joins its batch's delivery group, which keeps less memory per unacknowledged record than a
  // promise of its own; otherwise it waits like any record, with a promise of its own. The record
  // is serialized into a reused object, copied only when it has to wait; a send() made from inside
  // a partitioner, while that object is in use, serializes into a new one.
  private sendOne(topic: string, message: Message, now: number): Promise<RecordMetadata> {
    const reuse = !this.scratchInUse;
    let record = this.serialize(topic, message, now, reuse ? this.scratchRecord : undefined, true);
    if (reuse) this.scratchInUse = true;
    try {
      if (this.pending.size === 0) {
        this.start();
        const queue = this.route(topic, record);
        if (queue instanceof PartitionQueue) {
          const promise = this.accumulator.appendSingle(queue, record, now);
          if (promise) {
            this.afterAppend(queue, record, now);
            return promise;
          }
        } else if (queue instanceof Error) {
          return Promise.reject(queue);
        }
      }
      if (reuse) record = record.copy();
    } finally {
      if (reuse) this.scratchInUse = false;
    }
    const delivery = new SingleDelivery();
    this.submit(topic, [record], delivery, now);
    return delivery.promise;
  }

  // Appends one record now if its topic's metadata is known and memory allows.
  private tryAppend(topic: string, record: SerializedRecord, delivery: Delivery, position: number, now: number): AppendAttempt {
    const queue = this.route(topic, record);
    if (!(queue instanceof PartitionQueue)) return queue;
    if (!this.accumulator.append(queue, record, delivery, position, now)) return 'wait-memory';
    this.afterAppend(queue, record, now);
    return 'appended';
  }

  // The partition queue a record goes to, once its topic's metadata is known; an error when it
  // never can (unwritable topic, bad partition).
  private route(topic: string, record: SerializedRecord): PartitionQueue | 'wait-metadata' | KafkaError {
    const info = this.cluster.metadata.topics.get(topic);
    if (!info || info.partitions.length === 0) {
      const code = this.cluster.metadata.topicErrors.get(topic);
      if (code !== undefined && FATAL_TOPIC_ERRORS.has(code)) {
        const error = brokerErrorByCode(code);
        return new KafkaError(error.name, `Cannot send to topic '${topic}': ${error.name} (${code}): ${error.description}`, {
          brokerErrorCode: code,
          brokerErrorName: error.name,
        });
      }
      if (code === UNKNOWN_TOPIC_OR_PARTITION) return this.missingTopic(topic) ?? 'wait-metadata';
      return 'wait-metadata';
    }
    const partitionCount = info.partitions.length;
    let partition = record.partition;
    if (partition === undefined) {
      partition = this.partitioner.partition(topic, this.keyBytes(record), partitionCount, info.available, record.keySize);
      if (!Number.isInteger(partition) || partition < 0 || partition >= partitionCount) {
        return new InvalidRecordError(`The partitioner returned ${String(partition)} for topic '${topic}', which has ${partitionCount} partitions`);
      }
    } else if (partition >= partitionCount) {
      return new InvalidRecordError(`Partition ${partition} does not exist: topic '${topic}' has ${partitionCount} partitions`);
    }
    return this.accumulator.queueFor(topic, partition);
  }

  // The error of a record whose topic the brokers have kept reporting as not existing.
  private missingTopic(topic: string): KafkaError | undefined {
    const since = this.cluster.metadata.unknownSince.get(topic);
    if (since === undefined || Date.now() - since < MISSING_TOPIC_AFTER_MS) return undefined;
    const what = this.options.allowAutoTopicCreation
      ? 'the cluster does not create topics on demand (auto.create.topics.enable=false): create it first'
      : 'allowAutoTopicCreation is false: create it first, or set allowAutoTopicCreation: true';
    return new KafkaError('UNKNOWN_TOPIC_OR_PARTITION', `Topic '${topic}' does not exist (the brokers reported UNKNOWN_TOPIC_OR_PARTITION for ${MISSING_TOPIC_AFTER_MS} ms) and ${what}`, {
      brokerErrorCode: UNKNOWN_TOPIC_OR_PARTITION,
      brokerErrorName: 'UNKNOWN_TOPIC_OR_PARTITION',
      possiblyPersisted: false,
    });
  }

  private afterAppend(queue: PartitionQueue, record: SerializedRecord, now: number): void {
    const size = record.keySize + record.valueSize + record.headersSize;
    if (record.key === null) this.partitioner.onAppend(queue.topic, queue.partition, size);
    this.producerMetrics.recordAppend(size, now);
  }

  // The key's bytes for the partitioner: its first keySize bytes. A string key is written into a
  // scratch buffer rather than a new Buffer per record: partitioners read the key synchronously and
  // keep no reference to it (a user's partitioner function gets a copy).
  private keyBytes(record: SerializedRecord): Buffer | null {
    const key = record.key;
    if (key === null || typeof key !== 'string') return key;
    if (this.keyScratch.length < record.keySize) this.keyScratch = Buffer.allocUnsafe(Math.max(record.keySize, this.keyScratch.length * 2));
    this.keyScratch.write(key, 0, record.keySize, 'utf8');
    return this.keyScratch;
  }

  private processPending(): void {
    this.pending.process();
    this.requestMetadataForPending();
  }

  // The oldest waiting record waits for its topic's metadata: ask for it, again after
  // retryBackoffMs while it keeps waiting.
  private requestMetadataForPending(): void {
    const blocked = this.pending.blockedOn;
    if (blocked?.reason !== 'wait-metadata' || this.metadataRefreshScheduled) return;
    const topics = [blocked.topic];
    this.metadataRefreshScheduled = true;
    this.cluster.addTopics(topics);
    this.cluster
      .refreshMetadata()
      .then(
        () => {
          this.metadataError = undefined;
        },
        (error: unknown) => this.onMetadataFailure(error),
      )
      .finally(() => {
        setTimeout(() => {
          this.metadataRefreshScheduled = false;
          if (this.closed) return;
          this.processPending();
        }, this.cluster.metadata.topics.size > 0 && topics.every((topic) => this.cluster.metadata.topics.has(topic)) ? 0 : this.options.retryBackoffMs);
      });
  }

  // Metadata could not be fetched. Waiting records keep waiting (up to maxBlockMs) through
  // retriable trouble; an error retrying cannot fix (authentication refused, no common protocol
  // version) rejects them now, as it would every later attempt.
  private onMetadataFailure(error: unknown): void {
    this.options.logger?.warn?.('metadata refresh failed', { error: String(error) });
    this.metadataError = error instanceof KafkaError ? error : new KafkaError('METADATA_FAILED', String(error), { cause: error });
    const permanent = permanentCause(error);
    if (permanent) this.pending.failAll(permanent);
  }

  private describeTopicError(topic: string): string {
    if (this.metadataError) return `; last error: ${this.metadataError.message}`;
    const code = this.cluster.metadata.topicErrors.get(topic);
    if (code === undefined) return '';
    const error = brokerErrorByCode(code);
    return `; the broker reports ${error.name} (${code})`;
  }

  private start(): void {
    if (this.started) return;
    this.started = true;
    this.cluster.connect().then(
      () => {
        this.processPending();
        this.sender.wake();
        this.metricsPush?.start();
      },
      (error: unknown) => this.options.logger?.warn?.('bootstrap failed; retrying', { error: String(error) }),
    );
  }

  /** Resolves once every record sent before this call has settled (sending lingering batches now). */
  async flush(): Promise<void> {
    this.accumulator.beginFlush();
    this.sender.wake();
    try {
      // Records still waiting for metadata or memory go into batches first (or fail); then every
      // batch incomplete at that point, or the parts it is split into, must settle.
      await this.pending.awaitWaitingLeft();
      await this.accumulator.awaitSettled();
    } finally {
      this.accumulator.endFlush();
    }
  }

  /**
   * Sends what is buffered, waits for it (at most `timeoutMs`, default forever), then releases
   * connections. Records still unsettled at the deadline reject with a ClosedError.
   */
  close(options: { timeoutMs?: number } = {}): Promise<void> {
    this.closing ??= this.shutdown(options.timeoutMs ?? Number.POSITIVE_INFINITY);
    return this.closing;
  }

  private async shutdown(timeoutMs: number): Promise<void> {
    const closeBy = Date.now() + timeoutMs;
    if (this.started && timeoutMs > 0) {
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<void>((resolve) => {
        if (Number.isFinite(timeoutMs)) timer = setTimeout(resolve, timeoutMs);
      });
      await Promise.race([this.flush(), deadline]);
      if (timer) clearTimeout(timer);
    }
    // The last metrics, marked terminating, once the records are sent, within what is left of
    // timeoutMs (and at most requestTimeoutMs).
    if (this.metricsPush) await this.metricsPush.close(Math.min(this.options.requestTimeoutMs, closeBy - Date.now()));
    const error = new ClosedError('The producer was closed before the record was acknowledged');
    this.pending.failAll(error);
    this.sender.close(error);
    this.breaker?.stop();
    this.cluster.close();
    this.closed = true;
    this.telemetry?.close();
    this.updateState(undefined);
  }

  /** `await using producer = new Producer(...)`: closes the producer (as close()) when the scope ends. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /**
   * Listens to the producer's state changes (see {@link ProducerState}): `connecting`, `ready`,
   * `degraded`, `unavailable`, `closed`. Each change is also logged (info, or warn when it got worse).
   */
  on(event: 'state', listener: (change: ProducerStateChange) => void): this {
    this.events.on(event, listener);
    return this;
  }

  /** Removes a listener added with on(). */
  off(event: 'state', listener: (change: ProducerStateChange) => void): this {
    this.events.off(event, listener);
    return this;
  }

  /** A plain snapshot for readiness probes: state, brokers, buffer, pending records, last error, producer id. */
  health(): ProducerHealth {
    this.updateState(undefined);
    const recordsPending = this.accumulator.recordsPending;
    const identity = this.identity;
    const lastError = this.breaker?.lastError;
    return {
      state: this.state,
      brokers: this.cluster.brokerStates(),
      partitionsWithoutLeader: this.partitionsWithoutLeader(),
      bufferUsedBytes: this.accumulator.bufferedBytes,
      bufferLimitBytes: this.options.bufferMemory,
      recordsPending,
      recordsWaiting: this.pending.size,
      lastError: lastError ? `${lastError.code}: ${lastError.message}` : undefined,
      unreachableForMs: this.breaker?.unreachableForMs() ?? 0,
      producerId: (identity?.producerId ?? -1n).toString(),
      producerEpoch: identity?.epoch ?? -1,
    };
  }

  private onConnectAttempt(error: KafkaError | undefined): void {
    if (!error) {
      this.everConnected = true;
      this.producerMetrics.connectionCreated();
    }
    this.breaker?.onConnectAttempt(error);
    this.updateState(error);
  }

  // The breaker opened: what waits for metadata or memory cannot be accepted soon, so it fails now
  // (unless sends wait while unavailable); it closed: what waits goes on, and the sender too.
  private onBreakerChange(open: boolean): void {
    if (open) {
      this.options.logger?.warn?.('no broker is reachable: the producer is unavailable', { error: String(this.breaker?.lastError) });
      if (this.rejectWhenUnavailable) this.pending.failAll(this.unavailableError());
    } else if (!this.closed) {
      this.processPending();
      this.sender.wake();
    }
    this.updateState(this.breaker?.lastError);
  }

  private unavailableError(): ClusterUnavailableError {
    const breaker = this.breaker!;
    const cause = breaker.lastError;
    return new ClusterUnavailableError(
      `No broker of the cluster is reachable (${breaker.consecutiveFailures} connection attempts failed in a row over ${breaker.unreachableForMs()} ms)${cause ? `: ${cause.message}` : ''}. The record was not sent; the producer keeps reconnecting and accepts records again once a broker answers`,
      { cause },
    );
  }

  // Recomputes the state and reports a change (event and log).
  private updateState(error: KafkaError | undefined): void {
    const next = deriveState({
      closed: this.closed,
      unavailable: this.breaker?.isOpen ?? false,
      everConnected: this.everConnected,
      brokers: this.cluster.brokerStates(),
      partitionsWithoutLeader: this.partitionsWithoutLeader(),
    });
    if (next === this.state) return;
    const previous = this.state;
    this.state = next;
    const worse = next === 'degraded' || next === 'unavailable';
    const change: ProducerStateChange = { state: next, previous, error: worse ? (error ?? this.breaker?.lastError) : undefined };
    this.options.logger?.[worse ? 'warn' : 'info']?.(`producer state: ${previous} -> ${next}`, change.error ? { error: String(change.error) } : undefined);
    this.events.emit('state', change);
  }

  private partitionsWithoutLeader(): number {
    let count = 0;
    for (const topic of this.cluster.metadata.topics.values()) count += topic.partitions.length - topic.available.length;
    return count;
  }

  /**
   * Transactional producers: gets the producer id and epoch of `transactionalId` from its
   * coordinator, fencing any older producer with the same id and aborting its open transaction.
   * Call once before the first transaction.
   */
  async initTransactions(): Promise<void> {
    const transactions = this.requireTransactions('initTransactions()');
    this.start();
    await this.cluster.connect();
    await transactions.initTransactions();
  }

  /** Opens a transaction; records sent until commit or abort belong to it. */
  beginTransaction(): void {
    this.requireTransactions('beginTransaction()').beginTransaction();
  }

  /**
   * Adds a consumer group's offsets to the transaction, so that they are committed with its
   * records (consume-transform-produce, exactly once).
   */
  async sendOffsetsToTransaction(offsets: readonly TransactionOffset[], group: ConsumerGroupMetadata | string): Promise<void> {
    const metadata = typeof group === 'string' ? { groupId: group } : group;
    await this.requireTransactions('sendOffsetsToTransaction()').sendOffsets(offsets, metadata);
  }

  /**
   * Sends everything buffered, then commits. Rejects, leaving the transaction to be aborted, when
   * a record of it failed or the coordinator refused the commit. When the coordinator gave no answer
   * within `maxBlockMs`, the commit may or may not have happened: call it again to finish it (an
   * abort is refused then).
   */
  async commitTransaction(): Promise<void> {
    await this.requireTransactions('commitTransaction()').commit(() => this.flush());
  }

  /**
   * Aborts: records not yet sent reject, those in flight settle, then the transaction is aborted.
   * When the coordinator gave no answer within `maxBlockMs`, call it again to finish it.
   */
  async abortTransaction(): Promise<void> {
    await this.requireTransactions('abortTransaction()').abort(() => this.flush());
  }

  /**
   * Runs `work` in a transaction: commits when it returns, aborts when it throws or when the commit
   * fails, and rethrows that error itself. When the abort fails too, its error is attached to the
   * rethrown one as `abortError`. A commit that got no answer is not aborted (it may have completed):
   * call commitTransaction() again to finish it.
   */
  async transaction<T>(work: (producer: this) => Promise<T>): Promise<T> {
    if (typeof work !== 'function') {
      throw new KafkaError('INVALID_ARGUMENT', `transaction() expects a function, such as async (tx) => { await tx.send(...) }, got ${work === null ? 'null' : typeof work}`);
    }
    this.beginTransaction();
    let result: T;
    try {
      result = await work(this);
      await this.commitTransaction();
    } catch (error) {
      await this.abortAfter(error);
      throw error;
    }
    return result;
  }

  // The abort of transaction(): not when the producer is fenced, nor after a commit without an
  // answer (only commitTransaction() can finish it). Its failure goes on `error` as `abortError`.
  private async abortAfter(error: unknown): Promise<void> {
    const transactions = this.transactions;
    if (!transactions || transactions.fatalError || transactions.state === 'COMMITTING') return;
    try {
      await this.abortTransaction();
    } catch (abortError) {
      if (abortError === error || typeof error !== 'object' || error === null) return;
      try {
        Object.defineProperty(error, 'abortError', { value: abortError, enumerable: true, configurable: true, writable: true });
      } catch {
        // A frozen error is rethrown as it is.
      }
    }
  }

  private requireTransactions(operation: string): TransactionManager {
    this.assertOpen();
    if (!this.transactions) {
      throw new KafkaError('INVALID_TRANSACTION_STATE', `${operation} needs a transactional producer: set the transactionalId option`);
    }
    return this.transactions;
  }

  /**
   * The producer's metrics under the Java client's names and meanings (see docs/metrics.md):
   * producer-wide values, and per topic under `topics`. With `{ format: 'prometheus' }`, the same
   * in Prometheus text exposition format, labelled with this producer's `clientId`.
   */
  metrics(): MetricsSnapshot;
  metrics(options: { format: 'prometheus' } & PrometheusOptions): string;
  metrics(options?: { format: 'prometheus' } & PrometheusOptions): MetricsSnapshot | string {
    const snapshot = this.producerMetrics.snapshot({
      bufferedBytes: this.accumulator.bufferedBytes,
      bufferTotalBytes: this.options.bufferMemory,
      connectionCount: this.cluster.connectionCount,
    });
    if (options === undefined) return snapshot;
    if (options.format !== 'prometheus') throw new TypeError(`metrics(): unknown format ${JSON.stringify(options.format)}; the one format is 'prometheus'`);
    return toPrometheus({ clientId: this.options.clientId, metrics: snapshot }, options);
  }

  private assertOpen(): void {
    if (this.closed || this.closing) throw new ClosedError();
  }
}
