// The RecordAccumulator: records of a partition fill one batch up to batchSize, a record larger than
// batchSize gets its own batch, memory is reserved per record (and per batch header) against
// bufferMemory and released when the batch settles, and retried batches go back in front of newer ones.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KafkaError } from '../../../src/errors/kafka-error.js';
import type { Delivery } from '../../../src/producer/accumulator/delivery.js';
import { RecordAccumulator } from '../../../src/producer/accumulator/record-accumulator.js';
import { serializeRecord } from '../../../src/producer/producer-record.js';
import { RECORD_BATCH_OVERHEAD, RecordBatchBuilder } from '../../../src/records/index.js';

const ignore: Delivery = { recordDone() {}, recordFailed() {} };
const record = (value: string) => serializeRecord('t', { value }, undefined, undefined, 1000);

describe('RecordAccumulator', () => {
  it('fills a batch up to batchSize, then starts the next', () => {
    const accumulator = new RecordAccumulator({ batchSize: 1024, bufferMemory: 1 << 20, deliveryTimeoutMs: 1000 });
    const queue = accumulator.queueFor('t', 0);
    for (let index = 0; index < 30; index++) assert.ok(accumulator.append(queue, record('x'.repeat(100)), ignore, index, 0));
    assert.ok(queue.queued.length >= 3);
    for (const batch of queue.queued.slice(0, -1)) {
      assert.ok(batch.sizeInBytes <= 1024, `batch of ${batch.sizeInBytes} bytes`);
      assert.ok(batch.isFull);
    }
    assert.equal(queue.queued.reduce((sum, batch) => sum + batch.recordCount, 0), 30);
    const perRecord = RecordBatchBuilder.recordSizeUpperBound(0, 100);
    assert.equal(accumulator.bufferedBytes, queue.queued.length * RECORD_BATCH_OVERHEAD + 30 * perRecord);
    assert.equal(
      queue.queued.reduce((sum, batch) => sum + batch.reservedBytes, 0),
      accumulator.bufferedBytes,
    );
  });

  it('reserves only what records take, whatever batchSize', () => {
    const accumulator = new RecordAccumulator({ batchSize: 1 << 20, bufferMemory: 1 << 20, deliveryTimeoutMs: 1000 });
    const queues = Array.from({ length: 100 }, (_, partition) => accumulator.queueFor('t', partition));
    for (const queue of queues) assert.ok(accumulator.append(queue, record('x'), ignore, 0, 0), 'one record per partition fits');
    assert.equal(accumulator.bufferedBytes, 100 * (RECORD_BATCH_OVERHEAD + RecordBatchBuilder.recordSizeUpperBound(0, 1)));
  });

  it('gives a record larger than batchSize its own batch', () => {
    const accumulator = new RecordAccumulator({ batchSize: 100, bufferMemory: 1 << 20, deliveryTimeoutMs: 1000 });
    const queue = accumulator.queueFor('t', 0);
    accumulator.append(queue, record('small'), ignore, 0, 0);
    accumulator.append(queue, record('y'.repeat(500)), ignore, 1, 0);
    assert.equal(queue.queued.length, 2);
    assert.equal(queue.queued[1]!.recordCount, 1);
    assert.ok(queue.queued[1]!.reservedBytes >= 500);
  });

  it('refuses records when bufferMemory is full, and accepts again after a release', () => {
    const big = 'b'.repeat(400);
    const perBatch = RECORD_BATCH_OVERHEAD + RecordBatchBuilder.recordSizeUpperBound(0, big.length);
    const accumulator = new RecordAccumulator({ batchSize: 16_384, bufferMemory: 2 * perBatch + 10, deliveryTimeoutMs: 1000 });
    const first = accumulator.queueFor('t', 0);
    const second = accumulator.queueFor('t', 1);
    const third = accumulator.queueFor('t', 2);
    assert.ok(accumulator.append(first, record(big), ignore, 0, 0));
    assert.ok(accumulator.append(second, record(big), ignore, 0, 0));
    assert.equal(accumulator.append(third, record('c'), ignore, 0, 0), false, 'no room for a new batch');
    assert.equal(accumulator.append(first, record(big), ignore, 1, 0), false, 'no room for a record in an open batch either');
    assert.equal(first.queued[0]!.recordCount, 1);
    let released = 0;
    accumulator.onMemoryReleased = () => released++;
    accumulator.release(first.queued[0]!);
    assert.equal(released, 1);
    assert.ok(accumulator.append(third, record('c'), ignore, 0, 0));
  });

  it('refuses records past maxBufferedRecords, whatever their size, and accepts again after a release', () => {
    const accumulator = new RecordAccumulator({ batchSize: 16_384, bufferMemory: 1 << 20, maxBufferedRecords: 3, deliveryTimeoutMs: 1000 });
    const first = accumulator.queueFor('t', 0);
    const second = accumulator.queueFor('t', 1);
    assert.ok(accumulator.append(first, record('a'), ignore, 0, 0));
    assert.ok(accumulator.append(first, record('b'), ignore, 1, 0));
    assert.ok(accumulator.append(second, record('c'), ignore, 0, 0));
    assert.equal(accumulator.fullLimit, 'maxBufferedRecords');
    assert.equal(accumulator.append(first, record('d'), ignore, 2, 0), false, 'no fourth record in an open batch');
    assert.equal(accumulator.append(second, record('e'), ignore, 1, 0), false, 'nor in another partition');
    assert.equal(accumulator.recordsPending, 3);
    accumulator.release(first.queued[0]!);
    assert.equal(accumulator.recordsPending, 1, 'the released batch gave back its two records');
    assert.equal(accumulator.fullLimit, 'bufferMemory');
    assert.ok(accumulator.append(first, record('d'), ignore, 0, 0));
    assert.ok(accumulator.append(first, record('e'), ignore, 1, 0));
    assert.equal(accumulator.append(first, record('f'), ignore, 2, 0), false);
  });

  it('puts a retried batch back before newer batches', () => {
    const accumulator = new RecordAccumulator({ batchSize: 80, bufferMemory: 1 << 20, deliveryTimeoutMs: 1000 });
    const queue = accumulator.queueFor('t', 0);
    for (let index = 0; index < 3; index++) accumulator.append(queue, record('z'.repeat(60)), ignore, index, 0);
    const [oldest, middle, newest] = queue.queued;
    queue.queued.splice(0, 2);
    queue.reenqueue(middle!);
    queue.reenqueue(oldest!);
    assert.deepEqual(queue.queued, [oldest, middle, newest]);
  });

  it('starts a new batch rather than append to one that has settled', () => {
    const accumulator = new RecordAccumulator({ batchSize: 16_384, bufferMemory: 1 << 20, deliveryTimeoutMs: 1000 });
    const queue = accumulator.queueFor('t', 0);
    assert.ok(accumulator.append(queue, record('a'), ignore, 0, 0));
    queue.queued[0]!.fail(new KafkaError('TIMEOUT', 'failed while still open'));
    assert.ok(accumulator.append(queue, record('b'), ignore, 1, 0));
    assert.equal(queue.queued.length, 2);
    assert.equal(queue.queued[1]!.recordCount, 1);
  });

  it('sizes a new batch buffer after the partition\'s last full batch', () => {
    const accumulator = new RecordAccumulator({ batchSize: 64 * 1024, bufferMemory: 1 << 22, deliveryTimeoutMs: 1000 });
    const queue = accumulator.queueFor('t', 0);
    for (let index = 0; index < 1500; index++) accumulator.append(queue, record('v'.repeat(100)), ignore, index, 0);
    assert.ok(queue.queued.length >= 2);
    assert.ok(queue.recentBatchBytes > 60 * 1024, `hint ${queue.recentBatchBytes}`);
  });

  it('tells the sender when an append opens a partition\'s only batch or completes one, and only then', () => {
    const accumulator = new RecordAccumulator({ batchSize: 200, bufferMemory: 1 << 20, deliveryTimeoutMs: 1000 });
    const signals: string[] = [];
    let appends = 0;
    accumulator.onBatchOpened = () => signals.push(`opened ${appends}`);
    accumulator.onBatchCompleted = () => signals.push(`completed ${appends}`);
    const queue = accumulator.queueFor('t', 0);
    for (; appends < 12; appends++) assert.ok(accumulator.append(queue, record('v'.repeat(20)), ignore, appends, 0));
    const expected: string[] = [];
    let first = 0;
    for (const batch of queue.queued) {
      // The first batch is the partition's only one when it opens; each later one completes the one before.
      expected.push(first === 0 ? 'opened 0' : `completed ${first}`);
      first += batch.recordCount;
    }
    assert.ok(expected.length >= 3);
    assert.deepEqual(signals, expected, 'a signal per batch opened, none for appends to a batch with room left');
    assert.ok(accumulator.appendSingle(accumulator.queueFor('t', 1), record('w'), 0));
    assert.deepEqual(signals, [...expected, 'opened 12'], 'the grouped append of a single-record send() signals too');

    // A record that leaves its batch exactly full completes it on its own append.
    const sizing = new RecordBatchBuilder();
    sizing.append(1000, null, 'v'.repeat(20));
    sizing.append(1000, null, 'v'.repeat(20));
    const exact = new RecordAccumulator({ batchSize: sizing.sizeInBytes, bufferMemory: 1 << 20, deliveryTimeoutMs: 1000 });
    const calls: string[] = [];
    exact.onBatchOpened = () => calls.push('opened');
    exact.onBatchCompleted = () => calls.push('completed');
    const only = exact.queueFor('t', 0);
    exact.append(only, record('v'.repeat(20)), ignore, 0, 0);
    exact.append(only, record('v'.repeat(20)), ignore, 1, 0);
    assert.equal(only.queued.length, 1);
    assert.ok(only.queued[0]!.isFull);
    assert.deepEqual(calls, ['opened', 'completed']);
  });
});
