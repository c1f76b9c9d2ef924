// The producer's metrics under the names KIP-714 gives them, as the Java client derives them from
// its own metrics: `org.apache.kafka.` + the group without its `-metrics` suffix + the metric
// name, dashes turned into dots (`producer-metrics` / `record-queue-time-avg` becomes
// `org.apache.kafka.producer.record.queue.time.avg`; `producer-node-metrics` /
// `request-latency-avg` becomes `org.apache.kafka.producer.node.request.latency.avg`), tags as
// attributes with underscores (`node_id`, `topic`). Counters are monotonic Sums, the rest Gauges.
import { journalMetrics, type MetricKind, type MetricsSnapshot, nodeMetrics, producerMetrics, topicMetrics } from '../../metrics/metric-definitions.js';
import type { OtlpMetric, Temporality } from './otlp-metrics.js';

const PRODUCER = 'org.apache.kafka.producer.';
const TOPIC = 'org.apache.kafka.producer.topic.';
const NODE = 'org.apache.kafka.producer.node.';

/** What the producer measures now, read at each push. */
export interface MetricsReading {
  readonly snapshot: MetricsSnapshot;
}

/** The KIP-714 name of a producer-wide metric of the Java `producer-metrics` group. */
export function telemetryName(javaName: string, group: 'producer' | 'topic' | 'node' = 'producer'): string {
  const prefix = group === 'producer' ? PRODUCER : group === 'topic' ? TOPIC : NODE;
  return prefix + javaName.replaceAll('-', '.');
}

/**
 * Whether `name` is subscribed: the broker's requested metrics are name prefixes; none subscribes
 * to nothing, and a single empty string to everything (an empty prefix matches every name).
 */
export function isRequested(name: string, requested: readonly string[]): boolean {
  for (const prefix of requested) if (name.startsWith(prefix)) return true;
  return false;
}

interface Series {
  readonly name: string;
  readonly kind: MetricKind;
  readonly value: number;
  readonly attributes: Readonly<Record<string, string>>;
}

function series(reading: MetricsReading): Series[] {
  const out: Series[] = [];
  const { topics, nodes, journal, ...producerWide } = reading.snapshot;
  for (const [javaName, value] of Object.entries(producerWide)) {
    const definition = producerMetrics[javaName as keyof typeof producerMetrics];
    out.push({ name: telemetryName(javaName), kind: definition.kind, value, attributes: {} });
  }
  // The journal's, producer-wide (org.apache.kafka.producer.journal.pending.records).
  for (const [name, value] of Object.entries(journal ?? {})) {
    const definition = journalMetrics[name as keyof typeof journalMetrics];
    out.push({ name: telemetryName(name), kind: definition.kind, value, attributes: {} });
  }
  for (const [topic, metrics] of Object.entries(topics)) {
    for (const [javaName, value] of Object.entries(metrics)) {
      const definition = topicMetrics[javaName as keyof typeof topicMetrics];
      out.push({ name: telemetryName(javaName, 'topic'), kind: definition.kind, value, attributes: { topic } });
    }
  }
  for (const [nodeId, metrics] of Object.entries(nodes)) {
    for (const [javaName, value] of Object.entries(metrics)) {
      // The records per broker are this producer's own addition, not a metric of Java's node group.
      if (javaName.startsWith('record-send-')) continue;
      const definition = nodeMetrics[javaName as keyof typeof nodeMetrics];
      out.push({ name: telemetryName(javaName, 'node'), kind: definition.kind, value, attributes: { node_id: nodeId } });
    }
  }
  return out;
}

/**
 * Turns readings into the metrics of successive pushes: only the requested ones, values that are
 * not NaN (nothing measured: left out, as KIP-714 allows sparse metrics), counters as deltas since
 * the previous push or as totals since the start, as the subscription asks.
 */
export class TelemetryMetrics {
  private readonly startTimeNs: bigint;
  /** Counter values and times of the previous push, by series, for delta temporality. */
  private previous = new Map<string, { value: number; timeNs: bigint }>();

  constructor(startTimeNs: bigint) {
    this.startTimeNs = startTimeNs;
  }

  /**
   * The metrics to push at `timeNs`, from `reading`, and `accepted`, to call once the broker took
   * them: the next deltas then count from this push (a push that failed leaves them counting from
   * the last one that did not).
   */
  collect(
    reading: MetricsReading,
    requested: readonly string[],
    temporality: Temporality,
    timeNs: bigint,
  ): { readonly metrics: OtlpMetric[]; readonly accepted: () => void } {
    const metrics: OtlpMetric[] = [];
    const seen = new Map<string, { value: number; timeNs: bigint }>();
    for (const entry of series(reading)) {
      if (Number.isNaN(entry.value) || !isRequested(entry.name, requested)) continue;
      if (entry.kind === 'gauge') {
        metrics.push({ name: entry.name, kind: 'gauge', value: entry.value, attributes: entry.attributes, timeNs });
        continue;
      }
      const key = `${entry.name}\u0000${JSON.stringify(entry.attributes)}`;
      seen.set(key, { value: entry.value, timeNs });
      const before = temporality === 'delta' ? this.previous.get(key) : undefined;
      metrics.push({
        name: entry.name,
        kind: 'sum',
        temporality,
        value: before ? entry.value - before.value : entry.value,
        attributes: entry.attributes,
        startTimeNs: before?.timeNs ?? this.startTimeNs,
        timeNs,
      });
    }
    return {
      metrics,
      accepted: () => {
        this.previous = seen;
      },
    };
  }
}
