// This package, both ways users send: one send() per record (a bounded window of outstanding
// promises), and send({ topic, messages }) with 1,000 records per call; and one send() per record
// with the default options for the timed workloads (L, O, S).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Producer, type ProducerJournalOptions } from '../../src/index.js';
import { markBeforeClient } from '../rss-baseline.js';
import { SendWindow } from '../send-window.js';
import type { RecordSender } from '../timed.js';
import { makeData, type Workload } from '../workloads.js';

/**
 * Records outstanding at most: enough to keep every partition's pipeline full (throughput times
 * round trip is a few thousand records), well below what bufferMemory admits.
 */
const WINDOW_RECORDS = 20_000;

/** With `--journal` (run.ts sets these): the journal option, in a directory of its own. */
function journalOption(): ProducerJournalOptions | undefined {
  const parent = process.env.BENCH_JOURNAL_DIRECTORY;
  if (parent === undefined) return undefined;
  return { directory: mkdtempSync(join(parent, 'ours-')), sync: (process.env.BENCH_JOURNAL_SYNC ?? 'always') as ProducerJournalOptions['sync'] };
}

/** Bytes this process had the kernel write to storage (Linux), for the journal's disk cost. */
function storageBytesWritten(): number | undefined {
  try {
    const line = readFileSync('/proc/self/io', 'utf8')
      .split('\n')
      .find((entry) => entry.startsWith('write_bytes:'));
    return line === undefined ? undefined : Number(line.slice('write_bytes:'.length));
  } catch {
    return undefined;
  }
}

/** `topics`: record i (per record) or call c (1,000 per call) goes to topics[i or c mod topics.length]. */
export async function runOurs(mode: 'records' | 'batches', bootstrap: string, topics: readonly string[], workload: Workload): Promise<void> {
  markBeforeClient();
  const journal = journalOption();
  const writtenBefore = journal ? storageBytesWritten() : undefined;
  const producer = new Producer({ bootstrapServers: bootstrap, compression: workload.compression, clientId: 'bench', ...(journal ? { journal } : {}) });
  await producer.connect();
  const { keys, value } = makeData(workload);
  await producer.send({ topic: topics[0]!, key: keys[0]!, value });
  const total = workload.records - 1;
  const topicCount = topics.length;
  if (mode === 'records') {
    const window = new SendWindow(WINDOW_RECORDS);
    for (let index = 0; index < total; index++) {
      window.track(producer.send({ topic: topics[index % topicCount]!, key: keys[index & 1023]!, value }));
      if (window.full) await window.admit();
    }
    await window.drain();
  } else {
    const window = new SendWindow(WINDOW_RECORDS / 1000);
    for (let index = 0, call = 0; index < total; index += 1000, call++) {
      const messages = [];
      for (let offset = index; offset < Math.min(total, index + 1000); offset++) messages.push({ key: keys[offset & 1023]!, value });
      window.track(producer.send({ topic: topics[call % topicCount]!, messages }));
      if (window.full) await window.admit();
    }
    await window.drain();
  }
  await producer.close();
  if (journal) {
    const written = storageBytesWritten();
    if (written !== undefined && writtenBefore !== undefined) {
      process.stderr.write(`ours (${mode}) with the journal: ${written - writtenBefore} bytes written to storage, ${((written - writtenBefore) / workload.records).toFixed(1)} per record\n`);
    }
    rmSync(journal.directory, { recursive: true, force: true });
  }
}

/** One record per send(), every option at its default (lingerMs 5, bufferMemory 32 MiB), for L, O and S. */
export async function oursRecordSender(bootstrap: string, topic: string): Promise<RecordSender> {
  markBeforeClient();
  const producer = new Producer({ bootstrapServers: bootstrap, clientId: 'bench' });
  await producer.connect();
  return {
    lingerMs: 5,
    send: (key, value) => producer.send({ topic, key, value }),
    close: () => producer.close(),
  };
}
