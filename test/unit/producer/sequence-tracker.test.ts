// The idempotence rules of one partition, without sockets: sequences assigned once at drain and kept
// through retries, OUT_OF_ORDER/UNKNOWN_PRODUCER_ID handled as proof the batch was not written, a new
// epoch only once nothing of the partition is in flight, unresolved sequences resolved by the next
// acknowledgement.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Delivery } from '../../../src/producer/accumulator/delivery.js';
import { PartitionState } from '../../../src/producer/accumulator/partition-state.js';
import { ProducerBatch } from '../../../src/producer/accumulator/producer-batch.js';
import { ProducerIdentity } from '../../../src/producer/idempotence/producer-identity.js';
import { SequenceTracker } from '../../../src/producer/idempotence/sequence-tracker.js';
import { serializeRecord } from '../../../src/producer/producer-record.js';
import { readBatchHeader } from '../../../src/records/index.js';

const ignore: Delivery = { recordDone() {}, recordFailed() {} };

function batchOf(queue: PartitionState, records: number): ProducerBatch {
  const batch = new ProducerBatch(queue, 0, 60_000, 16_384);
  for (let index = 0; index < records; index++) batch.append(serializeRecord(queue.topic, { value: `v${index}` }, undefined, undefined, 1000), ignore, index, 0);
  batch.seal();
  return batch;
}

function setup() {
  const identity = new ProducerIdentity();
  identity.set(7n, 0);
  const tracker = new SequenceTracker(identity, false);
  const queue = new PartitionState('t', 0);
  return { identity, tracker, queue };
}

function drain(tracker: SequenceTracker, queue: PartitionState, batch: ProducerBatch): boolean {
  if (tracker.prepare(queue, batch) !== 'ready') return false;
  queue.queued.splice(queue.queued.indexOf(batch), 1);
  queue.inFlight.push(batch);
  return true;
}

