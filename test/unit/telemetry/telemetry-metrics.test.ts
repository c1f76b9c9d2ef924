// The producer's metrics under their KIP-714 names: Java's naming, the subscription's prefixes,
// counters as deltas or totals, values with nothing measured left out.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MetricsSnapshot } from '../../../src/metrics/metric-definitions.js';
import { ProducerMetrics } from '../../../src/metrics/producer-metrics.js';
import { isRequested, type MetricsReading, TelemetryMetrics, telemetryName } from '../../../src/telemetry/client-metrics/telemetry-metrics.js';

const GAUGES = { bufferedBytes: 0, bufferTotalBytes: 1024, connectionCount: 1 };

function reading(metrics: ProducerMetrics): MetricsReading {
  return { snapshot: metrics.snapshot(GAUGES) as MetricsSnapshot };
}

function run(): { metrics: ProducerMetrics; clock: { time: number } } {
  const clock = { time: 1_000_000 };
  const metrics = new ProducerMetrics({ clientId: 'c', windows: { windowMs: 30_000, samples: 2 }, now: () => clock.time });
  metrics.connectionCreated();
  const batch = { recordCount: 4, sizeInBytes: 100, uncompressedBytes: 100, createdAt: clock.time - 3, attempts: 1, topicPartition: { topic: 'orders', partition: 0 } };
  const sent = metrics.requestSent(2, 9, [batch], 150);
  clock.time += 8;
  metrics.requestDone(sent, 0);
  return { metrics, clock };
}

describe('KIP-714 metric names', () => {
  it('derives the names as the Java client does', () => {
    assert.equal(telemetryName('record-queue-time-avg'), 'org.apache.kafka.producer.record.queue.time.avg');
    assert.equal(telemetryName('connection-creation-rate'), 'org.apache.kafka.producer.connection.creation.rate');
    assert.equal(telemetryName('produce-throttle-time-max'), 'org.apache.kafka.producer.produce.throttle.time.max');
    assert.equal(telemetryName('request-latency-avg', 'node'), 'org.apache.kafka.producer.node.request.latency.avg');
    assert.equal(telemetryName('record-send-total', 'topic'), 'org.apache.kafka.producer.topic.record.send.total');
  });

  it('matches requested prefixes: none is nothing, the empty prefix is everything', () => {
    assert.equal(isRequested('org.apache.kafka.producer.record.queue.time.avg', []), false);
    assert.equal(isRequested('org.apache.kafka.producer.record.queue.time.avg', ['']), true);
    assert.equal(isRequested('org.apache.kafka.producer.record.queue.time.avg', ['org.apache.kafka.producer.record.queue']), true);
    assert.equal(isRequested('org.apache.kafka.producer.record.send.total', ['org.apache.kafka.producer.record.queue', 'org.apache.kafka.consumer.']), false);
  });
});

describe('TelemetryMetrics', () => {
  it('reports every KIP-714 standard producer metric that has a value, with the node id of the latency', () => {
    const { metrics } = run();
    const collected = new TelemetryMetrics(0n).collect(reading(metrics), [''], 'cumulative', 5n).metrics;
    const byName = new Map(collected.map((metric) => [`${metric.name}${metric.attributes?.node_id ? `@${metric.attributes.node_id}` : ''}`, metric]));
    for (const name of [
      'org.apache.kafka.producer.connection.creation.rate',
      'org.apache.kafka.producer.connection.creation.total',
      'org.apache.kafka.producer.node.request.latency.avg@2',
      'org.apache.kafka.producer.node.request.latency.max@2',
      'org.apache.kafka.producer.produce.throttle.time.avg',
      'org.apache.kafka.producer.produce.throttle.time.max',
      'org.apache.kafka.producer.record.queue.time.avg',
      'org.apache.kafka.producer.record.queue.time.max',
    ]) {
      assert.ok(byName.has(name), `${name} is reported`);
    }
    assert.equal(byName.get('org.apache.kafka.producer.node.request.latency.max@2')?.value, 8);
    assert.equal(byName.get('org.apache.kafka.producer.record.queue.time.max')?.value, 3);
    assert.deepEqual(byName.get('org.apache.kafka.producer.connection.creation.total'), {
      name: 'org.apache.kafka.producer.connection.creation.total',
      kind: 'sum',
      temporality: 'cumulative',
      value: 1,
      attributes: {},
      startTimeNs: 0n,
      timeNs: 5n,
    });
    const topicSends = collected.find((metric) => metric.name === 'org.apache.kafka.producer.topic.record.send.total');
    assert.deepEqual(topicSends?.attributes, { topic: 'orders' });
    assert.equal(topicSends?.value, 4);
    // Nothing measured (no record appended): the average and maximum record size are NaN, left out.
    assert.equal(byName.has('org.apache.kafka.producer.record.size.avg'), false);
    // Every other metric is a gauge or a monotonic sum.
    for (const metric of collected) assert.ok(metric.kind === 'sum' ? metric.name.endsWith('.total') : !metric.name.endsWith('.total'), metric.name);
  });

  it('keeps only the requested prefixes', () => {
    const { metrics } = run();
    const collected = new TelemetryMetrics(0n).collect(reading(metrics), ['org.apache.kafka.producer.node.', 'org.apache.kafka.producer.record.queue'], 'delta', 5n);
    assert.deepEqual(collected.metrics.map((metric) => metric.name).sort(), [
      'org.apache.kafka.producer.node.outgoing.byte.rate',
      'org.apache.kafka.producer.node.outgoing.byte.total',
      'org.apache.kafka.producer.node.request.latency.avg',
      'org.apache.kafka.producer.node.request.latency.max',
      'org.apache.kafka.producer.node.request.rate',
      'org.apache.kafka.producer.node.request.total',
      'org.apache.kafka.producer.record.queue.time.avg',
      'org.apache.kafka.producer.record.queue.time.max',
    ]);
    assert.deepEqual(new TelemetryMetrics(0n).collect(reading(metrics), [], 'delta', 5n).metrics, []);
  });

  it('sends counters as deltas since the last accepted push, and as totals when cumulative', () => {
    const { metrics } = run();
    const telemetry = new TelemetryMetrics(100n);
    const total = (collected: ReturnType<TelemetryMetrics['collect']>) =>
      collected.metrics.find((metric) => metric.name === 'org.apache.kafka.producer.connection.creation.total');
    const first = telemetry.collect(reading(metrics), [''], 'delta', 200n);
    assert.deepEqual([total(first)?.value, total(first)?.startTimeNs], [1, 100n]);
    first.accepted();
    metrics.connectionCreated();
    metrics.connectionCreated();
    // This push is refused (never accepted): the next delta still counts from the first push.
    const refused = telemetry.collect(reading(metrics), [''], 'delta', 300n);
    assert.deepEqual([total(refused)?.value, total(refused)?.startTimeNs], [2, 200n]);
    metrics.connectionCreated();
    const third = telemetry.collect(reading(metrics), [''], 'delta', 400n);
    assert.deepEqual([total(third)?.value, total(third)?.startTimeNs], [3, 200n]);
    third.accepted();
    const fourth = telemetry.collect(reading(metrics), [''], 'delta', 500n);
    assert.deepEqual([total(fourth)?.value, total(fourth)?.startTimeNs], [0, 400n]);
    const cumulative = telemetry.collect(reading(metrics), [''], 'cumulative', 600n);
    assert.deepEqual([total(cumulative)?.value, total(cumulative)?.startTimeNs, total(cumulative)?.temporality], [4, 100n, 'cumulative']);
  });
});
