// A FakeCluster started for one test, with raw clients (TCP or TLS) connected to chosen brokers;
// `stop()` closes the clients and the cluster and checks that no request failed inside the cluster.
import * as assert from 'node:assert/strict';
import type { ConnectionOptions } from 'node:tls';
import { FakeCluster, type FakeClusterOptions } from '../../src/testing/index.js';
import { RawClient } from './raw-client.js';

/** A started cluster and the raw clients of one test. */
export class Fixture {
  private readonly clients: RawClient[] = [];

  private constructor(readonly cluster: FakeCluster) {}

  /** Creates and starts a cluster. */
  static async start(options: FakeClusterOptions = {}): Promise<Fixture> {
    const cluster = new FakeCluster(options);
    await cluster.start();
    return new Fixture(cluster);
  }

  /** Connects a raw client to broker `brokerId`. */
  async connect(brokerId = 1): Promise<RawClient> {
    const client = await RawClient.connect(this.cluster.brokerAddresses()[brokerId - 1]!);
    this.clients.push(client);
    return client;
  }

  /** Connects a raw client to broker `brokerId` over TLS. */
  async connectTls(brokerId: number, options: ConnectionOptions): Promise<RawClient> {
    const client = await RawClient.connectTls(this.cluster.brokerAddresses()[brokerId - 1]!, options);
    this.clients.push(client);
    return client;
  }

  /** Connects a raw client to the leader of a partition. */
  connectToLeader(topic: string, partition: number): Promise<RawClient> {
    return this.connect(this.cluster.leader(topic, partition));
  }

  /** Closes every client and the cluster. */
  async stop(): Promise<void> {
    for (const client of this.clients) client.close();
    await this.cluster.stop();
    assert.deepEqual(this.cluster.serverErrors, [], 'no request failed inside the cluster');
  }
}
