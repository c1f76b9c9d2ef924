// Compression levels on a full batch (batchSize, 256 KiB) of W3's records (16 B keys, 100 B values
// of one repeated byte, as bench/workloads.ts makes them) and of records with record-like JSON
// values of the same size: compression ratio, and compress / decompress MB/s of uncompressed bytes
// per level, each codec called the way the producer calls it for a batch of that size (on the
// calling thread or the thread pool, by the codec's synchronousLimit), one call at a time. Each
// cell is the median of --runs runs (default 3); every run measures every row once, so that a load
// spike on this shared machine lands on different rows in different runs.
// Run: npm run bench:compression-levels [-- --runs N]
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { hasBuiltInZstd } from '../src/records/codecs/zstd.js';
import { type CompressionCodec, compressWith, decompressWith, resolveCodec } from '../src/records/index.js';
import { RecordBatchBuilder } from '../src/records/record-batch-builder.js';
import { megabytesPerSecond, printTable, timePerCall } from './records/bench-support.js';
import { makeData, workloads } from './workloads.js';

const BATCH_SIZE = 262_144;

type Leveled = 'gzip' | 'lz4' | 'zstd';

// gzip: -1 is zlib's default (6). lz4: lz4-napi has LZ4's fast mode only, Java's default level 9.
// zstd: a spread from the fast negative levels to the slowest.
const levels: Readonly<Record<Leveled, readonly number[]>> = {
  gzip: [1, 3, -1, 9],
  lz4: [9],
  zstd: [-7, -3, -1, 1, 3, 6, 9, 12, 19, 22],
};

/** The records section of one batch of up to BATCH_SIZE bytes, with `value(index)` per record. */
function batchOf(value: (index: number) => Buffer): Buffer {
  const { keys } = makeData(workloads.W3!);
  const builder = new RecordBatchBuilder();
  for (let index = 0; ; index++) {
    const next = value(index);
    if (builder.sizeAfterAppend(1_700_000_000_000 + index, keys[index % keys.length]!.length, next.length) > BATCH_SIZE) break;
    builder.append(1_700_000_000_000 + index, keys[index % keys.length]!, next);
  }
  return builder.recordsSection();
}

/** A 100-byte JSON value resembling an order event. */
function jsonValue(index: number): Buffer {
  const text = `{"orderId":${100_000 + ((index * 7919) % 90_001)},"customer":"c-${(index * 104_729) % 50_000}","total":${(index * 37) % 10_000}.${index % 100},"status":"${['new', 'paid', 'shipped', 'returned'][index % 4]}"}`;
  return Buffer.from(text.padEnd(100, ' ').slice(0, 100));
}

async function measure(codec: CompressionCodec, data: Buffer): Promise<{ ratio: number; compress: number; decompress: number }> {
  const compressed = await compressWith(codec, data);
  if (!(await decompressWith(codec, compressed)).equals(data)) throw new Error('the codec does not round-trip');
  const compressTime = await timePerCall(() => compressWith(codec, data), 300);
  const decompressTime = await timePerCall(() => decompressWith(codec, compressed), 300);
  return { ratio: data.length / compressed.length, compress: megabytesPerSecond(data.length, compressTime), decompress: megabytesPerSecond(data.length, decompressTime) };
}

function levelName(compression: Leveled, level: number): string {
  if (compression === 'gzip' && level === -1) return '-1 (zlib default, 6)';
  if (compression === 'lz4') return '9 (default, fast mode)';
  return compression === 'zstd' && level === 3 ? '3 (default)' : String(level);
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

// Slow levels compress at a few MB/s: one decimal there, none above.
function speed(megabytes: number): string {
  return megabytes < 10 ? megabytes.toFixed(1) : megabytes.toFixed(0);
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' } } });
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1 || runs > 20) throw new Error(`--runs expects 1 to 20, got ${values.runs}`);
  const datasets = [
    { name: 'W3 records', data: batchOf(() => makeData(workloads.W3!).value) },
    { name: 'JSON records', data: batchOf(jsonValue) },
  ];
  const implementation: Record<Leveled, string> = {
    gzip: 'node:zlib',
    lz4: 'lz4-napi',
    zstd: hasBuiltInZstd() ? 'node:zlib' : '@mongodb-js/zstd',
  };
  const cases = (['gzip', 'lz4', 'zstd'] as const).flatMap((compression) => levels[compression].map((level) => ({ compression, level })));
  // samples[case][dataset] holds one measurement per run.
  const samples = cases.map(() => datasets.map(() => [] as { ratio: number; compress: number; decompress: number }[]));
  for (let run = 0; run < runs; run++) {
    for (const [index, { compression, level }] of cases.entries()) {
      const codec = await resolveCodec(compression, undefined, level);
      for (const [set, { data }] of datasets.entries()) samples[index]![set]!.push(await measure(codec, data));
    }
  }
  const rows = cases.map(({ compression, level }, index) => {
    const row = [`${compression} (${implementation[compression]})`, levelName(compression, level)];
    for (const results of samples[index]!) {
      row.push(median(results.map((result) => result.ratio)).toFixed(1));
      row.push(speed(median(results.map((result) => result.compress))), speed(median(results.map((result) => result.decompress))));
    }
    return row;
  });
  const [w3, json] = datasets;
  console.log(`Compression levels on one ${BATCH_SIZE / 1024} KiB batch: ${w3!.name} (${w3!.data.length} B records section), ${json!.name} (${json!.data.length} B)`);
  console.log(
    `Node ${process.version}, ${process.arch}, load average ${loadavg().map((load) => load.toFixed(2)).join(' ')} at the end; MB/s of uncompressed bytes, one call at a time, median of ${runs} run(s)`,
  );
  printTable(
    ['codec', 'level', 'W3 ratio', 'W3 compress MB/s', 'W3 decompress MB/s', 'JSON ratio', 'JSON compress MB/s', 'JSON decompress MB/s'],
    rows,
  );
}

await main();
