// The metrics a producer reports, declared once: Java client name, kind and meaning. The snapshot
// type, the Prometheus exposition and the documentation check all read these lists.

/** How a metric behaves: a counter only grows; a gauge is a current or windowed value. */
export type MetricKind = 'counter' | 'gauge';

export interface MetricDefinition {
  readonly kind: MetricKind;
  /** What the number means, with its unit. */
  readonly help: string;
}

// Windowed values (rates, averages, maxima) cover the retained samples: the last
// metricsNumSamples windows of metricsSampleWindowMs (Java's sampling).
const producerMetricDefinitions = {
  'record-send-rate': { kind: 'gauge', help: 'Records sent per second; a record counts each time a Produce request carries it, so a resent record counts again.' },
  'record-send-total': { kind: 'counter', help: 'Records sent; a record counts each time a Produce request carries it.' },
  'record-error-rate': { kind: 'gauge', help: 'Records failed per second (rejected by the broker, expired, or failed with their partition).' },
  'record-error-total': { kind: 'counter', help: 'Records failed.' },
  'record-retry-rate': { kind: 'gauge', help: 'Records put back to be resent, per second.' },
  'record-retry-total': { kind: 'counter', help: 'Records put back to be resent.' },
  'record-size-avg': { kind: 'gauge', help: 'Average size of a record appended, in bytes of key, value and headers.' },
  'record-size-max': { kind: 'gauge', help: 'Largest record appended, in bytes of key, value and headers.' },
  'batch-size-avg': { kind: 'gauge', help: 'Average size of a batch sent, in bytes as written (compressed).' },
  'batch-size-max': { kind: 'gauge', help: 'Largest batch sent, in bytes as written (compressed).' },
  'records-per-request-avg': { kind: 'gauge', help: 'Average number of records in a Produce request.' },
  'compression-rate-avg': { kind: 'gauge', help: 'Average ratio of compressed to uncompressed size of the batches sent (1 without compression).' },
  'record-queue-time-avg': { kind: 'gauge', help: 'Average time in ms from the creation of a batch to its first send.' },
  'record-queue-time-max': { kind: 'gauge', help: 'Longest time in ms from the creation of a batch to its first send.' },
  'request-latency-avg': { kind: 'gauge', help: 'Average time in ms from writing a Produce request to reading its response.' },
  'request-latency-max': { kind: 'gauge', help: 'Longest time in ms from writing a Produce request to reading its response.' },
  'request-rate': { kind: 'gauge', help: 'Produce requests sent per second.' },
  'request-total': { kind: 'counter', help: 'Produce requests sent.' },
  'produce-throttle-time-avg': { kind: 'gauge', help: 'Average throttle time in ms the brokers reported in Produce responses.' },
  'produce-throttle-time-max': { kind: 'gauge', help: 'Longest throttle time in ms the brokers reported in a Produce response.' },
  'outgoing-byte-rate': { kind: 'gauge', help: 'Bytes of Produce requests written to brokers per second.' },
  'outgoing-byte-total': { kind: 'counter', help: 'Bytes of Produce requests written to brokers.' },
  'buffer-total-bytes': { kind: 'gauge', help: 'The bufferMemory option: bytes records may hold while not yet acknowledged.' },
  'buffer-available-bytes': { kind: 'gauge', help: 'Bytes of bufferMemory not held by records now.' },
  'buffer-exhausted-rate': { kind: 'gauge', help: 'Records rejected per second because bufferMemory stayed full (BufferExhaustedError).' },
  'buffer-exhausted-total': { kind: 'counter', help: 'Records rejected because bufferMemory stayed full (BufferExhaustedError).' },
  'bufferpool-wait-ratio': { kind: 'gauge', help: 'Fraction of the time (0 to 1) records waited for bufferMemory.' },
  'connection-count': { kind: 'gauge', help: 'Open connections to brokers.' },
  'connection-creation-rate': { kind: 'gauge', help: 'Connections to brokers opened per second.' },
  'connection-creation-total': { kind: 'counter', help: 'Connections to brokers opened.' },
} as const satisfies Record<string, MetricDefinition>;

// Java's producer-topic-metrics group: the same meanings, for the batches of one topic.
const topicMetricDefinitions = {
  'record-send-rate': { kind: 'gauge', help: 'Records of the topic sent per second (each send of a record counts).' },
  'record-send-total': { kind: 'counter', help: 'Records of the topic sent (each send of a record counts).' },
  'record-error-rate': { kind: 'gauge', help: 'Records of the topic failed per second.' },
  'record-error-total': { kind: 'counter', help: 'Records of the topic failed.' },
  'record-retry-rate': { kind: 'gauge', help: 'Records of the topic put back to be resent, per second.' },
  'record-retry-total': { kind: 'counter', help: 'Records of the topic put back to be resent.' },
  'byte-rate': { kind: 'gauge', help: 'Bytes of the batches of the topic sent per second (as written, compressed).' },
  'byte-total': { kind: 'counter', help: 'Bytes of the batches of the topic sent (as written, compressed).' },
  'compression-rate': { kind: 'gauge', help: 'Average ratio of compressed to uncompressed size of the batches of the topic sent.' },
} as const satisfies Record<string, MetricDefinition>;

