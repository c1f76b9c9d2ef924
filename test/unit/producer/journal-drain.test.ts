// The journal's pieces of the drain, without a sender: a partition sends no new batch while five
// of its batches were sent without a durable acknowledgement (the drain gate), and the journal's
// acknowledgement becoming durable lets the next one go; requests waiting for the journal are
// written in the order they were drained; a batch rebuilt from what the journal
// recovered keeps its records, boundaries and stamp, at the front of its partition, with the
// partition's sequences going on after it, and records never batched follow.
import * as assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { KafkaError } from '../../../src/errors/kafka-error.js';
import type { JournalRecovery, RecoveredRecord } from '../../../src/journal/journal-recovery.js';
import type { Delivery } from '../../../src/producer/accumulator/delivery.js';
import { MAX_UNCONFIRMED_BATCHES, type PartitionState } from '../../../src/producer/accumulator/partition-state.js';
import type { ProducerBatch } from '../../../src/producer/accumulator/producer-batch.js';
import { RecordAccumulator } from '../../../src/producer/accumulator/record-accumulator.js';
import { ProducerIdentity } from '../../../src/producer/idempotence/producer-identity.js';
import { SequenceTracker } from '../../../src/producer/idempotence/sequence-tracker.js';
import { rebuildRecovered } from '../../../src/producer/journal/batch-rebuilder.js';
import { DurableWrites } from '../../../src/producer/journal/durable-writes.js';
import { ProducerJournal } from '../../../src/producer/journal/producer-journal.js';
import { serializeRecord } from '../../../src/producer/producer-record.js';
import { readRecordBatchesSync } from '../../../src/records/index.js';

const ignore: Delivery = { recordDone() {}, recordFailed() {} };
const noOverhead = () => 0;
const leader = 1;

let directory: string;
beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'journal-drain-'));
});
afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

function accumulatorWith(journal: boolean, identity: ProducerIdentity): RecordAccumulator {
  // Batches of one record each: every append below (of 60 bytes) opens a batch.
  const accumulator = new RecordAccumulator({ batchSize: 100, bufferMemory: 1 << 22, deliveryTimeoutMs: 60_000, lingerMs: 0 });
  accumulator.rules = { sealer: undefined, sequences: new SequenceTracker(identity, false), journal };
  return accumulator;
}

function drainOne(accumulator: RecordAccumulator, queue: PartitionState): ProducerBatch | undefined {
  return accumulator.drain(leader, [queue], 0, 1 << 20, Date.now(), noOverhead)[0];
}

