// kafka-producer/testing: FakeCluster, an in-process Kafka cluster with deterministic fault
// injection, and the types of its options (TLS and SASL included), inspection views and fault rules.

export { type ExpireProducerIdsOptions, FakeCluster, type LoseProducerStateOptions, type PartitionDescription } from './fake-cluster.js';
export type { ChaosEvent, ChaosHandle, ChaosOptions, ChaosStats } from './faults/chaos.js';
export type { FaultAction, InterceptHandle, InterceptMatch, InterceptOptions } from './faults/interceptor.js';
export type { RecordState, RecordsOptions, StoredRecord, StoredRecordBatch } from './inspection.js';
export type {
  FakeClusterOptions,
  FakeSaslMechanism,
  FakeSaslOptions,
  FakeSslOptions,
  FakeTelemetryOptions,
  FakeTopicConfig,
  OAuthBearerValidator,
} from './options.js';
export type { PushedDataPoint, PushedMetric, PushedMetricsData } from './otlp-decoder.js';
export { decodeMetricsData } from './otlp-decoder.js';
export type { SaslAuthentication } from './sasl/authority.js';
export type { TelemetryPush, TelemetrySubscriptionRequest } from './telemetry-broker.js';
export type { TransactionState } from './transaction-coordinator.js';
