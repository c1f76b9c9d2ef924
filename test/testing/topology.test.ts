// FakeCluster's topology controls over raw sockets: moving a leader (epoch bump, the old leader
// refuses, the log follows), stopping and restarting brokers (refused connections, elections, same
// port), leaderless partitions, and ISR changes making acks=all fail with NOT_ENOUGH_REPLICAS.
import * as assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import type { FakeClusterOptions } from '../../src/testing/index.js';
import { Fixture } from './fixture.js';
import { buildBatch, onlyPartition, produceBody, RawClient, values } from './raw-client.js';

let fixture: Fixture | undefined;
async function start(options: FakeClusterOptions = {}): Promise<Fixture> {
  fixture = await Fixture.start({ brokers: 3, topics: [{ name: 't', partitions: 3, replicationFactor: 3 }], ...options });
  return fixture;
}
afterEach(async () => {
  await fixture?.stop();
  fixture = undefined;
});

async function produce(client: RawClient, partition: number, text: string, acks = -1): Promise<[number, bigint]> {
  const answer = onlyPartition(await client.request('Produce', 9, produceBody('t', partition, await buildBatch(values(text)), { acks })));
  return [answer.errorCode, answer.baseOffset];
}

async function partitionMetadata(client: RawClient, partition: number) {
  const response = await client.request('Metadata', 12, { topics: [{ name: 't', topicId: '00000000-0000-0000-0000-000000000000' }], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
  const found = response.topics[0]!.partitions[partition]!;
  return { ...found, brokers: response.brokers.map((broker) => broker.nodeId), controller: response.controllerId };
}

describe('topology', () => {
  it('moveLeader bumps the epoch; the old leader answers NOT_LEADER_OR_FOLLOWER and the log moves along', async () => {
    const { cluster, connect } = bound(await start());
    const one = await connect(1);
    const two = await connect(2);
    assert.deepEqual(await produce(one, 0, 'on 1'), [0, 0n]);
    cluster.moveLeader('t', 0, 2);
    const moved = await partitionMetadata(one, 0);
    assert.deepEqual([moved.leaderId, moved.leaderEpoch], [2, 1]);
    assert.equal((await produce(one, 0, 'refused'))[0], 6);
    assert.deepEqual(await produce(two, 0, 'on 2'), [0, 1n]);
    assert.deepEqual(cluster.batches('t', 0).map((batch) => batch.partitionLeaderEpoch), [0, 1]);
    assert.throws(() => cluster.moveLeader('t', 0, 4), /not a replica/);
    await cluster.stopBroker(3);
    assert.throws(() => cluster.moveLeader('t', 0, 3), /stopped/);
  });

  it('stopBroker closes connections, refuses new ones and elects new leaders; startBroker reuses the port', async () => {
    const { cluster, connect } = bound(await start());
    const address = cluster.brokerAddresses()[0]!;
    const one = await connect(1);
    const two = await connect(2);
    await cluster.stopBroker(1);
    await one.closed;
    await assert.rejects(RawClient.connect(address), /ECONNREFUSED/);
    const after = await partitionMetadata(two, 0);
    assert.deepEqual([after.leaderId, after.leaderEpoch, after.isrNodes, after.offlineReplicas, after.brokers, after.controller], [2, 1, [2, 3], [1], [2, 3], 2]);
    assert.deepEqual(await produce(two, 0, 'while 1 is down'), [0, 0n]);
    await cluster.startBroker(1);
    assert.equal(cluster.brokerAddresses()[0], address);
    const again = await RawClient.connect(address);
    const restored = await partitionMetadata(again, 0);
    again.close();
    assert.deepEqual([restored.leaderId, restored.isrNodes, restored.offlineReplicas], [2, [2, 3, 1], []], 'leadership stays, the ISR is whole again');
  });

  it('leaves a partition without leader when no in-sync replica is alive, until one comes back', async () => {
    const { cluster, connect } = bound(await start({ brokers: 2, topics: [{ name: 't', partitions: 1, replicationFactor: 1 }] }));
    const two = await connect(2);
    await cluster.stopBroker(1);
    const orphan = await partitionMetadata(two, 0);
    assert.deepEqual([orphan.errorCode, orphan.leaderId, orphan.leaderEpoch, orphan.isrNodes], [5, -1, 1, [1]]);
    assert.equal((await produce(two, 0, 'nowhere'))[0], 6);
    await cluster.startBroker(1);
    const back = await partitionMetadata(two, 0);
    assert.deepEqual([back.errorCode, back.leaderId, back.leaderEpoch], [0, 1, 2]);
  });

  it('shrinkIsr below min.insync.replicas makes acks=all fail with NOT_ENOUGH_REPLICAS; acks=1 still succeeds', async () => {
    const { cluster, connect } = bound(await start({ minInsyncReplicas: 2 }));
    const one = await connect(1);
    cluster.shrinkIsr('t', 0);
    assert.deepEqual(cluster.describePartition('t', 0).isr, [1]);
    assert.equal((await produce(one, 0, 'all'))[0], 19);
    assert.equal((await produce(one, 0, 'one', 1))[0], 0);
    cluster.setIsr('t', 0, [1, 3]);
    assert.equal((await produce(one, 0, 'all again'))[0], 0);
    cluster.shrinkIsr('t', 0);
    cluster.restoreIsr('t', 0);
    assert.deepEqual(cluster.describePartition('t', 0).isr, [1, 2, 3]);
    assert.throws(() => cluster.setIsr('t', 0, [2, 3]), /must contain its leader/);
    assert.deepEqual(cluster.records('t', 0).map((record) => record.value?.toString()), ['one', 'all again']);
  });

  it('fences fetches and offset lookups that carry an old leader epoch', async () => {
    const { cluster, connect } = bound(await start());
    cluster.moveLeader('t', 0, 2);
    const two = await connect(2);
    const fetched = await two.request('Fetch', 11, {
      replicaId: -1,
      maxWaitMs: 0,
      minBytes: 1,
      maxBytes: 1024,
      isolationLevel: 0,
      sessionId: 0,
      sessionEpoch: -1,
      topics: [{ topic: 't', partitions: [{ partition: 0, currentLeaderEpoch: 0, fetchOffset: 0n, logStartOffset: -1n, partitionMaxBytes: 1024 }] }],
      forgottenTopicsData: [],
      rackId: '',
    });
    assert.equal(fetched.responses[0]!.partitions[0]!.errorCode, 74);
    const listed = await two.request('ListOffsets', 5, {
      replicaId: -1,
      isolationLevel: 0,
      topics: [{ name: 't', partitions: [{ partitionIndex: 0, currentLeaderEpoch: 7, timestamp: -1n }] }],
    });
    assert.equal(listed.topics[0]!.partitions[0]!.errorCode, 75);
  });
});

function bound(started: Fixture) {
  return { cluster: started.cluster, connect: (broker: number) => started.connect(broker) };
}