describe('SequenceTracker', () => {
  it('assigns consecutive sequences at drain and stamps them into the bytes', () => {
    const { tracker, queue } = setup();
    const first = batchOf(queue, 3);
    const second = batchOf(queue, 2);
    queue.queued.push(first, second);
    assert.ok(drain(tracker, queue, first));
    assert.ok(drain(tracker, queue, second));
    assert.deepEqual([first.baseSequence, second.baseSequence], [0, 3]);
    const header = readBatchHeader(second.bytes!, 0, { verifyCrc: true });
    assert.equal(header.producerId, 7n);
    assert.equal(header.producerEpoch, 0);
    assert.equal(header.baseSequence, 3);
  });

  it('keeps producer id, epoch and sequence on retry', () => {
    const { tracker, queue } = setup();
    const batch = batchOf(queue, 2);
    queue.queued.push(batch);
    drain(tracker, queue, batch);
    const bytes = Buffer.from(batch.bytes!);
    queue.removeInFlight(batch);
    queue.reenqueue(batch);
    drain(tracker, queue, batch);
    assert.equal(batch.baseSequence, 0);
    assert.deepEqual(batch.bytes, bytes, 'a retry resends the same bytes');
  });

  it('retries a batch rejected out of order while an earlier one is pending, without a new epoch', () => {
    const { identity, tracker, queue } = setup();
    const first = batchOf(queue, 1);
    const second = batchOf(queue, 1);
    queue.queued.push(first, second);
    drain(tracker, queue, first);
    drain(tracker, queue, second);
    queue.removeInFlight(second);
    tracker.onSequenceRejected(queue, second, true);
    assert.equal(identity.epochBumpRequested, false);
    assert.equal(queue.resetRequested, false);
  });

  it('restarts the partition under a bumped epoch when the broker lost the producer state', () => {
    const { identity, tracker, queue } = setup();
    const acknowledged = batchOf(queue, 2);
    queue.queued.push(acknowledged);
    drain(tracker, queue, acknowledged);
    queue.removeInFlight(acknowledged);
    tracker.onAcknowledged(queue, acknowledged);
    assert.equal(queue.lastAckedSequence, 1);
    const rejected = batchOf(queue, 2);
    queue.queued.push(rejected);
    drain(tracker, queue, rejected);
    rejected.possiblyPersisted = true;
    queue.removeInFlight(rejected);
    tracker.onSequenceRejected(queue, rejected, true);
    assert.equal(rejected.possiblyPersisted, false, 'a rejected sequence proves the batch was not written');
    assert.equal(identity.epochBumpRequested, true);
    identity.bumpEpoch();
    queue.reenqueue(rejected);
    assert.ok(drain(tracker, queue, rejected));
    assert.equal(rejected.producerEpoch, 1);
    assert.equal(rejected.baseSequence, 0);
    assert.equal(rejected.sequenceReset, true);
  });

  it('takes a batch refused out of order as written when a later batch of its epoch was acknowledged', () => {
    const { identity, tracker, queue } = setup();
    const unanswered = batchOf(queue, 2);
    const later = batchOf(queue, 3);
    queue.queued.push(unanswered, later);
    drain(tracker, queue, unanswered);
    drain(tracker, queue, later);
    // The first answer is lost; the second batch, in sequence after it, is acknowledged: the broker
    // wrote the first. Its resend falls outside the 5 batches the broker remembers.
    queue.removeInFlight(unanswered);
    unanswered.possiblyPersisted = true;
    queue.removeInFlight(later);
    tracker.onAcknowledged(queue, later);
    assert.equal(tracker.acknowledgedPast(queue, unanswered), true);
    assert.equal(tracker.onSequenceRejected(queue, unanswered, true), 'written');
    assert.equal(unanswered.possiblyPersisted, true, 'not taken as unwritten');
    assert.equal(identity.epochBumpRequested, false, 'no gap: the sequences go on');
    assert.equal(queue.resetRequested, false);
    // Nothing acknowledged past it: the refusal proves it unwritten, as before.
    const fresh = setup();
    const alone = batchOf(fresh.queue, 2);
    fresh.queue.queued.push(alone);
    drain(fresh.tracker, fresh.queue, alone);
    fresh.queue.removeInFlight(alone);
    assert.equal(fresh.tracker.acknowledgedPast(fresh.queue, alone), false);
    assert.equal(fresh.tracker.onSequenceRejected(fresh.queue, alone, true), 'retry');
    // An acknowledgement under another epoch proves nothing about it.
    identity.bumpEpoch();
    queue.resetRequested = true;
    const next = batchOf(queue, 1);
    queue.queued.push(next);
    drain(tracker, queue, next);
    assert.equal(tracker.acknowledgedPast(queue, unanswered), false);
  });

  it('waits for in-flight batches before moving to a new epoch', () => {
    const { identity, tracker, queue } = setup();
    const inFlight = batchOf(queue, 1);
    const waiting = batchOf(queue, 1);
    queue.queued.push(inFlight, waiting);
    drain(tracker, queue, inFlight);
    queue.resetRequested = true;
    identity.bumpEpoch();
    assert.equal(tracker.prepare(queue, waiting), 'wait');
    queue.removeInFlight(inFlight);
    assert.equal(tracker.prepare(queue, waiting), 'ready');
    assert.equal(waiting.producerEpoch, 1);
    assert.equal(waiting.baseSequence, 0);
  });

  it('keeps old-epoch stamps of a partition that did not ask for a new epoch', () => {
    const { identity, tracker, queue } = setup();
    const stamped = batchOf(queue, 1);
    queue.queued.push(stamped);
    drain(tracker, queue, stamped);
    queue.removeInFlight(stamped);
    queue.reenqueue(stamped);
    identity.bumpEpoch();
    assert.equal(tracker.prepare(queue, stamped), 'ready');
    assert.equal(stamped.producerEpoch, 0, 'a batch that may be deduplicated keeps its stamp');
  });

  it('gives split parts the original sequence range', () => {
    const { tracker, queue } = setup();
    const original = batchOf(queue, 4);
    queue.queued.push(original);
    drain(tracker, queue, original);
    const parts = [batchOf(queue, 3), batchOf(queue, 1)];
    tracker.onSplit(original, parts);
    assert.deepEqual(parts.map((part) => part.baseSequence), [0, 3]);
  });

  it('refuses to renumber a batch whose earlier send may have been written, and renumbers the unsent one behind it', () => {
    const { identity, tracker, queue } = setup();
    const unanswered = batchOf(queue, 2);
    const unsent = batchOf(queue, 1);
    queue.queued.push(unanswered, unsent);
    drain(tracker, queue, unanswered);
    queue.removeInFlight(unanswered);
    unanswered.possiblyPersisted = true;
    queue.reenqueue(unanswered);
    // An earlier batch failed for good: the partition restarts its sequences under a new epoch.
    queue.resetRequested = true;
    identity.bumpEpoch();
    const bytes = Buffer.from(unanswered.bytes!);
    assert.equal(tracker.prepare(queue, unanswered), 'possibly-written');
    assert.deepEqual([unanswered.producerEpoch, unanswered.baseSequence], [0, 0], 'its stamp is kept');
    assert.deepEqual(unanswered.bytes, bytes, 'its bytes are not restamped');
    queue.removeQueued(unanswered);
    assert.ok(drain(tracker, queue, unsent));
    assert.deepEqual([unsent.producerEpoch, unsent.baseSequence], [1, 0]);
  });

  it('asks for a new epoch when a stamped batch is abandoned by an abort', () => {
    const identity = new ProducerIdentity();
    identity.set(7n, 0);
    const tracker = new SequenceTracker(identity, true);
    const queue = new PartitionState('t', 0);
    const batch = batchOf(queue, 1);
    queue.queued.push(batch);
    drain(tracker, queue, batch);
    queue.removeInFlight(batch);
    tracker.onSequenceGap(queue, batch);
    assert.equal(identity.epochBumpRequested, true);
    assert.equal(queue.resetRequested, true);
  });
});
