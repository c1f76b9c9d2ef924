// Transactions against FakeCluster: commit and abort (records marked committed or aborted, with
// markers written), offsets committed with the transaction, the transaction() helper, fencing of an
// older producer with the same transactional id, and sends outside a transaction refused. Then the
// failures: EndTxn without an answer until maxBlockMs (the same call is retried), EndTxn refused (the
// transaction is aborted), a partition the coordinator refuses to add, an AddPartitionsToTxn applied
// but unanswered, fencing discovered by the coordinator, and the producer epoch errors of Produce.
import * as assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { DeliveryTimeoutError, KafkaError, Producer, ProducerFencedError, type ProducerOptions } from '../../src/index.js';
import { FakeCluster } from '../../src/testing/index.js';
import { sleep, within } from '../helpers/producer-check.js';

let cluster: FakeCluster | undefined;
const producers: Producer[] = [];

// A cluster serving transactions v2 (as Kafka 4.x), or only the first protocol (as Kafka 3.x).
async function setup(transactionVersion: 1 | 2 = 2): Promise<FakeCluster> {
  cluster = new FakeCluster({ brokers: 3, topics: [{ name: 't', partitions: 3, replicationFactor: 3 }], transactionVersion });
  await cluster.start();
  return cluster;
}

function transactional(cluster: FakeCluster, transactionalId = 'tx-1', options: Partial<ProducerOptions> = {}): Producer {
  const producer = new Producer({ bootstrapServers: cluster.bootstrapServers, transactionalId, retryBackoffMs: 10, maxBlockMs: 10_000, ...options });
  producers.push(producer);
  return producer;
}

// Settles `promise` within `ms` (failing the test otherwise): its value, or the error it rejected with.
function settled<T>(promise: Promise<T>, ms = 10_000): Promise<{ value?: T; error?: unknown }> {
  return within(
    promise.then(
      (value) => ({ value }),
      (error: unknown) => ({ error }),
    ),
    ms,
    'the call',
  );
}

async function failure(promise: Promise<unknown>, ms = 10_000): Promise<KafkaError> {
  const result = await settled(promise, ms);
  assert.ok('error' in result, 'the call must fail');
  assert.ok(result.error instanceof KafkaError, String(result.error));
  return result.error;
}

// Options that keep coordinator and delivery failures short.
const quick: Partial<ProducerOptions> = { maxBlockMs: 500, retryBackoffMaxMs: 50, requestTimeoutMs: 1000, deliveryTimeoutMs: 5000 };

afterEach(async () => {
  for (const producer of producers.splice(0)) await producer.close({ timeoutMs: 0 });
  await cluster?.stop();
  cluster = undefined;
});

const states = (cluster: FakeCluster, partition: number) => cluster.records('t', partition).map((record) => `${record.value?.toString()}:${record.state}`);

