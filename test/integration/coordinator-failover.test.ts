// The transaction coordinator's broker goes down mid-transaction (FakeCluster): the coordinator
// moves to a live broker, and the producer must look it up again (FindCoordinator) rather than keep
// asking the broker that is gone. The same fault on real Kafka is in test/e2e/real-kafka-transactions.
import * as assert from 'node:assert/strict';
import { afterEach, it } from 'node:test';
import { Producer } from '../../src/index.js';
import { FakeCluster } from '../../src/testing/index.js';
import { within } from '../helpers/producer-check.js';
import { KafkaAdmin } from '../kafka/admin.js';

let cluster: FakeCluster | undefined;
let producer: Producer | undefined;

afterEach(async () => {
  await producer?.close({ timeoutMs: 0 });
  await cluster?.stop();
});

it(
  'commits a transaction whose coordinator broker stopped, through the coordinator found again',
  {},
  async () => {
    cluster = new FakeCluster({ brokers: 3, topics: [{ name: 't', partitions: 3, replicationFactor: 3 }] });
    await cluster.start();
    producer = new Producer({ bootstrapServers: cluster.bootstrapServers, transactionalId: 'tx-failover', retryBackoffMs: 10, retryBackoffMaxMs: 50, maxBlockMs: 3000 });
    await producer.initTransactions();
    const admin = new KafkaAdmin(cluster.bootstrapServers);
    const coordinator = await admin.coordinator('tx-failover', 'transaction').finally(() => admin.close());
    const partition = [0, 1, 2].find((candidate) => cluster!.leader('t', candidate) !== coordinator)!;
    producer.beginTransaction();
    await producer.send({ topic: 't', partition, value: 'a' });
    await cluster.stopBroker(coordinator);
    await within(producer.commitTransaction(), 10_000, 'the commit');
    assert.deepEqual(
      cluster.records('t', partition).map((record) => `${record.value?.toString()}:${record.state}`),
      ['a:committed'],
    );
  },
);
