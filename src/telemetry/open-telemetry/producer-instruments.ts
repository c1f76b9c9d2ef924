// The producer's metrics (docs/metrics.md) as OpenTelemetry observable instruments: one batch
// callback reads one producer.metrics() snapshot per collection and reports every instrument from
// it, so the values of one collection are consistent with each other. Names follow OpenTelemetry's
// conventions: the records sent per topic are the messaging semantic conventions'
// messaging.client.sent.messages; the other Kafka metrics go under `kafka.producer.`, totals as
// counters without the `-total` suffix, averages and maxima as gauges, durations in seconds.
// The rates are left out: a backend derives them from the counters.
import type { MetricsSnapshot, ProducerMetricName, TopicMetricName } from '../../metrics/metric-definitions.js';
import { producerMetrics, topicMetrics } from '../../metrics/metric-definitions.js';
import type { OpenTelemetryAttributes, OpenTelemetryBatchObservableResult, OpenTelemetryMeter, OpenTelemetryObservable } from './open-telemetry-types.js';

/** How one producer metric is reported. */
export interface InstrumentMapping<Name extends string> {
  /** The Java name in producer.metrics(). */
  readonly metric: Name;
  /** The OpenTelemetry instrument name. */
  readonly instrument: string;
  readonly kind: 'counter' | 'gauge';
  /** UCUM unit, as OpenTelemetry writes them. */
  readonly unit: string;
  /** The snapshot's value times this (1/1000 for milliseconds to seconds). */
  readonly scale: number;
}

const MS = 1 / 1000;

function counter<Name extends string>(metric: Name, instrument: string, unit: string): InstrumentMapping<Name> {
  return { metric, instrument, kind: 'counter', unit, scale: 1 };
}

function gauge<Name extends string>(metric: Name, instrument: string, unit: string, scale = 1): InstrumentMapping<Name> {
  return { metric, instrument, kind: 'gauge', unit, scale };
}

/** Producer-wide metrics, attributes messaging.system and messaging.client.id. */
export const producerInstruments: readonly InstrumentMapping<ProducerMetricName>[] = [
  counter('record-send-total', 'kafka.producer.records.sent', '{record}'),
  counter('record-error-total', 'kafka.producer.records.failed', '{record}'),
  counter('record-retry-total', 'kafka.producer.records.retried', '{record}'),
  counter('request-total', 'kafka.producer.requests', '{request}'),
  counter('outgoing-byte-total', 'kafka.producer.bytes.sent', 'By'),
  counter('buffer-exhausted-total', 'kafka.producer.buffer.exhausted', '{record}'),
  gauge('record-size-avg', 'kafka.producer.record.size.avg', 'By'),
  gauge('record-size-max', 'kafka.producer.record.size.max', 'By'),
  gauge('batch-size-avg', 'kafka.producer.batch.size.avg', 'By'),
  gauge('batch-size-max', 'kafka.producer.batch.size.max', 'By'),
  gauge('records-per-request-avg', 'kafka.producer.request.records.avg', '{record}'),
  gauge('compression-rate-avg', 'kafka.producer.compression.ratio', '1'),
  gauge('record-queue-time-avg', 'kafka.producer.record.queue_time.avg', 's', MS),
  gauge('record-queue-time-max', 'kafka.producer.record.queue_time.max', 's', MS),
  gauge('request-latency-avg', 'kafka.producer.request.latency.avg', 's', MS),
  gauge('request-latency-max', 'kafka.producer.request.latency.max', 's', MS),
  gauge('produce-throttle-time-avg', 'kafka.producer.request.throttle_time.avg', 's', MS),
  gauge('produce-throttle-time-max', 'kafka.producer.request.throttle_time.max', 's', MS),
  gauge('buffer-total-bytes', 'kafka.producer.buffer.limit', 'By'),
  gauge('buffer-available-bytes', 'kafka.producer.buffer.available', 'By'),
  gauge('bufferpool-wait-ratio', 'kafka.producer.buffer.wait_ratio', '1'),
  gauge('connection-count', 'kafka.producer.connections', '{connection}'),
  counter('connection-creation-total', 'kafka.producer.connections.created', '{connection}'),
];

/** Per-topic metrics, attributes messaging.destination.name (the topic) besides the producer's. */
export const topicInstruments: readonly InstrumentMapping<TopicMetricName>[] = [
  counter('record-send-total', 'messaging.client.sent.messages', '{message}'),
  counter('record-error-total', 'kafka.producer.topic.records.failed', '{record}'),
  counter('record-retry-total', 'kafka.producer.topic.records.retried', '{record}'),
  counter('byte-total', 'kafka.producer.topic.bytes.sent', 'By'),
  gauge('compression-rate', 'kafka.producer.topic.compression.ratio', '1'),
];

export interface ProducerInstrumentsOptions {
  readonly meter: OpenTelemetryMeter;
  readonly clientId: string;
  /** producer.metrics(), read once per collection. */
  readonly snapshot: () => MetricsSnapshot;
}

/** The instruments of one producer, reporting until {@link ProducerInstruments.close}. */
export class ProducerInstruments {
  private readonly meter: OpenTelemetryMeter;
  private readonly observables: OpenTelemetryObservable[] = [];
  private readonly callback: (result: OpenTelemetryBatchObservableResult) => void;
  private closed = false;

  constructor(options: ProducerInstrumentsOptions) {
    const meter = options.meter;
    this.meter = meter;
    const producerWide = producerInstruments.map((mapping) => ({ mapping, observable: create(meter, mapping, producerMetrics[mapping.metric].help) }));
    const perTopic = topicInstruments.map((mapping) => ({ mapping, observable: create(meter, mapping, topicMetrics[mapping.metric].help) }));
    for (const { observable } of [...producerWide, ...perTopic]) this.observables.push(observable);
    const base: OpenTelemetryAttributes = { 'messaging.system': 'kafka', 'messaging.client.id': options.clientId };
    this.callback = (result) => {
      const snapshot = options.snapshot();
      for (const { mapping, observable } of producerWide) observe(result, observable, snapshot[mapping.metric], mapping.scale, base);
      for (const [topic, values] of Object.entries(snapshot.topics)) {
        const attributes: OpenTelemetryAttributes = { ...base, 'messaging.destination.name': topic };
        for (const { mapping, observable } of perTopic) {
          const withOperation = mapping.instrument.startsWith('messaging.') ? { ...attributes, 'messaging.operation.name': 'send' } : attributes;
          observe(result, observable, values[mapping.metric], mapping.scale, withOperation);
        }
      }
    };
    meter.addBatchObservableCallback(this.callback, this.observables);
  }

  /** Stops reporting (the producer closed). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.meter.removeBatchObservableCallback(this.callback, this.observables);
  }
}

function create(meter: OpenTelemetryMeter, mapping: InstrumentMapping<string>, help: string): OpenTelemetryObservable {
  // The metric's own description, its unit told in the instrument's (seconds where it says ms).
  const description = mapping.scale === MS ? help.replaceAll(' in ms', '').replaceAll(' ms', '') : help;
  const options = { description, unit: mapping.unit };
  return mapping.kind === 'counter' ? meter.createObservableCounter(mapping.instrument, options) : meter.createObservableGauge(mapping.instrument, options);
}

// An average or maximum with nothing in its windows is NaN in the snapshot: no value is reported.
function observe(result: OpenTelemetryBatchObservableResult, observable: OpenTelemetryObservable, value: number, scale: number, attributes: OpenTelemetryAttributes): void {
  if (Number.isNaN(value)) return;
  result.observe(observable, value * scale, attributes);
}
