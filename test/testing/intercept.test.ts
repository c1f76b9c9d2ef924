// FakeCluster's intercept rules over raw sockets, one action at a time: partition errors (other
// partitions still appended), `times` and `after` counting requests, whole-request errors, delays that
// keep the connection's order, the lost acknowledgement and its black hole, closes, and throttling.
import * as assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { Fixture } from './fixture.js';
import { buildBatch, onlyPartition, produceBody, type RawClient, values } from './raw-client.js';

let fixture: Fixture;
let client: RawClient;

beforeEach(async () => {
  fixture = await Fixture.start({ brokers: 1, topics: [{ name: 't', partitions: 2, replicationFactor: 1 }] });
  client = await fixture.connect(1);
});
afterEach(() => fixture.stop());

async function produceTo(partitions: readonly number[], text: string, target = client) {
  const response = await target.request('Produce', 9, {
    transactionalId: null,
    acks: -1,
    timeoutMs: 1000,
    topicData: [{ name: 't', partitionData: await Promise.all(partitions.map(async (index) => ({ index, records: await buildBatch(values(`${text}-${index}`)) }))) }],
  });
  return response.responses[0]!.partitionResponses.map((partition) => partition.errorCode);
}

function stored(partition: number): string[] {
  return fixture.cluster.records('t', partition).map((record) => record.value!.toString());
}

describe('intercept', () => {
  it('error: fails only the matching partition, which is not appended; the others are', async () => {
    const rule = fixture.cluster.intercept({ api: 'Produce', topic: 't', partition: 1 }, { error: 19 });
    assert.deepEqual(await produceTo([0, 1], 'first'), [0, 19]);
    assert.deepEqual(await produceTo([0, 1], 'second'), [0, 0], 'times defaults to 1');
    assert.equal(rule.hits, 1);
    assert.deepEqual(stored(0), ['first-0', 'second-0']);
    assert.deepEqual(stored(1), ['second-1']);
  });

  it('counts matching requests for times and after, and stops on remove()', async () => {
    const rule = fixture.cluster.intercept({ api: 'Produce', partition: 0 }, { error: 6 }, { after: 1, times: 2 });
    assert.deepEqual(await produceTo([1], 'not matching'), [0]);
    assert.deepEqual(await produceTo([0, 1], 'a'), [0, 0], 'the first match is let through');
    assert.deepEqual(await produceTo([0, 1], 'b'), [6, 0]);
    assert.deepEqual(await produceTo([0], 'c'), [6]);
    assert.deepEqual(await produceTo([0], 'd'), [0]);
    assert.equal(rule.hits, 2);
    const forever = fixture.cluster.intercept({ api: 'Produce' }, { error: 7 }, { times: Number.POSITIVE_INFINITY });
    assert.deepEqual(await produceTo([0, 1], 'e'), [7, 7]);
    assert.deepEqual(await produceTo([0], 'f'), [7]);
    forever.remove();
    assert.deepEqual(await produceTo([0], 'g'), [0]);
    assert.equal(forever.hits, 2);
  });

  it('error: fails a whole request of an API that is not partitioned', async () => {
    fixture.cluster.intercept({ api: 'InitProducerId' }, { error: 15 });
    const failed = await client.request('InitProducerId', 4, { transactionalId: null, transactionTimeoutMs: 1000, producerId: -1n, producerEpoch: -1 });
    assert.deepEqual([failed.errorCode, failed.producerId], [15, -1n]);
    fixture.cluster.intercept({ api: 'Metadata' }, { error: 5 });
    const metadata = await client.request('Metadata', 9, { topics: [{ name: 't' }], allowAutoTopicCreation: false });
    assert.deepEqual(metadata.topics.map((topic) => [topic.name, topic.errorCode]), [['t', 5]]);
    assert.throws(() => fixture.cluster.intercept({ api: 'Metadata', topic: 't' }, { error: 5 }), /topic and partition filters/);
  });

  it('delayMs: holds the response back, and later responses on the connection wait behind it', async () => {
    fixture.cluster.intercept({ api: 'Produce', partition: 0 }, { delayMs: 300 });
    const batch = await buildBatch(values('slow-0'));
    const started = Date.now();
    const finished: string[] = [];
    const slow = client.request('Produce', 9, produceBody('t', 0, batch)).then(() => finished.push('slow'));
    const fast = client.request('Metadata', 9, { topics: null }).then(() => finished.push('metadata'));
    await Promise.all([slow, fast]);
    assert.ok(Date.now() - started >= 290, `took ${Date.now() - started} ms`);
    assert.deepEqual(finished, ['slow', 'metadata'], 'responses come in request order');
    assert.deepEqual(stored(0), ['slow-0']);
  });

  it('dropResponse: appends, never answers, and black-holes the connection', async () => {
    const rule = fixture.cluster.intercept({ api: 'Produce' }, { dropResponse: true });
    await assert.rejects(
      client.request('Produce', 9, produceBody('t', 0, await buildBatch(values('lost ack'))), { timeoutMs: 300 }),
      /timed out/,
    );
    assert.deepEqual(stored(0), ['lost ack'], 'the batch was appended');
    await assert.rejects(client.request('Metadata', 9, { topics: null }, { timeoutMs: 300 }), /timed out/);
    await assert.rejects(client.request('Produce', 9, produceBody('t', 0, await buildBatch(values('ignored'))), { timeoutMs: 300 }), /timed out/);
    assert.deepEqual(stored(0), ['lost ack'], 'later requests are not processed');
    assert.equal(rule.hits, 1);
    const fresh = await fixture.connect(1);
    assert.deepEqual(await produceTo([0], 'after reconnect', fresh), [0]);
  });

  it('closeConnection: before-append closes without processing, after-append processes then closes', async () => {
    fixture.cluster.intercept({ api: 'Produce' }, { closeConnection: 'before-append' });
    await assert.rejects(produceTo([0], 'before'), /connection closed/);
    assert.deepEqual(stored(0), []);
    const second = await fixture.connect(1);
    fixture.cluster.intercept({ api: 'Produce' }, { closeConnection: 'after-append' });
    await assert.rejects(produceTo([0], 'after', second), /connection closed/);
    assert.deepEqual(stored(0), ['after-0']);
  });

  it('throttleMs: sets throttleTimeMs and sends the response that much later', async () => {
    fixture.cluster.intercept({ api: 'Produce' }, { throttleMs: 200 });
    const started = Date.now();
    const response = await client.request('Produce', 9, produceBody('t', 0, await buildBatch(values('throttled'))));
    assert.ok(Date.now() - started >= 190);
    assert.equal(response.throttleTimeMs, 200);
    assert.equal(onlyPartition(response).errorCode, 0);
  });

  it('matches by broker', async () => {
    await fixture.stop();
    fixture = await Fixture.start({ brokers: 2, topics: [{ name: 't', partitions: 2, replicationFactor: 2 }] });
    fixture.cluster.intercept({ api: 'Metadata', broker: 2 }, { error: 3 }, { times: Number.POSITIVE_INFINITY });
    const one = await fixture.connect(1);
    const two = await fixture.connect(2);
    assert.equal((await one.request('Metadata', 9, { topics: [{ name: 't' }] })).topics[0]!.errorCode, 0);
    assert.equal((await two.request('Metadata', 9, { topics: [{ name: 't' }] })).topics[0]!.errorCode, 3);
  });
});
