// DeliveryGroup: single-record sends appended to one batch share one underlying promise, yet each
// member's promise settles with its own outcome, whatever order the outcomes arrive in (a split
// batch settles its parts separately), and only once every member has settled.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KafkaError } from '../../../src/errors/kafka-error.js';
import { DeliveryGroup } from '../../../src/producer/accumulator/delivery.js';
import { RecordAccumulator } from '../../../src/producer/accumulator/record-accumulator.js';
import { serializeRecord } from '../../../src/producer/producer-record.js';

const metadataAt = (offset: number) => ({ topic: 't', partition: 0, offset: BigInt(offset), timestamp: offset });

describe('DeliveryGroup', () => {
  it('settles each member with its own outcome, in join order, whatever order outcomes arrive in', async () => {
    const group = new DeliveryGroup();
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
    const group = new DeliveryGroup();
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
      const promise = accumulator.tryAppendToGroup(queue, serializeRecord('t', { value: `value ${index}`.padEnd(40) }, undefined, undefined, index), 0);
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
});
