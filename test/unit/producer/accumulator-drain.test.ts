// RecordAccumulator.ready/drain/expired driven by a manual clock, without a sender: when a batch is
// ready (lingered, full, behind another, retried after its backoff, flushed), what one request to a
// leader takes (one batch per partition, within maxRequestSize, a first batch of any size), the
// gates of invariants 3 and 4, sequences assigned at drain, and expiry from the queue's head.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Delivery } from '../../../src/producer/accumulator/delivery.js';
import type { PartitionState } from '../../../src/producer/accumulator/partition-state.js';
import { RecordAccumulator } from '../../../src/producer/accumulator/record-accumulator.js';
import { ProducerIdentity } from '../../../src/producer/idempotence/producer-identity.js';
import { SequenceTracker } from '../../../src/producer/idempotence/sequence-tracker.js';
import { serializeRecord } from '../../../src/producer/producer-record.js';
import { ManualClock } from '../../helpers/manual-clock.js';

const ignore: Delivery = { recordDone() {}, recordFailed() {} };
const LINGER = 5;
const DELIVERY_TIMEOUT = 1000;

function setup(batchSize = 16_384) {
  const clock = new ManualClock();
  const accumulator = new RecordAccumulator({ batchSize, bufferMemory: 1 << 22, deliveryTimeoutMs: DELIVERY_TIMEOUT, lingerMs: LINGER });
  const wakeUps: number[] = [];
  accumulator.wakeAt = (due) => wakeUps.push(due);
  // Partitions 0 and 1 are led by broker 1, partition 2 by broker 2, partition 3 by nobody known.
  const leaderOf = (queue: PartitionState) => [1, 1, 2, -1][queue.partition] ?? -1;
  const append = (partition: number, value = 'v') => {
    assert.ok(accumulator.append(accumulator.queueFor('t', partition), serializeRecord('t', { value }, undefined, undefined, clock.now()), ignore, 0, clock.now()));
  };
  const noOverhead = () => 0;
  return { clock, accumulator, wakeUps, leaderOf, append, noOverhead };
}

