// When the Producer writes Produce requests, against FakeCluster over real sockets: a batch that a
// send() call completes is written before that call returns, so a caller that appends many records
// without yielding keeps the broker busy meanwhile; a batch still filling waits for lingerMs.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Producer, ProducerOptions } from '../../src/index.js';
import type { FakeCluster } from '../../src/testing/index.js';
import { useClusterFixture } from '../helpers/cluster-fixture.js';
import { assertStoredExactly } from '../helpers/producer-check.js';

const fixture = useClusterFixture();

/** A producer whose batches never linger out during a test, with its producer id and metadata in place. */
async function setup(options: Partial<ProducerOptions> = {}): Promise<{ cluster: FakeCluster; producer: Producer }> {
  const { cluster, producer } = await fixture.start({ brokers: 1, topics: [{ name: 't', partitions: 1, replicationFactor: 1 }] }, { lingerMs: 60_000, batchSize: 1024, ...options });
  const first = producer.send({ topic: 't', value: 'first' });
  await producer.flush();
  await first;
  return { cluster, producer };
}

function requests(producer: Producer): number {
  return producer.metrics()['request-total'] as number;
}

describe('Producer writes', () => {
  it('a batch completed by single-record send() calls before the call that completed it returns', async () => {
    const { cluster, producer } = await setup();
    const before = requests(producer);
    const values: string[] = [];
    const promises: Promise<unknown>[] = [];
    // Each record takes a little over 100 bytes: the first batch of 1024 bytes completes within 12.
    for (let index = 0; index < 12 && requests(producer) === before; index++) {
      const value = `r${index}`.padEnd(100, '.');
      values.push(value);
      promises.push(producer.send({ topic: 't', value }));
    }
    assert.equal(requests(producer), before + 1, 'the completed batch went out inside a send() call, with no await in between');
    const written = values.length;
    // The record that completed the first batch opened the next one; it waits for lingerMs.
    const tail = 'tail'.padEnd(100, '.');
    values.push(tail);
    promises.push(producer.send({ topic: 't', value: tail }));
    assert.equal(requests(producer), before + 1, 'a batch with room left is not written');
    assert.ok(written > 1 && written < 12, `${written} calls`);
    await producer.flush();
    await Promise.all(promises);
    assertStoredExactly(cluster, 't', 0, ['first', ...values]);
  });

  for (const compression of ['none', 'gzip'] as const) {
    // gzip compresses a section this small on the spot, so the batch still goes out in the call.
    it(`a batch completed by send({ topic, messages }) before that call returns (compression ${compression})`, async () => {
      const { cluster, producer } = await setup({ compression });
      const before = requests(producer);
      const values = Array.from({ length: 20 }, (_, index) => `m${index}`.padEnd(100, '.'));
      const sent = producer.send({ topic: 't', messages: values.map((value) => ({ value })) });
      // 20 records of a little over 100 bytes fill one batch of 1024 bytes and most of a second.
      assert.ok(requests(producer) > before, 'the completed batches went out before send() returned');
      await producer.flush();
      const metadata = await sent;
      assert.deepEqual(
        metadata.map((entry) => entry.offset),
        values.map((_, index) => BigInt(index + 1)),
      );
      assertStoredExactly(cluster, 't', 0, ['first', ...values]);
    });
  }
});
