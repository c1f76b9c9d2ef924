// What the producer measures, under the Java client's metric names and meanings (see
// metric-definitions.ts), sampled over time windows as Java does (sampled-stat.ts); and the
// events it publishes for tracing (tracing.ts). The producer and its sender call in at the
// moments Java records the same values: records appended, batches drained into a request, the
// response, retries and failures.

import type { MetricsSnapshot, NodeMetricsSnapshot, TopicMetricsSnapshot } from './metric-definitions.js';
import { Meter, SampledStat, type SampleWindows } from './sampled-stat.js';
import { batchChannel, isTraced, type RequestTraceContext, requestTracing } from './tracing.js';

/** What the metrics read of a batch. */
export interface MeasuredBatch {
  readonly recordCount: number;
  /** Size as built, or as sent once sealed (compressed). */
  readonly sizeInBytes: number;
  /** Size before compression, once sealed (0 before). */
  readonly uncompressedBytes: number;
  readonly createdAt: number;
  /** Sends so far, this one included. */
  readonly attempts: number;
  readonly topicPartition: { readonly topic: string; readonly partition: number };
}

export interface ProducerMetricsOptions {
  readonly clientId: string;
  readonly windows: SampleWindows;
  /** Time source in ms; Date.now unless a test steps time by hand. */
  readonly now?: () => number;
}

/** The gauges read from the producer when a snapshot is taken. */
export interface ProducerGauges {
  readonly bufferedBytes: number;
  readonly bufferTotalBytes: number;
  readonly connectionCount: number;
}

/** A Produce request on its way, from its send to its response. */
export interface SentRequest {
  readonly sentAt: number;
  /** The stats of the broker it went to. */
  readonly node: NodeStats;
  /** The trace of the request, when `kafka-producer:request` had subscribers as it was sent. */
  readonly trace: RequestTraceContext | undefined;
}

class TopicStats {
  readonly sends: Meter;
  readonly errors: Meter;
  readonly retries: Meter;
  readonly bytes: Meter;
  readonly compression: SampledStat;

  constructor(windows: SampleWindows) {
    this.sends = new Meter(windows);
    this.errors = new Meter(windows);
    this.retries = new Meter(windows);
    this.bytes = new Meter(windows);
    this.compression = new SampledStat(windows);
  }
}

class NodeStats {
  readonly requests: Meter;
  readonly bytes: Meter;
  readonly sends: Meter;
  readonly latency: SampledStat;

  constructor(windows: SampleWindows) {
    this.requests = new Meter(windows);
    this.bytes = new Meter(windows);
    this.sends = new Meter(windows);
    this.latency = new SampledStat(windows);
  }
}

export class ProducerMetrics {
  private readonly clientId: string;
  private readonly windows: SampleWindows;
  private readonly now: () => number;
  private readonly sends: Meter;
  private readonly errors: Meter;
  private readonly retries: Meter;
  private readonly requests: Meter;
  private readonly outgoingBytes: Meter;
  private readonly bufferExhausted: Meter;
  private readonly recordSize: SampledStat;
  private readonly batchSize: SampledStat;
  private readonly recordsPerRequest: SampledStat;
  private readonly compression: SampledStat;
  private readonly queueTime: SampledStat;
  private readonly latency: SampledStat;
  private readonly throttle: SampledStat;
  /** Milliseconds records spent waiting for bufferMemory, recorded as the wait goes on. */
  private readonly bufferWait: SampledStat;
  /** While records wait for bufferMemory: the time up to which the wait has been recorded. */
  private bufferWaitRecordedTo: number | undefined;
  private readonly topics = new Map<string, TopicStats>();
  private readonly nodes = new Map<number, NodeStats>();
  private readonly connectionCreations: Meter;

  constructor(options: ProducerMetricsOptions) {
    this.clientId = options.clientId;
    this.windows = options.windows;
    this.now = options.now ?? Date.now;
    const windows = options.windows;
    this.sends = new Meter(windows);
    this.errors = new Meter(windows);
    this.retries = new Meter(windows);
    this.requests = new Meter(windows);
    this.outgoingBytes = new Meter(windows);
    this.bufferExhausted = new Meter(windows);
    this.recordSize = new SampledStat(windows);
    this.batchSize = new SampledStat(windows);
    this.recordsPerRequest = new SampledStat(windows);
    this.compression = new SampledStat(windows);
    this.queueTime = new SampledStat(windows);
    this.latency = new SampledStat(windows);
    this.throttle = new SampledStat(windows);
    this.bufferWait = new SampledStat(windows);
    this.connectionCreations = new Meter(windows);
  }