// Java's producer-node-metrics group (the requests to one broker), plus the records they carried:
// the share of each broker, which adaptive partitioning shifts away from slow ones.
const nodeMetricDefinitions = {
  'request-rate': { kind: 'gauge', help: 'Produce requests sent to the broker per second.' },
  'request-total': { kind: 'counter', help: 'Produce requests sent to the broker.' },
  'request-latency-avg': { kind: 'gauge', help: 'Average time in ms from writing a Produce request to the broker to reading its response.' },
  'request-latency-max': { kind: 'gauge', help: 'Longest time in ms from writing a Produce request to the broker to reading its response.' },
  'outgoing-byte-rate': { kind: 'gauge', help: 'Bytes of Produce requests written to the broker per second.' },
  'outgoing-byte-total': { kind: 'counter', help: 'Bytes of Produce requests written to the broker.' },
  'record-send-rate': { kind: 'gauge', help: 'Records sent to the broker per second (each send of a record counts).' },
  'record-send-total': { kind: 'counter', help: 'Records sent to the broker (each send of a record counts).' },
} as const satisfies Record<string, MetricDefinition>;

// The journal's (the journal option; no Java counterpart): what became of journaled records and
// what the journal's files hold.
const journalMetricDefinitions = {
  'journal-record-failed-total': { kind: 'counter', help: "Journaled records failed for good (a refusal retrying cannot change, or older than journal.maxAgeMs), reported by the 'journal' event delivery-failed." },
  'journal-record-possible-duplicate-total': {
    kind: 'counter',
    help: "Records recovered after a restart and resent under a new producer id or epoch, which the broker cannot match against a copy (the 'journal' event possible-duplicates).",
  },
  'journal-recovered-batch-total': { kind: 'counter', help: 'Batches rebuilt from the journal when it opened (sent by an earlier process without a durable acknowledgement).' },
  'journal-recovered-record-total': { kind: 'counter', help: 'Records put back from the journal when it opened.' },
  'journal-pending-records': { kind: 'gauge', help: 'Records journaled and not yet acknowledged or failed for good.' },
  'journal-used-bytes': { kind: 'gauge', help: "Bytes of the journal's files, entries not yet written included." },
  'journal-max-bytes': { kind: 'gauge', help: 'The journal.maxBytes option: bytes the journal files may hold for records.' },
  'journal-segments': { kind: 'gauge', help: "The journal's segment files." },
} as const satisfies Record<string, MetricDefinition>;

/** A producer-wide metric (Java's `producer-metrics` group). */
export type ProducerMetricName = keyof typeof producerMetricDefinitions;
/** A metric of one topic (Java's `producer-topic-metrics` group). */
export type TopicMetricName = keyof typeof topicMetricDefinitions;
/** A metric of the requests to one broker (Java's `producer-node-metrics` group, plus record counts). */
export type NodeMetricName = keyof typeof nodeMetricDefinitions;
/** A metric of the producer's journal (with the `journal` option). */
export type JournalMetricName = keyof typeof journalMetricDefinitions;

export const producerMetrics: Readonly<Record<ProducerMetricName, MetricDefinition>> = producerMetricDefinitions;
export const topicMetrics: Readonly<Record<TopicMetricName, MetricDefinition>> = topicMetricDefinitions;
export const nodeMetrics: Readonly<Record<NodeMetricName, MetricDefinition>> = nodeMetricDefinitions;
export const journalMetrics: Readonly<Record<JournalMetricName, MetricDefinition>> = journalMetricDefinitions;

/** The metrics of one topic, by Java name. */
export type TopicMetricsSnapshot = { readonly [Name in TopicMetricName]: number };

/** The metrics of the Produce requests to one broker, by Java name. */
export type NodeMetricsSnapshot = { readonly [Name in NodeMetricName]: number };

/** The metrics of the producer's journal, by name. */
export type JournalMetricsSnapshot = { readonly [Name in JournalMetricName]: number };

/**
 * A snapshot of a producer's metrics: producer-wide values by Java name, and under `topics` the
 * values of each topic the producer has sent to, and under `nodes` those of each broker (by broker
 * id) it has sent Produce requests to, and under `journal` (with the journal option) the journal's.
 * Rates are per second; averages, maxima and rates
 * cover the retained sample windows (`metricsSampleWindowMs` x `metricsNumSamples`); an average or
 * maximum with nothing recorded in them is NaN, as in the Java client; totals count from the start.
 */
export type MetricsSnapshot = { readonly [Name in ProducerMetricName]: number } & {
  readonly topics: { readonly [topic: string]: TopicMetricsSnapshot };
  readonly nodes: { readonly [brokerId: string]: NodeMetricsSnapshot };
  /** With the `journal` option: what became of journaled records and what the files hold. */
  readonly journal?: JournalMetricsSnapshot;
};
