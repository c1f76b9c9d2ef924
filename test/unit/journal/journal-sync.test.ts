// Group commit under each sync policy: appends return at once, whenDurable and commit resolve once
// the entries are in the file, every append of a turn shares one commit, and a failed write stops
// the journal with JournalWriteError instead of losing entries silently.
import * as assert from 'node:assert/strict';
import { mkdir, rmdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError } from '../../../src/errors/kafka-error.js';
import { Journal } from '../../../src/journal/journal.js';
import { JournalClosedError, JournalWriteError } from '../../../src/journal/journal-errors.js';
import type { SyncPolicy } from '../../../src/journal/segment-writer.js';
import { freshDirectory, openJournal, record, values } from './journal-fixtures.js';

const FIRST = '00000000000000000000.log';

describe('journal sync policies', { timeout: 60_000 }, () => {
  for (const sync of ['always', 'interval', 'none'] as SyncPolicy[]) {
    it(`${sync}: whenDurable resolves once the entries of the turn are in the file, all in one commit`, async () => {
      const directory = await freshDirectory();
      const journal = await openJournal({ directory, sync, syncIntervalMs: 2 });
      const numbers = Array.from({ length: 200 }, (_, index) => journal.appendRecord(record(index)));
      assert.equal(journal.stats().durableNumber, -1);
      await journal.whenDurable(numbers[0]!);
      // The first record's commit carried every record appended in the same turn.
      assert.equal(journal.stats().durableNumber, numbers[199]);
      assert.equal((await stat(join(directory, FIRST))).size, journal.usedBytes);
      await journal.whenDurable(numbers[10]!);
      const later = journal.appendRecord(record(200));
      await journal.whenDurable(later);
      assert.equal((await stat(join(directory, FIRST))).size, journal.usedBytes);
      await journal.close();
    });
  }

  it('commit() does not wait for the interval', async () => {
    const directory = await freshDirectory();
    const journal = await openJournal({ directory, sync: 'interval', syncIntervalMs: 60_000 });
    const number = journal.appendRecord(record(0));
    await journal.commit();
    assert.equal(journal.stats().durableNumber, number);
    await journal.close();
  });

  it('close() writes what was appended', async () => {
    const directory = await freshDirectory();
    const journal = await openJournal({ directory, sync: 'interval', syncIntervalMs: 60_000 });
    for (let index = 0; index < 3; index++) journal.appendRecord(record(index));
    await journal.close();
    assert.throws(() => journal.appendRecord(record(3)), JournalClosedError);
    const reopened = await openJournal({ directory });
    assert.deepEqual(values(reopened.recovered.unbatched[0]!.records), ['value-0', 'value-1', 'value-2']);
    await reopened.close();
  });

  it('rejects whenDurable for a number not appended', async () => {
    const directory = await freshDirectory();
    const journal = await openJournal({ directory });
    await assert.rejects(journal.whenDurable(0), RangeError);
    journal.appendRecord(record(0));
    await assert.rejects(journal.whenDurable(1), RangeError);
    await journal.whenDurable(0);
    await journal.close();
  });

  it('stops with JournalWriteError when a segment file cannot be created', async () => {
    const directory = await freshDirectory();
    const journal = await openJournal({ directory });
    // A directory where the first segment file goes: creating the file fails.
    await mkdir(join(directory, FIRST));
    const number = journal.appendRecord(record(0));
    await assert.rejects(journal.whenDurable(number), (error: unknown) => error instanceof JournalWriteError && error.code === 'JOURNAL_WRITE_FAILED' && /EEXIST/.test(error.message));
    assert.throws(() => journal.appendRecord(record(1)), JournalWriteError);
    await assert.rejects(journal.commit(), JournalWriteError);
    assert.equal(await journal.whenRoom(10, 30_000), false);
    await assert.rejects(journal.close(), JournalWriteError);
    // The lock was released by close(): the directory opens again once the obstacle is gone.
    await rmdir(join(directory, FIRST));
    const reopened = await openJournal({ directory });
    assert.deepEqual(reopened.recovered.unbatched, []);
    await reopened.close();
  });

  it('refuses bad options, naming them', async () => {
    const directory = await freshDirectory();
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ directory: '' }, /journal\.directory/],
      [{ directory, sync: 'sometimes' }, /journal\.sync.*'always', 'interval', 'none'/],
      [{ directory, syncIntervalMs: 0 }, /journal\.syncIntervalMs/],
      [{ directory, segmentBytes: 10 }, /journal\.segmentBytes/],
      [{ directory, segmentBytes: 8192, maxBytes: 4096 }, /journal\.maxBytes.*at least journal\.segmentBytes/],
      [{ directory, maxAge: 5 }, /journal\.maxAge.*unknown option/],
    ];
    for (const [options, message] of cases) {
      await assert.rejects(Journal.open(options as never), (error: unknown) => error instanceof ConfigError && message.test(error.message), JSON.stringify(options));
    }
  });
});
