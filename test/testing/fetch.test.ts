// FakeCluster's Fetch and ListOffsets over raw sockets: byte-exact batches whose CRCs verify, byte
// limits, fetch offsets inside a batch, the long poll and its cap, topic ids (v13+), sessions, and
// offset lookups by earliest, latest, timestamp and max timestamp.
import * as assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { FetchRequestFetchPartition } from '../../src/protocol/index.js';
import { readRecordBatches } from '../../src/records/index.js';
import { Fixture } from './fixture.js';
import { buildBatch, onlyPartition, produceBody, type RawClient, values } from './raw-client.js';

let fixture: Fixture;
let client: RawClient;

beforeEach(async () => {
  fixture = await Fixture.start({ brokers: 1, topics: [{ name: 't', partitions: 2, replicationFactor: 1 }], maxFetchWaitMs: 300 });
  client = await fixture.connect(1);
});
afterEach(() => fixture.stop());

async function produce(partition: number, batch: Buffer): Promise<bigint> {
  const answer = onlyPartition(await client.request('Produce', 9, produceBody('t', partition, batch)));
  assert.equal(answer.errorCode, 0);
  return answer.baseOffset;
}

function fetchRequest(partitions: Partial<FetchRequestFetchPartition>[], options: { maxWaitMs?: number; maxBytes?: number; sessionId?: number } = {}) {
  return {
    replicaId: -1,
    maxWaitMs: options.maxWaitMs ?? 0,
    minBytes: 1,
    maxBytes: options.maxBytes ?? 1 << 20,
    isolationLevel: 0,
    sessionId: options.sessionId ?? 0,
    sessionEpoch: -1,
    topics: [
      {
        topic: 't',
        partitions: partitions.map((partition) => ({
          partition: 0,
          currentLeaderEpoch: -1,
          fetchOffset: 0n,
          logStartOffset: -1n,
          partitionMaxBytes: 1 << 20,
          ...partition,
        })),
      },
    ],
    forgottenTopicsData: [],
    rackId: '',
  };
}

describe('Fetch', () => {
  it('returns stored batches byte for byte (offsets stamped), with valid CRCs', async () => {
    const produced = await buildBatch([{ key: 'k', value: 'v', headers: [['h', 'x']] }], { compression: 'gzip' });
    await produce(0, await buildBatch(values('first')));
    await produce(0, produced);
    const response = await client.request('Fetch', 11, fetchRequest([{ fetchOffset: 1n }]));
    const partition = response.responses[0]!.partitions[0]!;
    assert.deepEqual([partition.errorCode, partition.highWatermark, partition.lastStableOffset, partition.logStartOffset], [0, 2n, 2n, 0n]);
    const fetched = partition.records!;
    assert.equal(fetched.readBigInt64BE(0), 1n, 'the broker assigned baseOffset 1');
    assert.deepEqual(fetched.subarray(16), produced.subarray(16), 'everything from the magic byte on is as produced');
    const [batch] = await readRecordBatches(fetched);
    assert.equal(batch!.records[0]!.value!.toString(), 'v');
  });

  it('respects partition and request byte limits, returning at least one batch', async () => {
    for (let index = 0; index < 5; index++) await produce(0, await buildBatch([{ value: 'x'.repeat(1000) }]));
    await produce(1, await buildBatch([{ value: 'y'.repeat(1000) }]));
    const count = async (partitionMaxBytes: number, maxBytes = 1 << 20) => {
      const response = await client.request('Fetch', 11, fetchRequest([{ partitionMaxBytes }, { partition: 1, partitionMaxBytes }], { maxBytes }));
      return Promise.all(response.responses[0]!.partitions.map(async (partition) => (await readRecordBatches(partition.records!)).length));
    };
    assert.deepEqual(await count(2500), [2, 1]);
    assert.deepEqual(await count(10), [1, 0], 'the first partition gets one batch however small the limit');
    assert.deepEqual(await count(1 << 20, 3300), [3, 0], 'the request limit is shared');
  });

  it('answers a fetch offset inside a batch with that batch, and OFFSET_OUT_OF_RANGE beyond the end', async () => {
    await produce(0, await buildBatch(values('a', 'b', 'c')));
    const inside = await client.request('Fetch', 11, fetchRequest([{ fetchOffset: 2n }]));
    assert.equal((await readRecordBatches(inside.responses[0]!.partitions[0]!.records!))[0]!.baseOffset, 0n);
    const beyond = await client.request('Fetch', 11, fetchRequest([{ fetchOffset: 4n }]));
    assert.equal(beyond.responses[0]!.partitions[0]!.errorCode, 1);
  });

  it('waits for data up to maxWaitMs, capped by maxFetchWaitMs, and wakes up on an append', async () => {
    let started = Date.now();
    const empty = await client.request('Fetch', 11, fetchRequest([{}], { maxWaitMs: 5000 }));
    const waited = Date.now() - started;
    assert.ok(waited >= 250 && waited < 2000, `waited ${waited} ms (cap 300)`);
    assert.equal(empty.responses[0]!.partitions[0]!.records!.length, 0);
    await fixture.stop();
    fixture = await Fixture.start({ brokers: 1, topics: [{ name: 't', partitions: 1, replicationFactor: 1 }], maxFetchWaitMs: 5000 });
    const [reader, writer] = [await fixture.connect(1), await fixture.connect(1)];
    started = Date.now();
    const waiting = reader.request('Fetch', 11, fetchRequest([{}], { maxWaitMs: 4000 }));
    setTimeout(async () => writer.request('Produce', 9, produceBody('t', 0, await buildBatch(values('wake up')))), 100);
    const woken = await waiting;
    assert.ok(Date.now() - started < 2000, 'answered on the append, not at maxWaitMs');
    assert.ok(woken.responses[0]!.partitions[0]!.records!.length > 0);
  });

  it('speaks topic ids from v13 and refuses unknown sessions', async () => {
    await produce(0, await buildBatch(values('by id')));
    const metadata = await client.request('Metadata', 12, { topics: null });
    const topicId = metadata.topics[0]!.topicId!;
    const request = { ...fetchRequest([{}]), topics: [{ topicId, partitions: fetchRequest([{}]).topics[0]!.partitions }] };
    const response = await client.request('Fetch', 16, request);
    assert.equal(response.responses[0]!.topicId, topicId);
    assert.equal((await readRecordBatches(response.responses[0]!.partitions[0]!.records!))[0]!.records[0]!.value!.toString(), 'by id');
    const unknown = await client.request('Fetch', 13, { ...request, topics: [{ topicId: '11111111-1111-4111-a111-111111111111', partitions: request.topics[0]!.partitions }] });
    assert.equal(unknown.responses[0]!.partitions[0]!.errorCode, 100);
    const session = await client.request('Fetch', 11, fetchRequest([{}], { sessionId: 42 }));
    assert.deepEqual([session.errorCode, session.sessionId], [70, 0]);
  });
});