for (const version of [2, 1] as const) describe(`transactions (transaction.version ${version})`, () => {
  it('commits: records become committed and markers are written', async () => {
    const cluster = await setup(version);
    const producer = transactional(cluster);
    await producer.initTransactions();
    producer.beginTransaction();
    const sent = await Promise.all([0, 1, 2, 0].map((partition, index) => producer.send({ topic: 't', partition, value: `v${index}` })));
    assert.equal(sent.length, 4);
    await producer.commitTransaction();
    assert.deepEqual(states(cluster, 0), ['v0:committed', 'v3:committed']);
    assert.deepEqual(states(cluster, 1), ['v1:committed']);
    assert.ok(cluster.records('t', 0, { includeControl: true }).some((record) => record.control), 'a commit marker was written');
    assert.equal(cluster.lastStableOffset('t', 0), cluster.highWatermark('t', 0));
  });

  it('aborts: records become aborted and later transactions still commit', async () => {
    const cluster = await setup(version);
    const producer = transactional(cluster);
    await producer.initTransactions();
    producer.beginTransaction();
    await producer.send({ topic: 't', partition: 0, value: 'dropped' });
    await producer.abortTransaction();
    producer.beginTransaction();
    await producer.send({ topic: 't', partition: 0, value: 'kept' });
    await producer.commitTransaction();
    assert.deepEqual(states(cluster, 0), ['dropped:aborted', 'kept:committed']);
  });

  it('commits consumer offsets with the transaction', async () => {
    const cluster = await setup(version);
    const producer = transactional(cluster);
    await producer.initTransactions();
    await producer.transaction(async (tx) => {
      await tx.send({ topic: 't', partition: 1, value: 'output' });
      await tx.sendOffsetsToTransaction([{ topic: 't', partition: 2, offset: 42n }], 'consumer-group');
    });
    assert.equal(cluster.committedOffset('consumer-group', 't', 2), 42n);
    assert.deepEqual(states(cluster, 1), ['output:committed']);
  });

  it('transaction() aborts and rethrows when the work throws', async () => {
    const cluster = await setup(version);
    const producer = transactional(cluster);
    await producer.initTransactions();
    await assert.rejects(
      producer.transaction(async (tx) => {
        await tx.send({ topic: 't', partition: 2, value: 'half-done' });
        throw new Error('work failed');
      }),
      /work failed/,
    );
    assert.deepEqual(states(cluster, 2), ['half-done:aborted']);
  });

  it('a newer producer with the same transactional id fences the older one', async () => {
    const cluster = await setup(version);
    const older = transactional(cluster, 'shared');
    await older.initTransactions();
    older.beginTransaction();
    await older.send({ topic: 't', partition: 0, value: 'from-older' });
    const newer = transactional(cluster, 'shared');
    await newer.initTransactions();
    const failure = await older.commitTransaction().then(
      () => assert.fail('the fenced producer must not commit'),
      (error: unknown) => error,
    );
    assert.ok(failure instanceof ProducerFencedError, String(failure));
    await assert.rejects(older.send({ topic: 't', partition: 0, value: 'again' }), ProducerFencedError);
    assert.deepEqual(states(cluster, 0), ['from-older:aborted'], 'the fenced transaction was aborted by the coordinator');
    newer.beginTransaction();
    await newer.send({ topic: 't', partition: 0, value: 'from-newer' });
    await newer.commitTransaction();
    assert.deepEqual(states(cluster, 0), ['from-older:aborted', 'from-newer:committed']);
  });

  it('refuses sends outside a transaction and transactional calls on a plain producer', async () => {
    const cluster = await setup(version);
    const producer = transactional(cluster);
    await producer.initTransactions();
    await assert.rejects(producer.send({ topic: 't', value: 'x' }), /call beginTransaction\(\) first/);
    const plain = new Producer({ bootstrapServers: cluster.bootstrapServers });
    producers.push(plain);
    assert.throws(() => plain.beginTransaction(), (error: unknown) => error instanceof KafkaError && /set the transactionalId option/.test(error.message));
  });
});

