// Batches whose outcome the producer cannot know, splits and failures for good, each reproduced
// against FakeCluster over real sockets: nothing is stored twice, nothing of a partition is written
// after records that failed for good, split parts keep their place, and flush() returns.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KafkaError, type Producer, type ProducerOptions } from '../../src/index.js';
import type { FakeCluster } from '../../src/testing/index.js';
import { useClusterFixture } from '../helpers/cluster-fixture.js';
import { assertStoredExactly, sleep, storedValues, within } from '../helpers/producer-check.js';

const fixture = useClusterFixture();

// One partition on one broker. Each send() of `values` below fills a batch of its own (batchSize
// holds three 250-byte values), so consecutive calls are consecutive batches, pipelined once the
// partition had a success.
async function setup(options: Partial<ProducerOptions> = {}): Promise<{ cluster: FakeCluster; producer: Producer }> {
  const started = await fixture.start(
    { brokers: 1, topics: [{ name: 't', partitions: 1, replicationFactor: 1 }] },
    { batchSize: 1000, lingerMs: 0, retryBackoffMs: 10, retryBackoffMaxMs: 50, requestTimeoutMs: 300, deliveryTimeoutMs: 4000, ...options },
  );
  await started.producer.send({ topic: 't', partition: 0, value: 'warm-up' });
  return started;
}

function values(name: string, count = 3): string[] {
  return Array.from({ length: count }, (_, index) => `${name}${index}-${'x'.repeat(240)}`);
}

function sendBatch(producer: Producer, batch: readonly string[]): Promise<unknown> {
  return producer.send({ topic: 't', messages: batch.map((value) => ({ partition: 0, value })) });
}

// Settles every promise, failing the test if one is still pending after `ms`.
function settleWithin<T>(promises: readonly Promise<T>[], ms: number): Promise<PromiseSettledResult<T>[]> {
  return within(Promise.allSettled(promises), ms, 'a send() or flush()');
}

async function waitForStored(cluster: FakeCluster, count: number): Promise<void> {
  for (let attempt = 0; attempt < 500 && cluster.highWatermark('t', 0) < BigInt(count); attempt++) await sleep(2);
  assert.equal(cluster.highWatermark('t', 0), BigInt(count), 'the broker appended the batches');
}

function rejection(result: PromiseSettledResult<unknown> | undefined): KafkaError {
  assert.equal(result?.status, 'rejected', 'the promise rejected');
  const reason = (result as PromiseRejectedResult).reason as unknown;
  assert.ok(reason instanceof KafkaError, String(reason));
  return reason;
}

