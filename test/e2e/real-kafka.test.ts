// End to end against real Apache Kafka, assembled from Maven Central and started by the test
// itself (test/kafka/real-cluster.ts): a 3-node Kafka 4.x cluster (KRaft, replication factor 3,
// min.insync.replicas 2) and a single node of the oldest Kafka 3.x line (3.0), for version
// negotiation with an older broker. Each cluster's version and negotiated API versions are printed.
// What is produced is read back by kcat (librdkafka, CRC-checked, read_committed for transactions)
// and by the project's own reader (the demo's verification): every acknowledged record stored
// exactly once, in order per partition, with every codec, across a broker killed mid-stream, and
// with transactions. KAFKA_BROKERS=host:port,... runs the same tests against a user's own cluster
// (the broker-kill test then needs the cluster started here and is left out).
//
// Needs java, mvn and kcat; in CI (CI=true) their absence fails the suite instead of skipping it.
import * as assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { runDemo } from '../../src/cli/demo.js';
import { Producer } from '../../src/index.js';
import type { CompressionType } from '../../src/producer/options.js';
import type { ApiName } from '../../src/protocol/index.js';
import { formatNegotiatedApis, negotiatedApis, withConnection } from '../kafka/cluster-probe.js';
import type { RealKafkaCluster } from '../kafka/real-cluster.js';
import { assertDemoRecords, readWithKcat } from './read-back.js';
import { KAFKA_4, realKafkaSkip, startCluster, uniqueTopic } from './real-cluster-suite.js';

const external = process.env.KAFKA_BROKERS;
// The oldest 3.x line: 3.0 runs in KRaft mode with this harness, transactions included (docs/testing.md).
const KAFKA_3 = process.env.KAFKA_3_VERSION ?? '3.0.2';
const REPORTED_APIS: readonly ApiName[] = ['ApiVersions', 'Metadata', 'Produce', 'InitProducerId', 'AddPartitionsToTxn', 'EndTxn'];

const skip = await realKafkaSkip(external !== undefined);

// A logger that keeps the protocol the producer chose for transactions (logged by initTransactions()).
function protocolLogger(): { logger: { info: (message: string) => void }; protocols: string[] } {
  const protocols: string[] = [];
  return { protocols, logger: { info: (message) => message.startsWith('transactions: protocol') && protocols.push(message) } };
}


// With a cluster started here, the topic is created first and every partition has a leader before
// the demo starts (else it is created on the demo's first Metadata request).
async function produceAndVerify(
  bootstrapServers: string,
  name: string,
  compression: CompressionType,
  records: number,
  options: { real?: RealKafkaCluster | undefined; during?: () => Promise<void> } = {},
): Promise<void> {
  const topic = uniqueTopic(name);
  await options.real?.createTopic(topic, 6);
  const demo = runDemo({ bootstrapServers, records, topic, partitions: 6, compression, seed: 1, faults: 'none' });
  await options.during?.();
  assert.equal(await demo, 0, 'the demo verified what it produced with the project reader');
  assertDemoRecords(await readWithKcat(bootstrapServers, topic), records);
}

function suite(title: string, options: { version: string; nodes: number }, tests: (cluster: () => { bootstrapServers: string; real: RealKafkaCluster | undefined }) => void): void {
  describe(title, { skip }, () => {
    let real: RealKafkaCluster | undefined;
    before(async () => {
      if (external) return;
      real = await startCluster({ version: options.version, nodes: options.nodes });
    });
    after(async () => {
      await real?.stop();
    });
    it('reports the Kafka version and the negotiated API versions', async (t) => {
      const bootstrapServers = external ?? real!.bootstrapServers;
      const apis = await withConnection(bootstrapServers.split(',')[0]!, {}, async (connection) => negotiatedApis(connection, REPORTED_APIS));
      t.diagnostic(`Kafka ${real ? real.runningVersion() : 'of the cluster at KAFKA_BROKERS'} at ${bootstrapServers}`);
      for (const line of formatNegotiatedApis(apis)) t.diagnostic(line);
      if (real) assert.equal(real.runningVersion(), options.version, 'the nodes run the version asked for');
      for (const { api, negotiated } of apis) assert.notEqual(negotiated, undefined, `${api} has a version both sides speak`);
    });
    tests(() => ({ bootstrapServers: external ?? real!.bootstrapServers, real }));
  });
}