  /** A connection to a broker (or bootstrap server) opened. */
  connectionCreated(): void {
    this.connectionCreations.record(1, this.now());
  }

  /** A record of `bytes` (key, value and headers) was appended at `now`, the producer's time of the send() call. */
  recordAppend(bytes: number, now: number): void {
    this.recordSize.record(bytes, now);
  }

  /**
   * A Produce request carrying `batches` (sealed, their attempt counted) was written to broker
   * `brokerId` in `bytes`. Returns what {@link requestDone} needs when its outcome comes.
   */
  requestSent(brokerId: number, apiVersion: number, batches: readonly MeasuredBatch[], bytes: number): SentRequest {
    const now = this.now();
    let records = 0;
    for (const batch of batches) {
      const size = batch.sizeInBytes;
      const ratio = batch.uncompressedBytes > 0 ? size / batch.uncompressedBytes : 1;
      records += batch.recordCount;
      this.sends.record(batch.recordCount, now);
      this.batchSize.record(size, now);
      this.compression.record(ratio, now);
      if (batch.attempts === 1) this.queueTime.record(Math.max(0, now - batch.createdAt), now);
      const topic = this.topic(batch.topicPartition.topic);
      topic.sends.record(batch.recordCount, now);
      topic.bytes.record(size, now);
      topic.compression.record(ratio, now);
    }
    this.requests.record(1, now);
    this.recordsPerRequest.record(records, now);
    this.outgoingBytes.record(bytes, now);
    let node = this.nodes.get(brokerId);
    if (!node) this.nodes.set(brokerId, (node = new NodeStats(this.windows)));
    node.requests.record(1, now);
    node.bytes.record(bytes, now);
    node.sends.record(records, now);
    let trace: RequestTraceContext | undefined;
    if (isTraced(requestTracing)) {
      trace = {
        clientId: this.clientId,
        brokerId,
        apiVersion,
        partitionCount: batches.length,
        recordCount: records,
        bytes,
        durationMs: undefined,
        throttleTimeMs: undefined,
      };
      requestTracing.start.publish(trace);
      requestTracing.end.publish(trace);
    }
    return { sentAt: now, node, trace };
  }

  /**
   * The outcome of a Produce request: its response (`throttleTimeMs` undefined when acks 0 asks
   * for none), or `error` when none came.
   */
  requestDone(request: SentRequest, throttleTimeMs: number | undefined, error?: unknown): void {
    const now = this.now();
    const durationMs = Math.max(0, now - request.sentAt);
    if (error === undefined && throttleTimeMs !== undefined) {
      this.latency.record(durationMs, now);
      request.node.latency.record(durationMs, now);
      this.throttle.record(throttleTimeMs, now);
    }
    const trace = request.trace;
    if (trace) {
      trace.durationMs = durationMs;
      trace.throttleTimeMs = throttleTimeMs;
      if (error !== undefined) {
        trace.error = error;
        requestTracing.error.publish(trace);
      }
      requestTracing.asyncStart.publish(trace);
      requestTracing.asyncEnd.publish(trace);
    }
  }

  /** A batch is put back in its queue to be resent. */
  recordRetry(batch: MeasuredBatch): void {
    const now = this.now();
    this.retries.record(batch.recordCount, now);
    this.topic(batch.topicPartition.topic).retries.record(batch.recordCount, now);
  }

  /** A batch settled: acknowledged, or its records failed. */
  recordBatchDone(batch: MeasuredBatch, succeeded: boolean): void {
    if (!succeeded) {
      const now = this.now();
      this.errors.record(batch.recordCount, now);
      this.topic(batch.topicPartition.topic).errors.record(batch.recordCount, now);
    }
    if (batchChannel.hasSubscribers) {
      const { topic, partition } = batch.topicPartition;
      batchChannel.publish({
        clientId: this.clientId,
        topic,
        partition,
        records: batch.recordCount,
        bytes: batch.sizeInBytes,
        attempts: batch.attempts,
        succeeded,
      });
    }
  }

  /** `count` records were rejected because bufferMemory stayed full. */
  recordBufferExhausted(count = 1): void {
    this.bufferExhausted.record(count, this.now());
  }

