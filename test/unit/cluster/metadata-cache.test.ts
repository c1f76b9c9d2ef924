// The metadata cache's rules for leaders: an answer at an older leader epoch than the cached one is
// stale and ignored (KIP-320), unless it describes another topic of the same name, one deleted and
// created again (a new topic id, KIP-516), whose partitions start again at leader epoch 0.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MetadataCache } from '../../../src/cluster/metadata-cache.js';
import type { MetadataResponseData } from '../../../src/protocol/index.js';

const brokers = [1, 2, 3].map((nodeId) => ({ nodeId, host: '127.0.0.1', port: 9000 + nodeId }));

function response(leader: number, leaderEpoch: number, topicId?: string): MetadataResponseData {
  return {
    brokers,
    topics: [{ errorCode: 0, name: 't', ...(topicId ? { topicId } : {}), partitions: [{ errorCode: 0, partitionIndex: 0, leaderId: leader, leaderEpoch, replicaNodes: [1, 2, 3], isrNodes: [1, 2, 3] }] }],
  };
}

const FIRST = '11111111-1111-1111-1111-111111111111';
const SECOND = '22222222-2222-2222-2222-222222222222';
const leaderOf = (cache: MetadataCache) => {
  const partition = cache.partition('t', 0)!;
  return `${partition.leader}@${partition.leaderEpoch}`;
};

describe('MetadataCache', () => {
  it('ignores an answer at an older leader epoch of the same topic', () => {
    const cache = new MetadataCache();
    cache.update(response(3, 2, FIRST));
    cache.update(response(1, 1, FIRST));
    assert.equal(leaderOf(cache), '3@2');
    cache.update(response(1, 3, FIRST));
    assert.equal(leaderOf(cache), '1@3');
  });

  it('ignores an older leader epoch when the broker sends no topic ids (Metadata before v10)', () => {
    const cache = new MetadataCache();
    cache.update(response(3, 2));
    cache.update(response(1, 0));
    assert.equal(leaderOf(cache), '3@2');
  });

  it('takes the partitions of a topic created again under the same name, at leader epoch 0', () => {
    const cache = new MetadataCache();
    cache.update(response(3, 2, FIRST));
    cache.update({ brokers, topics: [{ errorCode: 3, name: 't', partitions: [] }] }); // deleted
    assert.equal(leaderOf(cache), '3@2', 'the deleted topic is kept until it is known again');
    cache.update(response(2, 0, SECOND));
    assert.equal(leaderOf(cache), '2@0');
    assert.equal(cache.topics.get('t')?.topicId, SECOND);
    assert.equal(cache.updateLeader('t', 0, 1, 1), true, 'leader hints follow the new topic epochs');
    assert.equal(leaderOf(cache), '1@1');
  });
});
