// The Producer against an independent broker, librdkafka's mock cluster, read back by librdkafka's
// consumer with CRC checks: every codec, injected errors, lost acks (delays past the request
// timeout), leader moves, brokers down and up, and transactions. Every test runs against the mock
// of each librdkafka build (the system's 2.0.2 and a recent one, which speaks newer, flexible
// versions: Metadata v12, Produce v10). The mock appends duplicates of retried batches
// for non-transactional producers (it checks no sequences), so the test checks the stored batch
// headers instead: a duplicate must be an exact retransmission (same producer id, epoch and base
// sequence), which a real broker deduplicates, and the logical log must equal the call order.
import * as assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Producer } from '../../src/index.js';
import type { CompressionType } from '../../src/producer/options.js';
import { type ApiName, apiSpecs, supportedVersions } from '../../src/protocol/index.js';
import { waitUntil } from '../kafka/admin.js';
import {
  buildOf,
  interopSuites,
  type MockCluster,
  type ReadBackOptions,
  type ReadBackRecord,
  readBack,
  readBatchHeaders,
  type StoredBatch,
  startPreparedMockCluster,
} from './harness.js';
import { type MockFacts, mockFacts } from './mock-facts.js';

const targets = await interopSuites();

/** Records of the log with exact retransmissions of a batch removed (what a real broker keeps). */
function logicalLog(records: readonly ReadBackRecord[], batches: readonly StoredBatch[]): ReadBackRecord[] {
  const seen = new Set<string>();
  const kept: ReadBackRecord[] = [];
  for (const batch of batches) {
    if (batch.isControl) continue;
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

/**
 * Checks that `partition` holds `expected` exactly once, in call order, read back by librdkafka, and
 * returns its stored batches, control batches (transaction markers) included. Data batches must
 * carry a valid CRC-32C; the markers of a mock that writes them without one are read past with
 * check.crcs=false (the data batches' CRCs are checked here instead).
 */
async function checkPartition(
  cluster: MockCluster,
  topic: string,
  partition: number,
  expected: readonly string[],
  readOptions: ReadBackOptions = {},
): Promise<StoredBatch[]> {
  const records = await readBack(cluster, topic, partition, readOptions);
  const batches = await readBatchHeaders(cluster.bootstrapServers, topic, partition, { maxBatches: 100_000 });
  const data = batches.filter((batch) => !batch.isControl);
  for (const batch of data) assert.ok(batch.crcValid, 'every stored data batch has a valid CRC-32C');
  const logical = logicalLog(records, batches).map((record) => record.value?.toString() ?? '<null>');
  assert.deepEqual(logical, expected, `partition ${partition}: exactly once, in call order`);
  // Sequences of one producer epoch are contiguous from 0 in the logical log.
  const byEpoch = new Map<string, StoredBatch[]>();
  for (const batch of data) {
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

for (const target of targets) {
  describe(`Producer against the ${target.label} mock cluster`, { skip: target.skip }, () => {
    let cluster: MockCluster;
    let facts: MockFacts;
    before(async () => {
      const librdkafka = buildOf(target);
      facts = mockFacts(librdkafka.version);
      const topics = [...codecs, ...faultTopics, 'transactions'].map((name) => ({ name, partitions: 3 }));
      cluster = await startPreparedMockCluster({ librdkafka, brokers: 3, topics }, async (started) => {
        for (const name of faultTopics) {
          for (let partition = 0; partition < 3; partition++) await started.command(`leader ${name} ${partition} ${partition + 1}`);
        }
      });
    });
    after(async () => {
      await cluster?.stop();
    });

    it('speaks the highest version of each API that both it and the mock speak, and ApiVersions v0 after a refusal', async (t) => {
      const librdkafka = buildOf(target);
      const logged = await startPreparedMockCluster({ librdkafka, brokers: 3, topics: [{ name: 'versions', partitions: 3 }], debug: true });
      try {
        const debugLines: string[] = [];
        const idempotent = new Producer({
          bootstrapServers: logged.bootstrapServers,
          lingerMs: 1,
          logger: { debug: (message) => debugLines.push(message) },
        });
        try {
          await Promise.all(Array.from({ length: 30 }, (_, index) => idempotent.send({ topic: 'versions', partition: index % 3, value: `v-${index}` })));
        } finally {
          await idempotent.close();
        }
        const transactional = new Producer({ bootstrapServers: logged.bootstrapServers, transactionalId: 'versions-tx' });
        try {
          await transactional.initTransactions();
          await transactional.transaction(async (tx) => {
            await tx.send({ topic: 'versions', partition: 0, value: 'in a transaction' });
          });
        } finally {
          await transactional.close();
        }
        // Bytes after a response's last field are taken, and logged at debug level.
        const trailing = [...new Set(debugLines.filter((line) => line.startsWith('ignored ')).map((line) => line.replace(/ from .*/, '')))];
        assert.deepEqual(trailing, facts.metadataTrailingBytes === 0 ? [] : [`ignored ${facts.metadataTrailingBytes} bytes after the last field of a Metadata v12 response`]);
        // The mock's log names ApiVersions "ApiVersion"; the rest as this package does.
        const loggedApi = (name: string): ApiName => {
          const logName = name.split(' v')[0]!;
          return (logName === 'ApiVersion' ? 'ApiVersions' : logName) as ApiName;
        };
        const expectedApis: ApiName[] = ['ApiVersions', 'Metadata', 'InitProducerId', 'Produce', 'FindCoordinator', 'AddPartitionsToTxn', 'EndTxn'];
        // The log reaches this process through the mock's stderr, which may trail the answers the
        // producer already had (EndTxn, the last request): give it up to 5 s to catch up.
        await waitUntil(
          'the mock to log every request',
          () => expectedApis.every((api) => [...logged.requests().keys()].some((name) => loggedApi(name) === api)),
          5_000,
        ).catch(() => undefined);
        const sent = new Map<ApiName, number[]>();
        for (const name of logged.requests().keys()) {
          const api = loggedApi(name);
          sent.set(api, [...(sent.get(api) ?? []), Number(name.split(' v')[1])].sort((a, b) => a - b));
        }
        t.diagnostic(`${target.label} mock: the producer sent ${[...sent].map(([api, versions]) => `${api} v${versions.join('/v')}`).join(', ')}`);
        assert.deepEqual([...sent.keys()].sort(), [...expectedApis].sort(), 'the requests an idempotent and a transactional producer send');
        for (const api of expectedApis) {
          const highest = Math.min(facts.apiRanges[apiSpecs[api].apiKey]![1], supportedVersions(api).max);
          // ApiVersions is first asked at the client's newest version; both mocks refuse it in a layout
          // that is no version's (mock-behaviour.test.ts), which names no range, so v0 follows.
          const expected = api === 'ApiVersions' && supportedVersions(api).max > highest ? [0, supportedVersions(api).max] : [highest];
          assert.deepEqual(sent.get(api), expected, `${api} versions`);
        }
      } finally {
        await logged.stop();
      }
    });

    for (const compression of codecs) {
      it(`writes records librdkafka reads back byte-exact (${compression})`, async () => {
        const producer = new Producer({ bootstrapServers: cluster.bootstrapServers, compression, lingerMs: 2 });
        try {
          const metadata = await producer.send({ topic: compression, partition: 1, key: Buffer.from([0, 1, 2, 255]), value: null, headers: [['h', null], ['h', 'x']] });
          assert.equal(metadata.partition, 1);
          const expected = await produceKeyed(producer, compression, 600, 3);
          const records = await readBack(cluster, compression, 1);
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

    it('runs committed and aborted transactions: the mock checks their sequences, librdkafka reads them back', async () => {
      const producer = new Producer({ bootstrapServers: cluster.bootstrapServers, transactionalId: 'interop-tx', retryBackoffMs: 10 });
      const outcomes = ['COMMIT', 'ABORT', 'COMMIT'] as const;
      try {
        await producer.initTransactions();
        // Per partition, the values of each round.
        const rounds: string[][][] = [[], [], []];
        for (const [round, outcome] of outcomes.entries()) {
          producer.beginTransaction();
          const sends = Array.from({ length: 90 }, (_, index) => {
            const partition = index % 3;
            const value = `tx${round}-${index}`;
            (rounds[partition]![round] ??= []).push(value);
            return producer.send({ topic: 'transactions', partition, value });
          });
          await Promise.all(sends);
          if (outcome === 'COMMIT') await producer.commitTransaction();
          else await producer.abortTransaction();
        }
        // The mock keeps aborted records readable (its Fetch lists no aborted transactions), so
        // read_uncommitted sees every round; the markers tell the outcome of each.
        const readOptions: ReadBackOptions = facts.transactionMarkers === 'without-crc' ? { config: { 'check.crcs': 'false' } } : {};
        for (let partition = 0; partition < 3; partition++) {
          const expected = rounds[partition]!.flat();
          const batches = await checkPartition(cluster, 'transactions', partition, expected, readOptions);
          assert.ok(batches.every((batch) => batch.isTransactional), 'every stored batch carries the transactional bit');
          const markers = batches.filter((batch) => batch.isControl);
          if (facts.transactionMarkers === 'none') {
            assert.equal(markers.length, 0, 'this mock writes no transaction markers');
            continue;
          }
          // Each round's data, then its marker: split the log at the markers.
          const segments: string[][] = [[]];
          const kinds: string[] = [];
          const seen = new Set<string>();
          for (const batch of batches) {
            if (batch.isControl) {
              assert.equal(batch.records?.length, 1, 'a marker holds one control record');
              kinds.push(batch.records![0]!.key?.readInt16BE(2) === 1 ? 'COMMIT' : 'ABORT');
              assert.deepEqual([batch.producerId, batch.producerEpoch], [batches[0]!.producerId, batches[0]!.producerEpoch]);
              segments.push([]);
              continue;
            }
            const key = `${batch.producerEpoch}/${batch.baseSequence}`;
            if (seen.has(key)) continue;
            seen.add(key);
            segments[segments.length - 1]!.push(...(batch.records ?? []).map((record) => record.value?.toString() ?? '<null>'));
          }
          assert.deepEqual(kinds, outcomes, `partition ${partition}: one marker per transaction, with its outcome`);
          assert.deepEqual(segments, [...rounds[partition]!, []], `partition ${partition}: each marker right after its transaction's records`);
        }
      } finally {
        await producer.close();
      }
    });
  });
}