for (const version of [2, 1] as const) describe(`transactions: EndTxn without an answer or refused (transaction.version ${version})`, () => {
  it('a commit whose EndTxn gets no answer until maxBlockMs stays COMMITTING, and commitTransaction() again finishes it', async () => {
    const cluster = await setup(version);
    const producer = transactional(cluster, 'tx-1', quick);
    await producer.initTransactions();
    producer.beginTransaction();
    await producer.send({ topic: 't', partition: 0, value: 'a' });
    const unavailable = cluster.intercept({ api: 'EndTxn' }, { error: 15 }, { times: Number.POSITIVE_INFINITY });
    const started = Date.now();
    const error = await failure(producer.commitTransaction());
    assert.equal(error.code, 'COORDINATOR_NOT_AVAILABLE');
    assert.match(error.message, /commitTransaction\(\) again/);
    assert.ok(Date.now() - started < 5000, 'the commit gives up after about maxBlockMs');
    assert.ok(unavailable.hits >= 2, 'EndTxn was retried');
    assert.equal(cluster.transactionState('tx-1'), 'Ongoing');
    // The commit may have reached the coordinator: no other transactional call until it is finished.
    assert.throws(() => producer.beginTransaction(), (thrown: unknown) => thrown instanceof KafkaError && thrown.code === 'INVALID_TRANSACTION_STATE' && /COMMITTING/.test(thrown.message));
    const abort = await failure(producer.abortTransaction());
    assert.equal(abort.code, 'INVALID_TRANSACTION_STATE');
    assert.match(abort.message, /COMMITTING/);
    unavailable.remove();
    const endTxn = cluster.intercept({ api: 'EndTxn' }, { delayMs: 0 }, { times: Number.POSITIVE_INFINITY });
    await producer.commitTransaction();
    assert.equal(endTxn.hits, 1, 'the retried commit sent EndTxn again');
    assert.equal(cluster.transactionState('tx-1'), 'CompleteCommit');
    assert.deepEqual(states(cluster, 0), ['a:committed']);
    producer.beginTransaction();
    await producer.send({ topic: 't', partition: 0, value: 'b' });
    await producer.commitTransaction();
    assert.deepEqual(states(cluster, 0), ['a:committed', 'b:committed']);
  });

  it('an abort whose EndTxn gets no answer until maxBlockMs can be retried', async () => {
    const cluster = await setup(version);
    const producer = transactional(cluster, 'tx-1', quick);
    await producer.initTransactions();
    producer.beginTransaction();
    await producer.send({ topic: 't', partition: 1, value: 'a' });
    const unavailable = cluster.intercept({ api: 'EndTxn' }, { error: 15 }, { times: Number.POSITIVE_INFINITY });
    const error = await failure(producer.abortTransaction());
    assert.equal(error.code, 'COORDINATOR_NOT_AVAILABLE');
    assert.match(error.message, /abortTransaction\(\) again/);
    assert.equal(cluster.transactionState('tx-1'), 'Ongoing');
    assert.throws(() => producer.beginTransaction(), /ABORTING/);
    assert.equal((await failure(producer.commitTransaction())).code, 'INVALID_TRANSACTION_STATE');
    unavailable.remove();
    await producer.abortTransaction();
    assert.equal(cluster.transactionState('tx-1'), 'CompleteAbort');
    producer.beginTransaction();
    await producer.send({ topic: 't', partition: 1, value: 'b' });
    await producer.commitTransaction();
    assert.deepEqual(states(cluster, 1), ['a:aborted', 'b:committed']);
  });

  it('a commit the coordinator refuses leaves the transaction abortable', async () => {
    const cluster = await setup(version);
    const producer = transactional(cluster, 'tx-1', quick);
    await producer.initTransactions();
    producer.beginTransaction();
    await producer.send({ topic: 't', partition: 2, value: 'a' });
    cluster.intercept({ api: 'EndTxn' }, { error: 48 /* INVALID_TXN_STATE */ }, { times: 1 });
    const error = await failure(producer.commitTransaction());
    assert.equal(error.code, 'INVALID_TXN_STATE');
    assert.throws(() => producer.beginTransaction(), /ABORTABLE_ERROR/);
    const again = await failure(producer.commitTransaction());
    assert.equal(again.code, 'TRANSACTION_ABORTABLE');
    await producer.abortTransaction();
    assert.equal(cluster.transactionState('tx-1'), 'CompleteAbort');
    assert.deepEqual(states(cluster, 2), ['a:aborted']);
  });

  it('transaction() rethrows the commit error itself, and leaves a commit without an answer to be retried', async () => {
    const cluster = await setup(version);
    const producer = transactional(cluster, 'tx-1', quick);
    await producer.initTransactions();
    const unavailable = cluster.intercept({ api: 'EndTxn' }, { error: 15 }, { times: Number.POSITIVE_INFINITY });
    const error = await failure(
      producer.transaction(async (tx) => {
        await tx.send({ topic: 't', partition: 0, value: 'a' });
      }),
    );
    assert.equal(error.code, 'COORDINATOR_NOT_AVAILABLE');
    unavailable.remove();
    await producer.commitTransaction();
    assert.deepEqual(states(cluster, 0), ['a:committed']);
  });

  it('transaction() rethrows the error of the work, with the failure of its abort attached', async () => {
    const cluster = await setup(version);
    const producer = transactional(cluster, 'tx-1', quick);
    await producer.initTransactions();
    const unavailable = cluster.intercept({ api: 'EndTxn' }, { error: 15 }, { times: Number.POSITIVE_INFINITY });
    const thrown = new Error('work failed');
    const result = await settled(
      producer.transaction(async (tx) => {
        await tx.send({ topic: 't', partition: 0, value: 'a' });
        throw thrown;
      }),
    );
    assert.equal(result.error, thrown, 'the error of the work itself');
    const abortError = (thrown as Error & { abortError?: unknown }).abortError;
    assert.ok(abortError instanceof KafkaError && abortError.code === 'COORDINATOR_NOT_AVAILABLE', String(abortError));
    unavailable.remove();
    await producer.abortTransaction();
    assert.deepEqual(states(cluster, 0), ['a:aborted']);
  });
});

