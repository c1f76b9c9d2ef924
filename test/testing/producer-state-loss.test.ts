// The ways a FakeCluster partition loses producer state, over raw sockets: truncation (deleteRecords
// keeps the state, as Kafka since KIP-360; rebuildProducerState then drops that of producers whose
// batches are gone), producer-id expiry of idle producers, and the harsh mode (state lost, batches
// kept) with its pre-2.5 UNKNOWN_PRODUCER_ID variant. Without state a batch with any sequence is
// accepted, as Kafka 2.5+ does.
import * as assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { Fixture } from './fixture.js';
import { buildBatch, onlyPartition, produceBody, type RawClient } from './raw-client.js';

const OUT_OF_ORDER_SEQUENCE_NUMBER = 45;
const UNKNOWN_PRODUCER_ID = 59;

let fixture: Fixture;
let client: RawClient;

beforeEach(async () => {
  fixture = await Fixture.start({ brokers: 1, topics: [{ name: 't', partitions: 1, replicationFactor: 1 }] });
  client = await fixture.connect(1);
});
afterEach(() => fixture.stop());

async function initProducerId(transactionalId: string | null = null): Promise<bigint> {
  const response = await client.request('InitProducerId', 4, { transactionalId, transactionTimeoutMs: 60_000, producerId: -1n, producerEpoch: -1 });
  assert.equal(response.errorCode, 0);
  return response.producerId;
}

interface ProduceOptions {
  readonly count?: number;
  /** Create time of the records; default now. */
  readonly timestamp?: number;
  readonly transactionalId?: string;
}

/** Produces `count` records of `producerId` (epoch 0) from `baseSequence`; returns [errorCode, baseOffset]. */
async function produce(producerId: bigint, baseSequence: number, options: ProduceOptions = {}): Promise<[number, bigint]> {
  const records = Array.from({ length: options.count ?? 1 }, (_, index) => ({ value: `${producerId}-s${baseSequence + index}`, timestamp: options.timestamp }));
  const batch = await buildBatch(records, { producerId, producerEpoch: 0, baseSequence, transactional: options.transactionalId !== undefined });
  const answer = onlyPartition(await client.request('Produce', 9, produceBody('t', 0, batch, { transactionalId: options.transactionalId ?? null })));
  return [answer.errorCode, answer.baseOffset];
}

function storedValues(): string[] {
  return fixture.cluster.records('t', 0).map((record) => record.value!.toString());
}

describe('producer state lost through log truncation', () => {
  it('is kept by deleteRecords alone, as Kafka keeps it since KIP-360', async () => {
    const producerId = await initProducerId();
    assert.deepEqual(await produce(producerId, 0, { count: 3 }), [0, 0n]);
    fixture.cluster.deleteRecords('t', 0);
    assert.equal((await produce(producerId, 7))[0], OUT_OF_ORDER_SEQUENCE_NUMBER, 'the sequence must still continue');
    assert.deepEqual(await produce(producerId, 0, { count: 3 }), [0, 0n], 'a retry of the deleted batch is still a duplicate');
    assert.deepEqual(await produce(producerId, 3), [0, 3n]);
    assert.deepEqual(storedValues(), [`${producerId}-s3`]);
  });

  it('is rebuilt from the batches left: gone for a producer whose batches were all deleted, kept for one with batches left', async () => {
    const gone = await initProducerId();
    const kept = await initProducerId();
    assert.deepEqual(await produce(gone, 0, { count: 2 }), [0, 0n]);
    assert.deepEqual(await produce(kept, 0), [0, 2n]);
    assert.deepEqual(await produce(kept, 1), [0, 3n]);
    assert.equal(fixture.cluster.deleteRecords('t', 0, 3n), 3n);
    fixture.cluster.rebuildProducerState('t', 0);

    assert.deepEqual(await produce(gone, 42), [0, 4n], 'no state left: any sequence is accepted (Kafka 2.5+)');
    assert.equal((await produce(gone, 44))[0], OUT_OF_ORDER_SEQUENCE_NUMBER, 'the state restarts from the accepted batch');
    assert.equal((await produce(kept, 5))[0], OUT_OF_ORDER_SEQUENCE_NUMBER, 'its last batch is still in the log');
    assert.deepEqual(await produce(kept, 1), [0, 3n], 'a batch still in the log is still a duplicate');
    assert.deepEqual(await produce(kept, 2), [0, 5n]);
    assert.deepEqual(storedValues(), [`${kept}-s1`, `${gone}-s42`, `${kept}-s2`]);
  });

  it('changes nothing when rebuilt from an untruncated log', async () => {
    const producerId = await initProducerId();
    for (let batch = 0; batch < 6; batch++) assert.equal((await produce(producerId, batch))[0], 0);
    fixture.cluster.rebuildProducerState('t', 0);
    assert.equal((await produce(producerId, 9))[0], OUT_OF_ORDER_SEQUENCE_NUMBER);
    assert.deepEqual(await produce(producerId, 1), [0, 1n], 'the last 5 batches are remembered again');
    assert.equal((await produce(producerId, 0))[0], OUT_OF_ORDER_SEQUENCE_NUMBER, 'the sixth-last is not');
  });
});

