// Broker faults on a real Apache Kafka 4.x cluster (3 KRaft nodes, each broker and controller),
// with what was produced read back by kcat: a partition leader killed (SIGKILL) and restarted, a
// controlled shutdown (SIGTERM) and restart of another broker, and a preferred-leader election, all
// in the middle of one stream of 300,000 records; and partitions whose in-sync replicas fall below
// min.insync.replicas.
//
// With every node a controller too, two of three nodes down is a lost controller quorum: the
// partition's in-sync replicas can no longer shrink, and acks=all requests time out instead of
// being refused. So the min.insync.replicas tests set it to 3 on their topic and take one follower
// down: the in-sync replicas shrink to 2, below the minimum, while the leader and the quorum stay.
// Kafka 4 then also holds the high watermark (eligible leader replicas, KIP-966): acks=1 records
// are acknowledged but readable only once the follower is back in sync.
//
// And the journal's crash run (test/soak/journal-crash-run.ts) against this cluster: producer
// processes killed with SIGKILL and restarted on the same journal while a broker is killed and
// restarted too; kcat reads back every resolved enqueue exactly once, in order.
import * as assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { DeliveryTimeoutError, KafkaError, Producer } from '../../src/index.js';
import { within } from '../helpers/producer-check.js';
import { waitUntil } from '../kafka/admin.js';
import { checkCrashRun, runCrashChildren } from '../soak/journal-crash-run.js';
import { produceThroughFaults } from './fault-script.js';
import { Ledger, readWithKcat } from './read-back.js';
import { describeWithCluster, KAFKA_4, realKafkaSkip, uniqueTopic } from './real-cluster-suite.js';

const skip = await realKafkaSkip();

