// KIP-714 client telemetry against FakeCluster: the producer (with enableMetricsPush) fetches the
// cluster's subscription, pushes the subscribed metrics at the interval, sends a terminating push
// on close, fetches the subscription again when the broker no longer knows it, stays silent when
// the option is off or the broker does not serve telemetry, and never holds up a send.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode } from '../../src/errors/broker-error-codes.js';
import type { Producer } from '../../src/index.js';
import type { FakeCluster, TelemetryPush } from '../../src/testing/index.js';
import { useClusterFixture } from '../helpers/cluster-fixture.js';
import { STANDARD_PRODUCER_METRICS } from '../helpers/kip714.js';

const fixture = useClusterFixture({ expectNoServerErrors: true });

const ZERO_UUID = '00000000-0000-0000-0000-000000000000';
const GZIP = 1;
const { UNKNOWN_SUBSCRIPTION_ID, INVALID_RECORD, UNSUPPORTED_COMPRESSION_TYPE, TELEMETRY_TOO_LARGE } = ErrorCode;

// Polls `done` every 20 ms for at most `limitMs`; fails naming `what` if it never holds.
async function until(what: string, done: () => boolean, limitMs = 10_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!done()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const accepted = (cluster: FakeCluster): TelemetryPush[] => cluster.telemetryPushes().filter((push) => push.errorCode === 0);

async function sendSome(producer: Producer, topic: string, count: number): Promise<void> {
  const results = await Promise.all(Array.from({ length: count }, (_, index) => producer.send({ topic, key: `k${index}`, value: `v${index}` })));
  assert.equal(results.length, count);
}

function captureLogs(): { lines: { level: string; message: string }[]; logger: Record<'debug' | 'info' | 'warn' | 'error', (message: string) => void> } {
  const lines: { level: string; message: string }[] = [];
  const at = (level: string) => (message: string) => lines.push({ level, message });
  return { lines, logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') } };
}

describe('client telemetry (KIP-714) against FakeCluster', () => {
  it('subscribes, pushes every subscribed metric at the interval with delta counters, and ends with a terminating push', async () => {
    const { cluster, producer } = await fixture.start(
      { brokers: 1, topics: [{ name: 'events', partitions: 2 }], telemetry: { pushIntervalMs: 100, acceptedCompressionTypes: [GZIP], deltaTemporality: true } },
      { enableMetricsPush: true, clientId: 'telemetry-app', lingerMs: 0 },
    );
    await sendSome(producer, 'events', 20);
    await until('three accepted pushes', () => accepted(cluster).length >= 3);
    await sendSome(producer, 'events', 5);
    await producer.close();

    const [subscription, ...more] = cluster.telemetrySubscriptionRequests();
    assert.ok(subscription);
    assert.equal(subscription.clientInstanceId, ZERO_UUID, 'the first request carries the zero Uuid');
    assert.notEqual(subscription.assignedInstanceId, ZERO_UUID);
    assert.deepEqual(more, [], 'one subscription for the producer life');

    const pushes = cluster.telemetryPushes();
    assert.ok(pushes.length >= 4);
    for (const push of pushes) {
      assert.equal(push.errorCode, 0);
      assert.equal(push.clientInstanceId, subscription.assignedInstanceId);
      assert.equal(push.subscriptionId, subscription.subscriptionId);
      assert.equal(push.compressionType, GZIP, 'compressed with the accepted codec');
      assert.deepEqual(push.data?.resourceAttributes, { client_id: 'telemetry-app' });
    }
    assert.deepEqual(
      pushes.map((push) => push.terminating),
      [...pushes.slice(1).map(() => false), true],
      'only the last push, on close, is terminating',
    );

    const regular = pushes.filter((push) => !push.terminating);
    const names = new Set(regular.flatMap((push) => push.data?.metrics.map((metric) => metric.name) ?? []));
    for (const name of STANDARD_PRODUCER_METRICS) assert.ok(names.has(name), `${name} pushed`);
    for (const name of names) assert.ok(name.startsWith('org.apache.kafka.producer.'), name);
    const latency = regular[0]?.data?.metrics.find((metric) => metric.name === 'org.apache.kafka.producer.node.request.latency.max');
    assert.deepEqual(latency?.dataPoints[0]?.attributes, { node_id: String(cluster.brokerIds[0]) });

    // Counters are monotonic delta sums: over every push they add up to the producer's totals.
    const sent = (push: TelemetryPush) =>
      push.data?.metrics.find((metric) => metric.name === 'org.apache.kafka.producer.record.send.total');
    for (const push of pushes) {
      const metric = sent(push);
      assert.equal(metric?.kind, 'sum');
      assert.equal(metric?.temporality, 'delta');
      assert.equal(metric?.monotonic, true);
    }
    const summed = pushes.reduce((sum, push) => sum + (sent(push)?.dataPoints[0]?.value ?? 0), 0);
    assert.equal(summed, producer.metrics()['record-send-total']);
    assert.equal(summed, 25);
    // Each delta starts where the previous one ended.
    for (let index = 1; index < pushes.length; index++) {
      assert.equal(sent(pushes[index]!)?.dataPoints[0]?.startTimeUnixNano, sent(pushes[index - 1]!)?.dataPoints[0]?.timeUnixNano);
    }
  });

  it('pushes only the metrics whose names start with a requested prefix, counters as totals when not asked for deltas', async () => {
    const requestedMetrics = ['org.apache.kafka.producer.record.queue', 'org.apache.kafka.producer.node.', 'org.apache.kafka.producer.connection.creation.total'];
    const { cluster, producer } = await fixture.start(
      { brokers: 2, topics: [{ name: 'events', partitions: 4 }], telemetry: { pushIntervalMs: 100, requestedMetrics, deltaTemporality: false, acceptedCompressionTypes: [] } },
      { enableMetricsPush: true, lingerMs: 0 },
    );
    await sendSome(producer, 'events', 10);
    await until('two accepted pushes', () => accepted(cluster).length >= 2);
    const pushes = accepted(cluster);
    for (const push of pushes) {
      assert.equal(push.compressionType, 0, 'uncompressed when the broker accepts no codec');
      for (const metric of push.data?.metrics ?? []) {
        assert.ok(
          requestedMetrics.some((prefix) => metric.name.startsWith(prefix)),
          `${metric.name} was requested`,
        );
      }
    }
    const last = pushes.at(-1)!;
    const names = new Set(last.data?.metrics.map((metric) => metric.name));
    assert.deepEqual(
      [...names].sort(),
      [
        'org.apache.kafka.producer.connection.creation.total',
        'org.apache.kafka.producer.node.outgoing.byte.rate',
        'org.apache.kafka.producer.node.outgoing.byte.total',
        'org.apache.kafka.producer.node.request.latency.avg',
        'org.apache.kafka.producer.node.request.latency.max',
        'org.apache.kafka.producer.node.request.rate',
        'org.apache.kafka.producer.node.request.total',
        'org.apache.kafka.producer.record.queue.time.avg',
        'org.apache.kafka.producer.record.queue.time.max',
      ],
    );
    const creations = last.data?.metrics.find((metric) => metric.name === 'org.apache.kafka.producer.connection.creation.total');
    assert.equal(creations?.temporality, 'cumulative');
    assert.equal(creations?.dataPoints[0]?.value, producer.metrics()['connection-creation-total']);
  });

  it('fetches the subscription again, keeping its instance id, when the broker answers UNKNOWN_SUBSCRIPTION_ID', async () => {
    const { cluster, producer } = await fixture.start(
      { brokers: 1, topics: [{ name: 'events', partitions: 1 }], telemetry: { pushIntervalMs: 100, acceptedCompressionTypes: [GZIP] } },
      { enableMetricsPush: true, lingerMs: 0 },
    );
    // The first push is refused by a fault rule; later the subscription itself changes.
    const rule = cluster.intercept({ api: 'PushTelemetry' }, { error: UNKNOWN_SUBSCRIPTION_ID });
    await sendSome(producer, 'events', 3);
    await until('an accepted push after the refused one', () => rule.hits === 1 && accepted(cluster).length >= 1);
    const [first, second] = cluster.telemetrySubscriptionRequests();
    assert.ok(first && second, 'subscribed again after UNKNOWN_SUBSCRIPTION_ID');
    assert.equal(second.clientInstanceId, first.assignedInstanceId, 'the second request carries the assigned id');

    const oldSubscription = cluster.telemetrySubscriptionRequests().at(-1)!.subscriptionId;
    cluster.setTelemetrySubscription({ pushIntervalMs: 100, acceptedCompressionTypes: [GZIP], requestedMetrics: ['org.apache.kafka.producer.record.'] });
    await until('a push of the new subscription', () => accepted(cluster).some((push) => push.subscriptionId !== oldSubscription));
    const refused = cluster.telemetryPushes().filter((push) => push.errorCode === UNKNOWN_SUBSCRIPTION_ID);
    assert.ok(refused.length >= 1, 'the push for the old subscription was refused');
    const latest = accepted(cluster).at(-1)!;
    assert.equal(latest.clientInstanceId, first.assignedInstanceId);
    for (const metric of latest.data?.metrics ?? []) assert.ok(metric.name.startsWith('org.apache.kafka.producer.record.'), metric.name);
    assert.ok(cluster.telemetrySubscriptionRequests().every((request, index) => index === 0 || request.clientInstanceId === first.assignedInstanceId));
  });

  it('logs a push the broker rejects and pushes again after backing off', async () => {
    const { lines, logger } = captureLogs();
    const { cluster, producer } = await fixture.start(
      { brokers: 1, topics: [{ name: 'events', partitions: 1 }], telemetry: { pushIntervalMs: 100 } },
      { enableMetricsPush: true, logger, lingerMs: 0 },
    );
    const rule = cluster.intercept({ api: 'PushTelemetry' }, { error: INVALID_RECORD });
    await sendSome(producer, 'events', 2);
    await until('an accepted push after the rejected one', () => rule.hits === 1 && accepted(cluster).length >= 1);
    assert.ok(lines.some((line) => line.level === 'warn' && line.message.includes('rejected the telemetry push')));
    assert.equal(cluster.telemetrySubscriptionRequests().length, 1, 'the subscription is kept');
  });

  it('fetches the subscription again when the broker answers UNSUPPORTED_COMPRESSION_TYPE', async () => {
    const { cluster, producer } = await fixture.start(
      { brokers: 1, topics: [{ name: 'events', partitions: 1 }], telemetry: { pushIntervalMs: 100, acceptedCompressionTypes: [GZIP] } },
      { enableMetricsPush: true, lingerMs: 0 },
    );
    const rule = cluster.intercept({ api: 'PushTelemetry' }, { error: UNSUPPORTED_COMPRESSION_TYPE });
    await sendSome(producer, 'events', 2);
    await until('an accepted push after the refused one', () => rule.hits === 1 && accepted(cluster).length >= 1);
    const requests = cluster.telemetrySubscriptionRequests();
    assert.equal(requests.length, 2, 'subscribed again once');
    assert.equal(requests[1]?.clientInstanceId, requests[0]?.assignedInstanceId);
  });

  it('backs off after TELEMETRY_TOO_LARGE, and never sends a payload over TelemetryMaxBytes', async () => {
    const { lines, logger } = captureLogs();
    const { cluster, producer } = await fixture.start(
      { brokers: 1, topics: [{ name: 'events', partitions: 1 }], telemetry: { pushIntervalMs: 100 } },
      { enableMetricsPush: true, logger, lingerMs: 0 },
    );
    const rule = cluster.intercept({ api: 'PushTelemetry' }, { error: TELEMETRY_TOO_LARGE });
    await sendSome(producer, 'events', 2);
    await until('an accepted push after the refused one', () => rule.hits === 1 && accepted(cluster).length >= 1);
    assert.ok(lines.some((line) => line.level === 'warn' && line.message.includes('rejected the telemetry push')));

    // A limit no payload fits: nothing is pushed, each skipped push is logged, sends go on.
    lines.length = 0;
    const before = cluster.telemetryPushes().length;
    cluster.setTelemetrySubscription({ pushIntervalMs: 50, telemetryMaxBytes: 8 });
    await until('two skipped pushes', () => lines.filter((line) => line.message.includes('exceeds the broker limit')).length >= 2);
    await sendSome(producer, 'events', 10);
    const after = cluster.telemetryPushes().slice(before);
    assert.ok(
      after.every((push) => push.errorCode === UNKNOWN_SUBSCRIPTION_ID),
      `only the push for the old subscription reached the broker: ${JSON.stringify(after.map((push) => push.errorCode))}`,
    );
  });

  it('asks again at the interval when the subscription requests no metrics, and pushes nothing', async () => {
    const { cluster, producer } = await fixture.start(
      { brokers: 1, topics: [{ name: 'events', partitions: 1 }], telemetry: { pushIntervalMs: 50, requestedMetrics: [] } },
      { enableMetricsPush: true },
    );
    await sendSome(producer, 'events', 2);
    await until('three subscription requests', () => cluster.telemetrySubscriptionRequests().length >= 3);
    await producer.close();
    assert.deepEqual(cluster.telemetryPushes(), [], 'no push, not even a terminating one');
  });

  it('is off by default: no telemetry request at all', async () => {
    const { cluster, producer } = await fixture.start({ brokers: 1, topics: [{ name: 'events', partitions: 1 }], telemetry: { pushIntervalMs: 10 } });
    await sendSome(producer, 'events', 5);
    // Long enough for many intervals of the subscription; nothing is expected to happen.
    await new Promise((resolve) => setTimeout(resolve, 200));
    await producer.close();
    assert.deepEqual(cluster.telemetrySubscriptionRequests(), []);
    assert.deepEqual(cluster.telemetryPushes(), []);
  });

  it('stays off, with one debug line, against a broker that does not serve client telemetry', async () => {
    const { lines, logger } = captureLogs();
    const { producer } = await fixture.start({ brokers: 1, topics: [{ name: 'events', partitions: 1 }] }, { enableMetricsPush: true, logger });
    await sendSome(producer, 'events', 5);
    const telemetryLines = () => lines.filter((line) => line.message.includes('does not serve client telemetry'));
    await until('the debug line', () => telemetryLines().length > 0);
    await sendSome(producer, 'events', 5);
    await producer.close();
    assert.deepEqual(
      telemetryLines().map((line) => line.level),
      ['debug'],
    );
    assert.ok(lines.every((line) => line.level === 'debug' || line.level === 'info'), 'no warning or error');
  });

  it('never holds up sends or close when the broker does not answer telemetry requests', async () => {
    const { cluster, producer } = await fixture.start(
      { brokers: 1, topics: [{ name: 'events', partitions: 1 }], telemetry: { pushIntervalMs: 50 } },
      { enableMetricsPush: true, maxInFlightRequestsPerConnection: 1, lingerMs: 0 },
    );
    const rule = cluster.intercept({ api: 'GetTelemetrySubscriptions' }, { dropResponse: true }, { times: 100 });
    await sendSome(producer, 'events', 1);
    await until('the unanswered subscription request', () => rule.hits >= 1);
    for (let round = 0; round < 5; round++) await sendSome(producer, 'events', 20);
    assert.equal(producer.metrics()['record-send-total'], 101);
    assert.equal(producer.metrics()['record-error-total'], 0);
    await producer.close({ timeoutMs: 2_000 });
    assert.deepEqual(cluster.telemetryPushes(), []);
  });
});