describe('journal drain gate', () => {
  it(`sends no new batch of a partition past ${MAX_UNCONFIRMED_BATCHES} without a durable acknowledgement; one becoming durable lets the next go`, async () => {
    const identity = new ProducerIdentity();
    identity.set(7n, 0);
    const journal = new ProducerJournal({ options: { directory }, maxBlockMs: 1000, codecs: undefined, log: () => {} });
    let confirmed = 0;
    journal.onConfirmed = () => confirmed++;
    await journal.open();
    const accumulator = accumulatorWith(true, identity);
    const queue = accumulator.queueFor('t', 0);
    for (let index = 0; index < 7; index++) {
      const record = serializeRecord('t', { value: `${index}`.padEnd(60, '.') }, undefined, undefined, Date.now());
      assert.ok(accumulator.append(queue, record, ignore, 0, Date.now()));
      accumulator.lastBatch(queue)!.addJournalRecord(journal.append({ topic: 't', partition: 0, timestamp: record.timestamp, key: null, value: record.value }));
    }
    const sent: ProducerBatch[] = [];
    for (let attempt = 0; attempt < 7; attempt++) {
      const batch = drainOne(accumulator, queue);
      if (!batch) break;
      journal.journalBatches([batch]);
      // The broker answered, but its acknowledgement is not journaled yet: the partition may
      // pipeline again, and the batch still counts.
      batch.queue.acknowledged(batch, leader);
      sent.push(batch);
    }
    assert.equal(sent.length, MAX_UNCONFIRMED_BATCHES, 'the sixth batch waits');
    assert.equal(queue.unconfirmed, MAX_UNCONFIRMED_BATCHES);
    assert.equal(drainOne(accumulator, queue), undefined);
    journal.acknowledged(sent[0]!, 0n);
    assert.equal(drainOne(accumulator, queue), undefined, 'not before the acknowledgement is durable');
    for (let turn = 0; turn < 100 && confirmed === 0; turn++) await new Promise((resolve) => setTimeout(resolve, 5));
    assert.equal(confirmed, 1, 'told once the acknowledgement is durable');
    assert.equal(queue.unconfirmed, MAX_UNCONFIRMED_BATCHES - 1);
    const sixth = drainOne(accumulator, queue);
    assert.ok(sixth, 'the sixth batch goes');
    assert.equal(sixth.baseSequence, MAX_UNCONFIRMED_BATCHES);
    await journal.close();
  });

  it('does not hold a partition without the journal rule', () => {
    const identity = new ProducerIdentity();
    identity.set(7n, 0);
    const accumulator = accumulatorWith(false, identity);
    const queue = accumulator.queueFor('t', 0);
    for (let index = 0; index < 7; index++) assert.ok(accumulator.append(queue, serializeRecord('t', { value: `${index}`.padEnd(60, '.') }, undefined, undefined, Date.now()), ignore, 0, Date.now()));
    let drained = 0;
    for (let attempt = 0; attempt < 7; attempt++) {
      const batch = drainOne(accumulator, queue);
      if (!batch) break;
      batch.queue.acknowledged(batch, leader);
      drained++;
    }
    assert.equal(drained, 7);
  });
});

describe('requests waiting for the journal', () => {
  it('are written in the order they were drained, whatever order their entries became durable in', async () => {
    // A journal whose durable number the test moves by hand.
    let durableNumber = 3;
    const waiters: { number: number; resolve: () => void }[] = [];
    const source = {
      get durableNumber() {
        return durableNumber;
      },
      whenDurable: (number: number) => (number <= durableNumber ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ number, resolve }))),
    };
    const makeDurable = (number: number) => {
      durableNumber = number;
      for (const waiter of waiters.splice(0)) {
        if (waiter.number <= number) waiter.resolve();
        else waiters.push(waiter);
      }
    };
    const written: string[] = [];
    const writes = new DurableWrites(source, () => assert.fail('the journal did not fail'));
    writes.add(2, () => written.push('resend, entry durable, nothing waiting'), () => {});
    assert.deepEqual(written, ['resend, entry durable, nothing waiting'], 'written at once');
    writes.add(8, () => written.push('first'), () => {});
    writes.add(1, () => written.push('second: its entry is durable, but it comes after the first'), () => {});
    writes.add(6, () => written.push('third'), () => {});
    await Promise.resolve();
    assert.equal(written.length, 1, 'the first waits, and so does everything after it');
    makeDurable(7);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(written.length, 1, 'entry 6 is durable, but the first still waits for 8');
    makeDurable(8);
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(written.slice(1), ['first', 'second: its entry is durable, but it comes after the first', 'third']);
    assert.equal(writes.size, 0);
  });

  it('abandons every waiting write, in order, when the journal fails', () => {
    const source = { durableNumber: 0, whenDurable: () => new Promise<void>(() => {}) };
    const abandoned: number[] = [];
    const writes = new DurableWrites(source, () => {});
    for (const number of [5, 6, 7]) writes.add(number, () => assert.fail('not written'), () => abandoned.push(number));
    writes.abandonAll(new KafkaError('JOURNAL_WRITE_FAILED', 'disk full'));
    assert.deepEqual(abandoned, [5, 6, 7]);
  });
});

