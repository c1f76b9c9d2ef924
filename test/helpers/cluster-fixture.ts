// One FakeCluster and one Producer per test, closed and stopped after each test whatever its
// outcome: the setup the producer's integration tests share.
import * as assert from 'node:assert/strict';
import { afterEach } from 'node:test';
import { Producer, type ProducerOptions } from '../../src/index.js';
import { FakeCluster, type FakeClusterOptions } from '../../src/testing/index.js';

export interface ClusterFixture {
  /** Starts a cluster with `clusterOptions`, and a producer for it with `producerOptions`. */
  start(clusterOptions: FakeClusterOptions, producerOptions?: Partial<ProducerOptions>): Promise<{ cluster: FakeCluster; producer: Producer }>;
}

/**
 * Registers, for the calling test file, an afterEach that closes the test's producer at once and
 * stops its cluster; with `expectNoServerErrors`, it then asserts that the cluster recorded none.
 */
export function useClusterFixture(options: { expectNoServerErrors?: boolean } = {}): ClusterFixture {
  let cluster: FakeCluster | undefined;
  let producer: Producer | undefined;
  afterEach(async () => {
    const stopped = cluster;
    await producer?.close({ timeoutMs: 0 });
    await cluster?.stop();
    producer = undefined;
    cluster = undefined;
    if (stopped && options.expectNoServerErrors) assert.deepEqual(stopped.serverErrors, []);
  });
  return {
    async start(clusterOptions, producerOptions = {}) {
      cluster = new FakeCluster(clusterOptions);
      await cluster.start();
      producer = new Producer({ bootstrapServers: cluster.bootstrapServers, ...producerOptions });
      return { cluster, producer };
    },
  };
}
