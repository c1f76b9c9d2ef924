// FakeCluster's transactions over raw sockets: coordinators, producer fencing on re-initialisation
// and KIP-360 bumps, partitions added, commit and abort with control records, the last stable offset
// and read_committed fetches, verification of transactional Produce, timeouts, offsets in transactions.
import * as assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Fixture } from './fixture.js';
import { buildBatch, onlyPartition, produceBody, type RawClient, values } from './raw-client.js';

let fixture: Fixture;

beforeEach(async () => {
  fixture = await Fixture.start({ brokers: 3, topics: [{ name: 't', partitions: 2, replicationFactor: 3 }] });
});
afterEach(() => fixture.stop());

async function coordinatorFor(key: string, keyType: number): Promise<RawClient> {
  const any = await fixture.connect(1);
  const found = await any.request('FindCoordinator', 3, { key, keyType });
  assert.equal(found.errorCode, 0);
  return fixture.connect(found.nodeId!);
}

async function init(client: RawClient, transactionalId: string, timeoutMs = 60_000, expected?: { producerId: bigint; producerEpoch: number }) {
  return client.request('InitProducerId', 4, {
    transactionalId,
    transactionTimeoutMs: timeoutMs,
    producerId: expected?.producerId ?? -1n,
    producerEpoch: expected?.producerEpoch ?? -1,
  });
}

async function addPartitions(client: RawClient, transactionalId: string, producerId: bigint, producerEpoch: number, partitions: number[]) {
  const response = await client.request('AddPartitionsToTxn', 3, {
    v3AndBelowTransactionalId: transactionalId,
    v3AndBelowProducerId: producerId,
    v3AndBelowProducerEpoch: producerEpoch,
    v3AndBelowTopics: [{ name: 't', partitions }],
  });
  return response.resultsByTopicV3AndBelow![0]!.resultsByPartition.map((result) => result.partitionErrorCode);
}

async function produce(transactionalId: string, producerId: bigint, producerEpoch: number, partition: number, baseSequence: number, ...texts: string[]) {
  const leader = await fixture.connectToLeader('t', partition);
  const batch = await buildBatch(values(...texts), { producerId, producerEpoch, baseSequence, transactional: true });
  return onlyPartition(await leader.request('Produce', 9, produceBody('t', partition, batch, { transactionalId }))).errorCode;
}

async function endTxn(client: RawClient, transactionalId: string, producerId: bigint, producerEpoch: number, committed: boolean) {
  return (await client.request('EndTxn', 3, { transactionalId, producerId, producerEpoch, committed })).errorCode;
}

async function fetchPartition(partition: number, isolationLevel: number) {
  const leader = await fixture.connectToLeader('t', partition);
  const response = await leader.request('Fetch', 11, {
    replicaId: -1,
    maxWaitMs: 0,
    minBytes: 1,
    maxBytes: 1 << 20,
    isolationLevel,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [{ topic: 't', partitions: [{ partition, currentLeaderEpoch: -1, fetchOffset: 0n, logStartOffset: -1n, partitionMaxBytes: 1 << 20 }] }],
    forgottenTopicsData: [],
    rackId: '',
  });
  return response.responses[0]!.partitions[0]!;
}

function states(partition: number, includeControl = false) {
  return fixture.cluster.records('t', partition, { includeControl }).map((record) => `${record.control ? 'marker' : record.value}:${record.state}`);
}

