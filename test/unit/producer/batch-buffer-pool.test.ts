// Batch buffers are reused only once nothing can read them: a batch copied out of its buffer
// (compressed) returns it when sealed; a batch sent from its buffer returns it when the broker
// acknowledges the one request that carried it, and never after a retry. Records produced through
// reused buffers arrive intact.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { Producer } from '../../../src/index.js';
import { BatchBufferPool } from '../../../src/producer/accumulator/batch-buffer-pool.js';
import { BatchDelivery } from '../../../src/producer/accumulator/delivery.js';
import { PartitionState } from '../../../src/producer/accumulator/partition-state.js';
import { ProducerBatch } from '../../../src/producer/accumulator/producer-batch.js';
import { serializeRecord } from '../../../src/producer/producer-record.js';
import { FakeCluster } from '../../../src/testing/index.js';

const CAPACITY = 4096;
const partition = new PartitionState('t', 0);

// A batch of `records` records of 100-byte values, made the way the accumulator makes one under load.
function batchOf(pool: BatchBufferPool, records: number, sizeHint = CAPACITY): ProducerBatch {
  const batch = new ProducerBatch(partition, 0, 1000, CAPACITY, sizeHint, pool);
  const group = new BatchDelivery();
  for (let index = 0; index < records; index++) {
    batch.append(serializeRecord('t', { value: 'v'.repeat(100) }, undefined, undefined, index), group, index, 0);
  }
  return batch;
}

describe('BatchBufferPool', () => {
  it('hands out buffers of its size, reuses what it is given, and keeps at most its limit', () => {
    const pool = new BatchBufferPool(1024, 2);
    const [first, second, third] = [pool.take(), pool.take(), pool.take()];
    assert.deepEqual([first.length, second.length, third.length], [1024, 1024, 1024]);
    pool.give(first);
    pool.give(second);
    pool.give(third);
    pool.give(Buffer.alloc(512));
    assert.equal(pool.available, 2, 'the third buffer and the wrong-sized one are dropped');
    assert.equal(pool.take(), second);
    assert.equal(pool.take(), first);
  });

  it('gives a batch a pooled buffer only when the partition filled at least half a batch before', () => {
    const pool = new BatchBufferPool(CAPACITY, 4);
    const reused = Buffer.alloc(CAPACITY);
    pool.give(reused);
    batchOf(pool, 1, CAPACITY / 4);
    assert.equal(pool.available, 1, 'a lightly used partition allocates its own growing buffer');
    const batch = batchOf(pool, 30);
    assert.equal(pool.available, 0);
    batch.seal();
    assert.equal(batch.bytes!.buffer, reused.buffer, 'a mostly full batch is sent from the pooled buffer');
  });

  it('returns the buffer of a batch sent from it when its only request is acknowledged', () => {
    const pool = new BatchBufferPool(CAPACITY, 4);
    const batch = batchOf(pool, 30);
    batch.seal();
    batch.attempts = 1;
    assert.equal(pool.available, 0, 'sealed and in flight: the request holds the buffer');
    batch.complete(0n, -1);
    batch.onAcknowledged();
    assert.equal(pool.available, 1);
    batch.onAcknowledged();
    assert.equal(pool.available, 1, 'given back once');
  });

  it('sends a small batch from its pooled buffer too, and takes the buffer back on acknowledgement', () => {
    const pool = new BatchBufferPool(CAPACITY, 4);
    const buffer = Buffer.alloc(CAPACITY);
    pool.give(buffer);
    const batch = batchOf(pool, 2);
    batch.seal();
    assert.equal(batch.bytes!.buffer, buffer.buffer, 'no right-sized copy of a batch in a pooled buffer');
    assert.equal(pool.available, 0);
    batch.attempts = 1;
    batch.complete(0n, -1);
    batch.onAcknowledged();
    assert.equal(pool.take(), buffer);
  });

  it('keeps the buffer of a batch that was sent more than once', () => {
    const pool = new BatchBufferPool(CAPACITY, 4);
    const batch = batchOf(pool, 30);
    batch.seal();
    batch.attempts = 2;
    batch.complete(0n, -1);
    batch.onAcknowledged();
    assert.equal(pool.available, 0, 'a request of the first attempt may still hold the bytes');
  });

  it('returns the buffer at once when the sealed batch no longer lies in it', async () => {
    const pool = new BatchBufferPool(CAPACITY, 4);
    const compressedNow = batchOf(pool, 30);
    assert.ok(compressedNow.sealCompressedNow((builder) => builder.buildWithCompressedRecords('gzip', gzipSync(Buffer.from('records')))));
    assert.equal(pool.available, 1, 'compressed bytes do not lie in the buffer');
    const compressedLater = batchOf(pool, 30);
    assert.equal(pool.available, 0);
    await compressedLater.sealCompressed(async (builder) => builder.buildWithCompressedRecords('gzip', gzipSync(Buffer.from('records'))));
    assert.equal(pool.available, 1);
  });

  it('keeps the buffer while a failed compression leaves the batch open', async () => {
    const pool = new BatchBufferPool(CAPACITY, 4);
    const batch = batchOf(pool, 30);
    await assert.rejects(
      batch.sealCompressed(async () => {
        throw new Error('codec failed');
      }),
    );
    assert.equal(pool.available, 0);
  });

  // Many full batches through one partition: later batches are written into buffers of earlier,
  // acknowledged ones, and every record must still arrive as it was sent.
  it('delivers every record intact when batches reuse buffers', async () => {
    const cluster = new FakeCluster({ brokers: 1, defaultPartitions: 1 });
    await cluster.start();
    const producer = new Producer({ bootstrapServers: cluster.bootstrapServers, batchSize: 4096, lingerMs: 1 });
    try {
      await producer.connect();
      const values = Array.from({ length: 3000 }, (_, index) => `record ${index} `.padEnd(60 + (index % 40), String.fromCharCode(97 + (index % 26))));
      // Waves of sends, each awaited, so that acknowledged batches return buffers the next wave reuses.
      for (let wave = 0; wave < 10; wave++) {
        await Promise.all(values.slice(wave * 300, wave * 300 + 300).map((value) => producer.send({ topic: 'pooled', value })));
      }
      const stored = cluster.records('pooled', 0).map((record) => record.value?.toString());
      assert.deepEqual(stored, values);
    } finally {
      await producer.close();
      await cluster.stop();
    }
  });
});