describe('transactions: AddPartitionsToTxn failures (first protocol: transaction.version 1)', () => {
  it('a partition the coordinator refuses to add fails the transaction at once, without a request storm', async () => {
    const cluster = await setup(1);
    const producer = transactional(cluster, 'tx-1', { ...quick, deliveryTimeoutMs: 4000 });
    await producer.initTransactions();
    const refused = cluster.intercept({ api: 'AddPartitionsToTxn' }, { error: 29 /* TOPIC_AUTHORIZATION_FAILED */ }, { times: Number.POSITIVE_INFINITY });
    producer.beginTransaction();
    const record = failure(producer.send({ topic: 't', partition: 0, value: 'refused' }));
    const other = failure(producer.send({ topic: 't', partition: 1, value: 'other' }));
    const started = Date.now();
    const error = await failure(producer.commitTransaction());
    const elapsed = Date.now() - started;
    assert.equal(error.code, 'TRANSACTION_ABORTABLE');
    assert.equal(error.brokerErrorCode, 29);
    assert.ok(error.cause instanceof KafkaError && error.cause.code === 'TOPIC_AUTHORIZATION_FAILED', String(error.cause));
    assert.ok(elapsed < 2000, `the commit failed after ${elapsed} ms, before the delivery timeout`);
    assert.ok(refused.hits <= 3, `${refused.hits} AddPartitionsToTxn requests`);
    for (const sent of [record, other]) assert.equal((await sent).code, 'TOPIC_AUTHORIZATION_FAILED');
    await producer.abortTransaction();
    refused.remove();
    producer.beginTransaction();
    await producer.send({ topic: 't', partition: 0, value: 'next' });
    await producer.commitTransaction();
    assert.deepEqual(states(cluster, 0), ['next:committed']);
  });

  it('an abort ends the transaction when AddPartitionsToTxn was applied but unanswered and its retry failed', async () => {
    const cluster = await setup(1);
    const producer = transactional(cluster, 'tx-1', { ...quick, requestTimeoutMs: 200, maxBlockMs: 600, deliveryTimeoutMs: 3000, transactionTimeoutMs: 2000 });
    await producer.initTransactions();
    const lost = cluster.intercept({ api: 'AddPartitionsToTxn' }, { dropResponse: true }, { times: 1 });
    const unavailable = cluster.intercept({ api: 'AddPartitionsToTxn' }, { error: 15 }, { times: Number.POSITIVE_INFINITY, after: 1 });
    const endTxn = cluster.intercept({ api: 'EndTxn' }, { delayMs: 0 }, { times: Number.POSITIVE_INFINITY });
    producer.beginTransaction();
    const started = Date.now();
    const error = await failure(producer.send({ topic: 't', partition: 0, value: 'lost' }));
    assert.equal(error.code, 'COORDINATOR_NOT_AVAILABLE');
    assert.equal(lost.hits, 1);
    assert.ok(unavailable.hits >= 1);
    assert.equal(cluster.transactionState('tx-1'), 'Ongoing', 'the coordinator applied the first AddPartitionsToTxn');
    assert.equal((await failure(producer.commitTransaction())).code, 'TRANSACTION_ABORTABLE');
    await producer.abortTransaction();
    assert.equal(endTxn.hits, 1, 'EndTxn(abort) was sent');
    assert.equal(cluster.transactionState('tx-1'), 'CompleteAbort');
    unavailable.remove();
    // Past the transaction timeout, a transaction left open would have been aborted by the
    // coordinator with a new epoch, fencing this producer.
    await sleep(Math.max(0, started + 2200 - Date.now()));
    producer.beginTransaction();
    await producer.send({ topic: 't', partition: 0, value: 'next' });
    await producer.commitTransaction();
    assert.deepEqual(states(cluster, 0), ['next:committed']);
  });

  it('fencing reported by AddPartitionsToTxn fails the send with ProducerFencedError, not a delivery timeout', async () => {
    const cluster = await setup(1);
    const older = transactional(cluster, 'shared', { ...quick, deliveryTimeoutMs: 4000 });
    await older.initTransactions();
    older.beginTransaction();
    await older.send({ topic: 't', partition: 0, value: 'from-older' });
    const newer = transactional(cluster, 'shared', quick);
    await newer.initTransactions();
    const started = Date.now();
    const error = await failure(older.send({ topic: 't', partition: 1, value: 'after-fencing' }));
    assert.ok(error instanceof ProducerFencedError, String(error));
    assert.ok(!(error instanceof DeliveryTimeoutError));
    assert.ok(Date.now() - started < 2000, 'the send failed at once');
    assert.ok((await failure(older.send({ topic: 't', partition: 2, value: 'later' }))) instanceof ProducerFencedError);
    assert.ok((await failure(older.commitTransaction())) instanceof ProducerFencedError);
    assert.deepEqual(states(cluster, 0), ['from-older:aborted']);
  });
});

