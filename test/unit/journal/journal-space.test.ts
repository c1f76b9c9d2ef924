// maxBytes and segment deletion: a record that does not fit is refused (retriable) until settled
// segments are deleted; segments go oldest first once everything in them is settled and what
// settled it is durable; the active segment rolls when that is what frees space.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidRecordError } from '../../../src/errors/kafka-error.js';
import { JournalFullError } from '../../../src/journal/journal-errors.js';
import { eventually, freshDirectory, openJournal, record, segmentNames } from './journal-fixtures.js';

describe('journal space', { timeout: 60_000 }, () => {
  it('refuses records when full, and takes them again once deletion frees space', async () => {
    const directory = await freshDirectory();
    const journal = await openJournal({ directory, segmentBytes: 1024, maxBytes: 4096 });
    const numbers: number[] = [];
    let refused: unknown;
    for (let index = 0; index < 1000 && refused === undefined; index++) {
      try {
        numbers.push(journal.appendRecord(record(index)));
      } catch (error) {
        refused = error;
      }
    }
    assert.ok(refused instanceof JournalFullError, 'an append is refused once full');
    assert.equal(refused.retriable, true);
    assert.equal(refused.code, 'JOURNAL_FULL');
    assert.equal(refused.maxBytes, 4096);
    const size = journal.recordBytes(record(0));
    assert.equal(journal.hasRoomFor(size), false);
    assert.ok(journal.usedBytes <= 4096);
    const room = journal.whenRoom(size, 30_000);
    // Acknowledging the first half frees the oldest segments.
    const half = numbers.slice(0, numbers.length / 2);
    const batch = journal.appendBatch({ topic: 'orders', partition: 0, producerId: 1n, epoch: 0, baseSequence: 0, records: half });
    journal.acknowledge(batch, 0n);
    assert.equal(await room, true);
    assert.ok(journal.hasRoomFor(size));
    assert.ok(journal.appendRecord(record(1000)) > 0);
    await journal.close();
  });

  it('refuses a record larger than maxBytes as invalid, and whenRoom gives up on it at once', async () => {
    const directory = await freshDirectory();
    const journal = await openJournal({ directory, segmentBytes: 1024, maxBytes: 2048 });
    assert.throws(() => journal.appendRecord({ ...record(0), value: Buffer.alloc(3000) }), (error: unknown) => error instanceof InvalidRecordError && /more than its maxBytes \(2048\)/.test(error.message));
    assert.equal(await journal.whenRoom(3000, 30_000), false);
    assert.equal(journal.nextNumber, 0);
    await journal.close();
  });

  it('whenRoom answers false when nothing frees space before its timeout', async () => {
    const directory = await freshDirectory();
    const journal = await openJournal({ directory, segmentBytes: 1024, maxBytes: 2048 });
    for (let index = 0; index < 1000 && journal.hasRoomFor(journal.recordBytes(record(index))); index++) journal.appendRecord(record(index));
    assert.equal(await journal.whenRoom(journal.recordBytes(record(0)), 20), false);
    await journal.close();
  });

  it('deletes segments oldest first once all their records are settled, keeping the active one', async () => {
    const directory = await freshDirectory();
    const journal = await openJournal({ directory, segmentBytes: 1024 });
    const numbers = Array.from({ length: 100 }, (_, index) => journal.appendRecord(record(index)));
    await journal.commit();
    const names = await segmentNames(directory);
    assert.ok(names.length >= 5, `${names.length} segments`);
    // Everything but the first record settled: the first segment holds it, so nothing goes.
    journal.settle(numbers.slice(1));
    await journal.commit();
    assert.deepEqual(await segmentNames(directory), names);
    assert.equal(journal.stats().segments, names.length);
    // The first record acknowledged: every segment but the active one goes.
    const batch = journal.appendBatch({ topic: 'orders', partition: 0, producerId: 1n, epoch: 0, baseSequence: 0, records: [numbers[0]!] });
    journal.acknowledge(batch, 0n);
    await journal.commit();
    // The journal counts a segment gone once its file is deleted and the deletion synced.
    await eventually(() => journal.stats().segments === 1, 'segments deleted');
    assert.deepEqual(await segmentNames(directory), [names[names.length - 1]]);
    assert.equal(journal.stats().pendingRecords, 0);
    assert.equal(journal.usedBytes < 1024, true);
    await journal.close();
  });

  it('keeps a segment while a live batch entry in it refers to pending records elsewhere', async () => {
    const directory = await freshDirectory();
    const journal = await openJournal({ directory, segmentBytes: 1024 });
    const first = journal.appendRecord(record(0));
    const filler = Array.from({ length: 40 }, (_, index) => journal.appendRecord(record(index + 1)));
    journal.settle(filler);
    const batch = journal.appendBatch({ topic: 'orders', partition: 0, producerId: 1n, epoch: 0, baseSequence: 0, records: [first] });
    await journal.commit();
    const names = await segmentNames(directory);
    assert.ok(names.length >= 2);
    journal.acknowledge(batch, 7n);
    await journal.commit();
    await eventually(async () => (await segmentNames(directory)).length === 1, 'segments deleted after the acknowledgement');
    await journal.close();
  });

  it('gives an entry larger than segmentBytes a segment of its own', async () => {
    const directory = await freshDirectory();
    const journal = await openJournal({ directory, segmentBytes: 1024, maxBytes: 1 << 20 });
    journal.appendIdentity({ producerId: 3n, epoch: 0, time: 1 });
    journal.appendRecord(record(0));
    const large = journal.appendRecord({ ...record(1), value: Buffer.alloc(3000, 0x62) });
    journal.appendRecord(record(2));
    await journal.close();
    const names = await segmentNames(directory);
    assert.equal(names.length, 3);
    // The large record follows the identity copy that starts its segment.
    assert.equal(names[1], `${String(large - 1).padStart(20, '0')}.log`);
    const reopened = await openJournal({ directory, segmentBytes: 1024, maxBytes: 1 << 20 });
    assert.deepEqual(
      reopened.recovered.unbatched[0]!.records.map((entry) => [entry.number, entry.value!.length]),
      [
        [1, 7],
        [large, 3000],
        [large + 2, 7],
      ],
    );
    await reopened.close();
  });

  it('rolls the active segment when it is what holds the space and nothing in it is pending', async () => {
    const directory = await freshDirectory();
    const journal = await openJournal({ directory, segmentBytes: 2048, maxBytes: 2048 });
    const numbers: number[] = [];
    for (let index = 0; index < 1000 && journal.hasRoomFor(journal.recordBytes(record(index))); index++) numbers.push(journal.appendRecord(record(index)));
    journal.settle(numbers);
    assert.equal(journal.hasRoomFor(journal.recordBytes(record(0))), false);
    assert.equal(await journal.whenRoom(journal.recordBytes(record(0)), 30_000), true);
    journal.appendRecord(record(5000));
    await journal.close();
    assert.equal((await segmentNames(directory)).length, 1);
  });
});
