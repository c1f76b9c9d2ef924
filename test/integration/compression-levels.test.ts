// Compression levels end to end against FakeCluster: the same records sent by two producers that
// differ only in level are stored as batches of different sizes, and read back (FakeCluster
// decompresses them) as exactly the records sent; a user's codec is given the configured level.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Producer, type ProducerOptions } from '../../src/index.js';
import type { CompressOptions } from '../../src/records/codecs/codec.js';
import { resolveCodec } from '../../src/records/codecs/codec-registry.js';
import type { FakeCluster } from '../../src/testing/index.js';
import { useClusterFixture } from '../helpers/cluster-fixture.js';
import { assertStoredExactly } from '../helpers/producer-check.js';

const fixture = useClusterFixture({ expectNoServerErrors: true });

/** Record-like JSON values, compressible, varied enough that levels find different matches. */
const values = Array.from(
  { length: 1500 },
  (_, index) => `{"orderId":${100_000 + ((index * 7919) % 90_001)},"customer":"c-${(index * 104_729) % 50_000}","total":${(index * 37) % 10_000}.${index % 100}}`,
);

function storedBytes(cluster: FakeCluster, partition: number, compression: string): number {
  const batches = cluster.batches('t', partition);
  assert.ok(batches.length > 0);
  for (const batch of batches) assert.equal(batch.compression, compression);
  return batches.reduce((total, batch) => total + batch.sizeInBytes, 0);
}

/** Sends `values` to `partition` with `options`, through a producer of its own. */
async function sendWith(cluster: FakeCluster, partition: number, options: Partial<ProducerOptions>): Promise<void> {
  const producer = new Producer({ bootstrapServers: cluster.bootstrapServers, ...options });
  try {
    await producer.send({ topic: 't', messages: values.map((value) => ({ partition, value })) });
  } finally {
    await producer.close();
  }
}

describe('compression levels against FakeCluster', () => {
  const cases = [
    { compression: 'gzip', option: 'compressionGzipLevel', fast: 1, small: 9 },
    { compression: 'zstd', option: 'compressionZstdLevel', fast: -5, small: 19 },
  ] as const;
  for (const { compression, option, fast, small } of cases) {
    it(`${compression}: ${option} ${fast} and ${small} store different bytes that read back as the records sent`, async () => {
      const { cluster } = await fixture.start({ brokers: 1, topics: [{ name: 't', partitions: 3, replicationFactor: 1 }] });
      await sendWith(cluster, 0, { compression, [option]: fast });
      await sendWith(cluster, 1, { compression, [option]: small });
      await sendWith(cluster, 2, { compression });
      for (const partition of [0, 1, 2]) assertStoredExactly(cluster, 't', partition, values);
      const [fastBytes, smallBytes, defaultBytes] = [0, 1, 2].map((partition) => storedBytes(cluster, partition, compression)) as [number, number, number];
      assert.ok(fastBytes > smallBytes, `level ${fast} stored ${fastBytes} bytes, more than level ${small}'s ${smallBytes}`);
      assert.ok(fastBytes > defaultBytes, `the default level stored ${defaultBytes} bytes, fewer than level ${fast}'s ${fastBytes}`);
    });
  }

  it('lz4: level 9 (the default) is what the built-in codec compresses at', async () => {
    const { cluster, producer } = await fixture.start({ brokers: 1, topics: [{ name: 't', partitions: 1, replicationFactor: 1 }] }, { compression: 'lz4', compressionLz4Level: 9 });
    await producer.send({ topic: 't', messages: values.map((value) => ({ value })) });
    assertStoredExactly(cluster, 't', 0, values);
    assert.ok(storedBytes(cluster, 0, 'lz4') < values.join('').length);
  });

  it("an lz4 codec given in codecs receives { level } from compressionLz4Level, and its batches read back", async () => {
    const builtIn = await resolveCodec('lz4');
    const received: (CompressOptions | undefined)[] = [];
    const codec = {
      compress: (encoder: { buffer: Buffer }, options?: CompressOptions) => {
        received.push(options);
        return builtIn.compress(encoder);
      },
      decompress: (buffer: Buffer) => builtIn.decompress(buffer),
    };
    const { cluster, producer } = await fixture.start(
      { brokers: 1, topics: [{ name: 't', partitions: 1, replicationFactor: 1 }] },
      { compression: 'lz4', compressionLz4Level: 12, codecs: { lz4: codec } },
    );
    await producer.send({ topic: 't', messages: values.map((value) => ({ value })) });
    assertStoredExactly(cluster, 't', 0, values);
    assert.ok(received.length > 0);
    assert.deepEqual(new Set(received.map((options) => JSON.stringify(options))), new Set([JSON.stringify({ level: 12 })]));
  });
});
