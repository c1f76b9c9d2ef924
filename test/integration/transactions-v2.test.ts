// The two transaction protocols against FakeCluster, chosen by the cluster's transaction.version
// feature: transactions v2 (KIP-890, Kafka 4.x) when it is 2, where the leader adds partitions on
// Produce v12, the group coordinator adds offsets on TxnOffsetCommit v5, and EndTxn v5 bumps the
// epoch of every transaction; the first protocol otherwise (AddPartitionsToTxn, AddOffsetsToTxn, one
// epoch for every transaction). Then a lost EndTxn answer in v2 (the retry is told the new epoch),
// and a cluster moving from the first protocol to v2 while the producer runs.
import * as assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { Producer, type ProducerOptions } from '../../src/index.js';
import { FakeCluster } from '../../src/testing/index.js';

let cluster: FakeCluster | undefined;
const producers: Producer[] = [];

async function setup(transactionVersion: 1 | 2, brokers = 3): Promise<FakeCluster> {
  cluster = new FakeCluster({ brokers, topics: [{ name: 't', partitions: 3, replicationFactor: brokers }], transactionVersion });
  await cluster.start();
  return cluster;
}

function transactional(cluster: FakeCluster, options: Partial<ProducerOptions> = {}): Producer {
  const producer = new Producer({ bootstrapServers: cluster.bootstrapServers, transactionalId: 'tx-1', retryBackoffMs: 10, maxBlockMs: 10_000, ...options });
  producers.push(producer);
  return producer;
}

// Counts the requests of `api` from now on (the rule lets every request through unchanged).
function counter(cluster: FakeCluster, api: 'AddPartitionsToTxn' | 'AddOffsetsToTxn' | 'InitProducerId' | 'EndTxn') {
  return cluster.intercept({ api }, { delayMs: 0 }, { times: Number.POSITIVE_INFINITY });
}

afterEach(async () => {
  for (const producer of producers.splice(0)) await producer.close({ timeoutMs: 0 });
  await cluster?.stop();
  cluster = undefined;
});

// Runs three transactions (a commit with offsets, an abort, a commit) and returns, per transaction,
// the producer epoch and first sequence of what it wrote to partition 0.
async function threeTransactions(cluster: FakeCluster, producer: Producer): Promise<{ epoch: number; sequence: number; state: string }[]> {
  await producer.initTransactions();
  await producer.transaction(async (tx) => {
    await Promise.all([0, 1, 0].map((partition, index) => tx.send({ topic: 't', partition, value: `first-${index}` })));
    await tx.sendOffsetsToTransaction([{ topic: 't', partition: 2, offset: 7n }], 'group-a');
  });
  producer.beginTransaction();
  await producer.send({ topic: 't', partition: 0, value: 'second' });
  await producer.abortTransaction();
  await producer.transaction(async (tx) => {
    await tx.send({ topic: 't', partition: 0, value: 'third' });
  });
  const records = cluster.records('t', 0);
  return ['first-0', 'second', 'third'].map((value) => {
    const record = records.find((candidate) => candidate.value?.toString() === value)!;
    return { epoch: record.producerEpoch, sequence: record.sequence, state: record.state };
  });
}

describe('transaction protocol chosen by the cluster', () => {
  it('transaction.version 2: no AddPartitionsToTxn nor AddOffsetsToTxn, a new epoch for every transaction, sequences from 0', async () => {
    const cluster = await setup(2);
    const producer = transactional(cluster);
    const addPartitions = counter(cluster, 'AddPartitionsToTxn');
    const addOffsets = counter(cluster, 'AddOffsetsToTxn');
    const initProducerId = counter(cluster, 'InitProducerId');
    const written = await threeTransactions(cluster, producer);
    assert.equal(addPartitions.hits, 0, 'partitions are added by their leaders');
    assert.equal(addOffsets.hits, 0, 'offsets are added by the group coordinator');
    assert.equal(initProducerId.hits, 1, 'only initTransactions() asked for an epoch');
    const first = written[0]!.epoch;
    assert.deepEqual(written, [
      { epoch: first, sequence: 0, state: 'committed' },
      { epoch: first + 1, sequence: 0, state: 'aborted' },
      { epoch: first + 2, sequence: 0, state: 'committed' },
    ]);
    assert.equal(cluster.committedOffset('group-a', 't', 2), 7n);
    assert.deepEqual(
      cluster.records('t', 1).map((record) => `${record.value?.toString()}:${record.state}`),
      ['first-1:committed'],
    );
  });

  it('transaction.version 1: AddPartitionsToTxn and AddOffsetsToTxn, one epoch for every transaction', async () => {
    const cluster = await setup(1);
    const producer = transactional(cluster);
    const addPartitions = counter(cluster, 'AddPartitionsToTxn');
    const addOffsets = counter(cluster, 'AddOffsetsToTxn');
    const written = await threeTransactions(cluster, producer);
    assert.ok(addPartitions.hits >= 3, `${addPartitions.hits} AddPartitionsToTxn requests`);
    assert.equal(addOffsets.hits, 1);
    const first = written[0]!.epoch;
    assert.deepEqual(
      written.map(({ epoch, state }) => ({ epoch, state })),
      [
        { epoch: first, state: 'committed' },
        { epoch: first, state: 'aborted' },
        { epoch: first, state: 'committed' },
      ],
    );
    assert.equal(cluster.committedOffset('group-a', 't', 2), 7n);
  });
});

