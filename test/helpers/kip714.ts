// The metrics KIP-714 requires every producer to push, under their telemetry names: what both the
// FakeCluster and the real-Kafka tests of the metrics push expect to arrive.
export const STANDARD_PRODUCER_METRICS = [
  'org.apache.kafka.producer.connection.creation.rate',
  'org.apache.kafka.producer.connection.creation.total',
  'org.apache.kafka.producer.node.request.latency.avg',
  'org.apache.kafka.producer.node.request.latency.max',
  'org.apache.kafka.producer.produce.throttle.time.avg',
  'org.apache.kafka.producer.produce.throttle.time.max',
  'org.apache.kafka.producer.record.queue.time.avg',
  'org.apache.kafka.producer.record.queue.time.max',
] as const;
