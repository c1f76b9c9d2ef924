// The Producer against FakeCluster over real sockets, one fault at a time: each test checks what
// the cluster stored (no duplicate, no gap, per-partition order = call order) and what every
// promise settled to.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BufferExhaustedError, ClosedError, DeliveryTimeoutError, KafkaError, Producer, ProducerFencedError, type ProducerOptions } from '../../src/index.js';
import type { FakeCluster } from '../../src/testing/index.js';
import { useClusterFixture } from '../helpers/cluster-fixture.js';
import { blockWhen } from '../helpers/event-loop.js';
import { assertStoredExactly, sendNumbered, sleep, within } from '../helpers/producer-check.js';

const fixture = useClusterFixture();

function setup(options: Partial<ProducerOptions> = {}, partitions = 3, brokers = 3): Promise<{ cluster: FakeCluster; producer: Producer }> {
  return fixture.start(
    { brokers, topics: [{ name: 't', partitions, replicationFactor: Math.min(3, brokers) }] },
    { retryBackoffMs: 10, retryBackoffMaxMs: 100, requestTimeoutMs: 1000, deliveryTimeoutMs: 15_000, ...options },
  );
}

function leaderOf(cluster: FakeCluster, partition: number): number {
  return cluster.leader('t', partition);
}

describe('Producer against FakeCluster', () => {
  it('sends records and resolves them with their offsets, in order', async () => {
    const { cluster, producer } = await setup();
    const { expected, promises } = sendNumbered((partition, value) => producer.send({ topic: 't', partition, key: 'k', value }), 'a', 300, 3);
    const metadata = (await Promise.all(promises)) as { partition: number; offset: bigint }[];
    for (let partition = 0; partition < 3; partition++) {
      assertStoredExactly(cluster, 't', partition, expected[partition]!);
      const offsets = metadata.filter((entry) => entry.partition === partition).map((entry) => entry.offset);
      assert.deepEqual(offsets, offsets.map((_, index) => BigInt(index)));
    }
    const many = await producer.send({ topic: 't', messages: [{ value: 'x', partition: 0 }, { value: 'y', partition: 0 }] });
    assert.deepEqual(many.map((entry) => entry.offset), [100n, 101n]);
  });

  it('resends a batch whose acknowledgement was lost, without a duplicate', async () => {
    const { cluster, producer } = await setup();
    await producer.send({ topic: 't', partition: 0, value: 'warm-up' });
    const drop = cluster.intercept({ api: 'Produce', topic: 't', partition: 0 }, { dropResponse: true }, { times: 1 });
    const { expected, promises } = sendNumbered((partition, value) => producer.send({ topic: 't', partition, value }), 'b', 200, 3);
    await Promise.all(promises);
    assert.equal(drop.hits, 1);
    assertStoredExactly(cluster, 't', 0, ['warm-up', ...expected[0]!]);
    for (const partition of [1, 2]) assertStoredExactly(cluster, 't', partition, expected[partition]!);
  });

  it('follows a leader moved mid-stream', async () => {
    const { cluster, producer } = await setup({ lingerMs: 1 });
    const expected: string[][] = [[], [], []];
    const promises: Promise<unknown>[] = [];
    for (let round = 0; round < 8; round++) {
      const sent = sendNumbered((partition, value) => producer.send({ topic: 't', partition, value }), `c${round}`, 90, 3);
      sent.expected.forEach((values, partition) => {
        expected[partition]!.push(...values);
      });
      promises.push(...sent.promises);
      const partition = round % 3;
      cluster.moveLeader('t', partition, (leaderOf(cluster, partition) % 3) + 1);
      await sleep(5);
    }
    await Promise.all(promises);
    for (let partition = 0; partition < 3; partition++) assertStoredExactly(cluster, 't', partition, expected[partition]!);
  });

  it('keeps records while a broker is stopped and delivers them once it restarts', async () => {
    const { cluster, producer } = await setup({ reconnectBackoffMs: 10, reconnectBackoffMaxMs: 50 }, 1, 1);
    await producer.send({ topic: 't', value: 'before' });
    await cluster.stopBroker(1);
    const { expected, promises } = sendNumbered((_partition, value) => producer.send({ topic: 't', value }), 'd', 50, 1);
    await sleep(300);
    await cluster.startBroker(1);
    await Promise.all(promises);
    assertStoredExactly(cluster, 't', 0, ['before', ...expected[0]!]);
  });

  it('retries NOT_ENOUGH_REPLICAS until the ISR recovers', async () => {
    const { cluster, producer } = await setup();
    const rule = cluster.intercept({ api: 'Produce', topic: 't', partition: 1 }, { error: 19 }, { times: 6 });
    const { expected, promises } = sendNumbered((partition, value) => producer.send({ topic: 't', partition, value }), 'e', 90, 3);
    await Promise.all(promises);
    assert.equal(rule.hits, 6);
    for (let partition = 0; partition < 3; partition++) assertStoredExactly(cluster, 't', partition, expected[partition]!);
    assert.ok(producer.metrics()['record-retry-total']! > 0);
  });

  it('fails fast on a non-retriable error, naming the partition and the broker code', async () => {
    const { cluster, producer } = await setup();
    const rule = cluster.intercept({ api: 'Produce', topic: 't', partition: 2 }, { error: 29 }, { times: Number.POSITIVE_INFINITY });
    const started = Date.now();
    const error = await producer.send({ topic: 't', partition: 2, value: 'denied' }).then(
      () => assert.fail('expected a rejection'),
      (failure: unknown) => failure,
    );
    assert.ok(error instanceof KafkaError);
    assert.equal(error.brokerErrorName, 'TOPIC_AUTHORIZATION_FAILED');
    assert.equal(error.retriable, false);
    assert.equal(error.possiblyPersisted, false);
    assert.match(error.message, /t-2/);
    assert.equal(rule.hits, 1, 'no retry');
    assert.ok(Date.now() - started < 5000);
    assert.equal(cluster.records('t', 2).length, 0);
    await producer.send({ topic: 't', partition: 0, value: 'other partitions still work' });
  });

  it('keeps order when the first of several in-flight batches fails and later ones would succeed', async () => {
    const { cluster, producer } = await setup({ batchSize: 200, lingerMs: 0 }, 1, 1);
    await producer.send({ topic: 't', value: 'first' });
    const rule = cluster.intercept({ api: 'Produce', topic: 't' }, { error: 6 }, { times: 1 });
    const { expected, promises } = sendNumbered((_partition, value) => producer.send({ topic: 't', value }), 'f', 400, 1);
    await Promise.all(promises);
    assert.equal(rule.hits, 1);
    assertStoredExactly(cluster, 't', 0, ['first', ...expected[0]!]);
  });

  it('takes acknowledgements that arrived while the event loop was blocked past requestTimeoutMs, resending nothing', async () => {
    const { cluster, producer } = await setup({ batchSize: 1024, lingerMs: 0, requestTimeoutMs: 1000 }, 1, 1);
    await producer.send({ topic: 't', value: 'warm-up' });
    let settled = 0;
    // Two 600-byte values do not fit in one batch: five batches, five Produce requests in flight on
    // one connection.
    const send = (value: string) => producer.send({ topic: 't', value: value.padEnd(600, '.') }).finally(() => settled++);
    const { expected, promises } = sendNumbered((_partition, value) => send(value), 'k', 5, 1);
    // Once the broker (in this process) has appended all five and written their answers, and before
    // the producer reads them, block the loop for longer than requestTimeoutMs.
    let settledAtBlock = -1;
    await blockWhen(() => {
      settledAtBlock = settled;
      return cluster.highWatermark('t', 0) === 6n;
    }, 2500);
    assert.equal(settledAtBlock, 0, 'no answer was read before the block');
    await Promise.all(promises);
    assertStoredExactly(cluster, 't', 0, ['warm-up', ...expected[0]!.map((value) => value.padEnd(600, '.'))]);
    assert.equal(cluster.batches('t', 0).length, 6, 'one batch per record');
    const metrics = producer.metrics();
    assert.equal(metrics['record-retry-total'], 0, 'no record was retried');
    assert.equal(metrics['request-total'], 6, 'one Produce request per batch');
  });

  it('rejects every record by deliveryTimeoutMs while the broker is down', async () => {
    const { cluster, producer } = await setup({ deliveryTimeoutMs: 1500, requestTimeoutMs: 500, lingerMs: 0, reconnectBackoffMs: 20 }, 1, 1);
    await producer.send({ topic: 't', value: 'before' });
    await cluster.stopBroker(1);
    // Let the client see the connection close; a request written before that would be ambiguous.
    await sleep(50);
    const started = Date.now();
    const results = await Promise.allSettled(Array.from({ length: 20 }, (_, index) => producer.send({ topic: 't', value: `lost-${index}` })));
    const elapsed = Date.now() - started;
    assert.ok(elapsed < 1500 + 500 + 1000, `settled in ${elapsed} ms`);
    for (const result of results) {
      assert.equal(result.status, 'rejected');
      const reason = (result as PromiseRejectedResult).reason as unknown;
      assert.ok(reason instanceof DeliveryTimeoutError, String(reason));
      assert.equal(reason.possiblyPersisted, false, 'never written: the broker was down');
    }
    await cluster.startBroker(1);
    assert.deepEqual(cluster.records('t', 0).map((record) => record.value?.toString()), ['before']);
  });

  it('a delivery timeout after retried refusals names the last refusal, as message and cause (NOT_ENOUGH_REPLICAS)', async () => {
    const { cluster, producer } = await setup({ deliveryTimeoutMs: 1500, requestTimeoutMs: 500, lingerMs: 0 }, 1, 1);
    await producer.send({ topic: 't', value: 'before' });
    const refusals = cluster.intercept({ api: 'Produce', topic: 't' }, { error: 19 }, { times: Number.POSITIVE_INFINITY });
    const results = await within(Promise.allSettled(Array.from({ length: 5 }, (_, index) => producer.send({ topic: 't', value: `refused-${index}` }))), 5000, 'the refused sends');
    refusals.remove();
    assert.ok(refusals.hits > 1, 'the refused batch was retried');
    for (const result of results) {
      assert.equal(result.status, 'rejected');
      const reason = (result as PromiseRejectedResult).reason as unknown;
      assert.ok(reason instanceof DeliveryTimeoutError, String(reason));
      assert.equal(reason.possiblyPersisted, false, 'refused before append: not written');
      assert.match(reason.message, /last error: .*NOT_ENOUGH_REPLICAS \(19\)/);
      const cause = reason.cause;
      assert.ok(cause instanceof KafkaError, String(cause));
      assert.equal(cause.brokerErrorName, 'NOT_ENOUGH_REPLICAS');
    }
    assert.deepEqual(cluster.records('t', 0).map((record) => record.value?.toString()), ['before']);
  });

  it('recovers from lost producer state (UNKNOWN_PRODUCER_ID) without duplicates', async () => {
    const { cluster, producer } = await setup({}, 1, 1);
    const first = sendNumbered((_partition, value) => producer.send({ topic: 't', value }), 'g', 100, 1);
    await Promise.all(first.promises);
    cluster.loseProducerStateKeepingLog();
    const second = sendNumbered((_partition, value) => producer.send({ topic: 't', value }), 'h', 100, 1);
    await Promise.all(second.promises);
    assertStoredExactly(cluster, 't', 0, [...first.expected[0]!, ...second.expected[0]!]);
  });

  it('INVALID_PRODUCER_EPOCH fails the batch and bumps the epoch of an idempotent producer, which goes on (as Java)', async () => {
    const { cluster, producer } = await setup({}, 1, 1);
    await producer.send({ topic: 't', value: 'before' });
    const epoch = cluster.records('t', 0)[0]!.producerEpoch;
    cluster.intercept({ api: 'Produce', topic: 't' }, { error: 47 }, { times: 1 });
    const refused = await within(
      producer.send({ topic: 't', value: 'refused' }).then(
        () => assert.fail('the refused batch must fail'),
        (error: unknown) => error,
      ),
      10_000,
      'the refused batch',
    );
    assert.ok(refused instanceof KafkaError && refused.code === 'INVALID_PRODUCER_EPOCH', String(refused));
    assert.ok(!(refused instanceof ProducerFencedError), 'not fenced');
    await producer.send({ topic: 't', value: 'after' });
    assertStoredExactly(cluster, 't', 0, ['before', 'after']);
    assert.equal(cluster.records('t', 0)[1]!.producerEpoch, epoch + 1);
  });

  it('splits a batch the broker refuses as too large', async () => {
    const { cluster, producer } = await setup({ batchSize: 64 * 1024, lingerMs: 20 }, 1, 1);
    const rule = cluster.intercept({ api: 'Produce', topic: 't' }, { error: 10 }, { times: 1 });
    const { expected, promises } = sendNumbered((_partition, value) => producer.send({ topic: 't', value: value.padEnd(500, '.') }), 'i', 100, 1);
    await Promise.all(promises);
    assert.equal(rule.hits, 1);
    assertStoredExactly(cluster, 't', 0, expected[0]!.map((value) => value.padEnd(500, '.')));
  });

  it('rejects with BufferExhaustedError after maxBlockMs when bufferMemory stays full', async () => {
    const { cluster, producer } = await setup({ bufferMemory: 64 * 1024, batchSize: 16 * 1024, maxBlockMs: 300, lingerMs: 0 }, 1, 1);
    await producer.send({ topic: 't', value: 'warm-up' });
    cluster.intercept({ api: 'Produce' }, { delayMs: 3000 }, { times: Number.POSITIVE_INFINITY });
    const results = await Promise.allSettled(Array.from({ length: 200 }, (_, index) => producer.send({ topic: 't', value: `${index}`.padEnd(1000, '.') })));
    const exhausted = results.filter((result) => result.status === 'rejected' && (result.reason as unknown) instanceof BufferExhaustedError);
    assert.ok(exhausted.length > 0, 'some sends waited for memory and gave up');
    for (const result of exhausted) assert.match(String((result as PromiseRejectedResult).reason), /bufferMemory/);
    const messages = exhausted.map((result) => String((result as PromiseRejectedResult).reason));
    assert.ok(messages.some((message) => /stayed full for 300 ms/.test(message)), 'records that waited gave up after maxBlockMs');
    assert.ok(messages.some((message) => /already wait for it/.test(message)), 'records beyond what may wait were refused at once');
  });

  it('holds at most maxBufferedRecords records: the next ones wait up to maxBlockMs, a quarter as many more may wait, and the acknowledged ones make room', async () => {
    const { cluster, producer } = await setup({ maxBufferedRecords: 12, maxBlockMs: 300, lingerMs: 0 }, 1, 1);
    await producer.send({ topic: 't', value: 'warm-up' });
    cluster.intercept({ api: 'Produce' }, { delayMs: 1500 }, { times: 1 });
    const held = Array.from({ length: 12 }, (_, index) => producer.send({ topic: 't', value: `held-${index}` }));
    const waiting = Array.from({ length: 3 }, (_, index) => producer.send({ topic: 't', value: `waiting-${index}` }));
    const refused = producer.send({ topic: 't', value: 'refused' });
    await assert.rejects(refused, (error: unknown) => error instanceof BufferExhaustedError && /maxBufferedRecords \(12\) records are held and 3 more already wait/.test(error.message));
    assert.equal(producer.health().recordsPending, 12, 'twelve records held');
    const results = await Promise.allSettled(waiting);
    for (const result of results) {
      assert.equal(result.status, 'rejected');
      assert.ok(result.reason instanceof BufferExhaustedError);
      assert.match(String(result.reason), /maxBufferedRecords \(12 records held\) stayed full for 300 ms \(maxBlockMs\)/);
    }
    await Promise.all(held);
    // Acknowledged, they leave room for the next ones.
    await Promise.all(Array.from({ length: 10 }, (_, index) => producer.send({ topic: 't', value: `after-${index}` })));
    assert.deepEqual(
      cluster.records('t', 0).map((record) => record.value!.toString()),
      ['warm-up', ...Array.from({ length: 12 }, (_, index) => `held-${index}`), ...Array.from({ length: 10 }, (_, index) => `after-${index}`)],
    );
  });

  it('a multi-record call larger than maxBufferedRecords waits whole and is delivered, in order', async () => {
    const { cluster, producer } = await setup({ maxBufferedRecords: 12, lingerMs: 0, batchSize: 200 }, 1, 1);
    await producer.send({ topic: 't', value: 'warm-up' });
    cluster.intercept({ api: 'Produce' }, { delayMs: 200 }, { times: 3 });
    const values = Array.from({ length: 100 }, (_, index) => `bulk-${index}`);
    const results = await producer.send({ topic: 't', messages: values.map((value) => ({ value })) });
    assert.equal(results.length, 100);
    assert.deepEqual(
      cluster.records('t', 0).map((record) => record.value!.toString()),
      ['warm-up', ...values],
    );
  });

  it('close() delivers pending records; close({ timeoutMs: 0 }) rejects what is left', async () => {
    const { cluster, producer } = await setup({ lingerMs: 50 }, 1, 1);
    const pending = Array.from({ length: 10 }, (_, index) => producer.send({ topic: 't', value: `j-${index}` }));
    await producer.close();
    await Promise.all(pending);
    assert.equal(cluster.records('t', 0).length, 10);
    await assert.rejects(producer.send({ topic: 't', value: 'late' }), ClosedError);

    const second = new Producer({ bootstrapServers: cluster.bootstrapServers, lingerMs: 10_000 });
    const waiting = second.send({ topic: 't', value: 'never' });
    await second.close({ timeoutMs: 0 });
    await assert.rejects(waiting, ClosedError);
  });

  it('rejects a send to a topic that does not appear within maxBlockMs', async () => {
    const { producer } = await fixture.start({ brokers: 1, topics: [], autoCreateTopics: false }, { maxBlockMs: 300, retryBackoffMs: 20 });
    await assert.rejects(producer.send({ topic: 'missing', value: 'x' }), /Topic 'missing' is not in the cluster metadata after 300 ms/);
  });

  it('rejects bad records before any I/O, and sends the good ones', async () => {
    const { cluster, producer } = await setup({}, 1, 1);
    await assert.rejects(producer.send({ topic: '', value: 'x' }), /Invalid topic/);
    await assert.rejects(producer.send({ topic: 't', value: 42 }), /Invalid value for topic 't'/);
    await assert.rejects(producer.send({ topic: 't', value: 'x', partition: -1 }), /Invalid partition/);
    await assert.rejects(producer.send({ topic: 't', value: 'x', partition: 7 }), /Partition 7 does not exist/);
    await assert.rejects(producer.send({ topic: 't', value: 'x'.repeat(2_000_000) }), /exceeds maxRequestSize/);
    await assert.rejects(producer.send({ topic: 't', value: 'x', headers: { h: 5 as unknown as string } }), /Invalid value of header 'h'/);
    await assert.rejects(producer.send({ topic: 't', messages: [{ value: 'ok' }, { value: {} }] }), /Invalid value/);
    assert.equal(cluster.records('t', 0).length, 0, 'nothing was sent for invalid records');
    await producer.send({ topic: 't', value: 'good' });
    assert.equal(cluster.records('t', 0).length, 1);
  });

  it('keeps each record intact when a partitioner or a serializer calls send() itself', async () => {
    const sends: Promise<unknown>[] = [];
    const { cluster, producer } = await setup({
      // Records keyed 'echo-N' make the partitioner send one more record (partitioned by it too),
      // while the outer record is being appended.
      partitioner: ({ key }) => {
        const text = key?.toString() ?? '';
        if (text.startsWith('echo-')) sends.push(producer.send({ topic: 't', key: `inner-${text}`, value: `inner-${text}` }));
        return text.startsWith('inner-') ? 1 : 0;
      },
      // An object value makes the serializer send a record before it returns the outer bytes.
      valueSerializer: (value) => {
        const label = (value as { label: string }).label;
        sends.push(producer.send({ topic: 't', partition: 2, key: 'k', value: `from-serializer-${label}` }));
        return Buffer.from(`serialized-${label}`);
      },
    });
    // Once the topic's metadata is known, sends take the path that appends at once.
    await producer.send({ topic: 't', partition: 2, value: 'warm-up' });
    for (let index = 0; index < 20; index++) {
      sends.push(producer.send({ topic: 't', key: `echo-${index}`, value: `outer-${index}` }));
      sends.push(producer.send({ topic: 't', partition: 2, key: 'k', value: { label: String(index) } }));
    }
    await Promise.all(sends);
    const indexes = Array.from({ length: 20 }, (_, index) => index);
    assertStoredExactly(cluster, 't', 0, indexes.map((index) => `outer-${index}`));
    assertStoredExactly(cluster, 't', 1, indexes.map((index) => `inner-echo-${index}`));
    assertStoredExactly(cluster, 't', 2, ['warm-up', ...indexes.flatMap((index) => [`from-serializer-${index}`, `serialized-${index}`])]);
    const inner = cluster.records('t', 1);
    assert.deepEqual(inner.map((record) => record.key?.toString()), indexes.map((index) => `inner-echo-${index}`), 'keys stay with their records');
  });
});
