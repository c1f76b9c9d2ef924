// FakeCluster's ApiVersions (ranges, version caps, unsupported versions), Metadata (brokers,
// controller, leaders and epochs, auto-creation rules, topic ids) and CreateTopics, over raw sockets.
import * as assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { apiSpecs, supportedVersions } from '../../src/protocol/index.js';
import type { FakeClusterOptions } from '../../src/testing/index.js';
import { Fixture } from './fixture.js';

let fixture: Fixture | undefined;
async function start(options: FakeClusterOptions = {}): Promise<Fixture> {
  fixture = await Fixture.start(options);
  return fixture;
}
afterEach(async () => {
  await fixture?.stop();
  fixture = undefined;
});

describe('ApiVersions', () => {
  it('advertises every served API at the versions the protocol layer speaks, without SASL', async () => {
    const { connect } = bind(await start({ brokers: 1 }));
    const client = await connect();
    for (const version of [0, 1, 2, 3, 4]) {
      const response = await client.request('ApiVersions', version, { clientSoftwareName: 'raw', clientSoftwareVersion: '1' });
      assert.equal(response.errorCode, 0);
      const byKey = new Map(response.apiKeys.map((entry) => [entry.apiKey, entry]));
      assert.equal(byKey.size, 18, 'twenty APIs minus the two SASL ones');
      assert.equal(byKey.has(apiSpecs.SaslHandshake.apiKey), false);
      const produce = byKey.get(apiSpecs.Produce.apiKey)!;
      assert.deepEqual([produce.minVersion, produce.maxVersion], [supportedVersions('Produce').min, supportedVersions('Produce').max]);
    }
  });

  it('answers a version it does not speak with UNSUPPORTED_VERSION in the v0 layout and its own range', async () => {
    const { connect } = bind(await start({ brokers: 1 }));
    const client = await connect();
    const response = await client.request('ApiVersions', 0, {}, { wireVersion: 9, decodeVersion: 0 });
    assert.equal(response.errorCode, 35);
    assert.deepEqual(response.apiKeys.map((entry) => ({ ...entry })), [{ apiKey: 18, minVersion: 0, maxVersion: 4 }]);
    const retried = await client.request('ApiVersions', 3, { clientSoftwareName: 'raw', clientSoftwareVersion: '1' });
    assert.equal(retried.errorCode, 0, 'the connection stays usable');
  });

  it('caps advertised versions with maxVersions and closes connections that go above the cap', async () => {
    const { connect } = bind(await start({ brokers: 1, maxVersions: { Produce: 8, Metadata: 4 } }));
    const client = await connect();
    const response = await client.request('ApiVersions', 2, {});
    const produce = response.apiKeys.find((entry) => entry.apiKey === apiSpecs.Produce.apiKey)!;
    assert.equal(produce.maxVersion, 8);
    await assert.rejects(client.request('Metadata', 5, { topics: null }), /connection closed/);
    await client.closed;
  });
});