describe('transactions: producer epoch errors on Produce', () => {
  // The first protocol: the abort ends with an InitProducerId that bumps the epoch (KIP-360).
  it('INVALID_PRODUCER_EPOCH fails the batch and makes the transaction abortable; the abort bumps the epoch (transaction.version 1)', async () => {
    const cluster = await setup(1);
    const producer = transactional(cluster, 'tx-1', quick);
    await producer.initTransactions();
    producer.beginTransaction();
    await producer.send({ topic: 't', partition: 1, value: 'first' });
    const epoch = cluster.records('t', 1)[0]!.producerEpoch;
    cluster.intercept({ api: 'Produce', topic: 't', partition: 0 }, { error: 47 }, { times: 1 });
    const error = await failure(producer.send({ topic: 't', partition: 0, value: 'rejected' }));
    assert.ok(!(error instanceof ProducerFencedError), String(error));
    assert.equal(error.code, 'INVALID_PRODUCER_EPOCH');
    assert.throws(() => producer.beginTransaction(), /ABORTABLE_ERROR/);
    const commit = await failure(producer.commitTransaction());
    assert.equal(commit.code, 'TRANSACTION_ABORTABLE');
    assert.equal(commit.brokerErrorCode, 47);
    const initProducerId = cluster.intercept({ api: 'InitProducerId' }, { delayMs: 0 }, { times: Number.POSITIVE_INFINITY });
    await producer.abortTransaction();
    assert.equal(initProducerId.hits, 1, 'the abort bumped the epoch');
    producer.beginTransaction();
    await producer.send({ topic: 't', partition: 0, value: 'next' });
    await producer.commitTransaction();
    assert.deepEqual(states(cluster, 0), ['next:committed']);
    assert.deepEqual(states(cluster, 1), ['first:aborted']);
    assert.equal(cluster.records('t', 0)[0]!.producerEpoch, epoch + 1);
  });

  it('an abort whose epoch bump gets no answer until maxBlockMs can be retried (transaction.version 1)', async () => {
    const cluster = await setup(1);
    const producer = transactional(cluster, 'tx-1', quick);
    await producer.initTransactions();
    producer.beginTransaction();
    cluster.intercept({ api: 'Produce', topic: 't', partition: 0 }, { error: 47 }, { times: 1 });
    assert.equal((await failure(producer.send({ topic: 't', partition: 0, value: 'rejected' }))).code, 'INVALID_PRODUCER_EPOCH');
    const unavailable = cluster.intercept({ api: 'InitProducerId' }, { error: 15 }, { times: Number.POSITIVE_INFINITY });
    const error = await failure(producer.abortTransaction());
    assert.equal(error.code, 'COORDINATOR_NOT_AVAILABLE');
    assert.match(error.message, /abortTransaction\(\) again/);
    assert.equal(cluster.transactionState('tx-1'), 'CompleteAbort', 'EndTxn(abort) went through before the bump');
    assert.throws(() => producer.beginTransaction(), /UNINITIALIZED/);
    unavailable.remove();
    await producer.abortTransaction();
    producer.beginTransaction();
    await producer.send({ topic: 't', partition: 0, value: 'next' });
    await producer.commitTransaction();
    assert.deepEqual(states(cluster, 0), ['next:committed']);
  });

  // Transactions v2: EndTxn bumps the epoch of every transaction, so the abort needs no InitProducerId.
  it('INVALID_PRODUCER_EPOCH makes the transaction abortable; the EndTxn of the abort gives the new epoch (transaction.version 2)', async () => {
    const cluster = await setup(2);
    const producer = transactional(cluster, 'tx-1', quick);
    await producer.initTransactions();
    producer.beginTransaction();
    await producer.send({ topic: 't', partition: 1, value: 'first' });
    const epoch = cluster.records('t', 1)[0]!.producerEpoch;
    cluster.intercept({ api: 'Produce', topic: 't', partition: 0 }, { error: 47 }, { times: 1 });
    assert.equal((await failure(producer.send({ topic: 't', partition: 0, value: 'rejected' }))).code, 'INVALID_PRODUCER_EPOCH');
    assert.equal((await failure(producer.commitTransaction())).code, 'TRANSACTION_ABORTABLE');
    const initProducerId = cluster.intercept({ api: 'InitProducerId' }, { delayMs: 0 }, { times: Number.POSITIVE_INFINITY });
    await producer.abortTransaction();
    assert.equal(initProducerId.hits, 0, 'no InitProducerId: EndTxn bumped the epoch');
    producer.beginTransaction();
    await producer.send({ topic: 't', partition: 0, value: 'next' });
    await producer.commitTransaction();
    assert.deepEqual(states(cluster, 0), ['next:committed']);
    assert.deepEqual(states(cluster, 1), ['first:aborted']);
    assert.equal(cluster.records('t', 0)[0]!.producerEpoch, epoch + 1);
  });

  for (const version of [2, 1] as const) it(`PRODUCER_FENCED on Produce stays fatal (transaction.version ${version})`, async () => {
    const cluster = await setup(version);
    const producer = transactional(cluster, 'tx-1', quick);
    await producer.initTransactions();
    producer.beginTransaction();
    cluster.intercept({ api: 'Produce', topic: 't', partition: 0 }, { error: 90 }, { times: 1 });
    assert.ok((await failure(producer.send({ topic: 't', partition: 0, value: 'fenced' }))) instanceof ProducerFencedError);
    assert.ok((await failure(producer.send({ topic: 't', partition: 1, value: 'later' }))) instanceof ProducerFencedError);
    assert.ok((await failure(producer.commitTransaction())) instanceof ProducerFencedError);
    assert.ok((await failure(producer.abortTransaction())) instanceof ProducerFencedError);
  });
});
