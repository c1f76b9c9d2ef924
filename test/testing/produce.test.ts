// FakeCluster's Produce over raw sockets: acks 0, 1 and all, offsets, multi-partition requests, and
// the refusals: NOT_LEADER_OR_FOLLOWER, UNKNOWN_TOPIC_OR_PARTITION, MESSAGE_TOO_LARGE, CORRUPT_MESSAGE
// for a bad CRC, INVALID_RECORD for another magic or two batches, INVALID_REQUIRED_ACKS.
import * as assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { Fixture } from './fixture.js';
import { buildBatch, onlyPartition, produceBody, values } from './raw-client.js';

let fixture: Fixture | undefined;
afterEach(async () => {
  await fixture?.stop();
  fixture = undefined;
});

async function start(options: { minInsyncReplicas?: number; maxMessageBytes?: number } = {}): Promise<Fixture> {
  fixture = await Fixture.start({ brokers: 3, topics: [{ name: 't', partitions: 3, replicationFactor: 3 }], ...options });
  return fixture;
}

describe('Produce', () => {
  it('appends with acks 1 and all, and answers base offsets, log start offset and append time -1', async () => {
    const { cluster } = await start();
    const client = await fixture!.connectToLeader('t', 0);
    const first = onlyPartition(await client.request('Produce', 9, produceBody('t', 0, await buildBatch(values('a', 'b', 'c')), { acks: 1 })));
    assert.deepEqual([first.errorCode, first.baseOffset, first.logAppendTimeMs, first.logStartOffset], [0, 0n, -1n, 0n]);
    const second = onlyPartition(await client.request('Produce', 3, produceBody('t', 0, await buildBatch(values('d')), { acks: -1 })));
    assert.deepEqual([second.errorCode, second.baseOffset], [0, 3n]);
    assert.deepEqual(cluster.records('t', 0).map((record) => [record.offset, record.value?.toString()]), [
      [0n, 'a'],
      [1n, 'b'],
      [2n, 'c'],
      [3n, 'd'],
    ]);
    assert.equal(cluster.highWatermark('t', 0), 4n);
    assert.deepEqual(cluster.batches('t', 0).map((batch) => [batch.baseOffset, batch.lastOffset, batch.partitionLeaderEpoch]), [
      [0n, 2n, 0],
      [3n, 3n, 0],
    ]);
  });

  it('appends with acks 0 and sends no response, the next response on the connection is for the next request', async () => {
    const { cluster } = await start();
    const client = await fixture!.connectToLeader('t', 1);
    client.send('Produce', 7, produceBody('t', 1, await buildBatch(values('silent')), { acks: 0 }));
    const answered = onlyPartition(await client.request('Produce', 7, produceBody('t', 1, await buildBatch(values('loud')), { acks: 1 })));
    assert.equal(answered.baseOffset, 1n);
    assert.deepEqual(cluster.records('t', 1).map((record) => record.value?.toString()), ['silent', 'loud']);
  });

  it('closes the connection when a request with acks 0 fails, as Kafka does', async () => {
    await start();
    const follower = (fixture!.cluster.leader('t', 0) % 3) + 1;
    const client = await fixture!.connect(follower);
    client.send('Produce', 7, produceBody('t', 0, await buildBatch(values('x')), { acks: 0 }));
    await client.closed;
  });

  it('processes each partition of a request on its own', async () => {
    const { cluster } = await start();
    const client = await fixture!.connect(1);
    const response = await client.request('Produce', 9, {
      transactionalId: null,
      acks: -1,
      timeoutMs: 1000,
      topicData: [
        {
          name: 't',
          partitionData: [
            { index: 0, records: await buildBatch(values('led by 1')) },
            { index: 1, records: await buildBatch(values('led by 2')) },
            { index: 7, records: await buildBatch(values('no such partition')) },
          ],
        },
        { name: 'missing', partitionData: [{ index: 0, records: await buildBatch(values('no such topic')) }] },
      ],
    });
    assert.deepEqual(
      response.responses.map((topic) => topic.partitionResponses.map((partition) => [partition.index, partition.errorCode])),
      [
        [
          [0, 0],
          [1, 6],
          [7, 3],
        ],
        [[0, 3]],
      ],
    );
    assert.equal(cluster.records('t', 0).length, 1);
    assert.equal(cluster.records('t', 1).length, 0);
  });

  it('tells where the leader is on NOT_LEADER_OR_FOLLOWER from v10 (KIP-951)', async () => {
    const { cluster } = await start();
    const client = await fixture!.connect(1);
    const response = await client.request('Produce', 10, produceBody('t', 1, await buildBatch(values('x'))));
    const partition = onlyPartition(response);
    assert.equal(partition.errorCode, 6);
    assert.deepEqual({ ...partition.currentLeader, unknownTaggedFields: undefined }, { leaderId: 2, leaderEpoch: 0, unknownTaggedFields: undefined });
    assert.equal(`127.0.0.1:${response.nodeEndpoints![0]!.port}`, cluster.brokerAddresses()[1]);
  });

  it('refuses a batch above max.message.bytes with MESSAGE_TOO_LARGE', async () => {
    const { cluster } = await start({ maxMessageBytes: 1000 });
    const client = await fixture!.connectToLeader('t', 0);
    const big = await buildBatch([{ value: 'x'.repeat(2000) }]);
    assert.equal(onlyPartition(await client.request('Produce', 9, produceBody('t', 0, big))).errorCode, 10);
    assert.equal(cluster.records('t', 0).length, 0);
  });

  it('refuses a corrupted batch with CORRUPT_MESSAGE and other record formats with INVALID_RECORD', async () => {
    const { cluster } = await start();
    const client = await fixture!.connectToLeader('t', 0);
    const corrupt = await buildBatch(values('payload'));
    corrupt[corrupt.length - 3]! ^= 0xff;
    assert.equal(onlyPartition(await client.request('Produce', 9, produceBody('t', 0, corrupt))).errorCode, 2);
    const oldMagic = await buildBatch(values('payload'));
    oldMagic[16] = 1;
    assert.equal(onlyPartition(await client.request('Produce', 9, produceBody('t', 0, oldMagic))).errorCode, 87);
    const two = Buffer.concat([await buildBatch(values('a')), await buildBatch(values('b'))]);
    assert.equal(onlyPartition(await client.request('Produce', 9, produceBody('t', 0, two))).errorCode, 87);
    const empty = onlyPartition(await client.request('Produce', 9, produceBody('t', 0, Buffer.alloc(0))));
    assert.equal(empty.errorCode, 87);
    assert.equal(cluster.records('t', 0).length, 0);
  });

  it('refuses acks other than 0, 1 and -1 with INVALID_REQUIRED_ACKS', async () => {
    await start();
    const client = await fixture!.connectToLeader('t', 0);
    assert.equal(onlyPartition(await client.request('Produce', 9, produceBody('t', 0, await buildBatch(values('x')), { acks: 2 }))).errorCode, 21);
  });

  it('stores gzip batches byte for byte and decodes them for inspection', async () => {
    const { cluster } = await start();
    const client = await fixture!.connectToLeader('t', 2);
    const batch = await buildBatch(
      [
        { key: 'k1', value: 'v1', headers: [['h', 'one'], ['h', null]] },
        { key: null, value: null },
      ],
      { compression: 'gzip' },
    );
    assert.equal(onlyPartition(await client.request('Produce', 9, produceBody('t', 2, batch))).errorCode, 0);
    const [stored] = cluster.batches('t', 2);
    assert.equal(stored!.compression, 'gzip');
    assert.deepEqual(
      cluster.records('t', 2).map((record) => [record.key?.toString() ?? null, record.value?.toString() ?? null, record.headers.map(([name, value]) => [name, value?.toString() ?? null])]),
      [
        ['k1', 'v1', [['h', 'one'], ['h', null]]],
        [null, null, []],
      ],
    );
  });
});
