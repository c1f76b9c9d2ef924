// FakeCluster's broker-side idempotence over raw sockets, rule by rule as Kafka's ProducerStateManager
// applies them: the window of 5 deduplicated batches answered with their original offsets, sequence
// gaps, stale epochs, new epochs starting at 0, sequence wrap-around, and lost producer state.
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

async function initProducerId(): Promise<bigint> {
  const response = await client.request('InitProducerId', 4, { transactionalId: null, transactionTimeoutMs: 60_000, producerId: -1n, producerEpoch: -1 });
  assert.equal(response.errorCode, 0);
  assert.equal(response.producerEpoch, 0);
  return response.producerId;
}

/** Produces `count` records with the given producer fields; returns [errorCode, baseOffset]. */
async function produce(producerId: bigint, producerEpoch: number, baseSequence: number, count = 1, partition = 0): Promise<[number, bigint]> {
  const texts = Array.from({ length: count }, (_, index) => `e${producerEpoch}-s${baseSequence + index}`);
  const batch = await buildBatch(values(...texts), { producerId, producerEpoch, baseSequence });
  const answer = onlyPartition(await client.request('Produce', 9, produceBody('t', partition, batch)));
  return [answer.errorCode, answer.baseOffset];
}

describe('idempotent Produce', () => {
  it('hands out producer ids from InitProducerId', async () => {
    const first = await initProducerId();
    const second = await initProducerId();
    assert.equal(second, first + 1n);
  });

  it('answers a duplicate of any of the last 5 batches with NONE and its original offset, and appends nothing', async () => {
    const producerId = await initProducerId();
    const offsets: bigint[] = [];
    for (let batch = 0; batch < 6; batch++) {
      const [errorCode, baseOffset] = await produce(producerId, 0, batch * 2, 2);
      assert.equal(errorCode, 0);
      offsets.push(baseOffset);
    }
    assert.deepEqual(offsets, [0n, 2n, 4n, 6n, 8n, 10n]);
    for (let batch = 5; batch >= 1; batch--) {
      assert.deepEqual(await produce(producerId, 0, batch * 2, 2), [0, offsets[batch]!], `batch ${batch} is a duplicate`);
    }
    // The first batch fell out of the window of 5: its sequence is now simply out of order.
    assert.deepEqual(await produce(producerId, 0, 0, 2), [45, -1n]);
    // A batch overlapping a remembered one without matching it is out of order too.
    assert.deepEqual(await produce(producerId, 0, 8, 1), [45, -1n]);
    assert.equal(fixture.cluster.highWatermark('t', 0), 12n);
    assert.deepEqual(
      fixture.cluster.records('t', 0).map((record) => record.sequence),
      Array.from({ length: 12 }, (_, index) => index),
    );
  });

  it('refuses a sequence gap with OUT_OF_ORDER_SEQUENCE_NUMBER', async () => {
    const producerId = await initProducerId();
    assert.equal((await produce(producerId, 0, 0, 3))[0], 0);
    assert.equal((await produce(producerId, 0, 4))[0], 45);
    assert.equal((await produce(producerId, 0, 3))[0], 0);
  });

  it('refuses a stale epoch with INVALID_PRODUCER_EPOCH and a new epoch not starting at 0 with OUT_OF_ORDER', async () => {
    const producerId = await initProducerId();
    assert.equal((await produce(producerId, 0, 0, 2))[0], 0);
    assert.equal((await produce(producerId, 1, 5))[0], 45, 'a new epoch must start at sequence 0');
    assert.equal((await produce(producerId, 1, 0))[0], 0);
    assert.equal((await produce(producerId, 0, 2))[0], 47);
    assert.equal((await produce(producerId, 1, 1))[0], 0);
    // A duplicate is only a duplicate within its epoch.
    assert.equal((await produce(producerId, 0, 0, 2))[0], 47);
  });

  it('keeps state per partition', async () => {
    const producerId = await initProducerId();
    assert.equal((await produce(producerId, 0, 0, 1, 0))[0], 0);
    assert.equal((await produce(producerId, 0, 0, 1, 1))[0], 0);
    assert.equal((await produce(producerId, 0, 1, 1, 1))[0], 0);
    assert.equal((await produce(producerId, 0, 2, 1, 0))[0], 45);
  });

  it('wraps sequences past Int32.MAX to 0', async () => {
    const producerId = await initProducerId();
    assert.equal((await produce(producerId, 0, 0x7fffffff - 1, 3))[0], 0, 'no state yet: any first sequence is accepted, as Kafka 2.5+');
    assert.equal((await produce(producerId, 0, 1))[0], 0);
    assert.deepEqual(
      fixture.cluster.records('t', 0).map((record) => record.sequence),
      [0x7fffffff - 1, 0x7fffffff, 0, 1],
    );
    assert.deepEqual(fixture.cluster.batches('t', 0).map((batch) => batch.lastSequence), [0, 1]);
  });

  it('after lost producer state accepts any sequence (Kafka 2.5+), or answers UNKNOWN_PRODUCER_ID on request', async () => {
    const producerId = await initProducerId();
    assert.equal((await produce(producerId, 0, 0, 3))[0], 0);
    fixture.cluster.loseProducerStateKeepingLog(producerId);
    assert.equal((await produce(producerId, 0, 7))[0], 0, 'accepted whatever the sequence');
    assert.equal((await produce(producerId, 0, 9))[0], 45, 'state is rebuilt from that batch');
    fixture.cluster.loseProducerStateKeepingLog(undefined, { unknownProducerId: true });
    assert.deepEqual(await produce(producerId, 0, 8), [59, -1n]);
    assert.equal((await produce(producerId, 0, 0))[0], 0, 'sequence 0 starts afresh');
    assert.equal((await produce(producerId, 0, 1))[0], 0);
  });

  it('never deduplicates batches without a producer id', async () => {
    const batch = await buildBatch(values('same'));
    assert.equal(onlyPartition(await client.request('Produce', 9, produceBody('t', 0, batch))).baseOffset, 0n);
    assert.equal(onlyPartition(await client.request('Produce', 9, produceBody('t', 0, batch))).baseOffset, 1n);
    assert.deepEqual(fixture.cluster.records('t', 0).map((record) => [record.producerId, record.sequence]), [
      [-1n, -1],
      [-1n, -1],
    ]);
  });
});
