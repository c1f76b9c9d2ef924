// The Producer against an independent broker, librdkafka's mock cluster, read back by librdkafka's
// consumer with CRC checks: every codec, injected errors, lost acks (delays past the request
// timeout), leader moves and brokers down and up. The mock appends duplicates of retried batches
// for non-transactional producers (it checks no sequences), so the test checks the stored batch
// headers instead: a duplicate must be an exact retransmission (same producer id, epoch and base
// sequence), which a real broker deduplicates, and the logical log must equal the call order.
import * as assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Producer } from '../../src/index.js';
import type { CompressionType } from '../../src/producer/options.js';
import { librdkafkaAvailable, type MockCluster, type ReadBackRecord, readBack, readBatchHeaders, type StoredBatch, startPreparedMockCluster } from './harness.js';

const availability = librdkafkaAvailable();
const skip = availability.ok ? false : `librdkafka-dev / kcat not installed: ${availability.reason}`;

/** Records of the log with exact retransmissions of a batch removed (what a real broker keeps). */
function logicalLog(records: readonly ReadBackRecord[], batches: readonly StoredBatch[]): ReadBackRecord[] {
  const seen = new Set<string>();
  const kept: ReadBackRecord[] = [];
  for (const batch of batches) {
    const key = `${batch.producerId}/${batch.producerEpoch}/${batch.baseSequence}`;
    const first = batch.baseOffset;
    const last = batch.baseOffset + BigInt(batch.lastOffsetDelta);
    const members = records.filter((record) => record.offset >= first && record.offset <= last);
    if (batch.producerId >= 0n && seen.has(key)) continue;
    seen.add(key);
    kept.push(...members);
  }
  return kept;
}

async function checkPartition(cluster: MockCluster, topic: string, partition: number, expected: readonly string[]): Promise<StoredBatch[]> {
  const records = await readBack(cluster.bootstrapServers, topic, partition);
  const batches = await readBatchHeaders(cluster.bootstrapServers, topic, partition, { maxBatches: 100_000 });
  for (const batch of batches) assert.ok(batch.crcValid, 'every stored batch has a valid CRC-32C');
  const logical = logicalLog(records, batches).map((record) => record.value?.toString() ?? '<null>');
  assert.deepEqual(logical, expected, `partition ${partition}: exactly once, in call order`);
  // Sequences of one producer epoch are contiguous from 0 in the logical log.
  const byEpoch = new Map<string, StoredBatch[]>();
  for (const batch of batches) {
    const key = `${batch.producerId}/${batch.producerEpoch}`;
    const list = byEpoch.get(key) ?? [];
    if (!list.some((other) => other.baseSequence === batch.baseSequence)) list.push(batch);
    byEpoch.set(key, list);
  }
  for (const list of byEpoch.values()) {
    let next = 0;
    for (const batch of list.sort((left, right) => left.baseSequence - right.baseSequence)) {
      assert.equal(batch.baseSequence, next, 'no sequence gap within an epoch');
      next += batch.recordCount;
    }
  }
  return batches;
}

async function produceKeyed(producer: Producer, topic: string, count: number, partitions: number): Promise<string[][]> {
  const expected: string[][] = Array.from({ length: partitions }, () => []);
  const sends: Promise<unknown>[] = [];
  for (let index = 0; index < count; index++) {
    const partition = index % partitions;
    const value = `value-${index}`;
    expected[partition]!.push(value);
    sends.push(producer.send({ topic, partition, key: `key-${index}`, value, headers: { index: String(index), dup: ['a', 'b'] } }));
  }
  const results = await Promise.allSettled(sends);
  const failures = results.filter((result) => result.status === 'rejected');
  assert.equal(failures.length, 0, `every send succeeds: ${failures.map((failure) => String((failure as PromiseRejectedResult).reason)).slice(0, 3).join('; ')}`);
  return expected;
}

const codecs: CompressionType[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];
const faultTopics = ['errors', 'lost-ack', 'moves', 'down'].flatMap((fault) => codecs.map((codec) => `${fault}-${codec}`));

