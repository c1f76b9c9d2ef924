// The send() path after the interceptors and tracing: validates and serializes records, and
// appends each to its partition's batch synchronously, in call order. A record that cannot be
// appended yet (its topic's metadata unknown, bufferMemory full, the journal not open or full)
// waits in PendingAppends behind every earlier waiting record, each until maxBlockMs. A send()
// that completed a batch lets the sender write it before returning. With the journal on, each
// record is appended to the journal once its partition is chosen, and its batch keeps its entry
// number; enqueue() is send() resolving at the journal's durability.
import type { Cluster } from '../cluster/cluster.js';
import { BufferExhaustedError, InvalidRecordError, KafkaError, permanentCause } from '../errors/kafka-error.js';
import type { JournalRecordInput } from '../journal/journal-entries.js';
import type { ProducerMetrics } from '../metrics/producer-metrics.js';
import type { SendTraceContext } from '../metrics/tracing.js';
import { RECORD_BATCH_OVERHEAD, RecordBatchBuilder } from '../records/index.js';
import type { Clock } from '../time/clock.js';
import { type Delivery, MultiRecordDelivery, SingleDelivery } from './accumulator/delivery.js';
import { PartitionState } from './accumulator/partition-state.js';
import type { RecordAccumulator } from './accumulator/record-accumulator.js';
import { ObservedMultiRecordDelivery, type RecordObserver } from './interceptors/observed-delivery.js';
import { EnqueueDelivery, type EnqueuedRecord } from './journal/enqueue-delivery.js';
import type { ProducerJournal } from './journal/producer-journal.js';
import type { ResolvedProducerOptions } from './options.js';
import type { Partitioner } from './partitioners/partitioner.js';
import { type AppendAttempt, PendingAppends, type WaitReason } from './pending-appends.js';
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
import { RecordRouter } from './record-router.js';

export interface RecordAppenderDependencies {
  readonly options: ResolvedProducerOptions;
  readonly cluster: Pick<Cluster, 'metadata' | 'addTopics' | 'refreshMetadata'>;
  readonly accumulator: RecordAccumulator;
  readonly partitioner: Partitioner;
  readonly metrics: ProducerMetrics;
  /** Runs a sender pass on the caller's stack (see sendCompletedBatches). */
  readonly runSender: () => void;
  /** Connects the producer on its first record. */
  readonly start: () => void;
  readonly isClosed: () => boolean;
  readonly clock: Clock;
  /** The journal, with the `journal` option. */
  readonly journal?: ProducerJournal | undefined;
}

export class RecordAppender {
  private readonly router: RecordRouter;
  private readonly pending: PendingAppends;
  private metadataRefreshScheduled = false;
  /** The record object single-record send() calls serialize into (see appendOne). */
  private readonly scratchRecord = new SerializedRecordFields();
  private scratchInUse = false;
  /** Set when an append completed a batch, until the send() that made it lets the sender write it. */
  private batchCompleted = false;
  /** Topic names already validated, so that the check runs once per topic, not per record. */
  private readonly validTopics = new Set<string>();

  constructor(private readonly deps: RecordAppenderDependencies) {
    const { options, metrics } = deps;
    this.router = new RecordRouter({ ...deps, allowAutoTopicCreation: options.allowAutoTopicCreation, maxBlockMs: options.maxBlockMs });
    this.pending = new PendingAppends(
      (item) => this.appendNow(item.topic, item.record, item.delivery, item.position, deps.clock.now()),
      (item, waitingFor) => {
        if (waitingFor === 'wait-metadata') return this.router.metadataTimeout(item.topic);
        if (waitingFor === 'wait-journal') return deps.journal!.waitTimeout();
        metrics.recordBufferExhausted();
        const limit =
          deps.accumulator.fullLimit === 'maxBufferedRecords'
            ? `maxBufferedRecords (${options.maxBufferedRecords} records held)`
            : `bufferMemory (${options.bufferMemory} bytes)`;
        return new BufferExhaustedError(`${limit} stayed full for ${options.maxBlockMs} ms (maxBlockMs); the brokers are not keeping up or are unreachable`);
      },
      deps.clock,
    );
    this.pending.onMemoryWait = (waiting) => metrics.bufferWaitChanged(waiting);
  }

