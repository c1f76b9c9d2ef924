// FakeCluster's consumer-group coordinator over raw sockets: member ids (MEMBER_ID_REQUIRED), one
// generation per join round with the first member leading, assignments through SyncGroup, heartbeats
// during a rebalance, leaving, and offset commits checked against the generation.
import * as assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { Fixture } from './fixture.js';
import type { RawClient } from './raw-client.js';

let fixture: Fixture;
let coordinator: RawClient;
let second: RawClient;

beforeEach(async () => {
  fixture = await Fixture.start({ brokers: 2, topics: [{ name: 't', partitions: 2, replicationFactor: 2 }], groupInitialRebalanceDelayMs: 50 });
  const any = await fixture.connect(1);
  const found = await any.request('FindCoordinator', 2, { key: 'g', keyType: 0 });
  coordinator = await fixture.connect(found.nodeId!);
  second = await fixture.connect(found.nodeId!);
  const other = await fixture.connect((found.nodeId! % 2) + 1);
  const refused = await other.request('Heartbeat', 3, { groupId: 'g', generationId: 1, memberId: 'x', groupInstanceId: null });
  assert.equal(refused.errorCode, 16, 'NOT_COORDINATOR');
});
afterEach(() => fixture.stop());

function join(client: RawClient, memberId: string, metadata: string) {
  return client.request('JoinGroup', 5, {
    groupId: 'g',
    sessionTimeoutMs: 10_000,
    rebalanceTimeoutMs: 2000,
    memberId,
    groupInstanceId: null,
    protocolType: 'consumer',
    protocols: [{ name: 'range', metadata: Buffer.from(metadata) }],
  });
}

async function joinAsNewMember(client: RawClient, metadata: string) {
  const first = await join(client, '', metadata);
  assert.equal(first.errorCode, 79, 'MEMBER_ID_REQUIRED from v4');
  return join(client, first.memberId, metadata);
}

function sync(client: RawClient, memberId: string, generationId: number, assignments: { memberId: string; assignment: Buffer }[] = []) {
  return client.request('SyncGroup', 3, { groupId: 'g', generationId, memberId, groupInstanceId: null, assignments });
}

describe('consumer groups', () => {
  it('runs join rounds: the first member leads, sees every member, and its assignments reach the others', async () => {
    const [leader, follower] = await Promise.all([joinAsNewMember(coordinator, 'meta-1'), joinAsNewMember(second, 'meta-2')]);
    assert.equal(leader.generationId, 1);
    assert.equal(follower.generationId, 1);
    const [leading, following] = leader.leader === leader.memberId ? [leader, follower] : [follower, leader];
    assert.deepEqual(leading.members.map((member) => member.metadata.toString()).sort(), ['meta-1', 'meta-2']);
    assert.deepEqual(following.members, []);
    const [leadingClient, followingClient] = leading === leader ? [coordinator, second] : [second, coordinator];
    const followerSync = sync(followingClient, following.memberId, 1);
    const leaderSync = await sync(leadingClient, leading.memberId, 1, [
      { memberId: leading.memberId, assignment: Buffer.from('p0') },
      { memberId: following.memberId, assignment: Buffer.from('p1') },
    ]);
    assert.equal(leaderSync.assignment.toString(), 'p0');
    assert.equal((await followerSync).assignment.toString(), 'p1');
    assert.equal((await followingClient.request('Heartbeat', 3, { groupId: 'g', generationId: 1, memberId: following.memberId, groupInstanceId: null })).errorCode, 0);
    assert.equal((await followingClient.request('Heartbeat', 3, { groupId: 'g', generationId: 0, memberId: following.memberId, groupInstanceId: null })).errorCode, 22);
    assert.equal((await followingClient.request('Heartbeat', 3, { groupId: 'g', generationId: 1, memberId: 'stranger', groupInstanceId: null })).errorCode, 25);

    const left = await followingClient.request('LeaveGroup', 3, { groupId: 'g', members: [{ memberId: following.memberId, groupInstanceId: null }] });
    assert.deepEqual([left.errorCode, left.members![0]!.errorCode], [0, 0]);
    const heartbeat = await leadingClient.request('Heartbeat', 3, { groupId: 'g', generationId: 1, memberId: leading.memberId, groupInstanceId: null });
    assert.equal(heartbeat.errorCode, 27, 'REBALANCE_IN_PROGRESS after a member left');
    const rejoined = await join(leadingClient, leading.memberId, 'meta-again');
    assert.deepEqual([rejoined.generationId, rejoined.leader, rejoined.members.length], [2, leading.memberId, 1]);
  });

  it('commits offsets for the current generation and fetches them back (v1 to v8 layouts)', async () => {
    const member = await joinAsNewMember(coordinator, 'meta');
    await sync(coordinator, member.memberId, member.generationId, [{ memberId: member.memberId, assignment: Buffer.alloc(0) }]);
    const commit = (generationIdOrMemberEpoch: number, memberId: string, committedOffset: bigint) =>
      coordinator.request('OffsetCommit', 7, {
        groupId: 'g',
        generationIdOrMemberEpoch,
        memberId,
        groupInstanceId: null,
        topics: [{ name: 't', partitions: [{ partitionIndex: 1, committedOffset, committedLeaderEpoch: -1, committedMetadata: 'note' }] }],
      });
    assert.equal((await commit(member.generationId + 1, member.memberId, 3n)).topics[0]!.partitions[0]!.errorCode, 22);
    assert.equal((await commit(-1, '', 3n)).topics[0]!.partitions[0]!.errorCode, 25, 'no outside commits while the group has members');
    assert.equal((await commit(member.generationId, member.memberId, 42n)).topics[0]!.partitions[0]!.errorCode, 0);
    const v1 = await coordinator.request('OffsetFetch', 1, { groupId: 'g', topics: [{ name: 't', partitionIndexes: [0, 1] }] });
    assert.deepEqual(v1.topics![0]!.partitions.map((partition) => [partition.committedOffset, partition.metadata]), [
      [-1n, ''],
      [42n, 'note'],
    ]);
    const v8 = await coordinator.request('OffsetFetch', 8, { groups: [{ groupId: 'g', topics: null }], requireStable: false });
    assert.deepEqual(v8.groups![0]!.topics.map((topic) => [topic.name, topic.partitions.map((partition) => partition.committedOffset)]), [['t', [42n]]]);
    assert.equal(fixture.cluster.committedOffset('g', 't', 1), 42n);
  });
});
