// Shared by the journal tests: a fresh directory under the system's temporary directory per test,
// removed afterwards, and small records to append.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { Journal } from '../../../src/journal/journal.js';
import type { JournalRecordInput } from '../../../src/journal/journal-entries.js';
import type { JournalOptions } from '../../../src/journal/journal-options.js';

const directories: string[] = [];
const journals: Journal[] = [];

after(async () => {
  // A test that failed half-way leaves its journal open: close it so that its timers stop.
  for (const journal of journals) await journal.close().catch(() => {});
  for (const directory of directories) await rm(directory, { recursive: true, force: true });
});

/** A new empty directory, removed when the test file ends. */
export async function freshDirectory(): Promise<string> {
  const directory = await mkdtemp(join(tmpdir(), 'kafka-producer-journal-'));
  directories.push(directory);
  return directory;
}

/** Journal.open, remembered so that it is closed when the test file ends. */
export async function openJournal(options: JournalOptions): Promise<Journal> {
  const journal = await Journal.open(options);
  journals.push(journal);
  return journal;
}

/** A record of `topic`-`partition` whose value says its index. */
export function record(index: number, partition = 0, topic = 'orders'): JournalRecordInput {
  return { topic, partition, timestamp: 1_700_000_000_000 + index, key: `k${index}`, value: `value-${index}`, headers: [['index', String(index)]] };
}

/** The segment file names of `directory`, in order. */
export async function segmentNames(directory: string): Promise<string[]> {
  return (await readdir(directory)).filter((name) => name.endsWith('.log')).sort();
}

/** The values of recovered records as strings. */
export function values(records: readonly { readonly value: Buffer | null }[]): string[] {
  return records.map((entry) => entry.value?.toString() ?? 'null');
}

/**
 * Waits until `check()` is true: segment deletion runs after the commit that made it safe, so a
 * test sees it a moment after `commit()` resolves. Bounded: fails after 500 tries (about 5 s).
 */
export async function eventually(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let attempt = 0; attempt < 500; attempt++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`still not true after 500 tries: ${what}`);
}