describe('ListOffsets', () => {
  async function lookUp(timestamp: bigint, version = 7, isolationLevel = 0) {
    const response = await client.request('ListOffsets', version, {
      replicaId: -1,
      isolationLevel,
      topics: [{ name: 't', partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp, maxNumOffsets: 1 }] }],
    });
    return response.topics[0]!.partitions[0]!;
  }

  it('finds earliest, latest, by timestamp and max timestamp', async () => {
    await produce(0, await buildBatch([{ value: 'a', timestamp: 1000 }, { value: 'b', timestamp: 3000 }]));
    await produce(0, await buildBatch([{ value: 'c', timestamp: 2000 }]));
    assert.equal((await lookUp(-2n)).offset, 0n);
    assert.equal((await lookUp(-1n)).offset, 3n);
    assert.deepEqual([(await lookUp(1500n)).offset, (await lookUp(1500n)).timestamp], [1n, 3000n]);
    assert.deepEqual([(await lookUp(2500n)).offset, (await lookUp(3001n)).offset], [1n, -1n]);
    assert.deepEqual([(await lookUp(-3n)).offset, (await lookUp(-3n)).timestamp], [1n, 3000n]);
    assert.deepEqual((await lookUp(-1n, 0)).oldStyleOffsets, [3n]);
  });

  it('answers latest with the last stable offset for read_committed', async () => {
    const coordinator = await fixture.connect(1);
    const init = await coordinator.request('InitProducerId', 1, { transactionalId: 'tx', transactionTimeoutMs: 10_000 });
    await produce(0, await buildBatch(values('before')));
    await coordinator.request('AddPartitionsToTxn', 1, {
      v3AndBelowTransactionalId: 'tx',
      v3AndBelowProducerId: init.producerId,
      v3AndBelowProducerEpoch: init.producerEpoch,
      v3AndBelowTopics: [{ name: 't', partitions: [0] }],
    });
    const batch = await buildBatch(values('open'), { producerId: init.producerId, producerEpoch: init.producerEpoch, baseSequence: 0, transactional: true });
    assert.equal(onlyPartition(await client.request('Produce', 9, produceBody('t', 0, batch, { transactionalId: 'tx' }))).errorCode, 0);
    assert.equal((await lookUp(-1n, 5, 0)).offset, 2n);
    assert.equal((await lookUp(-1n, 5, 1)).offset, 1n);
  });
});
