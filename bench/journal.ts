// The journal's cost per sync policy: entries/s, bytes per entry and entries per commit (fsync)
// when `--writers` concurrent callers each append a record of `--value-bytes` bytes and wait for it
// to be durable before appending the next, as the sends in flight of a producer would, until
// `--records` records are appended. Workload `records` appends records only; workload `producer`
// also journals a batch entry per 100 records of a partition (8 partitions) and acknowledges it
// once durable, so settled segments are deleted as a producer's journal would be.
// Run: node scripts/build.mjs --with-tests && node .build/bench/journal.js
//        [--records N] [--value-bytes N] [--writers N] [--sync always,interval,none] [--workload records,producer] [--directory DIR]
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Journal } from '../src/journal/journal.js';
import type { SyncPolicy } from '../src/journal/segment-writer.js';

const { values: args } = parseArgs({
  options: {
    records: { type: 'string', default: '1000000' },
    'value-bytes': { type: 'string', default: '100' },
    writers: { type: 'string', default: '1000' },
    sync: { type: 'string', default: 'always,interval,none' },
    workload: { type: 'string', default: 'records,producer' },
    directory: { type: 'string' },
  },
});
const records = Number(args.records);
const valueBytes = Number(args['value-bytes']);
const writers = Number(args.writers);
const PARTITIONS = 8;
const BATCH_RECORDS = 100;

interface Result {
  readonly seconds: number;
  readonly entries: number;
  readonly bytes: number;
  readonly commits: number;
  readonly segmentsLeft: number;
}

async function run(sync: SyncPolicy, workload: string, parent: string): Promise<Result> {
  const directory = await mkdtemp(join(parent, `journal-bench-${sync}-`));
  const journal = await Journal.open({ directory, sync, maxBytes: 4 * 1024 * 1024 * 1024 });
  const value = Buffer.alloc(valueBytes, 0x61);
  const open = Array.from({ length: PARTITIONS }, () => [] as number[]);
  let appended = 0;
  let bytes = 0;
  let commits = 0;
  let lastDurable = -1;
  const seen = (number: number) => {
    const durable = journal.stats().durableNumber;
    if (durable !== lastDurable) {
      commits++;
      lastDurable = durable;
    }
    return number;
  };
  const writer = async () => {
    while (appended < records) {
      const index = appended++;
      const partition = index % PARTITIONS;
      const record = { topic: 'bench', partition, timestamp: 1_700_000_000_000 + index, key: null, value };
      bytes += journal.recordBytes(record);
      const number = journal.appendRecord(record);
      if (workload === 'producer') {
        const batch = open[partition]!;
        batch.push(number);
        if (batch.length === BATCH_RECORDS) {
          open[partition] = [];
          const entry = journal.appendBatch({ topic: 'bench', partition, producerId: 1n, epoch: 0, baseSequence: index, records: batch });
          await journal.whenDurable(entry);
          seen(entry);
          journal.acknowledge(entry, BigInt(index));
          continue;
        }
      }
      await journal.whenDurable(number);
      seen(number);
    }
  };
  const started = process.hrtime.bigint();
  await Promise.all(Array.from({ length: writers }, writer));
  await journal.commit();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const { nextNumber, segments } = journal.stats();
  await journal.close();
  await rm(directory, { recursive: true, force: true });
  return { seconds, entries: nextNumber, bytes, commits, segmentsLeft: segments };
}

const parent = args.directory ?? tmpdir();
console.log(`journal bench: ${records.toLocaleString('en-US')} records of ${valueBytes} B, ${writers} writers, in ${parent}`);
console.log('sync      workload  entries    seconds  entries/s  record bytes/entry  commits  entries/commit  segments left');
for (const workload of args.workload.split(',')) {
  for (const sync of args.sync.split(',') as SyncPolicy[]) {
    const result = await run(sync, workload, parent);
    console.log(
      [
        sync.padEnd(8),
        workload.padEnd(8),
        String(result.entries).padStart(9),
        result.seconds.toFixed(2).padStart(8),
        Math.round(result.entries / result.seconds)
          .toLocaleString('en-US')
          .padStart(10),
        (result.bytes / records).toFixed(1).padStart(19),
        String(result.commits).padStart(8),
        (result.entries / Math.max(1, result.commits)).toFixed(0).padStart(15),
        String(result.segmentsLeft).padStart(14),
      ].join('  '),
    );
  }
}
