// Encodes metrics as an OpenTelemetry `MetricsData` message (opentelemetry-proto, metrics v1), the
// payload format of KIP-714's PushTelemetry: one ResourceMetrics (the client's attributes), one
// ScopeMetrics, and one Metric per series, each a Gauge or a Sum of one NumberDataPoint with a
// double value. Field numbers are those of the .proto files.
import { ProtobufWriter } from './protobuf-writer.js';

/** How a Sum's values relate to each other (OTLP's AggregationTemporality). */
export type Temporality = 'delta' | 'cumulative';

/** One value of one metric series, ready to encode. */
export interface OtlpMetric {
  /** Dotted metric name, e.g. `org.apache.kafka.producer.record.queue.time.avg`. */
  readonly name: string;
  /** `gauge`: a value now; `sum`: a monotonic counter, in `temporality`. */
  readonly kind: 'gauge' | 'sum';
  readonly value: number;
  /** For sums: whether the value counts since `startTimeNs` only (delta) or since the start (cumulative). */
  readonly temporality?: Temporality;
  readonly attributes?: Readonly<Record<string, string>>;
  /** Start of the period a sum covers, Unix nanoseconds (0 for gauges). */
  readonly startTimeNs?: bigint;
  /** When the value was taken, Unix nanoseconds. */
  readonly timeNs: bigint;
}

/** The metrics of one client, with the attributes of the resource (the client) they describe. */
export interface OtlpPayload {
  readonly resourceAttributes: Readonly<Record<string, string>>;
  /** The instrumentation scope's name. */
  readonly scopeName: string;
  readonly metrics: readonly OtlpMetric[];
}

// Field numbers, from opentelemetry/proto/metrics/v1/metrics.proto, common/v1/common.proto and
// resource/v1/resource.proto.
const MetricsData = { resourceMetrics: 1 } as const;
const ResourceMetrics = { resource: 1, scopeMetrics: 2 } as const;
const Resource = { attributes: 1 } as const;
const ScopeMetrics = { scope: 1, metrics: 2 } as const;
const InstrumentationScope = { name: 1 } as const;
const Metric = { name: 1, gauge: 5, sum: 7 } as const;
const Gauge = { dataPoints: 1 } as const;
const Sum = { dataPoints: 1, aggregationTemporality: 2, isMonotonic: 3 } as const;
const NumberDataPoint = { startTimeUnixNano: 2, timeUnixNano: 3, asDouble: 4, attributes: 7 } as const;
const KeyValue = { key: 1, value: 2 } as const;
const AnyValue = { stringValue: 1 } as const;
/** AggregationTemporality enum values. */
export const AGGREGATION_TEMPORALITY = { delta: 1, cumulative: 2 } as const;

/** The serialized `MetricsData` message of `payload`. */
export function encodeMetricsData(payload: OtlpPayload): Buffer {
  const resource = new ProtobufWriter();
  writeAttributes(resource, Resource.attributes, payload.resourceAttributes);
  const scope = new ProtobufWriter().string(InstrumentationScope.name, payload.scopeName);
  const scopeMetrics = new ProtobufWriter().message(ScopeMetrics.scope, scope);
  for (const metric of payload.metrics) scopeMetrics.message(ScopeMetrics.metrics, encodeMetric(metric));
  const resourceMetrics = new ProtobufWriter().message(ResourceMetrics.resource, resource).message(ResourceMetrics.scopeMetrics, scopeMetrics);
  return new ProtobufWriter().message(MetricsData.resourceMetrics, resourceMetrics).finish();
}

function encodeMetric(metric: OtlpMetric): ProtobufWriter {
  const point = new ProtobufWriter();
  if (metric.kind === 'sum') point.fixed64(NumberDataPoint.startTimeUnixNano, metric.startTimeNs ?? 0n);
  point.fixed64(NumberDataPoint.timeUnixNano, metric.timeNs).double(NumberDataPoint.asDouble, metric.value);
  writeAttributes(point, NumberDataPoint.attributes, metric.attributes ?? {});
  const out = new ProtobufWriter().string(Metric.name, metric.name);
  if (metric.kind === 'gauge') return out.message(Metric.gauge, new ProtobufWriter().message(Gauge.dataPoints, point));
  const sum = new ProtobufWriter()
    .message(Sum.dataPoints, point)
    .uint(Sum.aggregationTemporality, AGGREGATION_TEMPORALITY[metric.temporality ?? 'cumulative'])
    .bool(Sum.isMonotonic, true);
  return out.message(Metric.sum, sum);
}

function writeAttributes(writer: ProtobufWriter, field: number, attributes: Readonly<Record<string, string>>): void {
  for (const [key, value] of Object.entries(attributes)) {
    const anyValue = new ProtobufWriter().string(AnyValue.stringValue, value, true);
    writer.message(field, new ProtobufWriter().string(KeyValue.key, key).message(KeyValue.value, anyValue));
  }
}
