// producer.metrics() after scripted runs against FakeCluster: known record counts and sizes, a
// retry and a failure injected with intercept rules, a broker that holds its answers while memory
// runs out; every metric checked for its exact value or for bounds that follow from the others
// (an average within its maximum, a rate equal to its total over the sampled time).
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BufferExhaustedError, type MetricsSnapshot } from '../../src/index.js';
import type { FakeCluster } from '../../src/testing/index.js';
import { useClusterFixture } from '../helpers/cluster-fixture.js';
import { parsePrometheus } from '../helpers/prometheus-text.js';

const fixture = useClusterFixture({ expectNoServerErrors: true });

// Windows far longer than a test: nothing leaves them, so a rate is its total divided by the time
// since its first record plus one (missing) window, and that time lies between 0 and the test's.
const WINDOW_MS = 3_600_000;

function assertRate(rate: number, total: number, elapsedMs: number, name: string): void {
  const lowest = (total * 1000) / (elapsedMs + WINDOW_MS);
  const highest = (total * 1000) / WINDOW_MS;
  assert.ok(rate >= lowest && rate <= highest, `${name}: ${rate} within [${lowest}, ${highest}] for a total of ${total}`);
  if (total > 0) assert.ok(rate > 0, `${name} > 0`);
}

function assertAvgWithinMax(metrics: MetricsSnapshot, stat: 'record-size' | 'batch-size' | 'record-queue-time' | 'request-latency' | 'produce-throttle-time'): void {
  const avg = metrics[`${stat}-avg`];
  const max = metrics[`${stat}-max`];
  assert.ok(Number.isFinite(avg) && Number.isFinite(max), `${stat}: measured`);
  assert.ok(avg >= 0 && avg <= max, `${stat}: 0 <= avg ${avg} <= max ${max}`);
}

function storedBatchSizes(cluster: FakeCluster, topic: string, partitions: number): number[] {
  const sizes: number[] = [];
  for (let partition = 0; partition < partitions; partition++) sizes.push(...cluster.batches(topic, partition).map((batch) => batch.sizeInBytes));
  return sizes;
}