describe('transactions v2 failures', () => {
  it('an EndTxn applied but unanswered is sent again, and the retry is told the epoch it bumped to', async () => {
    const cluster = await setup(2);
    const producer = transactional(cluster, { requestTimeoutMs: 300, maxBlockMs: 5000 });
    await producer.initTransactions();
    producer.beginTransaction();
    await producer.send({ topic: 't', partition: 0, value: 'a' });
    const lost = cluster.intercept({ api: 'EndTxn' }, { dropResponse: true }, { times: 1 });
    const endTxn = counter(cluster, 'EndTxn');
    await producer.commitTransaction();
    assert.equal(lost.hits, 1);
    assert.ok(endTxn.hits >= 1, 'EndTxn was sent again');
    producer.beginTransaction();
    await producer.send({ topic: 't', partition: 0, value: 'b' });
    await producer.commitTransaction();
    const [a, b] = cluster.records('t', 0);
    assert.deepEqual(
      [a, b].map((record) => `${record?.value?.toString()}:${record?.state}`),
      ['a:committed', 'b:committed'],
    );
    assert.equal(b!.producerEpoch, a!.producerEpoch + 1, 'the next transaction ran under the bumped epoch');
  });

  it('a cluster moving from transaction.version 1 to 2 is followed after one epoch bump, between two transactions', async () => {
    const cluster = await setup(1, 1);
    const producer = transactional(cluster, { reconnectBackoffMs: 10, reconnectBackoffMaxMs: 50 });
    await producer.initTransactions();
    await producer.transaction(async (tx) => {
      await tx.send({ topic: 't', partition: 0, value: 'v1-a' });
    });
    // The upgrade; the broker restarts so that the producer's connections learn the new level.
    cluster.setTransactionVersion(2);
    await cluster.stopBroker(1);
    await cluster.startBroker(1);
    const initProducerId = counter(cluster, 'InitProducerId');
    await producer.transaction(async (tx) => {
      await tx.send({ topic: 't', partition: 0, value: 'v1-b' });
    });
    assert.equal(initProducerId.hits, 1, 'the commit of the last first-protocol transaction bumped the epoch');
    const addPartitions = counter(cluster, 'AddPartitionsToTxn');
    await producer.transaction(async (tx) => {
      await tx.send({ topic: 't', partition: 0, value: 'v2-a' });
    });
    producer.beginTransaction();
    await producer.send({ topic: 't', partition: 0, value: 'v2-b' });
    await producer.abortTransaction();
    assert.equal(addPartitions.hits, 0, 'transactions v2 from then on');
    const records = cluster.records('t', 0);
    assert.deepEqual(
      records.map((record) => `${record.value?.toString()}:${record.state}`),
      ['v1-a:committed', 'v1-b:committed', 'v2-a:committed', 'v2-b:aborted'],
    );
    const epochs = records.map((record) => record.producerEpoch);
    assert.deepEqual(epochs, [epochs[0], epochs[0], epochs[0]! + 1, epochs[0]! + 2]);
  });

  for (const version of [2, 1] as const) {
    it(`the coordinator's broker stopped mid-transaction: the producer finds the new coordinator and commits (transaction.version ${version})`, async () => {
      const cluster = await setup(version);
      const producer = transactional(cluster, { requestTimeoutMs: 1000, reconnectBackoffMs: 10, reconnectBackoffMaxMs: 100 });
      await producer.initTransactions();
      producer.beginTransaction();
      await producer.send({ topic: 't', partition: 0, value: 'a' });
      const coordinator = cluster.coordinatorOf('tx-1');
      await cluster.stopBroker(coordinator);
      assert.notEqual(cluster.coordinatorOf('tx-1'), coordinator, 'the coordinator moved');
      await producer.send({ topic: 't', partition: 1, value: 'b' });
      await producer.commitTransaction();
      await cluster.startBroker(coordinator);
      const committed = [0, 1].flatMap((partition) => cluster.records('t', partition).map((record) => `${record.value?.toString()}:${record.state}`));
      assert.deepEqual(committed, ['a:committed', 'b:committed']);
    });
  }
});