describe('transactions', () => {
  it('finds coordinators (v3 and batched v4) and refuses coordinator requests elsewhere with NOT_COORDINATOR', async () => {
    const any = await fixture.connect(1);
    const batched = await any.request('FindCoordinator', 4, { keyType: 1, coordinatorKeys: ['tx-a', 'tx-b'] });
    assert.deepEqual(batched.coordinators!.map((entry) => [entry.key, entry.errorCode]), [
      ['tx-a', 0],
      ['tx-b', 0],
    ]);
    const coordinator = batched.coordinators![0]!.nodeId;
    const elsewhere = await fixture.connect((coordinator % 3) + 1);
    assert.equal((await init(elsewhere, 'tx-a')).errorCode, 16);
    assert.equal((await init(await fixture.connect(coordinator), 'tx-a')).errorCode, 0);
    assert.equal((await init(await fixture.connect(coordinator), 'tx-a', 0)).errorCode, 50, 'INVALID_TRANSACTION_TIMEOUT');
  });

  it('commits: markers on every partition, records committed, last stable offset released', async () => {
    const coordinator = await coordinatorFor('tx', 1);
    const { producerId, producerEpoch } = await init(coordinator, 'tx');
    assert.equal(producerEpoch, 0);
    assert.equal(await produce('tx', producerId, producerEpoch, 0, 0, 'early'), 48, 'a partition not yet added is refused (INVALID_TXN_STATE)');
    assert.deepEqual(await addPartitions(coordinator, 'tx', producerId, producerEpoch, [0, 1]), [0, 0]);
    assert.equal(fixture.cluster.transactionState('tx'), 'Ongoing');
    assert.equal(await produce('tx', producerId, producerEpoch, 0, 0, 'a', 'b'), 0);
    assert.equal(await produce('tx', producerId, producerEpoch, 1, 0, 'c'), 0);
    assert.deepEqual([fixture.cluster.lastStableOffset('t', 0), fixture.cluster.highWatermark('t', 0)], [0n, 2n]);
    assert.deepEqual(states(0), ['a:ongoing', 'b:ongoing']);
    const hidden = await fetchPartition(0, 1);
    assert.deepEqual([hidden.records!.length, hidden.lastStableOffset, hidden.highWatermark], [0, 0n, 2n], 'read_committed sees nothing of an open transaction');
    assert.ok((await fetchPartition(0, 0)).records!.length > 0, 'read_uncommitted sees it');
    assert.equal(await endTxn(coordinator, 'tx', producerId, producerEpoch, true), 0);
    assert.deepEqual(states(0, true), ['a:committed', 'b:committed', 'marker:committed']);
    assert.deepEqual(states(1, true), ['c:committed', 'marker:committed']);
    assert.deepEqual(fixture.cluster.batches('t', 0).map((batch) => [batch.control, batch.transactional, batch.producerId === producerId]), [
      [false, true, true],
      [true, true, true],
    ]);
    assert.equal(fixture.cluster.lastStableOffset('t', 0), 3n);
    assert.equal(fixture.cluster.transactionState('tx'), 'CompleteCommit');
    assert.equal(await endTxn(coordinator, 'tx', producerId, producerEpoch, true), 0, 'a retried commit succeeds');
    assert.equal(await endTxn(coordinator, 'tx', producerId, producerEpoch, false), 48, 'aborting a committed transaction does not');
  });

  it('aborts: read_committed fetches carry the aborted transaction, and the sequence continues after the marker', async () => {
    const coordinator = await coordinatorFor('tx', 1);
    const { producerId, producerEpoch } = await init(coordinator, 'tx');
    await addPartitions(coordinator, 'tx', producerId, producerEpoch, [0]);
    assert.equal(await produce('tx', producerId, producerEpoch, 0, 0, 'x', 'y'), 0);
    assert.equal(await endTxn(coordinator, 'tx', producerId, producerEpoch, false), 0);
    assert.deepEqual(states(0, true), ['x:aborted', 'y:aborted', 'marker:aborted']);
    const committedView = await fetchPartition(0, 1);
    assert.deepEqual(committedView.abortedTransactions!.map((entry) => [entry.producerId, entry.firstOffset]), [[producerId, 0n]]);
    assert.equal(committedView.lastStableOffset, 3n);
    assert.equal((await fetchPartition(0, 0)).abortedTransactions, null);
    assert.equal(await endTxn(coordinator, 'tx', producerId, producerEpoch, false), 0, 'a retried abort succeeds');
    await addPartitions(coordinator, 'tx', producerId, producerEpoch, [0]);
    assert.equal(await produce('tx', producerId, producerEpoch, 0, 2, 'z'), 0);
  });

  it('fences the previous producer on re-initialisation, aborting its open transaction first', async () => {
    const coordinator = await coordinatorFor('tx', 1);
    const old = await init(coordinator, 'tx');
    await addPartitions(coordinator, 'tx', old.producerId, old.producerEpoch, [0]);
    assert.equal(await produce('tx', old.producerId, old.producerEpoch, 0, 0, 'zombie'), 0);
    const busy = await init(coordinator, 'tx');
    assert.equal(busy.errorCode, 51, 'CONCURRENT_TRANSACTIONS while the open transaction is aborted');
    assert.deepEqual(states(0, true), ['zombie:aborted', 'marker:aborted']);
    const fresh = await init(coordinator, 'tx');
    assert.deepEqual([fresh.errorCode, fresh.producerId, fresh.producerEpoch], [0, old.producerId, 2]);
    assert.deepEqual(await addPartitions(coordinator, 'tx', old.producerId, old.producerEpoch, [0]), [90], 'PRODUCER_FENCED');
    assert.equal(await endTxn(coordinator, 'tx', old.producerId, old.producerEpoch, true), 90);
    assert.equal(await produce('tx', old.producerId, old.producerEpoch, 0, 1, 'late'), 47, 'INVALID_PRODUCER_EPOCH on Produce');
    assert.equal(await endTxn(coordinator, 'tx', fresh.producerId, fresh.producerEpoch, true), 48, 'nothing to end');
  });

  it('bumps the epoch for KIP-360 re-initialisation with the current producer id and epoch', async () => {
    const coordinator = await coordinatorFor('tx', 1);
    const first = await init(coordinator, 'tx');
    const bumped = await init(coordinator, 'tx', 60_000, first);
    assert.deepEqual([bumped.errorCode, bumped.producerId, bumped.producerEpoch], [0, first.producerId, 1]);
    const retried = await init(coordinator, 'tx', 60_000, first);
    assert.deepEqual([retried.errorCode, retried.producerEpoch], [0, 1], 'a retry whose answer was lost gets the same epoch');
    const stale = await init(coordinator, 'tx', 60_000, { producerId: first.producerId, producerEpoch: 7 });
    assert.equal(stale.errorCode, 90);
  });

  it('aborts a transaction that outlives its timeout, fencing its producer', async () => {
    const coordinator = await coordinatorFor('tx', 1);
    const { producerId, producerEpoch } = await init(coordinator, 'tx', 150);
    await addPartitions(coordinator, 'tx', producerId, producerEpoch, [1]);
    assert.equal(await produce('tx', producerId, producerEpoch, 1, 0, 'slow'), 0);
    await sleep(400);
    assert.deepEqual(states(1, true), ['slow:aborted', 'marker:aborted']);
    assert.equal(fixture.cluster.transactionState('tx'), 'CompleteAbort');
    assert.equal(await endTxn(coordinator, 'tx', producerId, producerEpoch, true), 90);
  });

  it('commits consumer offsets with the transaction (AddOffsetsToTxn, TxnOffsetCommit)', async () => {
    const coordinator = await coordinatorFor('tx', 1);
    const groupCoordinator = await coordinatorFor('group', 0);
    const offsets = async (producerId: bigint, producerEpoch: number, offset: bigint) =>
      (
        await groupCoordinator.request('TxnOffsetCommit', 3, {
          transactionalId: 'tx',
          groupId: 'group',
          producerId,
          producerEpoch,
          generationId: -1,
          memberId: '',
          groupInstanceId: null,
          topics: [{ name: 't', partitions: [{ partitionIndex: 0, committedOffset: offset, committedLeaderEpoch: -1, committedMetadata: null }] }],
        })
      ).topics[0]!.partitions[0]!.errorCode;
    const { producerId, producerEpoch } = await init(coordinator, 'tx');
    assert.equal(await offsets(producerId, producerEpoch, 5n), 48, 'the group must be added first');
    const added = await coordinator.request('AddOffsetsToTxn', 3, { transactionalId: 'tx', producerId, producerEpoch, groupId: 'group' });
    assert.equal(added.errorCode, 0);
    assert.equal(await offsets(producerId, producerEpoch, 5n), 0);
    assert.equal(fixture.cluster.committedOffset('group', 't', 0), undefined, 'not visible before the commit');
    assert.equal(await endTxn(coordinator, 'tx', producerId, producerEpoch, true), 0);
    assert.equal(fixture.cluster.committedOffset('group', 't', 0), 5n);
    await coordinator.request('AddOffsetsToTxn', 3, { transactionalId: 'tx', producerId, producerEpoch, groupId: 'group' });
    assert.equal(await offsets(producerId, producerEpoch, 9n), 0);
    assert.equal(await endTxn(coordinator, 'tx', producerId, producerEpoch, false), 0);
    assert.equal(fixture.cluster.committedOffset('group', 't', 0), 5n, 'aborted offsets are dropped');
  });

  it('answers the batched AddPartitionsToTxn layout (v4+), including verifyOnly', async () => {
    const coordinator = await coordinatorFor('tx', 1);
    const { producerId, producerEpoch } = await init(coordinator, 'tx');
    const add = (verifyOnly: boolean, partitions: number[]) =>
      coordinator.request('AddPartitionsToTxn', 4, {
        transactions: [{ transactionalId: 'tx', producerId, producerEpoch, verifyOnly, topics: [{ name: 't', partitions }] }],
      });
    const verified = await add(true, [0]);
    assert.deepEqual(verified.resultsByTransaction![0]!.topicResults[0]!.resultsByPartition.map((entry) => entry.partitionErrorCode), [48]);
    await add(false, [0]);
    const again = await add(true, [0, 1]);
    assert.deepEqual(again.resultsByTransaction![0]!.topicResults[0]!.resultsByPartition.map((entry) => entry.partitionErrorCode), [0, 48]);
    const unknown = await addPartitions(coordinator, 'tx', producerId, producerEpoch, [1, 9]);
    assert.deepEqual(unknown, [55, 3], 'OPERATION_NOT_ATTEMPTED beside UNKNOWN_TOPIC_OR_PARTITION');
  });
});