suite(`Apache Kafka ${external ? `at ${external}` : `${KAFKA_4}, 3 nodes (KRaft)`}`, { version: KAFKA_4, nodes: 3 }, (cluster) => {
  for (const compression of ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as CompressionType[]) {
    it(`produces exactly once, in order (${compression})`, { timeout: 180_000 }, async () => {
      const { bootstrapServers, real } = cluster();
      await produceAndVerify(bootstrapServers, compression, compression, 20_000, { real });
    });
  }

  it('round-trips keys, headers, timestamps and null values', { timeout: 120_000 }, async () => {
    const { bootstrapServers } = cluster();
    const topic = uniqueTopic('fields');
    const producer = new Producer({ bootstrapServers, clientId: 'e2e-fields' });
    try {
      await producer.send({ topic, partition: 0, key: 'k1', value: 'v1', headers: { h1: 'a', h2: 'b' }, timestamp: 1_700_000_000_000 });
      await producer.send({ topic, partition: 0, key: 'k2', value: null, timestamp: 1_700_000_000_001 });
      await producer.send({ topic, partition: 0, key: null, value: 'v3' });
    } finally {
      await producer.close();
    }
    const read = (await readWithKcat(bootstrapServers, topic)).filter((record) => record.partition === 0);
    assert.equal(read.length, 3);
    assert.deepEqual(
      read.map(({ key, value, valueSize, headers }) => ({ key, value, valueSize, headers })),
      [
        { key: 'k1', value: 'v1', valueSize: 2, headers: 'h1=a,h2=b' },
        { key: 'k2', value: '', valueSize: -1, headers: '' },
        { key: '', value: 'v3', valueSize: 2, headers: '' },
      ],
    );
    assert.deepEqual(
      read.slice(0, 2).map((record) => record.timestamp),
      [1_700_000_000_000, 1_700_000_000_001],
    );
  });

  it('commits and aborts transactions: read_committed sees the committed records only, in order', { timeout: 180_000 }, async () => {
    const { bootstrapServers } = cluster();
    const topic = uniqueTopic('transactions');
    const { logger, protocols } = protocolLogger();
    const producer = new Producer({ bootstrapServers, transactionalId: `e2e-${process.pid}`, logger });
    try {
      await producer.initTransactions();
      await producer.transaction(async (tx) => {
        await Promise.all([0, 1, 2, 0].map((partition, index) => tx.send({ topic, partition, value: `committed-${index}` })));
      });
      producer.beginTransaction();
      await producer.send({ topic, partition: 0, value: 'aborted-0' });
      await producer.abortTransaction();
      await producer.transaction(async (tx) => {
        await tx.send({ topic, partition: 0, value: 'committed-4' });
      });
    } finally {
      await producer.close();
    }
    const committed = await readWithKcat(bootstrapServers, topic, true);
    const byPartition = (partition: number) => committed.filter((record) => record.partition === partition).map((record) => record.value);
    assert.deepEqual(byPartition(0), ['committed-0', 'committed-3', 'committed-4']);
    assert.deepEqual(byPartition(1), ['committed-1']);
    assert.deepEqual(byPartition(2), ['committed-2']);
    if (!external) assert.deepEqual(protocols, ['transactions: protocol v2 (KIP-890)'], 'Kafka 4.x serves transactions v2');
  });

  it('keeps exactly once and order while a broker is killed (SIGKILL) and restarted mid-stream', { skip: external ? 'needs the cluster started by the test' : false, timeout: 300_000 }, async () => {
    const { bootstrapServers, real } = cluster();
    await produceAndVerify(bootstrapServers, 'kill', 'lz4', 300_000, {
      real,
      during: async () => {
        await new Promise((resolve) => setTimeout(resolve, 1500));
        await real!.kill(2);
        await new Promise((resolve) => setTimeout(resolve, 5000));
        await real!.restart(2);
      },
    });
  });
});

suite(`Apache Kafka ${KAFKA_3}, 1 node (KRaft), older protocol versions`, { version: KAFKA_3, nodes: 1 }, (cluster) => {
  it('negotiates the broker versions and produces exactly once, in order', { skip: external ? 'runs against the node started by the test' : false, timeout: 180_000 }, async () => {
    const { bootstrapServers, real } = cluster();
    await produceAndVerify(bootstrapServers, 'kafka3', 'zstd', 20_000, { real });
  });

  it('runs a transaction on it', { skip: external ? 'runs against the node started by the test' : false, timeout: 120_000 }, async () => {
    const { bootstrapServers } = cluster();
    const topic = uniqueTopic('kafka3-transactions');
    const { logger, protocols } = protocolLogger();
    const producer = new Producer({ bootstrapServers, transactionalId: `e2e-3-${process.pid}`, logger });
    try {
      await producer.initTransactions();
      await producer.transaction(async (tx) => {
        await tx.send({ topic, partition: 0, value: 'committed' });
      });
      producer.beginTransaction();
      await producer.send({ topic, partition: 0, value: 'aborted' });
      await producer.abortTransaction();
    } finally {
      await producer.close();
    }
    assert.deepEqual(
      (await readWithKcat(bootstrapServers, topic, true)).map((record) => record.value),
      ['committed'],
    );
    assert.deepEqual(protocols, ['transactions: protocol v1'], 'Kafka 3.x has no transactions v2');
  });
});