  /** Records start (`true`) or stop waiting for bufferMemory. */
  bufferWaitChanged(waiting: boolean): void {
    const now = this.now();
    if (waiting) {
      this.bufferWaitRecordedTo ??= now;
      return;
    }
    this.recordBufferWaitUntil(now);
    this.bufferWaitRecordedTo = undefined;
  }

  // A wait is recorded piece by piece (at its end, and at each snapshot while it lasts), so that a
  // long wait shows in the windows it spans rather than all at once at its end.
  private recordBufferWaitUntil(now: number): void {
    const from = this.bufferWaitRecordedTo;
    if (from === undefined) return;
    this.bufferWait.record(Math.max(0, now - from), now);
    this.bufferWaitRecordedTo = now;
  }

  private topic(name: string): TopicStats {
    let stats = this.topics.get(name);
    if (!stats) this.topics.set(name, (stats = new TopicStats(this.windows)));
    return stats;
  }

  /** Every metric now, by Java name. */
  snapshot(gauges: ProducerGauges): MetricsSnapshot {
    const now = this.now();
    this.recordBufferWaitUntil(now);
    const recordSize = this.recordSize.values(now);
    const batchSize = this.batchSize.values(now);
    const queueTime = this.queueTime.values(now);
    const latency = this.latency.values(now);
    const throttle = this.throttle.values(now);
    const topics: Record<string, TopicMetricsSnapshot> = {};
    for (const [name, stats] of this.topics) {
      topics[name] = {
        'record-send-rate': stats.sends.rate(now),
        'record-send-total': stats.sends.total,
        'record-error-rate': stats.errors.rate(now),
        'record-error-total': stats.errors.total,
        'record-retry-rate': stats.retries.rate(now),
        'record-retry-total': stats.retries.total,
        'byte-rate': stats.bytes.rate(now),
        'byte-total': stats.bytes.total,
        'compression-rate': stats.compression.avg(now),
      };
    }
    const nodes: Record<string, NodeMetricsSnapshot> = {};
    for (const [brokerId, stats] of this.nodes) {
      const nodeLatency = stats.latency.values(now);
      nodes[String(brokerId)] = {
        'request-rate': stats.requests.rate(now),
        'request-total': stats.requests.total,
        'request-latency-avg': average(nodeLatency),
        'request-latency-max': nodeLatency.max,
        'outgoing-byte-rate': stats.bytes.rate(now),
        'outgoing-byte-total': stats.bytes.total,
        'record-send-rate': stats.sends.rate(now),
        'record-send-total': stats.sends.total,
      };
    }
    return {
      'record-send-rate': this.sends.rate(now),
      'record-send-total': this.sends.total,
      'record-error-rate': this.errors.rate(now),
      'record-error-total': this.errors.total,
      'record-retry-rate': this.retries.rate(now),
      'record-retry-total': this.retries.total,
      'record-size-avg': average(recordSize),
      'record-size-max': recordSize.max,
      'batch-size-avg': average(batchSize),
      'batch-size-max': batchSize.max,
      'records-per-request-avg': this.recordsPerRequest.avg(now),
      'compression-rate-avg': this.compression.avg(now),
      'record-queue-time-avg': average(queueTime),
      'record-queue-time-max': queueTime.max,
      'request-latency-avg': average(latency),
      'request-latency-max': latency.max,
      'request-rate': this.requests.rate(now),
      'request-total': this.requests.total,
      'produce-throttle-time-avg': average(throttle),
      'produce-throttle-time-max': throttle.max,
      'outgoing-byte-rate': this.outgoingBytes.rate(now),
      'outgoing-byte-total': this.outgoingBytes.total,
      'buffer-total-bytes': gauges.bufferTotalBytes,
      'buffer-available-bytes': Math.max(0, gauges.bufferTotalBytes - gauges.bufferedBytes),
      'buffer-exhausted-rate': this.bufferExhausted.rate(now),
      'buffer-exhausted-total': this.bufferExhausted.total,
      'bufferpool-wait-ratio': Math.min(1, (this.bufferWait.values(now).sum / this.bufferWait.spanMs(now))),
      'connection-count': gauges.connectionCount,
      'connection-creation-rate': this.connectionCreations.rate(now),
      'connection-creation-total': this.connectionCreations.total,
      topics,
      nodes,
    };
  }
}

// The average of values whose maximum is `values.max`, never above it (see SampledStat.avg).
function average(values: { readonly count: number; readonly sum: number; readonly max: number }): number {
  return values.count === 0 ? Number.NaN : Math.min(values.sum / values.count, values.max);
}
