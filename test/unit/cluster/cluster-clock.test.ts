// The Cluster reads time and waits only through its clock: on a manual clock, against FakeCluster
// over real sockets, metadata ages and the reconnect backoff runs out when the clock is moved. The
// backoff is a minute long, so a wait left on the system clock would make the test time out.
import * as assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Cluster, type ClusterConfig } from '../../../src/cluster/cluster.js';
import { ConnectionError } from '../../../src/errors/kafka-error.js';
import { FakeCluster } from '../../../src/testing/index.js';
import { ManualClock } from '../../helpers/manual-clock.js';

const MINUTE = 60_000;
const fakes: FakeCluster[] = [];
const clusters: Cluster[] = [];
after(async () => {
  for (const cluster of clusters) cluster.close();
  for (const fake of fakes) await fake.stop();
});

async function clusterOn(clock: ManualClock, settings: Partial<ClusterConfig> = {}): Promise<{ fake: FakeCluster; cluster: Cluster }> {
  const fake = new FakeCluster({ brokers: 1 });
  fakes.push(fake);
  await fake.start();
  const cluster = new Cluster({
    bootstrapServers: [fake.bootstrapServers],
    clientId: 'test',
    connectTimeoutMs: MINUTE,
    requestTimeoutMs: MINUTE,
    metadataMaxAgeMs: 5 * MINUTE,
    reconnectBackoffMs: MINUTE,
    reconnectBackoffMaxMs: MINUTE,
    allowAutoTopicCreation: false,
    clock,
    ...settings,
  });
  clusters.push(cluster);
  await cluster.connect();
  return { fake, cluster };
}

/** Waits (a bounded number of real turns) for `condition`. */
async function until(condition: () => boolean, what: string): Promise<void> {
  for (let round = 0; round < 500 && !condition(); round++) await new Promise((resolve) => setTimeout(resolve, 10));
  assert.ok(condition(), what);
}

describe('Cluster on an injected clock', () => {
  it('finds its metadata stale when the clock passes metadataMaxAgeMs since the update', { timeout: 30_000 }, async () => {
    const clock = new ManualClock();
    const { cluster } = await clusterOn(clock);
    assert.equal(cluster.metadata.updatedAt, clock.now());
    await clock.advance(5 * MINUTE - 1);
    assert.equal(cluster.isMetadataStale(), false);
    await clock.advance(1);
    assert.equal(cluster.isMetadataStale(), true);
  });

  it('waits out the reconnect backoff on the clock before opening the next connection', { timeout: 30_000 }, async () => {
    const clock = new ManualClock();
    const { fake, cluster } = await clusterOn(clock);
    const broker = fake.brokerIds[0]!;
    await cluster.connectionTo(broker);
    await fake.stopBroker(broker);
    await until(() => cluster.connectionIfReady(broker) === undefined, 'the connection closed with the broker');
    await assert.rejects(cluster.connectionTo(broker), ConnectionError);
    // reconnectBackoffMaxMs equals reconnectBackoffMs: the backoff is exactly a minute, unjittered.
    assert.equal(cluster.reconnectDelay(broker), MINUTE);
    await fake.startBroker(broker);
    let opened = false;
    const reconnecting = cluster.connectionTo(broker).then((connection) => {
      opened = true;
      return connection;
    });
    await clock.advance(MINUTE - 1);
    assert.equal(opened, false);
    assert.equal(cluster.reconnectDelay(broker), 1);
    await clock.advance(1);
    const connection = await reconnecting;
    assert.equal(connection.isReady, true);
    assert.equal(cluster.reconnectDelay(broker), 0);
  });
});