  /** Records waiting for metadata or memory. */
  get waiting(): number {
    return this.pending.size;
  }

  /** An append completed a batch (filled it, or opened the next one behind it). */
  onBatchCompleted(): void {
    this.batchCompleted = true;
  }

  /**
   * Validates, serializes and appends the records of one send() call; returns its promise.
   * `observer` hears the outcome of each record of a multi-record call; `trace` notes sizes.
   */
  append(input: ProducerRecord | TopicMessages, observer: RecordObserver | undefined, trace: SendTraceContext | undefined): Promise<RecordMetadata | RecordMetadata[]> {
    const topic = this.checkedTopic(input, 'send');
    const now = this.deps.clock.now();
    let promise: Promise<RecordMetadata | RecordMetadata[]>;
    if ('messages' in input) {
      const records = this.serializeMessages(input, topic, now, trace);
      const delivery = observer === undefined ? new MultiRecordDelivery(records.length) : new ObservedMultiRecordDelivery(records.length, observer);
      this.submit(topic, records, delivery, now);
      promise = delivery.promise;
    } else {
      promise = this.appendOne(topic, input as Message, now, trace);
    }
    if (this.batchCompleted) this.sendCompletedBatches();
    return promise;
  }

  /**
   * enqueue(): validates, serializes and appends the records of one call as send() does (the
   * journal is on); the promise resolves once they are durable in the journal.
   */
  enqueue(input: ProducerRecord | TopicMessages, journal: ProducerJournal): Promise<EnqueuedRecord | EnqueuedRecord[]> {
    const topic = this.checkedTopic(input, 'enqueue');
    const now = this.deps.clock.now();
    const many = 'messages' in input;
    const records = many ? this.serializeMessages(input, topic, now, undefined) : [this.serialize(topic, input as Message, now, undefined, undefined, true)];
    const delivery = new EnqueueDelivery(records.length, (number) => journal.whenDurable(number));
    this.submit(topic, records, delivery, now);
    if (this.batchCompleted) this.sendCompletedBatches();
    return many ? delivery.promise : delivery.promise.then(first);
  }

  // A send() that completed a batch ends by letting the sender write it: a caller that sends many
  // records without yielding would otherwise keep every completed batch waiting for its next turn
  // of the event loop, leaving the broker idle while it appends and itself idle while the broker
  // catches up. Only here, after the appends and outside the sender's own work: a batch completed by
  // a waiting record that released memory admitted is left to the pass already scheduled.
  private sendCompletedBatches(): void {
    this.batchCompleted = false;
    this.deps.runSender();
  }

  // The topic of a send() or enqueue() input, checked once per topic name.
  private checkedTopic(input: ProducerRecord | TopicMessages, call: 'send' | 'enqueue'): string {
    if (typeof input !== 'object' || input === null) {
      throw new InvalidRecordError(`${call}() expects a record ({ topic, value, ... }) or { topic, messages: [...] }`);
    }
    const topic = input.topic;
    if (!this.validTopics.has(topic)) {
      checkTopic(topic);
      if (this.validTopics.size < 10_000) this.validTopics.add(topic);
    }
    return topic;
  }

  // The records of a { topic, messages } call, checked and serialized in order.
  private serializeMessages(input: TopicMessages, topic: string, now: number, trace: SendTraceContext | undefined): SerializedRecord[] {
    if (!Array.isArray(input.messages)) throw new InvalidRecordError(`messages for topic '${topic}' must be an array of { key?, value, headers?, partition?, timestamp? }`);
    checkTopicMessages(input, topic);
    return input.messages.map((message) => this.serialize(topic, message, now, trace));
  }

  private serialize(topic: string, message: Message, now: number, trace: SendTraceContext | undefined, target?: SerializedRecordFields, withTopic = false): SerializedRecordFields {
    const { options } = this.deps;
    const record = serializeRecord(topic, message, options.keySerializer, options.valueSerializer, now, target, withTopic);
    if (trace !== undefined) {
      if (record.key !== null) trace.hasKey = true;
      trace.valueSize += record.valueSize;
    }
    const size = RECORD_BATCH_OVERHEAD + RecordBatchBuilder.recordSizeUpperBound(record.keySize, record.valueSize, record.headers);
    if (size > options.maxRequestSize) {
      throw new InvalidRecordError(`A record of ${size} bytes for topic '${topic}' exceeds maxRequestSize (${options.maxRequestSize} bytes)`, { possiblyPersisted: false });
    }
    if (size > options.bufferMemory) {
      throw new InvalidRecordError(`A record of ${size} bytes for topic '${topic}' exceeds bufferMemory (${options.bufferMemory} bytes)`);
    }
    return record;
  }

