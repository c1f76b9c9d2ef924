// The public Producer: the façade. It checks that a send() may go on (open, available, not
// fenced, inside a transaction when transactional) and hands its records to the RecordAppender;
// it assembles the parts (cluster, accumulator, sender, idempotence, transactions, availability,
// telemetry) and offers flush, close, health, metrics and the transaction calls. It owns no
// delivery logic of its own.
import type { Cluster } from '../cluster/cluster.js';
import { ClosedError, KafkaError } from '../errors/kafka-error.js';
import type { MetricsSnapshot } from '../metrics/metric-definitions.js';
import type { ProducerMetrics } from '../metrics/producer-metrics.js';
import { type PrometheusOptions, toPrometheus } from '../metrics/prometheus.js';
import { isTraced, type SendTraceContext, sendTraceContext, sendTracing, traceSend } from '../metrics/tracing.js';
import type { ClientTelemetry } from '../telemetry/client-metrics/client-telemetry.js';
import type { ProducerTelemetry } from '../telemetry/open-telemetry/open-telemetry.js';
import type { Clock, ClockTimer } from '../time/clock.js';
import type { RecordAccumulator } from './accumulator/record-accumulator.js';
import type { ProducerHealth, ProducerStateChange } from './availability/health.js';
import type { ProducerAvailability } from './availability/producer-availability.js';
import type { ProducerIdentity } from './idempotence/producer-identity.js';
import type { InterceptorChain } from './interceptors/interceptor-chain.js';
import type { RecordObserver } from './interceptors/observed-delivery.js';
import type { EnqueuedRecord } from './journal/enqueue-delivery.js';
import type { JournalEvent, JournalMetrics } from './journal/journal-events.js';
import type { ProducerJournal } from './journal/producer-journal.js';
import { type ProducerOptions, type ResolvedProducerOptions, resolveProducerOptions } from './options.js';
import { assembleProducer } from './producer-parts.js';
import type { ProducerRecord, RecordMetadata, TopicMessages } from './producer-record.js';
import type { RecordAppender } from './record-appender.js';
import type { Sender } from './sender/sender.js';
import type { ConsumerGroupMetadata, TransactionManager, TransactionOffset } from './transactions/transaction-manager.js';

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
  private readonly appender: RecordAppender;
  private readonly availability: ProducerAvailability;
  private readonly clock: Clock;
  private readonly producerMetrics: ProducerMetrics;
  /** KIP-714 metrics push, made only with `enableMetricsPush`. */
  private readonly metricsPush: ClientTelemetry | undefined;
  private readonly transactions: TransactionManager | undefined;
  private readonly identity: ProducerIdentity | undefined;
  private started = false;
  private closing: Promise<void> | undefined;
  private closed = false;
  /** The trace of the send() call running now, while `kafka-producer:send` has subscribers. */
  private sendTrace: SendTraceContext | undefined;
  /**
   * The `interceptors` option and the OpenTelemetry send spans, undefined when neither is
   * configured (send() then skips them at no cost).
   */
  private readonly interceptors: InterceptorChain | undefined;
  /** The `openTelemetry` option's bridge, undefined when it is off. */
  private readonly telemetry: ProducerTelemetry | undefined;
  /** The `journal` option's journal, undefined when it is off. */
  private readonly journal: ProducerJournal | undefined;

  /** Validates `options` (throwing a ConfigError naming the first bad one); connects lazily. */
  constructor(options: ProducerOptions) {
    this.options = resolveProducerOptions(options);
    const parts = assembleProducer(this.options, {
      start: () => this.start(),
      isClosed: () => this.closed,
      snapshot: () => this.metrics(),
    });
    this.clock = parts.clock;
    this.producerMetrics = parts.metrics;
    this.cluster = parts.cluster;
    this.availability = parts.availability;
    this.accumulator = parts.accumulator;
    this.identity = parts.identity;
    this.transactions = parts.transactions;
    this.sender = parts.sender;
    this.appender = parts.appender;
    this.metricsPush = parts.metricsPush;
    this.telemetry = parts.telemetry;
    this.interceptors = parts.interceptors;
    this.journal = parts.journal;
  }

  /**
   * Connects to the cluster and fetches metadata; with the `journal` option, also opens the
   * journal (rejecting with JournalLockedError when another process uses its directory,
   * JournalCorruptedError when a file is damaged). Optional: `send()` connects lazily.
   */
  async connect(): Promise<void> {
    this.assertOpen();
    this.start();
    await Promise.all([this.cluster.connect(), this.journal?.open()]);
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

  /**
   * With the `journal` option: hands one record to the producer and resolves once it is durable in
   * the journal, with the partition it goes to (`{ topic, partition }`). The producer then sends
   * it in the background, in call order with every other record of its partition, until the broker
   * acknowledges it, in this process or, after a crash, in the next one that opens the journal's
   * directory. A failure for good after that is reported by the `'journal'` event (and logged),
   * not by this promise. Rejects as send() does for an invalid record or a closed producer, when
   * the journal stays full or does not open for `maxBlockMs`, and when no journal is configured.
   * Interceptors and send tracing do not apply to enqueued records.
   */
  enqueue(record: ProducerRecord): Promise<EnqueuedRecord>;
  /** enqueue() for several records of one topic, in order; resolves with one `{ topic, partition }` per record. */
  enqueue(batch: TopicMessages): Promise<EnqueuedRecord[]>;
  enqueue(input: ProducerRecord | TopicMessages): Promise<EnqueuedRecord | EnqueuedRecord[]> {
    const journal = this.journal;
    if (journal === undefined) {
      return Promise.reject(
        new KafkaError('JOURNAL_NOT_CONFIGURED', "enqueue() needs the journal option: new Producer({ journal: { directory: '/var/lib/app/journal' }, ... }); without it, use send()"),
      );
    }
    if (this.closed || this.closing) return Promise.reject(new ClosedError('enqueue() after close()'));
    // Not refused while the cluster is unavailable (the circuit breaker): the journal keeps the
    // records until it is back.
    const refusal = this.sender.fatal;
    if (refusal) return Promise.reject(refusal);
    try {
      return this.appender.enqueue(input, journal);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  private dispatch(input: ProducerRecord | TopicMessages, observer?: RecordObserver): Promise<RecordMetadata | RecordMetadata[]> {
    if (this.closed || this.closing) return Promise.reject(new ClosedError('send() after close()'));
    const refusal = this.availability.refusal ?? this.sender.fatal ?? this.transactions?.fatalError ?? this.transactions?.sendRefusal;
    if (refusal) return Promise.reject(refusal);
    try {
      return this.appender.append(input, observer, this.sendTrace);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  private start(): void {
    if (this.started) return;
    this.started = true;
    // Its failure reaches the waiting records and later calls through the sender (ProducerJournal.onFailed).
    this.journal?.open().catch(() => undefined);
    this.cluster.connect().then(
      () => {
        this.appender.processPending();
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
      await this.appender.awaitWaitingLeft();
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
    const closeBy = this.clock.now() + timeoutMs;
    if (this.started && timeoutMs > 0) {
      let timer: ClockTimer | undefined;
      const deadline = new Promise<void>((resolve) => {
        if (Number.isFinite(timeoutMs)) timer = this.clock.setTimer(resolve, timeoutMs);
      });
      await Promise.race([this.flush(), deadline]);
      timer?.cancel();
    }
    // The last metrics, marked terminating, once the records are sent, within what is left of
    // timeoutMs (and at most requestTimeoutMs).
    if (this.metricsPush) await this.metricsPush.close(Math.min(this.options.requestTimeoutMs, closeBy - this.clock.now()));
    const error = new ClosedError('The producer was closed before the record was acknowledged');
    this.appender.failWaiting(error);
    this.sender.close(error);
    this.cluster.close();
    this.closed = true;
    this.telemetry?.close();
    this.availability.close();
    // What is appended is written, and the directory released for the next producer.
    await this.journal?.close();
  }

  /** `await using producer = new Producer(...)`: closes the producer (as close()) when the scope ends. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /**
   * Listens to the producer's state changes (see {@link ProducerState}): `connecting`, `ready`,
   * `degraded`, `unavailable`, `closed`. Each change is also logged (info, or warn when it got worse).
   */
  on(event: 'state', listener: (change: ProducerStateChange) => void): this;
  /**
   * With the `journal` option: hears what becomes of journaled records outside their promises
   * (see {@link JournalEvent}): `delivery-failed` (records refused for good, settled and never
   * resent), `possible-duplicates` (records an earlier process sent, resent after a restart under
   * a new producer epoch, which the broker cannot match against a copy) and `recovered`.
   */
  on(event: 'journal', listener: (event: JournalEvent) => void): this;
  on(event: 'state' | 'journal', listener: ((change: ProducerStateChange) => void) | ((event: JournalEvent) => void)): this {
    if (event === 'state') this.availability.on(listener as (change: ProducerStateChange) => void);
    else if (event === 'journal') this.journal?.on(listener as (event: JournalEvent) => void);
    return this;
  }

  /** Removes a listener added with on(). */
  off(event: 'state', listener: (change: ProducerStateChange) => void): this;
  off(event: 'journal', listener: (event: JournalEvent) => void): this;
  off(event: 'state' | 'journal', listener: ((change: ProducerStateChange) => void) | ((event: JournalEvent) => void)): this {
    if (event === 'state') this.availability.off(listener as (change: ProducerStateChange) => void);
    else if (event === 'journal') this.journal?.off(listener as (event: JournalEvent) => void);
    return this;
  }

  /**
   * With the `journal` option: its counters (records failed for good, records possibly
   * duplicated after a restart, what was recovered) and its size now; undefined without it.
   */
  journalMetrics(): JournalMetrics | undefined {
    return this.journal?.metrics();
  }

  /** A plain snapshot for readiness probes: state, brokers, buffer, pending records, last error, producer id. */
  health(): ProducerHealth {
    return this.availability.health({
      bufferUsedBytes: this.accumulator.bufferedBytes,
      recordsPending: this.accumulator.recordsPending,
      recordsWaiting: this.appender.waiting,
      producerId: this.identity?.producerId ?? -1n,
      producerEpoch: this.identity?.epoch ?? -1,
    });
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
   * producer-wide values, per topic under `topics`, per broker under `nodes`, and with the journal
   * option the journal's under `journal`. With `{ format: 'prometheus' }`, the same
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
    const journal = this.journal?.metrics();
    const all: MetricsSnapshot = journal ? { ...snapshot, journal } : snapshot;
    if (options === undefined) return all;
    if (options.format !== 'prometheus') throw new TypeError(`metrics(): unknown format ${JSON.stringify(options.format)}; the one format is 'prometheus'`);
    return toPrometheus({ clientId: this.options.clientId, metrics: all }, options);
  }

  private assertOpen(): void {
    if (this.closed || this.closing) throw new ClosedError();
  }
}
