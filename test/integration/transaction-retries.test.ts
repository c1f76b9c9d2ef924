// Transactions whose batches are retried or split while the transaction ends: commit and abort
// return promptly, the abort ends what was being retried, and the next transaction is written.
import * as assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { KafkaError, Producer } from '../../src/index.js';
import { FakeCluster } from '../../src/testing/index.js';
import { sleep, within } from '../helpers/producer-check.js';

let cluster: FakeCluster | undefined;
let producer: Producer | undefined;

afterEach(async () => {
  await producer?.close({ timeoutMs: 0 });
  await cluster?.stop();
  producer = undefined;
  cluster = undefined;
});

async function setup(options: { retryBackoffMs?: number } = {}): Promise<{ cluster: FakeCluster; producer: Producer }> {
  cluster = new FakeCluster({ brokers: 1, topics: [{ name: 't', partitions: 1, replicationFactor: 1 }] });
  await cluster.start();
  producer = new Producer({
    bootstrapServers: cluster.bootstrapServers,
    transactionalId: 'tx-retries',
    batchSize: 1000,
    retryBackoffMs: options.retryBackoffMs ?? 10,
    retryBackoffMaxMs: Math.max(50, options.retryBackoffMs ?? 10),
    requestTimeoutMs: 3000,
    deliveryTimeoutMs: 30_000,
    maxBlockMs: 10_000,
  });
  await producer.initTransactions();
  return { cluster, producer };
}

// The promise's rejection, or undefined when it resolved; handled at once, while the test goes on.
function settled(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  );
}

const states = (cluster: FakeCluster) => cluster.records('t', 0).map((record) => `${record.value?.toString()}:${record.state}`);
const values = (name: string) => Array.from({ length: 3 }, (_, index) => `${name}${index}-${'x'.repeat(240)}`);

describe('transactions with retried and split batches', () => {
  it('commits once a batch split while the commit waits is written', async () => {
    const { cluster, producer } = await setup();
    producer.beginTransaction();
    const tooLarge = cluster.intercept({ api: 'Produce', topic: 't', partition: 0 }, { error: 10 }, { times: 1 });
    const batch = values('s');
    const sent = producer.send({ topic: 't', messages: batch.map((value) => ({ partition: 0, value })) });
    await within(producer.commitTransaction(), 5000, 'commitTransaction()');
    await sent;
    assert.equal(tooLarge.hits, 1);
    assert.deepEqual(states(cluster), batch.map((value) => `${value}:committed`));
  });

  it('aborts without waiting out the delivery timeout when a batch in flight is answered NOT_ENOUGH_REPLICAS', async () => {
    const { cluster, producer } = await setup();
    producer.beginTransaction();
    // The answer comes back, refused, while the abort waits for the batch.
    const refused = cluster.intercept({ api: 'Produce', topic: 't', partition: 0 }, { error: 19 }, { times: 1 });
    cluster.intercept({ api: 'Produce', topic: 't', partition: 0 }, { delayMs: 200 }, { times: 1 });
    const sent = settled(producer.send({ topic: 't', partition: 0, value: 'refused' }));
    for (let attempt = 0; attempt < 200 && refused.hits === 0; attempt++) await sleep(5);
    assert.equal(refused.hits, 1, 'the batch is in flight');
    await within(producer.abortTransaction(), 5000, 'abortTransaction()');
    const error = await sent;
    assert.ok(error instanceof KafkaError && error.code === 'TRANSACTION_ABORTED', String(error));
    producer.beginTransaction();
    await producer.send({ topic: 't', partition: 0, value: 'next' });
    await within(producer.commitTransaction(), 5000, 'commitTransaction()');
    assert.deepEqual(states(cluster), ['next:committed']);
  });

  it('writes the next transaction after an abort failed a batch that already had a sequence', async () => {
    const { cluster, producer } = await setup({ retryBackoffMs: 1000 });
    producer.beginTransaction();
    await producer.send({ topic: 't', partition: 0, value: 'first' });
    // The second batch is refused once and waits for its retry when the abort comes.
    const refused = cluster.intercept({ api: 'Produce', topic: 't', partition: 0 }, { error: 19 }, { times: 1 });
    const sent = settled(producer.send({ topic: 't', partition: 0, value: 'retried' }));
    for (let attempt = 0; attempt < 200 && refused.hits === 0; attempt++) await sleep(5);
    await sleep(20);
    await within(producer.abortTransaction(), 5000, 'abortTransaction()');
    const error = await sent;
    assert.ok(error instanceof KafkaError && error.code === 'TRANSACTION_ABORTED', String(error));
    producer.beginTransaction();
    await within(producer.send({ topic: 't', partition: 0, value: 'next' }), 5000, 'send() in the next transaction');
    await within(producer.commitTransaction(), 5000, 'commitTransaction()');
    assert.deepEqual(states(cluster), ['first:aborted', 'next:committed']);
  });
});