describe('RecordAccumulator ready/drain/expired', () => {
  it('holds a batch that is not full for lingerMs, and asks to be woken when it lingered', () => {
    const { clock, accumulator, wakeUps, leaderOf, append } = setup();
    append(0);
    const start = clock.now();
    assert.equal(accumulator.ready(start, leaderOf).byLeader.size, 0);
    assert.ok(wakeUps.includes(start + LINGER), 'woken at the end of the linger');
    assert.ok(wakeUps.includes(start + DELIVERY_TIMEOUT), 'and at the head batch\'s delivery deadline');
    const ready = accumulator.ready(start + LINGER, leaderOf);
    assert.deepEqual([...ready.byLeader.keys()], [1]);
    assert.deepEqual(ready.byLeader.get(1)!.map((queue) => queue.partition), [0]);
  });

  it('takes a batch at once when another is queued behind it, and any batch while flushing', () => {
    const { clock, accumulator, leaderOf, append } = setup(100);
    append(0, 'x'.repeat(60));
    append(0, 'y'.repeat(60)); // does not fit: a second batch
    assert.equal(accumulator.ready(clock.now(), leaderOf).byLeader.get(1)?.length, 1, 'the first batch is complete');
    append(1);
    assert.equal(accumulator.ready(clock.now(), leaderOf).byLeader.get(1)?.length, 1, 'partition 1 still lingers');
    accumulator.beginFlush();
    assert.equal(accumulator.ready(clock.now(), leaderOf).byLeader.get(1)?.length, 2, 'flushing: every partition');
    accumulator.endFlush();
  });

  it('groups ready partitions by leader and reports a partition without a known leader', () => {
    const { clock, accumulator, leaderOf, append } = setup();
    for (const partition of [0, 1, 2, 3]) append(partition);
    const ready = accumulator.ready(clock.now() + LINGER, leaderOf);
    assert.deepEqual(ready.byLeader.get(1)!.map((queue) => queue.partition), [0, 1]);
    assert.deepEqual(ready.byLeader.get(2)!.map((queue) => queue.partition), [2]);
    assert.equal(ready.leaderUnknown, true);
  });

  it('drains one batch per partition per request, within maxRequestSize (a first batch of any size), rotating the first partition', () => {
    const { clock, accumulator, leaderOf, append, noOverhead } = setup(100);
    for (const partition of [0, 1]) {
      append(partition, 'a'.repeat(60));
      append(partition, 'b'.repeat(60));
    }
    const now = clock.now() + LINGER;
    const queues = accumulator.ready(now, leaderOf).byLeader.get(1)!;
    const first = accumulator.drain(1, queues, 0, 10_000, now, noOverhead);
    assert.deepEqual(first.map((batch) => batch.queue.partition), [0, 1], 'one batch of each partition');
    assert.ok(first.every((batch) => batch.state === 'in-flight' && batch.attempts === 1));
    // The next request: in flight on an unconfirmed leader, a partition waits (invariant 4).
    assert.deepEqual(accumulator.drain(1, queues, 0, 10_000, now, noOverhead), []);
    for (const batch of first) batch.queue.acknowledged(batch, 1);
    const tight = accumulator.drain(1, queues, 1, 1, now, noOverhead);
    assert.equal(tight.length, 1, 'over maxRequestSize the first batch still goes, alone');
    assert.equal(tight[0]!.queue.partition, 1, 'rotation 1 starts at the second partition');
  });

  it('sends nothing more of a recovering partition while its resent head is in flight (invariant 3)', () => {
    const { clock, accumulator, leaderOf, append, noOverhead } = setup(100);
    for (let index = 0; index < 3; index++) append(0, `${index}`.repeat(60));
    let now = clock.now() + LINGER;
    const queues = accumulator.ready(now, leaderOf).byLeader.get(1)!;
    const [head] = accumulator.drain(1, queues, 0, 10_000, now, noOverhead);
    head!.queue.acknowledged(head!, 1);
    const [second] = accumulator.drain(1, queues, 0, 10_000, now, noOverhead);
    second!.queue.refused(second!);
    accumulator.retry(second!, now + 100);
    assert.equal(accumulator.ready(now, leaderOf).byLeader.size, 0, 'the retry waits for its backoff (and the batch behind it too)');
    now += 100;
    const [resent] = accumulator.drain(1, accumulator.ready(now, leaderOf).byLeader.get(1)!, 0, 10_000, now, noOverhead);
    assert.equal(resent, second);
    assert.equal(resent!.attempts, 2);
    assert.deepEqual(accumulator.drain(1, queues, 0, 10_000, now, noOverhead), [], 'the third batch waits while the resent head is in flight');
    resent!.queue.acknowledged(resent!, 1);
    assert.equal(accumulator.drain(1, queues, 0, 10_000, now, noOverhead).length, 1, 'recovered: the third batch goes');
  });

  it('stamps sequences at drain, in partition order, and keeps them for a retry (invariant 1)', () => {
    const { clock, accumulator, leaderOf, append, noOverhead } = setup(100);
    const identity = new ProducerIdentity();
    identity.set(7n, 0);
    accumulator.rules = { sequences: new SequenceTracker(identity, false), sealer: undefined };
    for (let index = 0; index < 2; index++) append(0, `${index}`.repeat(60));
    const now = clock.now() + LINGER;
    const queues = accumulator.ready(now, leaderOf).byLeader.get(1)!;
    const [first] = accumulator.drain(1, queues, 0, 10_000, now, noOverhead);
    assert.deepEqual([first!.producerId, first!.producerEpoch, first!.baseSequence], [7n, 0, 0]);
    first!.queue.unanswered(first!);
    accumulator.retry(first!, now);
    const [again] = accumulator.drain(1, queues, 0, 10_000, now, noOverhead);
    assert.equal(again, first);
    assert.equal(again!.baseSequence, 0, 'the retry keeps its sequence');
    again!.queue.acknowledged(again!, 1);
    const [next] = accumulator.drain(1, queues, 0, 10_000, now, noOverhead);
    assert.equal(next!.baseSequence, 1);
  });

  it('leaves out partitions the transaction has not added yet', () => {
    const { clock, accumulator, leaderOf, append, noOverhead } = setup();
    accumulator.rules = { partitionReady: (queue) => queue.partition === 1, sealer: undefined };
    append(0);
    append(1);
    const now = clock.now() + LINGER;
    const drained = accumulator.drain(1, accumulator.ready(now, leaderOf).byLeader.get(1)!, 0, 10_000, now, noOverhead);
    assert.deepEqual(drained.map((batch) => batch.queue.partition), [1]);
  });

  it('reports the queued batches past their delivery deadline, each partition from its head', async () => {
    const { clock, accumulator, append } = setup(100);
    append(0, 'a'.repeat(60));
    await clock.advance(400);
    append(0, 'b'.repeat(60));
    append(1, 'c');
    const start = clock.now() - 400;
    assert.deepEqual(accumulator.expired(start + DELIVERY_TIMEOUT - 1), []);
    assert.deepEqual(accumulator.expired(start + DELIVERY_TIMEOUT).map((batch) => batch.queue.partition), [0]);
    assert.equal(accumulator.expired(start + DELIVERY_TIMEOUT + 400).length, 3);
  });
});
