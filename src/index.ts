// The public entry point of kafka-producer: the Producer, its options and record shapes, and the
// error classes. The fake cluster for tests is exported separately as 'kafka-producer/testing'.

export { type BrokerErrorCode, brokerErrorByCode, brokerErrorCodes } from './errors/broker-error-codes.js';
export {
  AuthenticationError,
  BrokerError,
  BufferExhaustedError,
  ClosedError,
  ClusterUnavailableError,
  ConfigError,
  ConnectionError,
  type ConnectionFailureReason,
  DeliveryTimeoutError,
  InvalidRecordError,
  KafkaError,
  type KafkaErrorOptions,
  MalformedResponseError,
  ProducerFencedError,
  RequestTimeoutError,
  TransactionAbortedError,
  UnsupportedVersionError,
} from './errors/kafka-error.js';
export { JournalCorruptedError, JournalFullError, JournalLockedError, JournalWriteError } from './journal/journal-errors.js';
export type {
  JournalMetricName,
  JournalMetricsSnapshot,
  MetricsSnapshot,
  NodeMetricName,
  NodeMetricsSnapshot,
  ProducerMetricName,
  TopicMetricName,
  TopicMetricsSnapshot,
} from './metrics/metric-definitions.js';
export { PROMETHEUS_CONTENT_TYPE, type PrometheusOptions, type PrometheusSource, toPrometheus } from './metrics/prometheus.js';
export type { BatchEvent, RequestTraceContext, SendTraceContext } from './metrics/tracing.js';
export type { SaslConfig } from './network/sasl/authenticate.js';
export type { BrokerHealth, ProducerHealth, ProducerState, ProducerStateChange } from './producer/availability/health.js';
export type { ProducerInterceptor } from './producer/interceptors/producer-interceptor.js';
export type { EnqueuedRecord } from './producer/journal/enqueue-delivery.js';
export {
  type JournalDeliveryFailed,
  type JournalEvent,
  type JournaledRecord,
  type JournalMetrics,
  type JournalPossibleDuplicates,
  type JournalRecoveredEvent,
  StillJournaledError,
} from './producer/journal/journal-events.js';
export type {
  CircuitBreakerOptions,
  CompressionType,
  Logger,
  ProducerJournalOptions,
  ProducerOptions,
  Serializer,
} from './producer/options.js';
export { murmur2, partitionForKey } from './producer/partitioners/murmur2.js';
export type { PartitionerContext, PartitionerFunction } from './producer/partitioners/partitioner.js';
export { Producer } from './producer/producer.js';
export type {
  Message,
  ProducerRecord,
  RecordHeaders,
  RecordMetadata,
  RecordValue,
  TopicMessages,
} from './producer/producer-record.js';
export type { ConsumerGroupMetadata, TransactionOffset } from './producer/transactions/transaction-manager.js';
export type { CodecOverrides, CodecProvider, CompressionCodec, CompressOptions } from './records/codecs/codec.js';
export { UnsupportedCompressionError } from './records/errors.js';
export type {
  OpenTelemetryAttributes,
  OpenTelemetryAttributeValue,
  OpenTelemetryBatchObservableResult,
  OpenTelemetryContext,
  OpenTelemetryInstrumentOptions,
  OpenTelemetryMeter,
  OpenTelemetryMeterProvider,
  OpenTelemetryObservable,
  OpenTelemetryOptions,
  OpenTelemetryPropagator,
  OpenTelemetrySpan,
  OpenTelemetrySpanOptions,
  OpenTelemetryTracer,
  OpenTelemetryTracerProvider,
} from './telemetry/open-telemetry/open-telemetry-types.js';
