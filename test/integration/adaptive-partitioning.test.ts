// Adaptive partitioning (KIP-794) against FakeCluster: keyless traffic moves away from a broker
// whose Produce answers are slow, and off the partitions of a broker that stops reading once
// partitionerAvailabilityTimeoutMs has passed; keyed records stay on their murmur2 partition, and
// every acknowledged record is stored once, in call order. With adaptive partitioning off, keyless
// traffic stays spread uniformly. The assertions count records; time only paces the sending.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Producer, RecordMetadata } from '../../src/index.js';
import { partitionForKey } from '../../src/producer/partitioners/murmur2.js';
import type { FakeCluster } from '../../src/testing/index.js';
import { useClusterFixture } from '../helpers/cluster-fixture.js';
import { assertStoredExactly, sleep } from '../helpers/producer-check.js';

const TOPIC = 't';
const PARTITIONS = 6;
const VALUE_PADDING = 'x'.repeat(90);

interface Sent {
  readonly value: string;
  readonly key: string | undefined;
  readonly result: Promise<RecordMetadata>;
}

const fixture = useClusterFixture({ expectNoServerErrors: true });

function start(producerOptions: Record<string, unknown>): Promise<{ cluster: FakeCluster; producer: Producer }> {
  // Three brokers, each leading two of the six partitions; small batches, so that the sticky
  // partition changes every ten records or so.
  return fixture.start({ brokers: 3, topics: [{ name: TOPIC, partitions: PARTITIONS, replicationFactor: 1 }] }, { batchSize: 1024, ...producerOptions });
}

// One record to each partition, so that the producer is connected to every broker.
async function warmUp(producer: Producer, sent: Sent[]): Promise<void> {
  for (let partition = 0; partition < PARTITIONS; partition++) {
    const value = `warm-${partition}`;
    sent.push({ value, key: undefined, result: producer.send({ topic: TOPIC, partition, value }) });
  }
  await Promise.all(sent.map((record) => record.result));
}

// Sends `chunks` chunks of `perChunk` records, pausing `pauseMs` after each so that responses are
// read meanwhile; every `keyEvery`th record has a key (none with 0).
async function sendChunks(producer: Producer, sent: Sent[], prefix: string, chunks: number, perChunk: number, pauseMs: number, keyEvery = 0): Promise<void> {
  for (let chunk = 0; chunk < chunks; chunk++) {
    for (let index = 0; index < perChunk; index++) {
      const number = chunk * perChunk + index;
      const value = `${prefix}-${number}-${VALUE_PADDING}`;
      const key = keyEvery > 0 && number % keyEvery === 0 ? `key-${number % 37}` : undefined;
      const result = key === undefined ? producer.send({ topic: TOPIC, value }) : producer.send({ topic: TOPIC, key, value });
      // Rejections are looked at once everything is sent; this keeps them from being unhandled meanwhile.
      result.catch(() => {});
      sent.push({ value, key, result });
    }
    await sleep(pauseMs);
  }
}

// Every record acknowledged, stored once, in call order per partition, at the offset it was told;
// keyed records on their murmur2 partition. Returns the partition of each record, in call order.
async function checkStored(cluster: FakeCluster, sent: readonly Sent[]): Promise<number[]> {
  const results = await Promise.all(sent.map((record) => record.result));
  const expected: string[][] = Array.from({ length: PARTITIONS }, () => []);
  results.forEach((metadata, index) => {
    const record = sent[index]!;
    expected[metadata.partition]!.push(record.value);
    if (record.key !== undefined) assert.equal(metadata.partition, partitionForKey(Buffer.from(record.key), PARTITIONS), `${record.key} stays on its murmur2 partition`);
  });
  for (let partition = 0; partition < PARTITIONS; partition++) {
    assertStoredExactly(cluster, TOPIC, partition, expected[partition]!);
    const offsets = cluster.records(TOPIC, partition).map((record) => record.offset);
    const told = results.filter((metadata) => metadata.partition === partition).map((metadata) => BigInt(metadata.offset));
    assert.deepEqual(told, offsets, `partition ${partition}: each record was told the offset it was stored at`);
  }
  return results.map((metadata) => metadata.partition);
}

function partitionsOf(cluster: FakeCluster, broker: number): Set<number> {
  return new Set(Array.from({ length: PARTITIONS }, (_, partition) => partition).filter((partition) => cluster.leader(TOPIC, partition) === broker));
}

