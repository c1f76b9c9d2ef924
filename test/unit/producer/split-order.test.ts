// Split parts take the place of the batch they came from: queued by the original's order and by
// where in it they start, so that parts of parts, and a retried batch put back among them, stay in
// record (and sequence) order however often batches are split.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Delivery } from '../../../src/producer/accumulator/delivery.js';
import { PartitionState } from '../../../src/producer/accumulator/partition-state.js';
import { ProducerBatch } from '../../../src/producer/accumulator/producer-batch.js';
import { serializeRecord } from '../../../src/producer/producer-record.js';
import { BatchSplitter } from '../../../src/producer/sender/batch-splitter.js';

const ignore: Delivery = { recordDone() {}, recordFailed() {} };

function batchOf(queue: PartitionState, first: number, count: number): ProducerBatch {
  const batch = new ProducerBatch(queue, 0, 60_000, 1 << 16);
  for (let index = first; index < first + count; index++) {
    batch.append(serializeRecord(queue.topic, { value: `${index}`.padStart(4, '0').padEnd(100, '.') }, undefined, undefined, index), ignore, index, 0);
  }
  batch.seal();
  return batch;
}

const firstValues = (batches: readonly ProducerBatch[]) => batches.map((batch) => batch.recordOwners().timestamps[0]);

describe('split parts in the partition queue', () => {
  it('keeps parts of parts and a retried neighbour in record order, whatever order they come back in', async () => {
    const queue = new PartitionState('t', 0);
    const splitter = new BatchSplitter({ batchSize: 400, deliveryTimeoutMs: 60_000 }, undefined);
    const before = batchOf(queue, 0, 4);
    const original = batchOf(queue, 4, 12);
    const after = batchOf(queue, 16, 4);
    const parts = await splitter.split(original);
    assert.ok(parts.length >= 3, `split into ${parts.length}`);
    for (const part of parts) part.seal();
    // Each part is split again, the last first, and everything is put back in a scrambled order.
    const pieces: ProducerBatch[] = [];
    for (const part of [...parts].reverse()) {
      const subParts = part.recordCount > 1 ? await splitter.split(part) : [part];
      pieces.push(...subParts);
    }
    assert.ok(pieces.length > parts.length, 'parts were split again');
    for (const batch of [after, ...pieces, before]) queue.reenqueue(batch);
    const firsts = firstValues(queue.queued);
    assert.deepEqual(firsts, [...firsts].sort((a, b) => a! - b!), `queued in record order: ${firsts.join(',')}`);
    assert.equal(queue.queued[0], before);
    assert.equal(queue.queued[queue.queued.length - 1], after);
  });

  it('lets no part of a split batch take new records, the last one at the tail of the queue included', async () => {
    const queue = new PartitionState('t', 0);
    // 13 records of about 110 bytes in parts of up to 400: the last part holds one, with room left.
    const original = batchOf(queue, 0, 13);
    const parts = await new BatchSplitter({ batchSize: 400, deliveryTimeoutMs: 60_000 }, undefined).split(original);
    assert.equal(parts[parts.length - 1]!.recordCount, 1);
    const record = serializeRecord('t', { value: 'newer' }, undefined, undefined, 99);
    for (const part of parts) assert.equal(part.hasRoomFor(record), false, 'a part keeps the records of its range only');
  });
});