  private submit(topic: string, records: readonly SerializedRecord[], delivery: Delivery, now: number): void {
    const { options, metrics } = this.deps;
    this.deps.start();
    const deadline = now + options.maxBlockMs;
    let position = 0;
    let waitingFor: WaitReason = 'wait-metadata';
    const waitingBefore = this.pending.size;
    if (waitingBefore === 0) {
      for (; position < records.length; position++) {
        const attempt = this.appendNow(topic, records[position]!, delivery, position, now);
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
      // While bufferMemory or maxBufferedRecords is full, records may wait, but only up to as many
      // bytes again, and only while fewer than a quarter as many records wait as maxBufferedRecords
      // allows held: beyond that a caller that does not await its sends would grow memory without
      // bound (a waiting record holds more than a batched one). The records of one call are
      // counted as one: a call that may wait waits whole, within the bytes, as the caller already
      // holds its records.
      if (this.pending.blockedOn?.reason === 'wait-memory') {
        const tooMuch =
          this.pending.bytes + record.keySize + record.valueSize > options.bufferMemory
            ? `bufferMemory (${options.bufferMemory} bytes) is full and as many bytes of records already wait for it`
            : waitingBefore >= waitingRecordsAllowed(options.maxBufferedRecords)
              ? `maxBufferedRecords (${options.maxBufferedRecords}) records are held and ${waitingRecordsAllowed(options.maxBufferedRecords)} more already wait`
              : undefined;
        if (tooMuch !== undefined) {
          metrics.recordBufferExhausted();
          delivery.recordFailed(position, new BufferExhaustedError(`${tooMuch}; the brokers are not keeping up: await send() or slow down`));
          continue;
        }
      }
      this.pending.add({ topic, record, delivery, position, deadline }, waitingFor);
    }
    this.requestMetadataForPending();
  }

  // One record of a single-record send() call. When it can be appended at once (the common case),
  // it joins its batch's shared delivery, which keeps less memory per unacknowledged record than a
  // promise of its own; otherwise it waits like any record, with a promise of its own. The record
  // is serialized into a reused object, copied only when it has to wait; a send() made from inside
  // a partitioner, while that object is in use, serializes into a new one.
  private appendOne(topic: string, message: Message, now: number, trace: SendTraceContext | undefined): Promise<RecordMetadata> {
    const reuse = !this.scratchInUse;
    let record = this.serialize(topic, message, now, trace, reuse ? this.scratchRecord : undefined, true);
    if (reuse) this.scratchInUse = true;
    try {
      if (this.pending.size === 0) {
        this.deps.start();
        const queue = this.router.route(topic, record);
        if (queue instanceof PartitionState) {
          const journal = this.deps.journal;
          const promise = journal === undefined ? this.deps.accumulator.appendSingle(queue, record, now) : this.appendSingleJournaled(journal, queue, record, now);
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
  private appendNow(topic: string, record: SerializedRecord, delivery: Delivery, position: number, now: number): AppendAttempt {
    const queue = this.router.route(topic, record);
    if (!(queue instanceof PartitionState)) return queue;
    if (this.deps.journal !== undefined) return this.appendJournaled(this.deps.journal, queue, record, delivery, position, now);
    if (!this.deps.accumulator.append(queue, record, delivery, position, now)) return 'wait-memory';
    this.afterAppend(queue, record, now);
    return 'appended';
  }

  // appendSingle() with the journal on, as appendJournaled: undefined when the record must wait
  // (or fail), which the way of records with a promise of their own then tells.
  private appendSingleJournaled(journal: ProducerJournal, queue: PartitionState, record: SerializedRecord, now: number): Promise<RecordMetadata> | undefined {
    const entry = journalEntry(queue, record);
    if (journal.room(entry) !== 'ok') return undefined;
    const promise = this.deps.accumulator.appendSingle(queue, record, now);
    if (promise === undefined) return undefined;
    // A journal that fails here stops the producer (ProducerJournal.onFailed), which fails this batch.
    try {
      this.deps.accumulator.lastBatch(queue)!.addJournalRecord(journal.append(entry));
    } catch {
      // The sender fails every batch with the journal's error.
    }
    return promise;
  }

  // With the journal on: the record goes into its batch and into the journal in the same step
  // (room in both checked first), and its batch keeps its entry number (invariant 10).
  private appendJournaled(journal: ProducerJournal, queue: PartitionState, record: SerializedRecord, delivery: Delivery, position: number, now: number): AppendAttempt {
    const entry = journalEntry(queue, record);
    const room = journal.room(entry);
    if (room !== 'ok') return room;
    const { accumulator } = this.deps;
    if (!accumulator.append(queue, record, delivery, position, now)) return 'wait-memory';
    // A journal that fails here stops the producer (ProducerJournal.onFailed), which fails this batch.
    let number: number;
    try {
      number = journal.append(entry);
    } catch {
      return 'appended';
    }
    accumulator.lastBatch(queue)!.addJournalRecord(number);
    delivery.recordJournaled?.(position, queue.topic, queue.partition, number);
    this.afterAppend(queue, record, now);
    return 'appended';
  }

  private afterAppend(queue: PartitionState, record: SerializedRecord, now: number): void {
    const size = record.keySize + record.valueSize + record.headersSize;
    if (record.key === null) this.deps.partitioner.onAppend(queue.topic, queue.partition, size);
    this.deps.metrics.recordAppend(size, now);
  }

  /** Appends what waits, for as long as it can be, and asks for the metadata the oldest waits for. */
  processPending(): void {
    this.pending.process();
    this.requestMetadataForPending();
  }

  /** Resolves once every record waiting now has left: appended to a batch, or failed. */
  awaitWaitingLeft(): Promise<void> {
    return this.pending.awaitWaitingLeft();
  }

  /** Rejects every waiting record with `error`. */
  failWaiting(error: KafkaError): void {
    this.pending.failAll(error);
  }

  // The oldest waiting record waits for its topic's metadata: ask for it, again after
  // retryBackoffMs while it keeps waiting.
  private requestMetadataForPending(): void {
    const blocked = this.pending.blockedOn;
    if (blocked?.reason !== 'wait-metadata' || this.metadataRefreshScheduled) return;
    const { cluster, options } = this.deps;
    const topics = [blocked.topic];
    this.metadataRefreshScheduled = true;
    cluster.addTopics(topics);
    cluster
      .refreshMetadata()
      .then(
        () => {
          this.router.metadataError = undefined;
        },
        (error: unknown) => this.onMetadataFailure(error),
      )
      .finally(() => {
        this.deps.clock.setTimer(() => {
          this.metadataRefreshScheduled = false;
          if (this.deps.isClosed()) return;
          this.processPending();
        }, cluster.metadata.topics.size > 0 && topics.every((topic) => cluster.metadata.topics.has(topic)) ? 0 : options.retryBackoffMs);
      });
  }

  // Metadata could not be fetched. Waiting records keep waiting (up to maxBlockMs) through
  // retriable trouble; an error retrying cannot fix (authentication refused, no common protocol
  // version) rejects them now, as it would every later attempt.
  private onMetadataFailure(error: unknown): void {
    this.deps.options.logger?.warn?.('metadata refresh failed', { error: String(error) });
    this.router.metadataError = error instanceof KafkaError ? error : new KafkaError('METADATA_FAILED', String(error), { cause: error });
    const permanent = permanentCause(error);
    if (permanent) this.pending.failAll(permanent);
  }
}

const first = (records: EnqueuedRecord[]): EnqueuedRecord => records[0]!;

// The journal's view of a record whose partition is chosen (the journal copies its bytes at once).
function journalEntry(queue: PartitionState, record: SerializedRecord): JournalRecordInput {
  return { topic: queue.topic, partition: queue.partition, timestamp: record.timestamp, key: record.key, value: record.value, headers: record.headers };
}

/** Records that may wait while maxBufferedRecords records are held: a quarter as many (at least 1). */
function waitingRecordsAllowed(maxBufferedRecords: number): number {
  return Math.max(1, Math.floor(maxBufferedRecords / 4));
}
