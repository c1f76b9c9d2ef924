// Metrics snapshots in the Prometheus text exposition format (version 0.0.4): one family per
// metric, HELP and TYPE once each, a sample per producer (label client_id) and, for the topic
// metrics, per topic (labels client_id and topic), for the node metrics per broker (labels
// client_id and node_id). Java names become Prometheus names by prefix and underscores:
// record-send-total is kafka_producer_record_send_total, a counter; the topic group's is
// kafka_producer_topic_record_send_total, the node group's kafka_producer_node_record_send_total,
// the journal's kafka_producer_journal_pending_records (only for producers with a journal). Rates,
// averages and maxima are gauges.
import { journalMetrics, type MetricDefinition, type MetricsSnapshot, nodeMetrics, producerMetrics, topicMetrics } from './metric-definitions.js';

/** The Content-Type of the exposition, for an HTTP response. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export interface PrometheusOptions {
  /** Prefix of every metric name. Default 'kafka_producer'. */
  readonly prefix?: string;
}

/** The metrics of one producer, named by its client id. */
export interface PrometheusSource {
  readonly clientId: string;
  readonly metrics: MetricsSnapshot;
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

/**
 * The exposition of the metrics of one or several producers (one text, so that each family's HELP
 * and TYPE appear once). Give each producer its own `clientId`: two sources with the same one would
 * produce duplicate samples.
 */
export function toPrometheus(sources: PrometheusSource | readonly PrometheusSource[], options: PrometheusOptions = {}): string {
  const prefix = options.prefix ?? 'kafka_producer';
  if (!METRIC_NAME.test(prefix)) throw new TypeError(`toPrometheus: prefix ${JSON.stringify(prefix)} is not a valid Prometheus metric name`);
  const list: readonly PrometheusSource[] = Array.isArray(sources) ? sources : [sources as PrometheusSource];
  const lines: string[] = [];
  for (const [name, definition] of Object.entries(producerMetrics) as [keyof typeof producerMetrics, MetricDefinition][]) {
    family(lines, `${prefix}_${underscored(name)}`, definition);
    for (const source of list) lines.push(sample(`${prefix}_${underscored(name)}`, { client_id: source.clientId }, source.metrics[name]));
  }
  for (const [name, definition] of Object.entries(topicMetrics) as [keyof typeof topicMetrics, MetricDefinition][]) {
    const metric = `${prefix}_topic_${underscored(name)}`;
    family(lines, metric, definition);
    for (const source of list) {
      for (const [topic, values] of Object.entries(source.metrics.topics)) {
        lines.push(sample(metric, { client_id: source.clientId, topic }, values[name]));
      }
    }
  }
  for (const [name, definition] of Object.entries(nodeMetrics) as [keyof typeof nodeMetrics, MetricDefinition][]) {
    const metric = `${prefix}_node_${underscored(name)}`;
    family(lines, metric, definition);
    for (const source of list) {
      for (const [nodeId, values] of Object.entries(source.metrics.nodes)) {
        lines.push(sample(metric, { client_id: source.clientId, node_id: nodeId }, values[name]));
      }
    }
  }
  // The journal's families, for the producers that have one (kafka_producer_journal_pending_records).
  const journaled = list.filter((source) => source.metrics.journal !== undefined);
  if (journaled.length > 0) {
    for (const [name, definition] of Object.entries(journalMetrics) as [keyof typeof journalMetrics, MetricDefinition][]) {
      family(lines, `${prefix}_${underscored(name)}`, definition);
      for (const source of journaled) lines.push(sample(`${prefix}_${underscored(name)}`, { client_id: source.clientId }, source.metrics.journal![name]));
    }
  }
  return `${lines.join('\n')}\n`;
}

function family(lines: string[], metric: string, definition: MetricDefinition): void {
  lines.push(`# HELP ${metric} ${definition.help.replaceAll('\\', '\\\\').replaceAll('\n', '\\n')}`);
  lines.push(`# TYPE ${metric} ${definition.kind}`);
}

function sample(metric: string, labels: Readonly<Record<string, string>>, value: number): string {
  const pairs = Object.entries(labels).map(([label, text]) => `${label}="${escapeLabel(text)}"`);
  return `${metric}{${pairs.join(',')}} ${formatValue(value)}`;
}

function escapeLabel(text: string): string {
  return text.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n');
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(value);
}

function underscored(name: string): string {
  return name.replaceAll('-', '_');
}