describe('producer metrics against FakeCluster', () => {
  it('counts sends, retries and errors exactly, and keeps every window consistent with its totals', async () => {
    const started = Date.now();
    const { cluster, producer } = await fixture.start(
      {
        brokers: 1,
        topics: [
          { name: 'metrics-a', partitions: 2, replicationFactor: 1 },
          { name: 'metrics-b', partitions: 1, replicationFactor: 1 },
          { name: 'metrics-c', partitions: 1, replicationFactor: 1 },
        ],
      },
      { clientId: 'metrics-test', metricsSampleWindowMs: WINDOW_MS, retryBackoffMs: 10, retryBackoffMaxMs: 50 },
    );
    const produces = cluster.intercept({ api: 'Produce' }, { delayMs: 0 }, { times: Number.POSITIVE_INFINITY }); // counts requests
    cluster.intercept({ api: 'Produce', topic: 'metrics-a' }, { throttleMs: 30 }, { times: 1 });
    // metrics-a: 20 records of 3 + 100 bytes, 10 per partition, in one call.
    const value100 = 'v'.repeat(100);
    await producer.send({
      topic: 'metrics-a',
      messages: Array.from({ length: 20 }, (_, index) => ({ key: `k${String(index).padStart(2, '0')}`, value: value100, partition: index % 2 })),
    });
    // metrics-b: 10 keyless records of 50 bytes, one batch, refused once with a retriable error.
    const retried = cluster.intercept({ api: 'Produce', topic: 'metrics-b' }, { error: 19 /* NOT_ENOUGH_REPLICAS */ }, { times: 1 });
    await producer.send({ topic: 'metrics-b', messages: Array.from({ length: 10 }, () => ({ value: 'w'.repeat(50), partition: 0 })) });
    assert.equal(retried.hits, 1);
    // metrics-c: 5 records of 20 bytes, refused for good.
    const refused = cluster.intercept({ api: 'Produce', topic: 'metrics-c' }, { error: 87 /* INVALID_RECORD */ }, { times: 1 });
    await assert.rejects(producer.send({ topic: 'metrics-c', messages: Array.from({ length: 5 }, () => ({ value: 'z'.repeat(20), partition: 0 })) }), {
      brokerErrorName: 'INVALID_RECORD',
    });
    assert.equal(refused.hits, 1);

    const metrics = producer.metrics();
    const elapsedMs = Date.now() - started;
    const requests = produces.hits;
    // Records sent: a's 20, b's 10 twice, c's 5.
    assert.equal(metrics['record-send-total'], 45);
    assert.equal(metrics['record-retry-total'], 10);
    assert.equal(metrics['record-error-total'], 5);
    assert.equal(metrics['request-total'], requests);
    assert.ok(requests >= 4, `at least one request per topic and the retry (${requests})`);
    assert.equal(metrics['records-per-request-avg'], 45 / requests);
    // Record sizes: key + value bytes, (20 x 103 + 10 x 50 + 5 x 20) / 35.
    assert.equal(metrics['record-size-avg'], 76);
    assert.equal(metrics['record-size-max'], 103);
    // Batches sent: a's two, b's twice, c's; the broker stored a's and b's as they were sent.
    const aSizes = storedBatchSizes(cluster, 'metrics-a', 2);
    const [bSize] = storedBatchSizes(cluster, 'metrics-b', 1);
    assert.equal(aSizes.length, 2);
    assert.equal(metrics['batch-size-max'], Math.max(...aSizes));
    const cSize = Math.round(5 * metrics['batch-size-avg'] - (aSizes[0]! + aSizes[1]! + 2 * bSize!));
    assert.ok(cSize > 5 * 20 && cSize < bSize!, `c's batch (${cSize} bytes) is smaller than b's and holds its values`);
    assert.equal(metrics['compression-rate-avg'], 1);
    // Every response is counted; one was throttled 30 ms.
    assert.equal(metrics['produce-throttle-time-max'], 30);
    assert.equal(metrics['produce-throttle-time-avg'], 30 / requests);
    for (const stat of ['record-size', 'batch-size', 'record-queue-time', 'request-latency', 'produce-throttle-time'] as const) assertAvgWithinMax(metrics, stat);
    assert.ok(metrics['request-latency-max'] > 0, 'the throttled response came 30 ms late');
    // The requests carried the batches and more (headers).
    assert.ok(metrics['outgoing-byte-total'] > 5 * metrics['batch-size-avg']);
    assert.equal(metrics['buffer-total-bytes'], 33_554_432);
    assert.equal(metrics['buffer-available-bytes'], 33_554_432, 'every batch settled');
    assert.equal(metrics['buffer-exhausted-total'], 0);
    assert.equal(metrics['bufferpool-wait-ratio'], 0);
    assert.ok(metrics['connection-count'] >= 1);
    for (const [rate, total] of [
      ['record-send-rate', 'record-send-total'],
      ['record-retry-rate', 'record-retry-total'],
      ['record-error-rate', 'record-error-total'],
      ['request-rate', 'request-total'],
      ['outgoing-byte-rate', 'outgoing-byte-total'],
      ['buffer-exhausted-rate', 'buffer-exhausted-total'],
    ] as const) {
      assertRate(metrics[rate], metrics[total], elapsedMs, rate);
    }

    // Per topic (Java's producer-topic-metrics).
    assert.deepEqual(Object.keys(metrics.topics).sort(), ['metrics-a', 'metrics-b', 'metrics-c']);
    const a = metrics.topics['metrics-a']!;
    const b = metrics.topics['metrics-b']!;
    const c = metrics.topics['metrics-c']!;
    assert.deepEqual(
      [a, b, c].map((topic) => [topic['record-send-total'], topic['record-retry-total'], topic['record-error-total']]),
      [
        [20, 0, 0],
        [20, 10, 0],
        [5, 0, 5],
      ],
    );
    assert.equal(a['byte-total'], aSizes[0]! + aSizes[1]!);
    assert.equal(b['byte-total'], 2 * bSize!);
    assert.equal(c['byte-total'], cSize);
    for (const topic of [a, b, c]) {
      assert.equal(topic['compression-rate'], 1);
      assertRate(topic['record-send-rate'], topic['record-send-total'], elapsedMs, 'topic record-send-rate');
      assertRate(topic['record-retry-rate'], topic['record-retry-total'], elapsedMs, 'topic record-retry-rate');
      assertRate(topic['record-error-rate'], topic['record-error-total'], elapsedMs, 'topic record-error-rate');
      assertRate(topic['byte-rate'], topic['byte-total'], elapsedMs, 'topic byte-rate');
    }

    // The same in Prometheus exposition format.
    const families = parsePrometheus(producer.metrics({ format: 'prometheus' }));
    assert.deepEqual(families.get('kafka_producer_record_send_total')!.samples, [{ labels: { client_id: 'metrics-test' }, value: 45 }]);
    assert.deepEqual(
      families.get('kafka_producer_topic_record_retry_total')!.samples.find((sample) => sample.labels.topic === 'metrics-b'),
      { labels: { client_id: 'metrics-test', topic: 'metrics-b' }, value: 10 },
    );
  });

  it('measures compression per batch and per topic', async () => {
    const { producer } = await fixture.start({ brokers: 1, topics: [{ name: 'squeezed', partitions: 1, replicationFactor: 1 }] }, { compression: 'gzip' });
    await producer.send({ topic: 'squeezed', messages: Array.from({ length: 100 }, (_, index) => ({ value: `${index} ${'repetitive '.repeat(20)}` })) });
    const metrics = producer.metrics();
    assert.ok(metrics['compression-rate-avg'] > 0 && metrics['compression-rate-avg'] < 0.5, `gzip shrinks repeated text (${metrics['compression-rate-avg']})`);
    assert.equal(metrics.topics.squeezed!['compression-rate'], metrics['compression-rate-avg']);
    assert.equal(metrics['request-total'], 1, 'one call, one batch');
    assert.equal(metrics.topics.squeezed!['byte-total'], metrics['batch-size-max']);
  });

  it('counts records refused for want of buffer memory, and the time records waited for it', async () => {
    const started = Date.now();
    const { cluster, producer } = await fixture.start(
      { brokers: 1, topics: [{ name: 'full', partitions: 1, replicationFactor: 1 }] },
      { bufferMemory: 1024, maxBlockMs: 50, metricsSampleWindowMs: WINDOW_MS },
    );
    // Metadata known: later records wait for memory only. maxBlockMs is short, so on a loaded machine
    // the first metadata answer may come after it: the warm-up is tried a bounded number of times.
    for (let attempt = 1; ; attempt++) {
      const warmUp = await producer.send({ topic: 'full', value: 'warm-up' }).then(
        () => undefined,
        (error: unknown) => error,
      );
      if (warmUp === undefined) break;
      if (attempt === 20) throw warmUp;
    }
    // The broker holds every answer from now on: the memory of what is sent is never released.
    cluster.intercept({ api: 'Produce' }, { delayMs: 600_000 }, { times: Number.POSITIVE_INFINITY });
    const holding = producer.send({ topic: 'full', value: 'h'.repeat(900) }); // takes nearly all of bufferMemory
    holding.catch(() => {}); // settles only when the producer closes
    // Two records wait for memory (428 bytes each count against bufferMemory while they wait) and
    // fail after maxBlockMs; the two after them would take more than bufferMemory: refused at once.
    const refused = Array.from({ length: 4 }, () => producer.send({ topic: 'full', value: 'm'.repeat(300) }));
    for (const outcome of await Promise.allSettled(refused)) {
      assert.ok(outcome.status === 'rejected' && outcome.reason instanceof BufferExhaustedError, 'refused for want of memory');
    }
    const metrics = producer.metrics();
    assert.equal(metrics['buffer-exhausted-total'], 4);
    assertRate(metrics['buffer-exhausted-rate'], 4, Date.now() - started, 'buffer-exhausted-rate');
    assert.ok(metrics['bufferpool-wait-ratio'] > 0 && metrics['bufferpool-wait-ratio'] <= 1, `records waited (${metrics['bufferpool-wait-ratio']})`);
    assert.ok(metrics['buffer-available-bytes'] < 1024 - 900, 'the held record keeps its memory');
  });
});
