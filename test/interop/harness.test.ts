// Proves the interop harness itself, against the mock cluster of each librdkafka build (the
// system's and a recent one): a 3-broker cluster, records produced with kcat (the system's
// librdkafka), read back with the build's consumer and the raw batch reader, and the cluster's
// control commands.

import * as assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  buildOf,
  interopSuites,
  type MockCluster,
  produceWithKcat,
  readBack,
  readBatchHeaders,
  startMockCluster,
  startPreparedMockCluster,
} from './harness.js';
import { metadata, WireConnection } from './wire.js';

const targets = await interopSuites();

async function leaderOf(cluster: MockCluster, topic: string, partition: number): Promise<number> {
  const conn = await WireConnection.open(cluster.brokers[0]!);
  try {
    const md = await metadata(conn, [topic]);
    const part = md.topics.find((t) => t.name === topic)?.partitions.find((p) => p.partition === partition);
    if (!part) throw new Error(`${topic} [${partition}] missing from metadata`);
    return part.leader;
  } finally {
    conn.close();
  }
}

for (const target of targets) {
  describe(`interop harness (${target.label} mock cluster + kcat)`, { skip: target.skip }, () => {
    let cluster: MockCluster;

    before(async () => {
      cluster = await startPreparedMockCluster({
        librdkafka: buildOf(target),
        brokers: 3,
        topics: [
          { name: 'harness', partitions: 3 },
          { name: 'idem', partitions: 1 },
          { name: 'moves', partitions: 2 },
        ],
      });
    });

    after(async () => {
      await cluster?.stop();
    });

    it('listens on 127.0.0.1 with brokers 1..3', async () => {
      assert.equal(cluster.brokers.length, 3);
      assert.deepEqual(
        cluster.brokers.map((b) => b.id),
        [1, 2, 3],
      );
      for (const broker of cluster.brokers) assert.equal(broker.host, '127.0.0.1');
      const conn = await WireConnection.open(cluster.brokers[1]!);
      try {
        const md = await metadata(conn, ['harness']);
        assert.deepEqual(
          md.brokers.map((b) => [b.nodeId, b.host, b.port]),
          cluster.brokers.map((b) => [b.id, b.host, b.port]),
        );
        assert.equal(md.topics[0]?.partitions.length, 3);
      } finally {
        conn.close();
      }
    });

    it('reads back a few hundred kcat-produced records with keys and headers, in order', async () => {
      for (const [partition, broker] of [
        [0, 1],
        [1, 2],
        [2, 3],
      ] as const) {
        assert.equal(await cluster.command(`leader harness ${partition} ${broker}`), '');
      }
      const keyed = Array.from({ length: 300 }, (_, i) => ({ key: `key-${i}`, value: `value-${i} ünïcødé ${'x'.repeat(i % 17)}` }));
      await produceWithKcat(cluster.bootstrapServers, 'harness', keyed, {
        partition: 0,
        headers: [
          ['trace', 'abc'],
          ['dup', '1'],
          ['dup', '2'],
        ],
      });
      const unkeyed = Array.from({ length: 50 }, (_, i) => ({ value: i % 10 === 0 ? null : `plain-${i}` }));
      await produceWithKcat(cluster.bootstrapServers, 'harness', unkeyed, { partition: 2 });

      const all = await readBack(cluster, 'harness');
      assert.equal(all.length, 350);
      const p0 = all.filter((r) => r.partition === 0);
      const p2 = all.filter((r) => r.partition === 2);
      assert.equal(p0.length, 300);
      assert.equal(p2.length, 50);
      assert.equal(all.filter((r) => r.partition === 1).length, 0);
      p0.forEach((record, i) => {
        assert.equal(record.offset, BigInt(i));
        assert.equal(record.key?.toString('utf8'), keyed[i]!.key);
        assert.equal(record.value?.toString('utf8'), keyed[i]!.value);
        assert.deepEqual(
          record.headers.map(([name, value]) => [name, value?.toString('utf8')]),
          [
            ['trace', 'abc'],
            ['dup', '1'],
            ['dup', '2'],
          ],
        );
        assert.equal(record.timestampType, 'create');
        assert.ok(record.timestamp > 1_500_000_000_000);
      });
      p2.forEach((record, i) => {
        assert.equal(record.offset, BigInt(i));
        assert.equal(record.key, null);
        assert.equal(record.value?.toString('utf8') ?? null, unkeyed[i]!.value);
        assert.deepEqual(record.headers, []);
      });

      const onlyP2 = await readBack(cluster, 'harness', 2);
      assert.deepEqual(onlyP2, p2);

      // The raw batch reader sees the same log, batch by batch.
      const batches = await readBatchHeaders(cluster.bootstrapServers, 'harness', 0);
      assert.ok(batches.length >= 1);
      let next = 0n;
      for (const batch of batches) {
        assert.equal(batch.baseOffset, next);
        assert.equal(batch.magic, 2);
        assert.equal(batch.crcValid, true);
        assert.equal(batch.producerId, -1n); // kcat here is neither idempotent nor transactional
        assert.equal(batch.baseSequence, -1);
        next = batch.baseOffset + BigInt(batch.lastOffsetDelta) + 1n;
      }
      assert.equal(next, 300n);
      const fromBatches = batches.flatMap((b) => b.records ?? []);
      assert.deepEqual(
        fromBatches.map((r) => [r.offset, r.key?.toString('utf8'), r.value?.toString('utf8')]),
        p0.map((r) => [r.offset, r.key?.toString('utf8'), r.value?.toString('utf8')]),
      );
    });

    it('shows producer id, epoch and base sequences of an idempotent producer', async () => {
      const records = Array.from({ length: 200 }, (_, i) => ({ key: `k${i % 7}`, value: `idempotent-${i}` }));
      await produceWithKcat(cluster.bootstrapServers, 'idem', records, {
        partition: 0,
        config: { 'enable.idempotence': 'true', 'batch.num.messages': '40' },
      });
      const batches = await readBatchHeaders(cluster.bootstrapServers, 'idem', 0);
      assert.ok(batches.length >= 5, `expected several batches, got ${batches.length}`);
      const first = batches[0]!;
      assert.ok(first.producerId >= 0n);
      assert.equal(first.producerEpoch, 0);
      assert.equal(first.baseSequence, 0);
      let sequence = 0;
      for (const batch of batches) {
        assert.equal(batch.producerId, first.producerId);
        assert.equal(batch.producerEpoch, 0);
        assert.equal(batch.baseSequence, sequence);
        assert.equal(batch.isTransactional, false);
        assert.equal(batch.crcValid, true);
        sequence += batch.recordCount;
      }
      assert.equal(sequence, 200);
      const back = await readBack(cluster, 'idem', 0);
      assert.deepEqual(
        back.map((r) => r.value?.toString('utf8')),
        records.map((r) => r.value),
      );
    });

    it('answers OK to leader moves, broker down/up, rtt and injected errors', async () => {
      await cluster.command('leader moves 0 2');
      assert.equal(await leaderOf(cluster, 'moves', 0), 2);
      await produceWithKcat(cluster.bootstrapServers, 'moves', [{ key: 'a', value: 'on-2' }], { partition: 0 });
      await cluster.command('leader moves 0 3');
      assert.equal(await leaderOf(cluster, 'moves', 0), 3);
      await produceWithKcat(cluster.bootstrapServers, 'moves', [{ key: 'b', value: 'on-3' }], { partition: 0 });

      // A down broker refuses connections; once up it accepts them again on the same port.
      await cluster.command('broker-down 1');
      await assert.rejects(WireConnection.open(cluster.brokers[0]!, 2000));
      await cluster.command('broker-up 1');
      const again = await WireConnection.open(cluster.brokers[0]!, 2000);
      again.close();

      // Errors pushed for Produce (api key 0) are answered without appending; kcat retries.
      await cluster.command('push-errors 0 2 NOT_LEADER_FOR_PARTITION 6');
      await produceWithKcat(cluster.bootstrapServers, 'moves', [{ key: 'c', value: 'after-errors' }], { partition: 0 });

      await cluster.command('rtt 3 200');
      await produceWithKcat(cluster.bootstrapServers, 'moves', [{ key: 'd', value: 'slow' }], { partition: 0 });
      await cluster.command('rtt 3 0');

      await cluster.command('broker-push-errors 2 0 2 NOT_LEADER_FOR_PARTITION:0 0:100');
      assert.equal(await cluster.command('broker-error-count 2 0'), '2');
      await cluster.command('clear-errors 0');
      await cluster.command('topic-error moves 0');
      await cluster.command('coordinator transaction tx-1 2');
      await cluster.command('create-topic created 2 3');
      assert.equal(await leaderOf(cluster, 'created', 1) > 0, true);

      const back = await readBack(cluster, 'moves', 0);
      assert.deepEqual(
        back.map((r) => [r.offset, r.key?.toString('utf8'), r.value?.toString('utf8')]),
        [
          [0n, 'a', 'on-2'],
          [1n, 'b', 'on-3'],
          [2n, 'c', 'after-errors'],
          [3n, 'd', 'slow'],
        ],
      );
    });

    it('answers ERR to bad commands and keeps working', async () => {
      await assert.rejects(cluster.command('no-such-command'), /unknown command/);
      await assert.rejects(cluster.command('leader moves 9 1'), /UNKNOWN_TOPIC_OR_PART/);
      await assert.rejects(cluster.command('broker-down 42'), /BROKER_NOT_AVAILABLE/);
      await assert.rejects(cluster.command('create-topic moves 1 1'), /TOPIC_ALREADY_EXISTS/);
      await assert.rejects(cluster.command('push-errors 0 2 6'), /count 2 does not match/);
      await assert.rejects(cluster.command('push-errors 0 1 NOT_A_REAL_ERROR'), /bad error code/);
      await assert.rejects(cluster.command('rtt 1'), /usage/);
      await assert.rejects(cluster.command('two\nlines'), /single line/);
      assert.equal(await cluster.command('ping'), '');
    });

    it('stops on quit, and a stopped cluster refuses commands', async () => {
      const small = await startMockCluster({ librdkafka: buildOf(target), brokers: 1, topics: [{ name: 'solo', partitions: 1 }] });
      assert.equal(small.brokers.length, 1);
      await small.stop();
      await assert.rejects(small.command('ping'), /exited/);
      await assert.rejects(WireConnection.open(small.brokers[0]!, 2000));
      await small.stop(); // idempotent
    });
  });
}