describe('outcomes the producer cannot know', () => {
  it('does not renumber a pipelined batch that may be written when the partition restarts its sequences', async () => {
    const { cluster, producer } = await setup();
    const a = values('a');
    const b = values('b');
    // Both requests reach the broker and are appended; neither answer comes back.
    const cut = cluster.intercept({ api: 'Produce', topic: 't', partition: 0 }, { loseResponses: true }, { times: 1 });
    const sent = [sendBatch(producer, a), sendBatch(producer, b)];
    await waitForStored(cluster, 1 + a.length + b.length);
    // The broker then forgets the producer (answering UNKNOWN_PRODUCER_ID, as brokers before 2.5 did).
    cluster.loseProducerStateKeepingLog(undefined, { unknownProducerId: true });
    const [first, second] = await settleWithin(sent, 10_000);
    assert.equal(cut.hits, 1);
    assert.equal(rejection(first).possiblyPersisted, true);
    const secondError = rejection(second);
    assert.equal(secondError.possiblyPersisted, true, 'the second batch may be in the log too');
    // Under the new epoch the partition goes on with new records.
    await sendBatch(producer, ['after']);
    assertStoredExactly(cluster, 't', 0, ['warm-up', ...a, ...b, 'after']);
  });

  it('splits a batch that was written, unanswered, and then refused as too large, without writing its records again', async () => {
    const { cluster, producer } = await setup();
    const a = values('a');
    cluster.intercept({ api: 'Produce', topic: 't', partition: 0 }, { loseResponses: true }, { times: 1 });
    // The resend finds the broker's limit lowered meanwhile: the batch is split, and the broker
    // refuses the parts' ranges, since it has the whole batch.
    const tooLarge = cluster.intercept({ api: 'Produce', topic: 't', partition: 0 }, { error: 10 }, { times: 1, after: 1 });
    const [result] = await settleWithin([sendBatch(producer, a)], 10_000);
    assert.equal(tooLarge.hits, 1);
    const error = rejection(result);
    assert.equal(error.possiblyPersisted, true, error.message);
    await sendBatch(producer, ['after']);
    assertStoredExactly(cluster, 't', 0, ['warm-up', ...a, 'after']);
  });

  it('splits a batch that was refused as too large with the answer lost, and writes its parts once', async () => {
    const started = await fixture.start(
      // The topic takes batches of two 250-byte records at most; the producer makes batches of three.
      { brokers: 1, topics: [{ name: 't', partitions: 1, replicationFactor: 1, maxMessageBytes: 700 }] },
      { batchSize: 1000, lingerMs: 0, retryBackoffMs: 10, retryBackoffMaxMs: 50, requestTimeoutMs: 300, deliveryTimeoutMs: 4000 },
    );
    const { cluster, producer } = started;
    await producer.send({ topic: 't', partition: 0, value: 'warm-up' });
    const a = values('a');
    // The first send is refused as too large, and that answer is lost: the producer cannot know
    // it was refused, so the batch may be in the log when the resend is refused as too large.
    const lost = cluster.intercept({ api: 'Produce', topic: 't', partition: 0 }, { dropResponse: true }, { times: 1 });
    const [result] = await settleWithin([sendBatch(producer, a)], 10_000);
    assert.equal(lost.hits, 1);
    assert.equal(result?.status, 'fulfilled', result?.status === 'rejected' ? String((result as PromiseRejectedResult).reason) : '');
    assertStoredExactly(cluster, 't', 0, ['warm-up', ...a]);
  });

  it('puts the parts of a split batch behind an earlier batch that is retried', async () => {
    const { cluster, producer } = await setup();
    const e = values('e');
    const o = values('o');
    // E is refused for a retriable reason, O for being too large; both were in flight.
    const notEnough = cluster.intercept({ api: 'Produce', topic: 't', partition: 0 }, { error: 19 }, { times: 1 });
    const tooLarge = cluster.intercept({ api: 'Produce', topic: 't', partition: 0 }, { error: 10 }, { times: 1, after: 1 });
    const results = await settleWithin([sendBatch(producer, e), sendBatch(producer, o)], 10_000);
    assert.deepEqual([notEnough.hits, tooLarge.hits], [1, 1]);
    assert.deepEqual(results.map((result) => result.status), ['fulfilled', 'fulfilled']);
    assertStoredExactly(cluster, 't', 0, ['warm-up', ...e, ...o]);
  });

  it('writes nothing of a partition after a batch that failed for good', async () => {
    const { cluster, producer } = await setup();
    const a = values('a');
    const b = values('b');
    const c = values('c');
    // A is refused for good while B and C are in flight behind it.
    const invalid = cluster.intercept({ api: 'Produce', topic: 't', partition: 0 }, { error: 87 }, { times: 1 });
    const results = await settleWithin([sendBatch(producer, a), sendBatch(producer, b), sendBatch(producer, c)], 10_000);
    assert.equal(invalid.hits, 1);
    assert.equal(rejection(results[0]).brokerErrorName, 'INVALID_RECORD');
    for (const later of results.slice(1)) {
      const error = rejection(later);
      assert.equal(error.possiblyPersisted, false, error.message);
      assert.match(error.message, /an earlier batch of t-0 failed for good/);
    }
    // Records sent once the failure is known are written.
    await sendBatch(producer, ['after']);
    assertStoredExactly(cluster, 't', 0, ['warm-up', 'after']);
  });

  it('returns from flush() when a batch is split while it waits', async () => {
    const { cluster, producer } = await setup({ requestTimeoutMs: 3000 });
    const a = values('a');
    const tooLarge = cluster.intercept({ api: 'Produce', topic: 't', partition: 0 }, { error: 10 }, { times: 1 });
    const sent = sendBatch(producer, a);
    await settleWithin([producer.flush()], 5000);
    assert.equal(tooLarge.hits, 1);
    await sent;
    assertStoredExactly(cluster, 't', 0, ['warm-up', ...a]);
    assert.ok(storedValues(cluster, 't', 0).length === 4);
  });
});
