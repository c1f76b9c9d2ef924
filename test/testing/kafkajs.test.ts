// KafkaJS, an independent client, against FakeCluster: it produces a few thousand records (keys,
// headers, gzip) and reads them back with a consumer group, and runs an idempotent and a
// transactional producer, so the cluster is proven to speak Kafka and not only this package.
import * as assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CompressionTypes, type Consumer, Kafka, logLevel, type Producer } from 'kafkajs';
import { FakeCluster } from '../../src/testing/index.js';

const TOTAL = 3000;

describe('KafkaJS against FakeCluster', () => {
  let cluster: FakeCluster;
  let kafka: Kafka;
  const clients: { disconnect(): Promise<void> }[] = [];

  before(async () => {
    cluster = new FakeCluster({ brokers: 3, topics: [{ name: 'orders', partitions: 3, replicationFactor: 3 }] });
    await cluster.start();
    kafka = new Kafka({
      clientId: 'kafkajs-interop',
      brokers: cluster.bootstrapServers.split(','),
      logLevel: logLevel.NOTHING,
      retry: { retries: 8, initialRetryTime: 50, maxRetryTime: 500 },
    });
  });

  after(async () => {
    for (const client of clients) await client.disconnect().catch(() => undefined);
    await cluster.stop();
    assert.deepEqual(cluster.serverErrors, []);
  });

  function track<T extends { disconnect(): Promise<void> }>(client: T): T {
    clients.push(client);
    return client;
  }

  it('produces records with keys, headers and gzip, and a consumer group reads them all back', async () => {
    const producer: Producer = track(kafka.producer());
    await producer.connect();
    for (let start = 0; start < TOTAL; start += 500) {
      const messages = Array.from({ length: 500 }, (_, offset) => {
        const index = start + offset;
        return { key: `key-${index % 37}`, value: `value-${index}`, headers: { index: String(index), source: 'kafkajs' } };
      });
      await producer.send({ topic: 'orders', compression: (start / 500) % 2 === 0 ? CompressionTypes.GZIP : CompressionTypes.None, messages });
    }
    const stored = [0, 1, 2].reduce((sum, partition) => sum + cluster.records('orders', partition).length, 0);
    assert.equal(stored, TOTAL);
    assert.ok(cluster.batches('orders', 0).some((batch) => batch.compression === 'gzip'));

    const consumer: Consumer = track(kafka.consumer({ groupId: 'readers', maxWaitTimeInMs: 100, sessionTimeout: 10_000, heartbeatInterval: 500 }));
    await consumer.connect();
    await consumer.subscribe({ topic: 'orders', fromBeginning: true });
    const seen = new Map<number, { key: string; partition: number; header: string }>();
    const done = new Promise<void>((resolve) => {
      void consumer.run({
        eachMessage: async ({ partition, message }) => {
          const value = message.value!.toString();
          const number = Number(value.slice('value-'.length));
          seen.set(number, { key: message.key!.toString(), partition, header: String(message.headers?.index) });
          if (seen.size === TOTAL) resolve();
        },
      });
    });
    await withTimeout(done, 30_000, () => `consumed ${seen.size} of ${TOTAL}`);
    for (let number = 0; number < TOTAL; number++) {
      const entry = seen.get(number);
      assert.ok(entry, `record ${number} consumed`);
      assert.equal(entry.key, `key-${number % 37}`);
      assert.equal(entry.header, String(number));
    }
    // Records of one key land on one partition, as KafkaJS's partitioner places them.
    const partitionsByKey = new Map<string, Set<number>>();
    for (const entry of seen.values()) partitionsByKey.set(entry.key, (partitionsByKey.get(entry.key) ?? new Set()).add(entry.partition));
    for (const partitions of partitionsByKey.values()) assert.equal(partitions.size, 1);
    await consumer.disconnect();
    const committed = [0, 1, 2].map((partition) => cluster.committedOffset('readers', 'orders', partition));
    assert.deepEqual(committed, [0, 1, 2].map((partition) => cluster.highWatermark('orders', partition)));
  });

  it('runs an idempotent producer and a transactional producer', async () => {
    const idempotent = track(kafka.producer({ idempotent: true, maxInFlightRequests: 1 }));
    await idempotent.connect();
    await idempotent.send({ topic: 'payments', messages: [{ key: 'a', value: 'first' }] });
    const transactional = track(kafka.producer({ transactionalId: 'kafkajs-tx', idempotent: true, maxInFlightRequests: 1 }));
    await transactional.connect();
    const committed = await transactional.transaction();
    await committed.send({ topic: 'payments', messages: [{ key: 'a', value: 'committed' }] });
    await committed.commit();
    const aborted = await transactional.transaction();
    await aborted.send({ topic: 'payments', messages: [{ key: 'a', value: 'aborted' }] });
    await aborted.abort();
    const partition = [0, 1, 2].find((index) => cluster.records('payments', index).length > 0)!;
    const records = cluster.records('payments', partition);
    assert.deepEqual(
      records.map((record) => [record.value?.toString(), record.state]),
      [
        ['first', 'none'],
        ['committed', 'committed'],
        ['aborted', 'aborted'],
      ],
    );
    assert.ok(records[0]!.producerId >= 0n, 'the idempotent producer got a producer id');
    assert.equal(cluster.transactionState('kafkajs-tx'), 'CompleteAbort');

    // KafkaJS reads committed data by default: the aborted record must be filtered out, using the
    // aborted transactions the fetch response lists, and the markers skipped.
    await idempotent.send({ topic: 'payments', messages: [{ key: 'a', value: 'last' }] });
    const consumer = track(kafka.consumer({ groupId: 'payments-reader', maxWaitTimeInMs: 100 }));
    await consumer.connect();
    await consumer.subscribe({ topic: 'payments', fromBeginning: true });
    const seen: string[] = [];
    const done = new Promise<void>((resolve) => {
      void consumer.run({
        eachMessage: async ({ message }) => {
          seen.push(message.value!.toString());
          if (message.value!.toString() === 'last') resolve();
        },
      });
    });
    await withTimeout(done, 20_000, () => `consumed ${seen.join(', ')}`);
    assert.deepEqual(seen, ['first', 'committed', 'last']);
  });
});

async function withTimeout<T>(promise: Promise<T>, ms: number, describe: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${describe()}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