describeWithCluster(`Apache Kafka ${KAFKA_4}, 3 nodes: broker faults`, { version: KAFKA_4, nodes: 3 }, skip, (cluster) => {
  it('keeps exactly once and order through a leader killed and restarted, a controlled shutdown and a preferred-leader election', { timeout: 300_000 }, async () => {
    const real = cluster();
    const admin = real.admin();
    const topic = uniqueTopic('leader-faults');
    const partitions = [0, 1, 2, 3, 4, 5];
    const records = 300_000;
    const producer = new Producer({ bootstrapServers: real.bootstrapServers, clientId: 'e2e-leader-faults', compression: 'lz4', acks: 'all', idempotence: true, maxInFlightRequestsPerConnection: 5 });
    const ledger = new Ledger('leader-faults');
    let killed = -1;
    let stopped = -1;
    let elected: number[] = [];
    try {
      await admin.createTopic(topic, { partitions: partitions.length, replicationFactor: 3 });
      await produceThroughFaults({
        producer,
        ledger,
        topic,
        records,
        steps: [
          {
            at: records * 0.3,
            name: 'SIGKILL the leader of partition 0',
            run: async () => {
              killed = await admin.leaderOf(topic, 0);
              await real.kill(killed);
            },
          },
          { at: records * 0.6, name: 'restart it', run: () => real.restart(killed) },
          {
            at: records * 0.65,
            name: 'controlled shutdown (SIGTERM) of another broker',
            run: async () => {
              stopped = real.nodeIds.find((id) => id !== killed)!;
              await real.terminate(stopped);
              await admin.waitUntil(`no leadership left on node ${stopped}`, async () => ![...(await admin.leaders(topic)).values()].includes(stopped), 30_000);
            },
          },
          { at: records * 0.7, name: 'restart it', run: () => real.restart(stopped) },
          {
            at: records * 0.8,
            name: 'preferred-leader election',
            run: async () => {
              // The restarted nodes lead nothing until they are back in sync and elected.
              await admin.waitUntil('every replica back in sync', async () => (await admin.partitions(topic)).every((entry) => entry.isr.length === 3));
              elected = await admin.electPreferredLeaders(topic, partitions);
            },
          },
        ],
      });
    } finally {
      await producer.close();
      admin.close();
    }
    assert.ok(elected.length > 0, 'the election moved the leader of some partition back to its preferred replica');
    assert.ok((producer.metrics()['record-retry-total'] ?? 0) > 0, 'the faults made the producer retry');
    const counts = ledger.assertStored(await readWithKcat(real.bootstrapServers, topic));
    assert.deepEqual([...ledger.rejections.values()].map(String), [], 'no record failed: every fault was over within deliveryTimeoutMs');
    assert.equal(counts.acknowledged, records);
  });

  // A topic of one partition led by node 1, with its followers on nodes 2 and 3, needing all three in sync.
  async function minIsrTopic(name: string): Promise<string> {
    const topic = uniqueTopic(name);
    const admin = cluster().admin();
    try {
      await admin.createTopic(topic, { assignments: [[1, 2, 3]], configs: { 'min.insync.replicas': 3 } });
    } finally {
      admin.close();
    }
    return topic;
  }

  // Kills node 3 and waits until the controller took it out of the partition's in-sync replicas:
  // from then on the leader refuses acks=all batches (NOT_ENOUGH_REPLICAS) before appending them.
  async function dropBelowMinIsr(topic: string): Promise<void> {
    const real = cluster();
    await real.kill(3);
    const admin = real.admin();
    try {
      // Asked of the leader itself, which is the one to refuse the batches.
      await admin.waitUntil('node 1 knows node 3 is out of the in-sync replicas', async () => {
        const [partition] = await admin.partitions(topic, 1);
        return partition !== undefined && partition.leader === 1 && !partition.isr.includes(3);
      });
    } finally {
      admin.close();
    }
  }

  it('retries acks=all batches refused with NOT_ENOUGH_REPLICAS until a replica returns, then stores them exactly once', { timeout: 180_000 }, async () => {
    const real = cluster();
    const topic = await minIsrTopic('min-isr-retry');
    const producer = new Producer({ bootstrapServers: real.bootstrapServers, clientId: 'e2e-min-isr', requestTimeoutMs: 10_000, deliveryTimeoutMs: 120_000, retryBackoffMaxMs: 500 });
    const ledger = new Ledger('min-isr-retry');
    const sends: Promise<void>[] = [];
    try {
      sends.push(ledger.track(0, producer.send({ topic, value: ledger.value(0) })));
      await Promise.all(sends);
      await dropBelowMinIsr(topic);
      for (let number = 1; number <= 500; number++) sends.push(ledger.track(number, producer.send({ topic, value: ledger.value(number) })));
      await waitUntil('the producer retried the refused batches', () => (producer.metrics()['record-retry-total'] ?? 0) > 0, 30_000);
      assert.equal(ledger.acknowledgedCount, 1, 'nothing acknowledged while the partition is below min.insync.replicas');
      assert.equal(ledger.rejections.size, 0, 'nothing failed: NOT_ENOUGH_REPLICAS is retried');
      await real.restart(3);
      await within(Promise.all(sends), 90_000, 'the sends once node 3 is back');
    } finally {
      await producer.close();
    }
    const counts = ledger.assertStored(await readWithKcat(real.bootstrapServers, topic));
    assert.equal(counts.acknowledged, 501);
  });

  it('fails acks=all records with DeliveryTimeoutError naming NOT_ENOUGH_REPLICAS at a short deliveryTimeoutMs, unwritten; acks=1 still writes', { timeout: 180_000 }, async (t) => {
    const real = cluster();
    const topic = await minIsrTopic('min-isr-timeout');
    const strict = new Producer({ bootstrapServers: real.bootstrapServers, clientId: 'e2e-min-isr-strict', requestTimeoutMs: 3000, deliveryTimeoutMs: 6000, retryBackoffMaxMs: 500 });
    const leader = new Producer({ bootstrapServers: real.bootstrapServers, clientId: 'e2e-min-isr-acks1', acks: 1, idempotence: false });
    const refused = new Ledger('min-isr-refused');
    const accepted = new Ledger('min-isr-acks1');
    try {
      await strict.connect();
      await leader.connect();
      await dropBelowMinIsr(topic);
      const sends: Promise<void>[] = [];
      for (let number = 0; number < 200; number++) sends.push(refused.track(number, strict.send({ topic, value: refused.value(number) })));
      await within(Promise.all(sends), 30_000, 'the acks=all sends at deliveryTimeoutMs');
      for (let number = 0; number < 200; number++) sends.push(accepted.track(number, leader.send({ topic, value: accepted.value(number) })));
      await within(Promise.all(sends), 30_000, 'the acks=1 sends');
    } finally {
      await strict.close();
      await leader.close();
    }
    assert.equal(refused.rejections.size, 200, 'every acks=all record failed');
    for (const error of refused.rejections.values()) {
      assert.ok(error instanceof DeliveryTimeoutError, String(error));
      assert.equal(error.possiblyPersisted, false, 'refused before append: not written');
      const cause = error.cause;
      assert.ok(cause instanceof KafkaError && cause.brokerErrorName === 'NOT_ENOUGH_REPLICAS', `the cause names NOT_ENOUGH_REPLICAS: ${String(cause)} (${error.message})`);
      assert.match(error.message, /NOT_ENOUGH_REPLICAS/);
    }
    assert.equal(accepted.acknowledgedCount, 200, 'acks=1 needs the leader only');
    // Below min.insync.replicas the high watermark stays put (Kafka 4 with eligible leader
    // replicas, KIP-966): what acks=1 wrote becomes readable once the replicas are back in sync.
    const admin = real.admin();
    try {
      const [below] = (await admin.stableAndEndOffsets(topic, [0])).values();
      t.diagnostic(`high watermark below min.insync.replicas after 200 acks=1 records: ${below?.end}`);
      await real.restart(3);
      await admin.waitUntil('node 3 back in sync', async () => (await admin.partitions(topic))[0]?.isr.length === 3);
    } finally {
      admin.close();
    }
    const stored = await readWithKcat(real.bootstrapServers, topic);
    assert.equal(refused.assertStored(stored).stored, 0, 'no refused record is stored');
    assert.equal(accepted.assertStored(stored).stored, 200);
  });

  it('journal: producer processes killed (SIGKILL) and restarted while a broker is killed and restarted: every resolved enqueue stored exactly once, in order', { timeout: 3_600_000 }, async (t) => {
    const real = cluster();
    const admin = real.admin();
    const topic = uniqueTopic('journal-crash');
    const directory = await mkdtemp(join(tmpdir(), 'e2e-journal-'));
    const partitions = 6;
    // JOURNAL_E2E_RECORDS and JOURNAL_E2E_KILLS make a longer run (e.g. 1000000 and 20).
    const records = Number(process.env.JOURNAL_E2E_RECORDS ?? 30_000);
    const kills = Number(process.env.JOURNAL_E2E_KILLS ?? 4);
    const options = { bootstrapServers: real.bootstrapServers, directory, topic, partitions, records, kills, seed: 5, childTimeoutMs: 600_000 };
    let killed = -1;
    try {
      await admin.createTopic(topic, { partitions, replicationFactor: 3 });
      await real.waitForLeaders(topic);
      // The leader of partition 0 is killed as the second producer process starts, and restarted
      // as the third starts, each while a producer runs (min.insync.replicas 2 of 3: acks=all
      // goes on with the broker down).
      const progress = await runCrashChildren({
        ...options,
        aroundRun: async (run) => {
          if (run === 1) {
            killed = await admin.leaderOf(topic, 0);
            await real.kill(killed);
          } else if (run === 2 && killed >= 0) {
            await real.restart(killed);
          }
        },
      });
      const read = await readWithKcat(real.bootstrapServers, topic);
      const stored = Array.from({ length: partitions }, (_, partition) => read.filter((record) => record.partition === partition).map((record) => Number(record.value)));
      const summary = checkCrashRun(progress, options, stored, `seed ${options.seed}, broker ${killed} killed as the second run started, restarted as the third did`);
      assert.ok(killed >= 1, 'a broker was killed');
      t.diagnostic(summary);
    } finally {
      admin.close();
      await rm(directory, { recursive: true, force: true });
    }
  });
});
