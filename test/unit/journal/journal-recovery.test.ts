// What Journal.open gives back: the last identity, the unacknowledged batches exactly as they were
// written (records, producer id, epoch, sequences), the records never batched per partition in
// order, and nothing that was acknowledged or settled; across segments and across reopenings.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { freshDirectory, openJournal, record, segmentNames, values } from './journal-fixtures.js';

describe('journal recovery', { timeout: 60_000 }, () => {
  it('rebuilds unacknowledged batches and unbatched records after a mix of records, batches, acknowledgements and settled records', async () => {
    const directory = await freshDirectory();
    const journal = await openJournal({ directory });
    assert.deepEqual(journal.recovered, { identity: undefined, batches: [], unbatched: [], truncatedBytes: 0 });
    journal.appendIdentity({ producerId: 41n, epoch: 0, time: 1000 });
    journal.appendIdentity({ producerId: 42n, epoch: 3, time: 2000 });
    // p0 gets records 0..9, p1 records 100..104, interleaved.
    const p0: number[] = [];
    const p1: number[] = [];
    for (let index = 0; index < 10; index++) {
      p0.push(journal.appendRecord(record(index, 0)));
      if (index < 5) p1.push(journal.appendRecord(record(100 + index, 1)));
    }
    const a = journal.appendBatch({ topic: 'orders', partition: 0, producerId: 42n, epoch: 3, baseSequence: 0, records: p0.slice(0, 4) });
    const b = journal.appendBatch({ topic: 'orders', partition: 1, producerId: 42n, epoch: 3, baseSequence: 0, records: p1.slice(0, 2) });
    const c = journal.appendBatch({ topic: 'orders', partition: 0, producerId: 42n, epoch: 3, baseSequence: 4, records: p0.slice(4, 7) });
    journal.acknowledge(a, 500n);
    journal.settle([p1[3]!]);
    await journal.close();

    const reopened = await openJournal({ directory });
    const { recovered } = reopened;
    assert.deepEqual(recovered.identity, { producerId: 42n, epoch: 3, time: 2000 });
    assert.equal(recovered.truncatedBytes, 0);
    assert.deepEqual(
      recovered.batches.map((batch) => ({ ...batch, records: values(batch.records) })),
      [
        { number: b, topic: 'orders', partition: 1, producerId: 42n, epoch: 3, baseSequence: 0, records: ['value-100', 'value-101'] },
        { number: c, topic: 'orders', partition: 0, producerId: 42n, epoch: 3, baseSequence: 4, records: ['value-4', 'value-5', 'value-6'] },
      ],
    );
    assert.deepEqual(
      recovered.unbatched.map((group) => [group.topic, group.partition, values(group.records)]),
      [
        ['orders', 1, ['value-102', 'value-104']],
        ['orders', 0, ['value-7', 'value-8', 'value-9']],
      ],
    );
    const first = recovered.unbatched[1]!.records[0]!;
    assert.equal(first.number, p0[7]);
    assert.deepEqual([first.topic, first.partition, first.timestamp, first.key?.toString()], ['orders', 0, 1_700_000_000_007, 'k7']);
    assert.deepEqual(
      first.headers.map(([key, value]) => [key, value?.toString()]),
      [['index', '7']],
    );
    // Entry numbers go on where they stopped, and the recovered batches are acknowledged by their numbers.
    assert.equal(reopened.nextNumber, journal.nextNumber);
    reopened.acknowledge(b, 10n);
    reopened.acknowledge(c, 20n);
    await reopened.close();
    const third = await openJournal({ directory });
    assert.deepEqual(third.recovered.batches, []);
    assert.deepEqual(
      third.recovered.unbatched.map((group) => values(group.records)),
      [
        ['value-102', 'value-104'],
        ['value-7', 'value-8', 'value-9'],
      ],
    );
    await third.close();
  });

  it('keeps only the latest batch entry of records sent again under a new epoch', async () => {
    const directory = await freshDirectory();
    const journal = await openJournal({ directory });
    const records = [0, 1, 2].map((index) => journal.appendRecord(record(index)));
    journal.appendBatch({ topic: 'orders', partition: 0, producerId: 7n, epoch: 0, baseSequence: 10, records });
    const again = journal.appendBatch({ topic: 'orders', partition: 0, producerId: 7n, epoch: 1, baseSequence: 0, records });
    assert.equal(journal.stats().liveBatches, 1);
    await journal.close();
    const reopened = await openJournal({ directory });
    assert.deepEqual(
      reopened.recovered.batches.map((batch) => [batch.number, batch.epoch, batch.baseSequence, values(batch.records)]),
      [[again, 1, 0, ['value-0', 'value-1', 'value-2']]],
    );
    await reopened.close();
  });

  it('rebuilds what remains of a batch split part by part, with the sequences its records had', async () => {
    const directory = await freshDirectory();
    const journal = await openJournal({ directory });
    const records = Array.from({ length: 10 }, (_, index) => journal.appendRecord(record(index)));
    journal.appendBatch({ topic: 'orders', partition: 0, producerId: 7n, epoch: 0, baseSequence: 100, records });
    // Refused as too large and split in two; the crash comes after the first part's entry.
    const part = journal.appendBatch({ topic: 'orders', partition: 0, producerId: 7n, epoch: 0, baseSequence: 100, records: records.slice(0, 5) });
    const next = journal.nextNumber;
    await journal.close();

    const reopened = await openJournal({ directory });
    const batches = reopened.recovered.batches;
    assert.deepEqual(
      batches.map((batch) => [batch.baseSequence, values(batch.records)]),
      [
        [100, ['value-0', 'value-1', 'value-2', 'value-3', 'value-4']],
        [105, ['value-5', 'value-6', 'value-7', 'value-8', 'value-9']],
      ],
    );
    assert.equal(batches[0]!.number, part);
    // The remainder got a batch entry of its own, so that acknowledging it settles only its records.
    assert.equal(batches[1]!.number, next);
    reopened.acknowledge(batches[1]!.number, 0n);
    await reopened.close();
    const third = await openJournal({ directory });
    assert.deepEqual(
      third.recovered.batches.map((batch) => [batch.number, batch.baseSequence, batch.records.length]),
      [[part, 100, 5]],
    );
    await third.close();
  });

  it('leaves settled records out of a batch, the records after a gap keeping their sequences (wrapping past 2^31 - 1)', async () => {
    const directory = await freshDirectory();
    const journal = await openJournal({ directory });
    const records = Array.from({ length: 5 }, (_, index) => journal.appendRecord(record(index)));
    journal.appendBatch({ topic: 'orders', partition: 0, producerId: 7n, epoch: 0, baseSequence: 2 ** 31 - 2, records });
    journal.settle([records[1]!]);
    await journal.close();
    const reopened = await openJournal({ directory });
    assert.deepEqual(
      reopened.recovered.batches.map((batch) => [batch.baseSequence, values(batch.records)]),
      [
        [2 ** 31 - 2, ['value-0']],
        [0, ['value-2', 'value-3', 'value-4']],
      ],
    );
    await reopened.close();
  });

  it('recovers across rolled segments, each starting with a copy of the identity', async () => {
    const directory = await freshDirectory();
    const journal = await openJournal({ directory, segmentBytes: 1024 });
    journal.appendIdentity({ producerId: 5n, epoch: 1, time: 3000 });
    const numbers = Array.from({ length: 120 }, (_, index) => journal.appendRecord(record(index, index % 3)));
    const batch = journal.appendBatch({ topic: 'orders', partition: 1, producerId: 5n, epoch: 1, baseSequence: 0, records: numbers.filter((_, index) => index % 3 === 1).slice(0, 30) });
    await journal.close();
    const names = await segmentNames(directory);
    assert.ok(names.length >= 4, `rolled into ${names.length} segments`);
    assert.equal(names[0], '00000000000000000000.log');

    const reopened = await openJournal({ directory, segmentBytes: 1024 });
    const { recovered } = reopened;
    assert.deepEqual(recovered.identity, { producerId: 5n, epoch: 1, time: 3000 });
    assert.deepEqual(
      recovered.batches.map((entry) => [entry.number, entry.records.length]),
      [[batch, 30]],
    );
    assert.deepEqual(
      recovered.unbatched.map((group) => [group.partition, group.records.length]),
      [
        [0, 40],
        [2, 40],
        [1, 10],
      ],
    );
    assert.deepEqual(
      recovered.unbatched[0]!.records.map((entry) => entry.number),
      numbers.filter((_, index) => index % 3 === 0),
    );
    // Settling everything deletes every segment but the last; the identity survives in its copy.
    reopened.settle(numbers);
    await reopened.close();
    const third = await openJournal({ directory, segmentBytes: 1024 });
    assert.equal((await segmentNames(directory)).length, 1);
    assert.deepEqual(third.recovered.identity, { producerId: 5n, epoch: 1, time: 3000 });
    assert.deepEqual(third.recovered.batches, []);
    assert.deepEqual(third.recovered.unbatched, []);
    await third.close();
  });

  it('refuses a batch of records that are not pending or belong to another partition, writing nothing', async () => {
    const directory = await freshDirectory();
    const journal = await openJournal({ directory });
    const first = journal.appendRecord(record(0, 0));
    const second = journal.appendRecord(record(1, 1));
    const batch = { topic: 'orders', partition: 0, producerId: 1n, epoch: 0, baseSequence: 0 };
    assert.throws(() => journal.appendBatch({ ...batch, records: [first, second] }), /record 1 belongs to another partition/);
    assert.throws(() => journal.appendBatch({ ...batch, records: [first, 99] }), /record 99 is not pending/);
    assert.throws(() => journal.appendBatch({ ...batch, records: [second, first] }), /strictly ascending/);
    assert.throws(() => journal.appendBatch({ ...batch, partition: 0, records: [] }), /non-empty/);
    assert.throws(() => journal.appendBatch({ ...batch, epoch: 40_000, records: [first] }), /epoch/);
    assert.throws(() => journal.appendRecord({ ...record(2), partition: -1 }), /partition must be an integer/);
    assert.throws(() => journal.appendRecord({ ...record(2), value: 5 as unknown as string }), /record value must be a Buffer/);
    journal.settle([first]);
    assert.throws(() => journal.appendBatch({ ...batch, records: [first] }), /record 0 is not pending/);
    assert.equal(journal.nextNumber, 3);
    await journal.close();
  });
});
