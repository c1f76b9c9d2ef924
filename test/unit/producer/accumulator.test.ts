// The RecordAccumulator: records of a partition fill one batch up to batchSize, a record larger than
// batchSize gets its own batch, memory is reserved per batch against bufferMemory and released when
// the batch settles, and retried batches go back in front of newer ones.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Delivery } from '../../../src/producer/accumulator/delivery.js';
import { RecordAccumulator } from '../../../src/producer/accumulator/record-accumulator.js';
import { serializeRecord } from '../../../src/producer/producer-record.js';

const ignore: Delivery = { recordDone() {}, recordFailed() {} };
const record = (value: string) => serializeRecord('t', { value }, undefined, undefined, 1000);

describe('RecordAccumulator', () => {
  it('fills a batch up to batchSize, then starts the next', () => {
    const accumulator = new RecordAccumulator({ batchSize: 1024, bufferMemory: 1 << 20, deliveryTimeoutMs: 1000 });
    const queue = accumulator.queueFor('t', 0);
    for (let index = 0; index < 30; index++) assert.ok(accumulator.tryAppend(queue, record('x'.repeat(100)), ignore, index, 0));
    assert.ok(queue.queued.length >= 3);
    for (const batch of queue.queued.slice(0, -1)) {
      assert.ok(batch.sizeInBytes <= 1024, `batch of ${batch.sizeInBytes} bytes`);
      assert.ok(batch.isFull);
    }
    assert.equal(queue.queued.reduce((sum, batch) => sum + batch.recordCount, 0), 30);
    assert.equal(accumulator.bufferedBytes, queue.queued.length * 1024);
  });

  it('gives a record larger than batchSize its own batch', () => {
    const accumulator = new RecordAccumulator({ batchSize: 100, bufferMemory: 1 << 20, deliveryTimeoutMs: 1000 });
    const queue = accumulator.queueFor('t', 0);
    accumulator.tryAppend(queue, record('small'), ignore, 0, 0);
    accumulator.tryAppend(queue, record('y'.repeat(500)), ignore, 1, 0);
    assert.equal(queue.queued.length, 2);
    assert.equal(queue.queued[1]!.recordCount, 1);
    assert.ok(queue.queued[1]!.reservedBytes >= 500);
  });

  it('refuses a new batch when bufferMemory is full, and accepts again after a release', () => {
    const accumulator = new RecordAccumulator({ batchSize: 1024, bufferMemory: 2048, deliveryTimeoutMs: 1000 });
    const first = accumulator.queueFor('t', 0);
    const second = accumulator.queueFor('t', 1);
    const third = accumulator.queueFor('t', 2);
    assert.ok(accumulator.tryAppend(first, record('a'), ignore, 0, 0));
    assert.ok(accumulator.tryAppend(second, record('b'), ignore, 0, 0));
    assert.equal(accumulator.tryAppend(third, record('c'), ignore, 0, 0), false);
    assert.ok(accumulator.tryAppend(first, record('a2'), ignore, 1, 0), 'an open batch still takes records');
    let released = 0;
    accumulator.onMemoryReleased = () => released++;
    accumulator.release(first.queued[0]!);
    assert.equal(released, 1);
    assert.ok(accumulator.tryAppend(third, record('c'), ignore, 0, 0));
  });

  it('puts a retried batch back before newer batches', () => {
    const accumulator = new RecordAccumulator({ batchSize: 80, bufferMemory: 1 << 20, deliveryTimeoutMs: 1000 });
    const queue = accumulator.queueFor('t', 0);
    for (let index = 0; index < 3; index++) accumulator.tryAppend(queue, record('z'.repeat(60)), ignore, index, 0);
    const [oldest, middle, newest] = queue.queued;
    queue.queued.splice(0, 2);
    queue.reenqueue(middle!);
    queue.reenqueue(oldest!);
    assert.deepEqual(queue.queued, [oldest, middle, newest]);
  });
});