describe('Producer against the librdkafka mock cluster', { skip }, () => {
  let cluster: MockCluster;
  before(async () => {
    const topics = [...codecs, ...faultTopics, 'transactions'].map((name) => ({ name, partitions: 3 }));
    cluster = await startPreparedMockCluster({ brokers: 3, topics }, async (started) => {
      for (const name of faultTopics) {
        for (let partition = 0; partition < 3; partition++) await started.command(`leader ${name} ${partition} ${partition + 1}`);
      }
    });
  });
  after(async () => {
    await cluster?.stop();
  });

  for (const compression of codecs) {
    it(`writes records librdkafka reads back byte-exact (${compression})`, async () => {
      const producer = new Producer({ bootstrapServers: cluster.bootstrapServers, compression, lingerMs: 2 });
      try {
        const metadata = await producer.send({ topic: compression, partition: 1, key: Buffer.from([0, 1, 2, 255]), value: null, headers: [['h', null], ['h', 'x']] });
        assert.equal(metadata.partition, 1);
        const expected = await produceKeyed(producer, compression, 600, 3);
        const records = await readBack(cluster.bootstrapServers, compression, 1);
        assert.deepEqual(records[0]!.key, Buffer.from([0, 1, 2, 255]));
        assert.equal(records[0]!.value, null);
        assert.deepEqual(records[0]!.headers, [['h', null], ['h', Buffer.from('x')]]);
        assert.deepEqual(records[1]!.headers, [['index', Buffer.from('1')], ['dup', Buffer.from('a')], ['dup', Buffer.from('b')]]);
        assert.equal(records[1]!.key?.toString(), 'key-1');
        expected[1]!.unshift('<null>');
        for (let partition = 0; partition < 3; partition++) await checkPartition(cluster, compression, partition, expected[partition]!);
      } finally {
        await producer.close();
      }
    });
  }

  for (const compression of codecs) {
    it(`retries injected retriable errors and writes each record once (${compression})`, async () => {
      await cluster.command('push-errors 0 4 NOT_ENOUGH_REPLICAS NOT_LEADER_FOR_PARTITION REQUEST_TIMED_OUT NOT_ENOUGH_REPLICAS');
      const producer = new Producer({ bootstrapServers: cluster.bootstrapServers, compression, retryBackoffMs: 10, retryBackoffMaxMs: 50 });
      try {
        const expected = await produceKeyed(producer, `errors-${compression}`, 300, 3);
        for (let partition = 0; partition < 3; partition++) await checkPartition(cluster, `errors-${compression}`, partition, expected[partition]!);
        assert.ok(producer.metrics()['record-retry-total']! > 0, 'the injected errors caused retries');
      } finally {
        await producer.close();
      }
    });

    it(`resends a batch whose ack was lost with the same sequence (${compression})`, async () => {
      // The mock appends, then answers after 1.5 s: past the 1 s request timeout, so the ack is lost.
      await cluster.command('broker-push-errors 2 0 1 0:1500');
      const producer = new Producer({ bootstrapServers: cluster.bootstrapServers, compression, requestTimeoutMs: 1000, deliveryTimeoutMs: 20_000, retryBackoffMs: 10 });
      try {
        const expected = await produceKeyed(producer, `lost-ack-${compression}`, 300, 3);
        const batches = await checkPartition(cluster, `lost-ack-${compression}`, 1, expected[1]!);
        const keys = batches.map((batch) => `${batch.producerId}/${batch.producerEpoch}/${batch.baseSequence}`);
        assert.ok(keys.length > new Set(keys).size, 'the mock stored the retransmission (a real broker would deduplicate it)');
        for (const partition of [0, 2]) await checkPartition(cluster, `lost-ack-${compression}`, partition, expected[partition]!);
      } finally {
        await producer.close();
      }
    });

    it(`follows leader moves mid-stream (${compression})`, async () => {
      const producer = new Producer({ bootstrapServers: cluster.bootstrapServers, compression, retryBackoffMs: 10, lingerMs: 1 });
      try {
        const expected: string[][] = [[], [], []];
        const sends: Promise<unknown>[] = [];
        for (let round = 0; round < 6; round++) {
          for (let index = 0; index < 100; index++) {
            const partition = index % 3;
            const value = `r${round}-${index}`;
            expected[partition]!.push(value);
            sends.push(producer.send({ topic: `moves-${compression}`, partition, value }));
          }
          await cluster.command(`leader moves-${compression} ${round % 3} ${((round + 1) % 3) + 1}`);
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        await Promise.all(sends);
        for (let partition = 0; partition < 3; partition++) await checkPartition(cluster, `moves-${compression}`, partition, expected[partition]!);
      } finally {
        await producer.close();
      }
    });

    it(`keeps records while a broker is down and delivers them when it is back (${compression})`, async () => {
      const producer = new Producer({ bootstrapServers: cluster.bootstrapServers, compression, retryBackoffMs: 20, reconnectBackoffMs: 20, reconnectBackoffMaxMs: 100, requestTimeoutMs: 2000 });
      try {
        await producer.send({ topic: `down-${compression}`, partition: 0, value: 'before' });
        await cluster.command('broker-down 1');
        const sends = Array.from({ length: 50 }, (_, index) => producer.send({ topic: `down-${compression}`, partition: 0, value: `during-${index}` }));
        await new Promise((resolve) => setTimeout(resolve, 500));
        await cluster.command('broker-up 1');
        await Promise.all(sends);
        await checkPartition(cluster, `down-${compression}`, 0, ['before', ...Array.from({ length: 50 }, (_, index) => `during-${index}`)]);
      } finally {
        await producer.close();
      }
    });
  }

  it('runs transactions: the mock checks their sequences, librdkafka reads them back', async () => {
    const producer = new Producer({ bootstrapServers: cluster.bootstrapServers, transactionalId: 'interop-tx', retryBackoffMs: 10 });
    try {
      await producer.initTransactions();
      const expected: string[][] = [[], [], []];
      for (let round = 0; round < 3; round++) {
        await producer.transaction(async (tx) => {
          await Promise.all(
            Array.from({ length: 90 }, (_, index) => {
              const partition = index % 3;
              const value = `tx${round}-${index}`;
              expected[partition]!.push(value);
              return tx.send({ topic: 'transactions', partition, value });
            }),
          );
        });
      }
      for (let partition = 0; partition < 3; partition++) {
        const batches = await checkPartition(cluster, 'transactions', partition, expected[partition]!);
        assert.ok(batches.every((batch) => batch.isTransactional), 'every stored batch carries the transactional bit');
      }
    } finally {
      await producer.close();
    }
  });
});
