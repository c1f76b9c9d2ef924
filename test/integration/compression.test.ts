// The Producer's compression against FakeCluster over real sockets: which method of a codec
// compresses a batch (the synchronous one up to the codec's synchronousLimit, the asynchronous one
// above it), and what a failing codec does to the records of its batch.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gunzipSync, gzipSync } from 'node:zlib';
import { KafkaError, type Producer, type ProducerOptions } from '../../src/index.js';
import type { FakeCluster } from '../../src/testing/index.js';
import { useClusterFixture } from '../helpers/cluster-fixture.js';
import { assertStoredExactly } from '../helpers/producer-check.js';

const fixture = useClusterFixture();

function setup(options: Partial<ProducerOptions>): Promise<{ cluster: FakeCluster; producer: Producer }> {
  return fixture.start({ brokers: 1, topics: [{ name: 't', partitions: 2, replicationFactor: 1 }] }, { compression: 'gzip', retryBackoffMs: 10, ...options });
}

/** A gzip codec with synchronous methods that counts its calls and can be told to fail. */
function countingGzip(synchronousLimit: number) {
  const calls = { sync: 0, async: 0, failNext: 0 };
  const fail = (): void => {
    if (calls.failNext > 0) {
      calls.failNext--;
      throw new Error('codec broke');
    }
  };
  const codec = {
    synchronousLimit,
    compressSync(buffer: Buffer): Buffer {
      calls.sync++;
      fail();
      return gzipSync(buffer);
    },
    decompressSync: (buffer: Buffer): Buffer => gunzipSync(buffer),
    async compress(encoder: { buffer: Buffer }): Promise<Buffer> {
      calls.async++;
      fail();
      return gzipSync(encoder.buffer);
    },
    decompress: async (buffer: Buffer): Promise<Buffer> => gunzipSync(buffer),
  };
  return { codec, calls };
}

describe('Producer compression', () => {
  it('compresses small batches with the codec synchronous method and large ones with its asynchronous one', async () => {
    const { codec, calls } = countingGzip(4096);
    const { cluster, producer } = await setup({ codecs: { gzip: codec }, lingerMs: 5 });
    await producer.send({ topic: 't', partition: 0, value: 'first' });
    const afterLoad = { ...calls };
    const small = Array.from({ length: 20 }, (_, index) => `small-${index}`);
    await Promise.all(small.map((value) => producer.send({ topic: 't', partition: 0, value })));
    assert.ok(calls.sync > afterLoad.sync, 'small batches go to the synchronous method');
    assert.equal(calls.async, afterLoad.async, 'no small batch goes to the asynchronous method');
    const large = Array.from({ length: 200 }, (_, index) => `large-${index}-${'x'.repeat(40)}`);
    await producer.send({ topic: 't', messages: large.map((value) => ({ partition: 1, value })) });
    assert.ok(calls.async > afterLoad.async, 'a batch above synchronousLimit goes to the asynchronous method');
    assertStoredExactly(cluster, 't', 0, ['first', ...small]);
    assertStoredExactly(cluster, 't', 1, large);
  });

  for (const path of ['synchronous', 'asynchronous'] as const) {
    it(`rejects the records of a batch whose codec fails (${path} method), and sends later ones`, async () => {
      const { codec, calls } = countingGzip(path === 'synchronous' ? 1 << 20 : 0);
      const { cluster, producer } = await setup({ codecs: { gzip: codec } });
      await producer.send({ topic: 't', partition: 0, value: 'before' });
      calls.failNext = 1;
      const failed = await producer.send({ topic: 't', partition: 0, value: 'lost' }).then(
        () => assert.fail('the record of a batch that could not be compressed must be rejected'),
        (error: unknown) => error,
      );
      assert.ok(failed instanceof KafkaError);
      assert.equal(failed.code, 'COMPRESSION_FAILED');
      assert.equal(failed.possiblyPersisted, false);
      assert.match(failed.message, /codec broke/);
      await producer.send({ topic: 't', partition: 0, value: 'after' });
      assertStoredExactly(cluster, 't', 0, ['before', 'after']);
      assert.equal(path === 'synchronous' ? calls.async : calls.sync, 0, `only the ${path} method was used`);
    });
  }
});
