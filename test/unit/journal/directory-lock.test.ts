// One journal per directory: a second one, in this process or another live one, is refused with
// an error naming the directory and the holder's pid; the lock of a process that is gone is taken
// over and logged; closing releases it.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { JournalLockedError } from '../../../src/journal/journal-errors.js';
import { freshDirectory, openJournal, record } from './journal-fixtures.js';

/** The pid of a process that has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', ''], { timeout: 30_000 });
  assert.equal(child.status, 0);
  return child.pid;
}

function recordingLogger() {
  const warnings: string[] = [];
  return { warnings, logger: { warn: (message: string) => warnings.push(message) } };
}

describe('journal directory lock', { timeout: 60_000 }, () => {
  it('refuses a second journal on the same directory, naming the directory and this process', async () => {
    const directory = await freshDirectory();
    const journal = await openJournal({ directory });
    await assert.rejects(openJournal({ directory }), (error: unknown) => {
      assert.ok(error instanceof JournalLockedError);
      assert.equal(error.code, 'JOURNAL_LOCKED');
      assert.equal(error.directory, directory);
      assert.equal(error.pid, process.pid);
      assert.match(error.message, new RegExp(`Journal directory ${directory} is locked by process ${process.pid} \\(this process\\)`));
      return true;
    });
    const lock = JSON.parse(await readFile(join(directory, 'LOCK'), 'utf8')) as { pid: number; host: string; startedAt: string };
    assert.equal(lock.pid, process.pid);
    assert.ok(!Number.isNaN(Date.parse(lock.startedAt)));
    await journal.close();
    assert.deepEqual(await readdir(directory), []);
    const again = await openJournal({ directory });
    await again.close();
  });

  it('takes over the lock of a process that is gone, and logs it', async () => {
    const directory = await freshDirectory();
    const pid = deadPid();
    await writeFile(join(directory, 'LOCK'), JSON.stringify({ pid, host: hostname(), startedAt: '2020-01-01T00:00:00.000Z' }));
    const { warnings, logger } = recordingLogger();
    const journal = await openJournal({ directory, logger });
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, new RegExp(`taking over a stale lock \\(process ${pid} on .*, started 2020-01-01T00:00:00.000Z, is not running\\)`));
    assert.equal((JSON.parse(await readFile(join(directory, 'LOCK'), 'utf8')) as { pid: number }).pid, process.pid);
    journal.appendRecord(record(1));
    await journal.close();
    // No scratch files are left behind.
    assert.deepEqual(await readdir(directory), ['00000000000000000000.log']);
  });

  it('takes over a lock file it cannot read as a lock', async () => {
    const directory = await freshDirectory();
    await writeFile(join(directory, 'LOCK'), 'garbage');
    const { warnings, logger } = recordingLogger();
    const journal = await openJournal({ directory, logger });
    assert.match(warnings[0]!, /not a lock this package wrote/);
    await journal.close();
  });

  it('counts a lock of another host as held, since its process cannot be checked', async () => {
    const directory = await freshDirectory();
    await writeFile(join(directory, 'LOCK'), JSON.stringify({ pid: deadPid(), host: `not-${hostname()}`, startedAt: '2020-01-01T00:00:00.000Z' }));
    await assert.rejects(openJournal({ directory }), (error: unknown) => error instanceof JournalLockedError && /on host not-/.test(error.message));
  });
});