// Keyless and keyed records while broker `slow` holds every Produce answer back 200 ms: the share
// of keyless records that went to its partitions, and what the metrics say it was sent.
async function shareOfSlowBroker(adaptive: boolean): Promise<{ share: number; keyless: number; slowSends: number; stored: number; totalSends: number }> {
  const { cluster, producer } = await start({ partitionerAdaptivePartitioning: adaptive });
  const sent: Sent[] = [];
  await warmUp(producer, sent);
  const slow = cluster.leader(TOPIC, 0);
  const slowPartitions = partitionsOf(cluster, slow);
  assert.equal(slowPartitions.size, 2);
  const delay = cluster.intercept({ api: 'Produce', broker: slow }, { delayMs: 200 }, { times: Number.POSITIVE_INFINITY });
  await sendChunks(producer, sent, 'r', 150, 100, 2, 10);
  delay.remove();
  const partitions = await checkStored(cluster, sent);
  let keyless = 0;
  let toSlow = 0;
  sent.forEach((record, index) => {
    if (record.key !== undefined || record.value.startsWith('warm-')) return;
    keyless++;
    if (slowPartitions.has(partitions[index]!)) toSlow++;
  });
  const nodes = producer.metrics().nodes;
  let stored = 0;
  for (const partition of slowPartitions) stored += cluster.records(TOPIC, partition).length;
  const totalSends = Object.values(nodes).reduce((sum, node) => sum + node['record-send-total'], 0);
  return { share: toSlow / keyless, keyless, slowSends: nodes[String(slow)]!['record-send-total'], stored, totalSends };
}

describe('adaptive partitioning', () => {
  it('moves keyless records away from a slow broker, keyed records staying, each stored once in order', async () => {
    const result = await shareOfSlowBroker(true);
    // Uniformly the slow broker's two partitions of six would get a third of the keyless records.
    assert.ok(result.share < 1 / 6, `the slow broker got ${(result.share * 100).toFixed(1)}% of ${result.keyless} keyless records`);
    // The per-broker metrics show the shift: nothing was resent, so they count what was stored.
    assert.equal(result.slowSends, result.stored);
    assert.equal(result.totalSends, 15_000 + PARTITIONS);
  });

  it('with partitionerAdaptivePartitioning: false, keeps keyless records spread uniformly', async () => {
    const result = await shareOfSlowBroker(false);
    assert.ok(result.share > 0.2 && result.share < 0.47, `the slow broker got ${(result.share * 100).toFixed(1)}% of ${result.keyless} keyless records`);
  });

  // Broker `stuck` stops reading; records of phase `a` make its partitions queue up past the
  // timeout, those of phase `b` come after. Returns how many records of phase b went to its
  // partitions beyond the sticky run phase b started with.
  async function afterBrokerStopsReading(availabilityTimeoutMs: number): Promise<{ laterToStuck: number; phaseB: number }> {
    const { cluster, producer } = await start({ partitionerAvailabilityTimeoutMs: availabilityTimeoutMs });
    const sent: Sent[] = [];
    await warmUp(producer, sent);
    const stuck = cluster.leader(TOPIC, 1);
    const stuckPartitions = partitionsOf(cluster, stuck);
    cluster.pauseReading(stuck);
    // At least 100 x 10 ms, twice the 500 ms timeout, with traffic all along. The timeout is far
    // above what the other brokers take to answer even on a loaded machine: were they left out
    // too, every broker would be, and the choice would fall back to uniform.
    await sendChunks(producer, sent, 'a', 100, 30, 10);
    const phaseBStart = sent.length;
    await sendChunks(producer, sent, 'b', 120, 50, 1);
    cluster.resumeReading(stuck);
    const partitions = await checkStored(cluster, sent);
    const phaseB = partitions.slice(phaseBStart);
    // The sticky partition of the first record of phase b may be one of the stuck broker's: its run
    // goes on until batchSize bytes went to it. Nothing after the first record elsewhere may go there.
    const firstElsewhere = phaseB.findIndex((partition) => !stuckPartitions.has(partition));
    assert.ok(firstElsewhere >= 0 && firstElsewhere <= 12, `phase b started with ${firstElsewhere} records on the stuck broker's partitions`);
    const laterToStuck = phaseB.slice(firstElsewhere).filter((partition) => stuckPartitions.has(partition)).length;
    return { laterToStuck, phaseB: phaseB.length };
  }

  it('leaves out the partitions of a broker that stopped reading once partitionerAvailabilityTimeoutMs has passed', async () => {
    const { laterToStuck, phaseB } = await afterBrokerStopsReading(500);
    assert.equal(phaseB, 6000);
    assert.equal(laterToStuck, 0);
  });

  it('without the availability timeout, still sends some keyless records to a broker that stopped reading (weighted, not excluded)', async () => {
    const { laterToStuck } = await afterBrokerStopsReading(0);
    assert.ok(laterToStuck > 0, 'the stuck broker keeps a small weight');
  });
});
