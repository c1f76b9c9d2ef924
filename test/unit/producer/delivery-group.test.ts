// BatchDelivery: single-record sends appended to one batch share one underlying promise, yet each
// member's promise settles with its own outcome, whatever order the outcomes arrive in (a split
// batch settles its parts separately), and only once every member has settled.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KafkaError } from '../../../src/errors/kafka-error.js';
import { BatchDelivery, MultiRecordDelivery } from '../../../src/producer/accumulator/delivery.js';
import { RecordAccumulator } from '../../../src/producer/accumulator/record-accumulator.js';
import { serializeRecord } from '../../../src/producer/producer-record.js';
import { BatchSplitter } from '../../../src/producer/sender/batch-splitter.js';

const metadataAt = (offset: number) => ({ topic: 't', partition: 0, offset: BigInt(offset), timestamp: offset });

describe('BatchDelivery', () => {
  it('settles each member with its own outcome, in join order, whatever order outcomes arrive in', async () => {
    const group = new BatchDelivery();
    const promises = Array.from({ length: 6 }, (_, index) => {
      assert.equal(group.size, index);
      return group.join();
    });
    const outcomes = promises.map((promise) => promise.then((metadata) => metadata.offset, (error: KafkaError) => error.message));
    // Parts of a split batch settle separately: the second half first, with a failure among them.
    group.recordDone(5, metadataAt(105));
    group.recordFailed(3, new KafkaError('MESSAGE_TOO_LARGE', 'record 3 is too large'));
    group.recordDone(4, metadataAt(104));
    group.recordDone(0, metadataAt(100));
    group.recordDone(2, metadataAt(102));
    group.recordDone(1, metadataAt(101));
    assert.deepEqual(await Promise.all(outcomes), [100n, 101n, 102n, 'record 3 is too large', 104n, 105n]);
  });

  it('settles no member before every member has settled', async () => {
    const group = new BatchDelivery();
    const first = group.join();
    group.join().catch(() => undefined);
    let settled = false;
    void first.then(() => {
      settled = true;
    });
    group.recordDone(0, metadataAt(0));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(settled, false, 'the first member waits for the second');
    group.recordFailed(1, new KafkaError('X', 'failed'));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(settled, true);
  });

  it('is what the accumulator gives single-record appends: one group per batch, settled by the batch', async () => {
    const accumulator = new RecordAccumulator({ batchSize: 200, bufferMemory: 1 << 20, deliveryTimeoutMs: 1000 });
    const queue = accumulator.queueFor('t', 0);
    const promises = Array.from({ length: 8 }, (_, index) => {
      const promise = accumulator.appendSingle(queue, serializeRecord('t', { value: `value ${index}`.padEnd(40) }, undefined, undefined, index), 0);
      assert.ok(promise, 'bufferMemory has room');
      return promise;
    });
    assert.ok(queue.queued.length >= 2, 'the records span several batches');
    const [first, ...rest] = queue.queued;
    for (const [index, batch] of rest.entries()) batch.complete(BigInt(1000 * (index + 1)), -1);
    first!.fail(new KafkaError('TIMEOUT', 'first batch failed'));
    const outcomes = await Promise.allSettled(promises);
    const firstCount = first!.recordCount;
    outcomes.forEach((outcome, index) => {
      if (index < firstCount) {
        assert.equal(outcome.status, 'rejected');
      } else {
        assert.equal(outcome.status, 'fulfilled');
        assert.equal((outcome as PromiseFulfilledResult<{ timestamp: number }>).value.timestamp, index);
      }
    });
  });

  // Records of one batch owned by group members and by a multi-record call, interleaved: each gets
  // the offset of its own place in the batch, whichever way its delivery is kept.
  it('settles group members and other deliveries sharing a batch, each with its own offset', async () => {
    const accumulator = new RecordAccumulator({ batchSize: 1 << 16, bufferMemory: 1 << 20, deliveryTimeoutMs: 1000 });
    const queue = accumulator.queueFor('t', 0);
    const record = (index: number) => serializeRecord('t', { value: `value ${index}` }, undefined, undefined, index);
    const singles: Promise<{ offset: bigint; timestamp: number }>[] = [];
    singles.push(accumulator.appendSingle(queue, record(0), 0)!, accumulator.appendSingle(queue, record(1), 0)!);
    const call = new MultiRecordDelivery(2);
    assert.ok(accumulator.append(queue, record(2), call, 0, 0));
    singles.push(accumulator.appendSingle(queue, record(3), 0)!);
    assert.ok(accumulator.append(queue, record(4), call, 1, 0));
    singles.push(accumulator.appendSingle(queue, record(5), 0)!);
    assert.equal(queue.queued.length, 1, 'one batch holds every record');
    queue.queued[0]!.complete(500n, -1);
    const settled = await Promise.all(singles);
    assert.deepEqual(
      settled.map(({ offset, timestamp }) => [offset, timestamp]),
      [
        [500n, 0],
        [501n, 1],
        [503n, 3],
        [505n, 5],
      ],
    );
    assert.deepEqual(
      (await call.promise).map(({ offset, timestamp }) => [offset, timestamp]),
      [
        [502n, 2],
        [504n, 4],
      ],
    );
  });

  it('rejects every member of a batch that fails, with the batch\'s error, and resolves them with -1 offsets under acks=0', async () => {
    const accumulator = new RecordAccumulator({ batchSize: 1 << 16, bufferMemory: 1 << 20, deliveryTimeoutMs: 1000 });
    const failing = accumulator.queueFor('t', 0);
    const unacknowledged = accumulator.queueFor('t', 1);
    const record = (index: number) => serializeRecord('t', { value: `value ${index}` }, undefined, undefined, 1_700_000_000_000 + index);
    const failed = [0, 1, 2].map((index) => accumulator.appendSingle(failing, record(index), 0)!);
    const resolved = [0, 1].map((index) => accumulator.appendSingle(unacknowledged, record(index), 0)!);
    const error = new KafkaError('TOPIC_AUTHORIZATION_FAILED', 'not allowed');
    failing.queued[0]!.fail(error);
    unacknowledged.queued[0]!.complete(-1n, -1);
    for (const outcome of await Promise.allSettled(failed)) {
      assert.equal(outcome.status, 'rejected');
      assert.equal((outcome as PromiseRejectedResult).reason, error);
    }
    assert.deepEqual(await Promise.all(resolved), [
      { topic: 't', partition: 1, offset: -1n, timestamp: 1_700_000_000_000 },
      { topic: 't', partition: 1, offset: -1n, timestamp: 1_700_000_000_001 },
    ]);
  });

  it('uses the log-append time for every member when the broker gives one', async () => {
    const accumulator = new RecordAccumulator({ batchSize: 1 << 16, bufferMemory: 1 << 20, deliveryTimeoutMs: 1000 });
    const queue = accumulator.queueFor('t', 2);
    const promises = [0, 1].map((index) => accumulator.appendSingle(queue, serializeRecord('t', { value: 'v' }, undefined, undefined, index), 0)!);
    queue.queued[0]!.complete(7n, 1_800_000_000_000);
    assert.deepEqual(
      (await Promise.all(promises)).map(({ offset, timestamp }) => [offset, timestamp]),
      [
        [7n, 1_800_000_000_000],
        [8n, 1_800_000_000_000],
      ],
    );
  });

  // A batch refused as too large is split into parts that settle separately: the members of its
  // group, settled at once while the batch was whole, are then settled part by part.
  it('settles the members of a split batch from its parts', async () => {
    const accumulator = new RecordAccumulator({ batchSize: 1 << 16, bufferMemory: 1 << 20, deliveryTimeoutMs: 1000 });
    const queue = accumulator.queueFor('t', 0);
    const promises = Array.from({ length: 10 }, (_, index) =>
      accumulator.appendSingle(queue, serializeRecord('t', { value: `value ${index}`.padEnd(100, '.') }, undefined, undefined, index), 0)!,
    );
    const batch = queue.queued[0]!;
    batch.seal();
    const parts = await new BatchSplitter({ batchSize: 400, deliveryTimeoutMs: 1000 }, undefined).split(batch);
    assert.ok(parts.length >= 2, 'the batch is split');
    let baseOffset = 100n;
    for (const part of parts) {
      const count = part.recordCount;
      part.complete(baseOffset, -1);
      baseOffset += BigInt(count);
    }
    const settled = await Promise.all(promises);
    assert.deepEqual(
      settled.map(({ offset, timestamp }) => [offset, timestamp]),
      Array.from({ length: 10 }, (_, index) => [100n + BigInt(index), index]),
    );
  });

  it('rejects a multi-record call only once every record settled, marking a call that was written in part', async () => {
    const metadata = (offset: bigint) => ({ topic: 't', partition: 0, offset, timestamp: 0 });
    const unwritten = new KafkaError('INVALID_RECORD', 'refused', { possiblyPersisted: false });
    const partial = new MultiRecordDelivery(3);
    let settled = false;
    partial.promise.catch(() => {}).finally(() => {
      settled = true;
    });
    partial.recordFailed(1, unwritten);
    partial.recordDone(0, metadata(7n));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(settled, false, 'a record of the call is still in flight');
    partial.recordDone(2, metadata(8n));
    await assert.rejects(partial.promise, (error: unknown) => {
      assert.ok(error instanceof KafkaError);
      assert.equal(error.code, 'INVALID_RECORD');
      assert.equal(error.possiblyPersisted, true, 'records of the call were written');
      assert.match(error.message, /2 of 3 records of this send\(\) were acknowledged/);
      return true;
    });
    assert.equal(unwritten.possiblyPersisted, false, 'the batch error itself is unchanged');

    const none = new MultiRecordDelivery(2);
    none.recordFailed(0, unwritten);
    none.recordFailed(1, unwritten);
    await assert.rejects(none.promise, (error: unknown) => error === unwritten);
  });
});