describe('Metadata', () => {
  it('describes brokers, controller, topic ids, leaders, epochs, replicas and ISR', async () => {
    const { cluster, connect } = bind(await start({ brokers: 3, topics: [{ name: 'orders', partitions: 3, replicationFactor: 2 }], clusterId: 'test-cluster' }));
    const client = await connect(2);
    const response = await client.request('Metadata', 12, { topics: null, includeTopicAuthorizedOperations: false });
    assert.equal(response.clusterId, 'test-cluster');
    assert.equal(response.controllerId, 1);
    assert.deepEqual(
      response.brokers.map((broker) => `${broker.host}:${broker.port}`),
      cluster.brokerAddresses(),
    );
    const [topic] = response.topics;
    assert.equal(topic!.name, 'orders');
    assert.match(topic!.topicId!, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.deepEqual(
      topic!.partitions.map((partition) => [partition.partitionIndex, partition.leaderId, partition.leaderEpoch, partition.replicaNodes, partition.isrNodes]),
      [
        [0, 1, 0, [1, 2], [1, 2]],
        [1, 2, 0, [2, 3], [2, 3]],
        [2, 3, 0, [3, 1], [3, 1]],
      ],
    );
    const byId = await client.request('Metadata', 12, { topics: [{ topicId: topic!.topicId!, name: null }], includeTopicAuthorizedOperations: false });
    assert.equal(byId.topics[0]!.name, 'orders');
  });

  it('auto-creates a requested topic with the default partitions and replication factor', async () => {
    const { cluster, connect } = bind(await start({ brokers: 2, defaultPartitions: 4 }));
    const client = await connect();
    const response = await client.request('Metadata', 9, { topics: [{ name: 'fresh' }], allowAutoTopicCreation: true, includeTopicAuthorizedOperations: false });
    assert.equal(response.topics[0]!.errorCode, 0);
    assert.equal(response.topics[0]!.partitions.length, 4);
    assert.deepEqual(response.topics[0]!.partitions[0]!.replicaNodes, [1, 2]);
    assert.equal(cluster.describePartition('fresh', 3).replicas.length, 2);
    const v0 = await client.request('Metadata', 0, { topics: [] });
    assert.deepEqual(v0.topics.map((topic) => topic.name), ['fresh'], 'an empty list means every topic in v0');
  });

  it('does not create a topic when the request or the cluster forbids it, nor when its name is illegal', async () => {
    const { connect } = bind(await start({ brokers: 1 }));
    const client = await connect();
    const forbidden = await client.request('Metadata', 9, { topics: [{ name: 'nope' }], allowAutoTopicCreation: false });
    assert.equal(forbidden.topics[0]!.errorCode, 3);
    const illegal = await client.request('Metadata', 9, { topics: [{ name: 'bad name!' }], allowAutoTopicCreation: true });
    assert.equal(illegal.topics[0]!.errorCode, 17);
    await fixture!.stop();
    fixture = await Fixture.start({ brokers: 1, autoCreateTopics: false });
    const other = await fixture.connect();
    const disabled = await other.request('Metadata', 9, { topics: [{ name: 'nope' }], allowAutoTopicCreation: true });
    assert.equal(disabled.topics[0]!.errorCode, 3);
    const none = await other.request('Metadata', 1, { topics: [] });
    assert.deepEqual(none.topics, [], 'an empty list means no topic from v1');
  });
});

describe('CreateTopics', () => {
  it('creates topics with configs, and refuses duplicates, bad counts and validate-only requests', async () => {
    const { cluster, connect } = bind(await start({ brokers: 3 }));
    const client = await connect();
    const response = await client.request('CreateTopics', 7, {
      topics: [
        { name: 'created', numPartitions: 2, replicationFactor: 3, assignments: [], configs: [{ name: 'min.insync.replicas', value: '2' }] },
        { name: 'too-many-replicas', numPartitions: 1, replicationFactor: 4, assignments: [], configs: [] },
        { name: 'no-partitions', numPartitions: 0, replicationFactor: 1, assignments: [], configs: [] },
        { name: 'defaults', numPartitions: -1, replicationFactor: -1, assignments: [], configs: [] },
      ],
      timeoutMs: 1000,
      validateOnly: false,
    });
    assert.deepEqual(
      response.topics.map((topic) => [topic.name, topic.errorCode, topic.numPartitions]),
      [
        ['created', 0, 2],
        ['too-many-replicas', 38, -1],
        ['no-partitions', 37, -1],
        ['defaults', 0, 3],
      ],
    );
    assert.deepEqual(cluster.describePartition('created', 1).isr, [2, 3, 1]);
    const again = await client.request('CreateTopics', 2, {
      topics: [
        { name: 'created', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] },
        { name: 'only-checked', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] },
      ],
      timeoutMs: 1000,
      validateOnly: true,
    });
    assert.deepEqual(again.topics.map((topic) => topic.errorCode), [36, 0]);
    assert.throws(() => cluster.describePartition('only-checked', 0), /no partition/);
  });
});

function bind(started: Fixture) {
  return { cluster: started.cluster, connect: (broker?: number) => started.connect(broker) };
}