describe('producer-id expiry', () => {
  it('drops the state of producers idle at least idleMs, keeping their batches in the log', async () => {
    const idle = await initProducerId();
    const active = await initProducerId();
    assert.equal((await produce(idle, 0, { count: 2, timestamp: Date.now() - 60_000 }))[0], 0);
    assert.equal((await produce(active, 0, { count: 2 }))[0], 0);
    const before = storedValues();

    assert.deepEqual(fixture.cluster.expireProducerIds({ idleMs: 30_000 }), [idle]);
    assert.deepEqual(storedValues(), before, 'the log keeps every batch');
    assert.deepEqual(await produce(idle, 17), [0, 4n], 'no state left: any sequence is accepted');
    assert.equal((await produce(active, 17))[0], OUT_OF_ORDER_SEQUENCE_NUMBER, 'the active producer keeps its state');

    assert.deepEqual(fixture.cluster.expireProducerIds({ producerId: active }), [active]);
    assert.deepEqual(await produce(active, 17), [0, 5n]);
  });

  it('never expires a producer inside an open transaction', async () => {
    const transactional = await initProducerId('tx');
    const plain = await initProducerId();
    const added = await client.request('AddPartitionsToTxn', 3, {
      v3AndBelowTransactionalId: 'tx',
      v3AndBelowProducerId: transactional,
      v3AndBelowProducerEpoch: 0,
      v3AndBelowTopics: [{ name: 't', partitions: [0] }],
    });
    assert.equal(added.resultsByTopicV3AndBelow![0]!.resultsByPartition[0]!.partitionErrorCode, 0);
    assert.equal((await produce(transactional, 0, { transactionalId: 'tx' }))[0], 0);
    assert.equal((await produce(plain, 0))[0], 0);

    assert.deepEqual(fixture.cluster.expireProducerIds(), [plain]);
    assert.equal((await produce(transactional, 5, { transactionalId: 'tx' }))[0], OUT_OF_ORDER_SEQUENCE_NUMBER);
    const ended = await client.request('EndTxn', 3, { transactionalId: 'tx', producerId: transactional, producerEpoch: 0, committed: true });
    assert.equal(ended.errorCode, 0);
    assert.deepEqual(fixture.cluster.expireProducerIds(), [transactional], 'expired once its transaction is over');
  });
});

describe('harsh producer-state loss (not what a real broker does)', () => {
  it('forgets the state while the log keeps the batches; any sequence is then accepted', async () => {
    const producerId = await initProducerId();
    assert.equal((await produce(producerId, 0, { count: 3 }))[0], 0);
    fixture.cluster.loseProducerStateKeepingLog(producerId);
    assert.deepEqual(storedValues(), [0, 1, 2].map((sequence) => `${producerId}-s${sequence}`));
    assert.deepEqual(await produce(producerId, 0, { count: 3 }), [0, 3n], 'a retry of a stored batch is written again: a duplicate');
    assert.equal((await produce(producerId, 9))[0], OUT_OF_ORDER_SEQUENCE_NUMBER, 'the state restarts from that batch');
    assert.deepEqual(await produce(producerId, 3), [0, 6n]);
  });

  it('answers UNKNOWN_PRODUCER_ID as brokers before 2.5 did, with unknownProducerId', async () => {
    const producerId = await initProducerId();
    assert.equal((await produce(producerId, 0, { count: 3 }))[0], 0);
    fixture.cluster.loseProducerStateKeepingLog(undefined, { unknownProducerId: true });
    assert.deepEqual(await produce(producerId, 3), [UNKNOWN_PRODUCER_ID, -1n]);
    assert.deepEqual(await produce(producerId, 0), [0, 3n], 'sequence 0 starts afresh');
  });

  it('is still available under its former name, loseProducerState', async () => {
    const producerId = await initProducerId();
    assert.equal((await produce(producerId, 0))[0], 0);
    fixture.cluster.loseProducerState(undefined, { unknownProducerId: true });
    assert.equal((await produce(producerId, 1))[0], UNKNOWN_PRODUCER_ID);
  });
});
