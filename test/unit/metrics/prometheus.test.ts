// The Prometheus exposition of metrics snapshots, read back with a strict parser of the format.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { journalMetrics, nodeMetrics, producerMetrics, topicMetrics } from '../../../src/metrics/metric-definitions.js';
import { ProducerMetrics } from '../../../src/metrics/producer-metrics.js';
import { toPrometheus } from '../../../src/metrics/prometheus.js';
import { parsePrometheus } from '../../helpers/prometheus-text.js';

const T0 = 1_000_000;

function snapshotWithTopics(clientId: string, topics: readonly string[]) {
  const clock = { time: T0 };
  const metrics = new ProducerMetrics({ clientId, windows: { windowMs: 30_000, samples: 2 }, now: () => clock.time });
  topics.forEach((topic, index) => {
    const sent = metrics.requestSent(1, 9, [{ recordCount: index + 1, sizeInBytes: 100, uncompressedBytes: 100, createdAt: T0, attempts: 1, topicPartition: { topic, partition: 0 } }], 150);
    metrics.requestDone(sent, 0);
  });
  clock.time = T0 + 1000;
  return metrics.snapshot({ bufferedBytes: 0, bufferTotalBytes: 1024, connectionCount: 1 });
}

describe('toPrometheus', () => {
  it('writes every metric as a valid family: HELP, TYPE, then a sample per producer and topic', () => {
    const first = snapshotWithTopics('orders-service', ['orders', 'payments']);
    const second = snapshotWithTopics('audit', ['audit']);
    const families = parsePrometheus(
      toPrometheus([
        { clientId: 'orders-service', metrics: first },
        { clientId: 'audit', metrics: second },
      ]),
    );
    assert.equal(families.size, Object.keys(producerMetrics).length + Object.keys(topicMetrics).length + Object.keys(nodeMetrics).length);
    for (const [name, definition] of Object.entries(producerMetrics)) {
      const family = families.get(`kafka_producer_${name.replaceAll('-', '_')}`);
      assert.ok(family, name);
      assert.equal(family.type, definition.kind);
      assert.equal(family.help, definition.help);
      assert.deepEqual(
        family.samples.map((sample) => sample.labels),
        [{ client_id: 'orders-service' }, { client_id: 'audit' }],
      );
      if (definition.kind === 'counter') assert.ok(family.name.endsWith('_total'), `${family.name}: a counter ends in _total`);
    }
    const sends = families.get('kafka_producer_topic_record_send_total')!;
    assert.equal(sends.type, 'counter');
    assert.deepEqual(sends.samples, [
      { labels: { client_id: 'orders-service', topic: 'orders' }, value: 1 },
      { labels: { client_id: 'orders-service', topic: 'payments' }, value: 2 },
      { labels: { client_id: 'audit', topic: 'audit' }, value: 1 },
    ]);
    assert.deepEqual(families.get('kafka_producer_record_send_total')!.samples, [
      { labels: { client_id: 'orders-service' }, value: 3 },
      { labels: { client_id: 'audit' }, value: 1 },
    ]);
    // Every request went to broker 1: one node sample per producer.
    assert.deepEqual(families.get('kafka_producer_node_record_send_total')!.samples, [
      { labels: { client_id: 'orders-service', node_id: '1' }, value: 3 },
      { labels: { client_id: 'audit', node_id: '1' }, value: 1 },
    ]);
    assert.equal(families.get('kafka_producer_node_request_total')!.type, 'counter');
    assert.equal(families.get('kafka_producer_record_send_rate')!.type, 'gauge');
    assert.ok(families.get('kafka_producer_record_send_rate')!.samples[0]!.value > 0);
  });

  it('writes the journal families for the producers with a journal only', () => {
    const plain = snapshotWithTopics('plain', ['t']);
    const journal = Object.fromEntries(Object.keys(journalMetrics).map((name, index) => [name, index + 1])) as Record<keyof typeof journalMetrics, number>;
    const journaled = { ...snapshotWithTopics('journaled', ['t']), journal };
    assert.equal([...parsePrometheus(toPrometheus({ clientId: 'plain', metrics: plain })).keys()].filter((name) => name.includes('journal')).length, 0);
    const families = parsePrometheus(
      toPrometheus([
        { clientId: 'plain', metrics: plain },
        { clientId: 'journaled', metrics: journaled },
      ]),
    );
    for (const [name, definition] of Object.entries(journalMetrics)) {
      const family = families.get(`kafka_producer_${name.replaceAll('-', '_')}`);
      assert.ok(family, name);
      assert.equal(family.type, definition.kind);
      assert.deepEqual(family.samples, [{ labels: { client_id: 'journaled' }, value: journal[name as keyof typeof journalMetrics] }]);
      if (definition.kind === 'counter') assert.ok(family.name.endsWith('_total'), `${family.name}: a counter ends in _total`);
    }
  });

  it('writes NaN for an average with nothing in its windows, and escapes label values', () => {
    const text = toPrometheus({ clientId: 'quote " backslash \\ newline \n end', metrics: snapshotWithTopics('x', []) }, { prefix: 'app_kafka' });
    const families = parsePrometheus(text);
    const sizes = families.get('app_kafka_record_size_avg')!;
    assert.ok(Number.isNaN(sizes.samples[0]!.value));
    assert.equal(sizes.samples[0]!.labels.client_id, 'quote " backslash \\ newline \n end');
    assert.match(text, /^app_kafka_buffer_total_bytes\{client_id="quote \\" backslash \\\\ newline \\n end"\} 1024$/m);
    assert.equal(families.get('app_kafka_topic_byte_rate')!.samples.length, 0, 'a topic family without topics has no sample');
  });

  it('refuses a prefix that is not a metric name', () => {
    assert.throws(() => toPrometheus([], { prefix: 'kafka-producer' }), TypeError);
  });

  it('the parser refuses what Prometheus refuses', () => {
    assert.throws(() => parsePrometheus('a 1'), /line feed/);
    assert.throws(() => parsePrometheus('a 1\nb 1\na 2\n'), /split/);
    assert.throws(() => parsePrometheus('a 1\n# TYPE a gauge\n'), /after its samples/);
    assert.throws(() => parsePrometheus('# TYPE a gauge\n# TYPE a gauge\n'), /second TYPE/);
    assert.throws(() => parsePrometheus('a{x="1"} 1\na{x="1"} 2\n'), /duplicate/);
    assert.throws(() => parsePrometheus('a{x="\\t"} 1\n'), /bad escape/);
    assert.throws(() => parsePrometheus('a-b 1\n'), /invalid metric name/);
    assert.throws(() => parsePrometheus('a one\n'), /bad value/);
  });
});
