// FakeCluster.deleteRecords over raw sockets: the log start offset advances as with Kafka's
// DeleteRecords, and Fetch, ListOffsets, Produce answers and the inspection views all agree on it.
import * as assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { readRecordBatches } from '../../src/records/index.js';
import { Fixture } from './fixture.js';
import { buildBatch, onlyPartition, produceBody, type RawClient } from './raw-client.js';

const OFFSET_OUT_OF_RANGE = 1;

let fixture: Fixture;
let client: RawClient;

beforeEach(async () => {
  fixture = await Fixture.start({ brokers: 1, topics: [{ name: 't', partitions: 1, replicationFactor: 1 }], maxFetchWaitMs: 100 });
  client = await fixture.connect(1);
});
afterEach(() => fixture.stop());

/** Produces one batch of `texts` (timestamps `timestampBase`, +1000, ... when given); returns the Produce answer. */
async function produce(texts: string[], timestampBase?: number) {
  const records = texts.map((value, index) => ({ value, ...(timestampBase === undefined ? {} : { timestamp: timestampBase + index * 1000 }) }));
  const answer = onlyPartition(await client.request('Produce', 9, produceBody('t', 0, await buildBatch(records))));
  assert.equal(answer.errorCode, 0);
  return answer;
}

async function fetchAt(fetchOffset: bigint) {
  const response = await client.request('Fetch', 11, {
    replicaId: -1,
    maxWaitMs: 0,
    minBytes: 1,
    maxBytes: 1 << 20,
    isolationLevel: 0,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [{ topic: 't', partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset, logStartOffset: -1n, partitionMaxBytes: 1 << 20 }] }],
    forgottenTopicsData: [],
    rackId: '',
  });
  const partition = response.responses[0]!.partitions[0]!;
  const batches = partition.records ? await readRecordBatches(partition.records) : [];
  return { partition, offsets: batches.flatMap((batch) => batch.records.map((record) => record.offset)) };
}

async function listOffset(timestamp: bigint): Promise<bigint> {
  const response = await client.request('ListOffsets', 7, {
    replicaId: -1,
    isolationLevel: 0,
    topics: [{ name: 't', partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp, maxNumOffsets: 1 }] }],
  });
  const answer = response.topics[0]!.partitions[0]!;
  assert.equal(answer.errorCode, 0);
  return answer.offset!;
}

describe('deleteRecords', () => {
  it('advances the log start offset: Fetch below it is out of range, ListOffsets earliest answers it', async () => {
    await produce(['a', 'b'], 1000);
    await produce(['c', 'd'], 3000);
    await produce(['e'], 5000);
    assert.equal(fixture.cluster.deleteRecords('t', 0, 2n), 2n);

    assert.equal(fixture.cluster.logStartOffset('t', 0), 2n);
    assert.deepEqual(
      [fixture.cluster.describePartition('t', 0).logStartOffset, fixture.cluster.highWatermark('t', 0)],
      [2n, 5n],
      'the high watermark does not move',
    );
    const below = await fetchAt(1n);
    assert.equal(below.partition.errorCode, OFFSET_OUT_OF_RANGE);
    const from = await fetchAt(2n);
    assert.deepEqual([from.partition.errorCode, from.partition.logStartOffset, from.partition.highWatermark], [0, 2n, 5n]);
    assert.deepEqual(from.offsets, [2n, 3n, 4n]);
    assert.equal(await listOffset(-2n), 2n, 'earliest');
    assert.equal(await listOffset(-1n), 5n, 'latest');
    assert.equal(await listOffset(500n), 2n, 'a timestamp before every record finds the first one still readable');
    assert.deepEqual(
      fixture.cluster.records('t', 0).map((record) => record.value?.toString()),
      ['c', 'd', 'e'],
    );
    assert.equal((await produce(['f'])).logStartOffset, 2n, 'Produce reports the log start offset');
  });

  it('keeps a batch holding the new start offset whole, but nothing below the offset is readable', async () => {
    await produce(['a', 'b', 'c'], 1000);
    await produce(['d'], 4000);
    fixture.cluster.deleteRecords('t', 0, 1n);
    const from = await fetchAt(1n);
    assert.equal(from.partition.errorCode, 0);
    assert.deepEqual(from.offsets, [0n, 1n, 2n, 3n], 'Fetch returns whole batches, as Kafka does; clients skip what is below their offset');
    assert.deepEqual(
      fixture.cluster.records('t', 0).map((record) => record.offset),
      [1n, 2n, 3n],
    );
    assert.deepEqual(
      fixture.cluster.batches('t', 0).map((batch) => batch.baseOffset),
      [0n, 3n],
    );
    assert.equal(await listOffset(500n), 1n, 'a timestamp lookup never answers below the log start offset');
    assert.equal(await listOffset(-3n), 3n, 'max timestamp');
    assert.equal((await fetchAt(0n)).partition.errorCode, OFFSET_OUT_OF_RANGE);
  });

  it('deletes up to the high watermark by default; earliest then equals latest and new records follow', async () => {
    await produce(['a', 'b']);
    assert.equal(fixture.cluster.deleteRecords('t', 0), 2n);
    assert.deepEqual(fixture.cluster.records('t', 0), []);
    assert.deepEqual(fixture.cluster.batches('t', 0), []);
    assert.deepEqual([await listOffset(-2n), await listOffset(-1n)], [2n, 2n]);
    const empty = await fetchAt(2n);
    assert.deepEqual([empty.partition.errorCode, empty.offsets], [0, []]);
    assert.equal((await produce(['c'])).baseOffset, 2n, 'offsets continue');
    assert.deepEqual((await fetchAt(2n)).offsets, [2n]);
  });

  it('never moves the log start offset back, and refuses an offset beyond the high watermark', async () => {
    await produce(['a', 'b', 'c']);
    fixture.cluster.deleteRecords('t', 0, 2n);
    assert.equal(fixture.cluster.deleteRecords('t', 0, 1n), 2n);
    assert.throws(() => fixture.cluster.deleteRecords('t', 0, 4n), RangeError);
    assert.throws(() => fixture.cluster.deleteRecords('t', 0, -2n), RangeError);
    assert.equal(fixture.cluster.logStartOffset('t', 0), 2n);
  });
});