describe('rebuilding what the journal recovered', () => {
  const record = (number: number, value: string, partition = 0): RecoveredRecord => ({
    number,
    journaledBy: 1_700_000_000_000,
    topic: 't',
    partition,
    timestamp: 1_700_000_000_000 + number,
    key: Buffer.from(`k${number}`),
    value: Buffer.from(value),
    headers: number === 1 ? [['h', Buffer.from('x')]] : [],
  });
  const recovery: JournalRecovery = {
    identity: { producerId: 7n, epoch: 3, time: 0 },
    batches: [
      { number: 10, topic: 't', partition: 0, producerId: 7n, epoch: 3, baseSequence: 20, records: [record(1, 'a'), record(2, 'b'), record(3, 'c')] },
      { number: 11, topic: 't', partition: 0, producerId: 7n, epoch: 3, baseSequence: 23, records: [record(4, 'd'), record(5, 'e')] },
    ],
    unbatched: [
      { topic: 't', partition: 0, records: [record(6, 'f'), record(7, 'g')] },
      { topic: 't', partition: 1, records: [record(8, 'h', 1)] },
    ],
    truncatedBytes: 0,
  };

  it('rebuilds each batch exactly, at the front, stamped as sent, and continues the sequences after them', () => {
    const identity = new ProducerIdentity();
    // The restarted producer goes on under the recovered id with a new epoch.
    identity.set(7n, 4);
    const accumulator = accumulatorWith(true, identity);
    const counts = rebuildRecovered(recovery, accumulator, Date.now());
    assert.deepEqual(counts, { batches: 2, records: 8 });
    const queue = accumulator.queueFor('t', 0);
    assert.equal(queue.queued.length, 3, 'two rebuilt batches, then one of the unbatched records');
    const [first, second, third] = queue.queued;
    assert.deepEqual(
      [first!, second!].map((batch) => ({ records: batch.recordCount, numbers: batch.journalRecords, entry: batch.journalEntry, base: batch.baseSequence, recovered: batch.recovered })),
      [
        { records: 3, numbers: [1, 2, 3], entry: 10, base: 20, recovered: true },
        { records: 2, numbers: [4, 5], entry: 11, base: 23, recovered: true },
      ],
    );
    assert.deepEqual(third!.journalRecords, [6, 7]);
    assert.equal(third!.recovered, false);
    assert.equal(queue.unconfirmed, 2, 'the rebuilt batches count as sent without a durable acknowledgement');
    assert.deepEqual({ id: queue.producerId, epoch: queue.sequenceEpoch, next: queue.nextSequence }, { id: 7n, epoch: 3, next: 25 });
    assert.deepEqual(accumulator.queueFor('t', 1).queued[0]!.journalRecords, [8]);

    // Drained, the first keeps its stamp and its records, byte for byte as recovered.
    const drained = drainOne(accumulator, queue)!;
    assert.equal(drained, first);
    const [decoded] = readRecordBatchesSync(drained.bytes!);
    assert.deepEqual({ producerId: decoded!.producerId, epoch: decoded!.producerEpoch, base: decoded!.baseSequence }, { producerId: 7n, epoch: 3, base: 20 });
    assert.deepEqual(
      decoded!.records.map((entry) => [entry.key!.toString(), entry.value!.toString(), entry.timestamp, entry.headers.map(([name, value]) => `${name}=${value}`)]),
      [
        ['k1', 'a', 1_700_000_000_001, ['h=x']],
        ['k2', 'b', 1_700_000_000_002, []],
        ['k3', 'c', 1_700_000_000_003, []],
      ],
    );
    drained.queue.acknowledged(drained, leader);
    const next = drainOne(accumulator, queue)!;
    assert.deepEqual({ epoch: next.producerEpoch, base: next.baseSequence }, { epoch: 3, base: 23 }, 'the second keeps its stamp');
    next.queue.acknowledged(next, leader);
    // What this process batched itself starts the partition anew under its own epoch.
    const fresh = drainOne(accumulator, queue)!;
    assert.deepEqual({ epoch: fresh.producerEpoch, base: fresh.baseSequence, records: fresh.recordCount }, { epoch: 4, base: 0, records: 2 });
  });
});
