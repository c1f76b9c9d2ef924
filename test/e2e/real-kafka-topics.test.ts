// Topic changes on a real Apache Kafka 4.x cluster (3 KRaft nodes) while a producer writes, read
// back by kcat: a topic deleted (every send settles, with an error naming the topic), a topic
// deleted and created again (the new topic's partitions start again at leader epoch 0), partitions
// added (keyless records reach them after the next metadata refresh; keyed records keep the
// partition of the count they were sent with), and a leader moved by a preferred-leader election,
// after which the producer follows the leader named in the NOT_LEADER_OR_FOLLOWER answer (KIP-951)
// without waiting for metadata.
import * as assert from 'node:assert/strict';
import { it } from 'node:test';
import type { Cluster } from '../../src/cluster/cluster.js';
import { DeliveryTimeoutError, KafkaError, Producer, partitionForKey } from '../../src/index.js';
import { sleep, within } from '../helpers/producer-check.js';
import { waitUntil } from '../kafka/admin.js';
import { produceThroughFaults } from './fault-script.js';
import { Ledger, readWithKcat } from './read-back.js';
import { describeWithCluster, KAFKA_4, realKafkaSkip, uniqueTopic } from './real-cluster-suite.js';

const skip = await realKafkaSkip();

describeWithCluster(`Apache Kafka ${KAFKA_4}, 3 nodes: topic changes`, { version: KAFKA_4, nodes: 3 }, skip, (cluster) => {
  it('settles every send with an error naming the topic when the topic is deleted mid-stream, and goes on with other topics', { timeout: 180_000 }, async (t) => {
    const real = cluster();
    const admin = real.admin();
    const topic = uniqueTopic('deleted');
    const other = uniqueTopic('after-deletion');
    const producer = new Producer({
      bootstrapServers: real.bootstrapServers,
      clientId: 'e2e-deleted',
      allowAutoTopicCreation: false,
      deliveryTimeoutMs: 15_000,
      requestTimeoutMs: 5000,
      maxBlockMs: 5000,
      metadataMaxAgeMs: 2000,
      retryBackoffMaxMs: 500,
    });
    const ledger = new Ledger('deleted');
    const survivor = new Ledger('after-deletion');
    try {
      await admin.createTopic(topic, { partitions: 3, replicationFactor: 3 });
      await admin.createTopic(other, { partitions: 3, replicationFactor: 3 });
      await within(
        produceThroughFaults({
          producer,
          ledger,
          topic,
          records: 30_000,
          keyed: false,
          steps: [
            {
              at: 5000,
              name: 'delete the topic',
              run: async () => {
                await waitUntil('records acknowledged before the deletion', () => ledger.acknowledgedCount >= 1000, 30_000);
                await admin.deleteTopic(topic);
                await admin.waitUntil('the topic is gone', async () => (await admin.partitions(topic)).length === 0);
                await sleep(5000); // records keep coming for the deleted topic
              },
            },
          ],
        }),
        120_000,
        'every send to the deleted topic',
      );
      const sends: Promise<void>[] = [];
      for (let number = 0; number < 100; number++) sends.push(survivor.track(number, producer.send({ topic: other, value: survivor.value(number) })));
      await within(Promise.all(sends), 30_000, 'the sends to another topic');
      assert.deepEqual(await admin.partitions(topic), [], 'the producer did not create the topic again');
    } finally {
      await within(producer.close(), 60_000, 'close()');
      admin.close();
    }
    const rejections = [...ledger.rejections.values()];
    t.diagnostic(`${ledger.acknowledgedCount} acknowledged, ${rejections.length} rejected; codes: ${[...new Set(rejections.map((error) => `${error.code}/${error.brokerErrorName ?? ''}/${(error.cause as KafkaError | undefined)?.brokerErrorName ?? ''}`))].join(', ')}`);
    t.diagnostic(`first rejection: ${rejections[0]?.message}`);
    assert.ok(ledger.acknowledgedCount >= 1000, 'records sent before the deletion were acknowledged');
    assert.ok(rejections.length > 0, 'records sent after the deletion were rejected');
    // Each record waits out deliveryTimeoutMs (the topic might come back), then fails with the
    // broker's last answer as the cause.
    for (const error of rejections) {
      assert.ok(error instanceof DeliveryTimeoutError, String(error));
      assert.ok(error.message.includes(topic), `the error names the topic: ${error.message}`);
      assert.ok(error.cause instanceof KafkaError && error.cause.brokerErrorName !== undefined, `the cause is the broker's answer: ${error.message}`);
    }
    assert.ok(
      rejections.some((error) => (error.cause as KafkaError).brokerErrorName === 'UNKNOWN_TOPIC_OR_PARTITION'),
      'the brokers answered UNKNOWN_TOPIC_OR_PARTITION',
    );
    assert.equal(survivor.assertStored(await readWithKcat(real.bootstrapServers, other)).acknowledged, 100);
  });

  it('writes to a topic deleted and created again, whose partitions start again at leader epoch 0', { timeout: 180_000 }, async () => {
    const real = cluster();
    const admin = real.admin();
    const topic = uniqueTopic('recreated');
    const producer = new Producer({ bootstrapServers: real.bootstrapServers, clientId: 'e2e-recreated', allowAutoTopicCreation: false, deliveryTimeoutMs: 60_000, metadataMaxAgeMs: 2000 });
    const before = new Ledger('recreated-before');
    const after = new Ledger('recreated-after');
    try {
      await admin.createTopic(topic, { assignments: [[1, 2, 3]] });
      // Move the leader twice: the partition is at leader epoch 2 when it is deleted.
      for (const replicas of [
        [2, 1, 3],
        [3, 1, 2],
      ]) {
        await admin.reassign(topic, 0, replicas);
        assert.deepEqual(await admin.electPreferredLeaders(topic, [0]), [0]);
      }
      const sends: Promise<void>[] = [];
      for (let number = 0; number < 100; number++) sends.push(before.track(number, producer.send({ topic, value: before.value(number) })));
      await within(Promise.all(sends), 30_000, 'the sends before the deletion');
      await admin.deleteTopic(topic);
      await admin.waitUntil('the topic is gone', async () => (await admin.partitions(topic)).length === 0);
      await admin.createTopic(topic, { assignments: [[2, 1, 3]] });
      for (let number = 0; number < 100; number++) sends.push(after.track(number, producer.send({ topic, value: after.value(number) })));
      await within(Promise.all(sends), 90_000, 'the sends to the new topic');
    } finally {
      await producer.close();
      admin.close();
    }
    assert.equal(before.acknowledgedCount, 100);
    assert.deepEqual([...after.rejections.values()].map(String), [], 'every record for the new topic was written');
    assert.equal(after.assertStored(await readWithKcat(real.bootstrapServers, topic)).acknowledged, 100);
  });

  it('spreads keyless records over partitions added mid-stream, keyed records on the partition of the count they were sent with', { timeout: 180_000 }, async () => {
    const real = cluster();
    const admin = real.admin();
    const topic = uniqueTopic('added-partitions');
    // Keyless records stick to a partition for a batch's worth of bytes (KIP-794): with the default
    // 256 KiB and these small records, the 20,000 keyless records after the addition would pick a
    // partition only three times, all among the old three one time in eight. 16 KiB batches make
    // it about fifty picks.
    const producer = new Producer({ bootstrapServers: real.bootstrapServers, clientId: 'e2e-added-partitions', metadataMaxAgeMs: 1000, lingerMs: 5, batchSize: 16_384 });
    const ledger = new Ledger('added-partitions');
    const records = 60_000;
    let addedAt = -1;
    try {
      await admin.createTopic(topic, { partitions: 3, replicationFactor: 3 });
      // Even numbers keyed, odd ones keyless.
      const window: Promise<void>[] = [];
      for (let number = 0; number < records; number++) {
        if (number === 20_000) {
          addedAt = number;
          await admin.createPartitions(topic, 6);
        }
        // After the addition, a trickle while the producer's metadata (1 s old at most) catches up.
        if (number > 20_000 && number < 30_000 && number % 50 === 0) await sleep(25);
        const key = number % 2 === 0 ? `key-${number % 997}` : null;
        window.push(ledger.track(number, producer.send({ topic, key, value: ledger.value(number) })));
        if (window.length >= 20_000) await Promise.all(window.splice(0, 10_000));
      }
      await within(Promise.all(window), 60_000, 'the sends');
    } finally {
      await producer.close();
      admin.close();
    }
    const counts = ledger.assertStored(await readWithKcat(real.bootstrapServers, topic));
    assert.equal(counts.acknowledged, records);
    let switchedAt = -1;
    let newPartitions = 0;
    for (let number = 0; number < records; number++) {
      const { partition } = ledger.metadataOf(number)!;
      if (number < addedAt) assert.ok(partition < 3, `record ${number}, sent before the partitions were added, is in partition ${partition}`);
      if (number % 2 === 1) {
        if (partition >= 3) newPartitions++;
        continue;
      }
      const key = Buffer.from(`key-${number % 997}`);
      const [byThree, bySix] = [partitionForKey(key, 3), partitionForKey(key, 6)];
      assert.ok(partition === byThree || partition === bySix, `keyed record ${number} is in partition ${partition}, for 3 partitions ${byThree}, for 6 ${bySix}`);
      if (byThree === bySix) continue;
      if (partition === bySix && switchedAt < 0) switchedAt = number;
      if (switchedAt >= 0) assert.equal(partition, bySix, `keyed record ${number}, sent after the producer saw 6 partitions (from record ${switchedAt}), is placed for 6`);
    }
    assert.ok(switchedAt >= addedAt, `the producer placed keyed records for 6 partitions from record ${switchedAt}`);
    assert.ok(newPartitions > 0, 'keyless records reached the new partitions');
  });

  it('follows the leader named by NOT_LEADER_OR_FOLLOWER (KIP-951) while metadata requests go unanswered', { timeout: 120_000 }, async () => {
    const real = cluster();
    const admin = real.admin();
    const topic = uniqueTopic('leader-hint');
    const producer = new Producer({ bootstrapServers: real.bootstrapServers, clientId: 'e2e-leader-hint', deliveryTimeoutMs: 60_000 });
    const ledger = new Ledger('leader-hint');
    const held = holdMetadata(producer);
    try {
      await admin.createTopic(topic, { assignments: [[1, 2, 3]] });
      const sends: Promise<void>[] = [];
      for (let number = 0; number < 50; number++) sends.push(ledger.track(number, producer.send({ topic, value: ledger.value(number) })));
      await within(Promise.all(sends), 30_000, 'the sends to node 1');
      // From here on the producer's metadata requests get no answer: only the hint can tell it
      // that node 2 leads now.
      held.hold();
      await admin.reassign(topic, 0, [2, 1, 3]);
      assert.deepEqual(await admin.electPreferredLeaders(topic, [0]), [0]);
      // Node 1 refuses the producer's next batch once it knows it no longer leads.
      await admin.waitUntil('node 1 knows node 2 leads', async () => (await admin.partitions(topic, 1))[0]?.leader === 2);
      for (let number = 50; number < 100; number++) sends.push(ledger.track(number, producer.send({ topic, value: ledger.value(number) })));
      await within(Promise.all(sends), 30_000, 'the sends after the leader moved');
      assert.ok(held.unanswered > 0, 'the producer asked for metadata after NOT_LEADER_OR_FOLLOWER');
      assert.ok((producer.metrics()['record-retry-total'] ?? 0) > 0, 'the first batch after the move was refused by node 1 and retried');
    } finally {
      held.release();
      await producer.close();
      admin.close();
    }
    assert.equal(ledger.assertStored(await readWithKcat(real.bootstrapServers, topic)).acknowledged, 100);
  });
});

// Holds the metadata refreshes of `producer` (reaching into its cluster view, which has no public
// hook): once hold() is called, each refresh waits until release(), counted in `unanswered`.
function holdMetadata(producer: Producer): { hold(): void; release(): void; readonly unanswered: number } {
  const view = (producer as unknown as { cluster: Cluster }).cluster;
  const refresh = view.refreshMetadata.bind(view);
  let holding = false;
  let unanswered = 0;
  let release = () => {};
  const released = new Promise<void>((resolve) => (release = resolve));
  view.refreshMetadata = () => {
    if (!holding) return refresh();
    unanswered++;
    return released.then(refresh);
  };
  return {
    hold: () => {
      holding = true;
    },
    release,
    get unanswered() {
      return unanswered;
    },
  };
}
