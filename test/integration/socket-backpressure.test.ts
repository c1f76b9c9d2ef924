// A broker that stops reading, against FakeCluster over real sockets: the producer's writes back up
// in the kernel's buffers and then in the socket's own queue, which still references the batches'
// buffers. Batches keep being appended meanwhile, into buffers reused from earlier batches, so a
// buffer given back while a queued write still held it would reach the broker overwritten (a CRC
// the broker refuses, or another batch's records). Once the broker reads again, every record must
// be stored exactly once, in order, with its own value.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ProducerOptions } from '../../src/index.js';
import { useClusterFixture } from '../helpers/cluster-fixture.js';
import { assertStoredExactly, sleep } from '../helpers/producer-check.js';

// 8 partitions of 256 KiB batches: 5 requests in flight hold up to 10 MiB, more than the kernel's
// buffers of a connection that is not read take, so the socket's own queue fills.
const PARTITIONS = 8;
/** 24 MiB of 1 KiB values, sent in rounds. */
const RECORDS = 24_000;
const ROUNDS = 48;
const PER_ROUND = RECORDS / ROUNDS;
const VALUE_SIZE = 1024;

const fixture = useClusterFixture({ expectNoServerErrors: true });

/** Resolves once `count()` has not changed for `quietMs`, or after `limitMs` in all. */
async function untilSteady(count: () => number, quietMs: number, limitMs: number): Promise<void> {
  const end = Date.now() + limitMs;
  let last = count();
  let since = Date.now();
  while (Date.now() < end) {
    await sleep(25);
    const now = count();
    if (now !== last) {
      last = now;
      since = Date.now();
    } else if (Date.now() - since >= quietMs) {
      return;
    }
  }
}

/** Resolves once `count()` reaches `target`, or after `limitMs`. */
async function untilValue(count: () => number, target: number, limitMs: number): Promise<void> {
  const end = Date.now() + limitMs;
  while (count() < target && Date.now() < end) await sleep(25);
}

const cases: { name: string; options: Partial<ProducerOptions> }[] = [
  // acks=0: a request is done once the socket has flushed it, and its batches' buffers go back then.
  { name: 'acks=0', options: { acks: 0, idempotence: false } },
  // acks=all, idempotent: buffers go back when the broker answers.
  { name: 'acks=all, idempotent', options: { acks: -1, idempotence: true } },
];

describe('Producer under socket backpressure', () => {
  for (const { name, options } of cases) {
    it(`${name}: a broker that stops reading for a while gets every record once, in order, intact`, async () => {
      const { cluster, producer } = await fixture.start(
        { brokers: 1, topics: [{ name: 't', partitions: PARTITIONS, replicationFactor: 1 }] },
        {
          batchSize: 256 * 1024,
          // Batches go out full, and from then on are written into reused buffers.
          lingerMs: 1000,
          bufferMemory: 64 * 1024 * 1024,
          requestTimeoutMs: 30_000,
          deliveryTimeoutMs: 60_000,
          ...options,
        },
      );
      // Connected, with metadata (and a producer id) in place, before the broker stops reading.
      const firsts = Array.from({ length: PARTITIONS }, (_, partition) => producer.send({ topic: 't', partition, value: 'first' }));
      await producer.flush();
      await Promise.all(firsts);
      const broker = cluster.leader('t', 0);
      cluster.pauseReading(broker);

      // In rounds, yielding between them: requests finished meanwhile give their buffers back, and
      // the next round's batches are written into them while earlier writes may still be queued.
      let settled = 0;
      const expected: string[][] = Array.from({ length: PARTITIONS }, () => ['first']);
      const promises: Promise<unknown>[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        for (let index = round * PER_ROUND; index < (round + 1) * PER_ROUND; index++) {
          const partition = index % PARTITIONS;
          const value = `r-${index}`.padEnd(VALUE_SIZE, '.');
          expected[partition]!.push(value);
          const sent = producer.send({ topic: 't', partition, value });
          sent.then(
            () => settled++,
            () => settled++,
          );
          promises.push(sent);
        }
        await sleep(2);
      }
      await untilSteady(() => settled, 300, 10_000);
      assert.ok(settled < RECORDS / 2, `the writes backed up while the broker did not read (${settled} of ${RECORDS} records settled)`);

      cluster.resumeReading(broker);
      await producer.flush();
      const results = await Promise.allSettled(promises);
      const failures = results.filter((result) => result.status === 'rejected');
      assert.equal(failures.length, 0, `every send() succeeds: ${String((failures[0] as PromiseRejectedResult | undefined)?.reason)}`);
      // With acks=0 a settled send() means written to the socket, not yet stored: wait for the broker.
      const stored = () => expected.reduce((sum, _values, partition) => sum + Number(cluster.highWatermark('t', partition)), 0);
      await untilValue(stored, RECORDS + PARTITIONS, 10_000);
      for (let partition = 0; partition < PARTITIONS; partition++) {
        assertStoredExactly(cluster, 't', partition, expected[partition]!);
      }
    });
  }
});
