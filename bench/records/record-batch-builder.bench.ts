// Cost per record of building batches the way the accumulator does: check room, append, then build
// and stamp each 16 KiB batch (ns/record for 100-byte values); and the cost of stamping one batch
// against recomputing its CRC. Run: node .build/bench/records/record-batch-builder.bench.js
import { crc32c, crc32cReady } from '../../src/records/crc32c.js';
import { crc32cSoftware } from '../../src/records/crc32c-software.js';
import { RecordBatchBuilder } from '../../src/records/record-batch-builder.js';
import { stampRecordBatch } from '../../src/records/record-batch-stamp.js';
import type { RecordData, RecordHeaderList } from '../../src/records/record-encoding.js';
import { printTable, timePerCall } from './bench-support.js';

const BATCH_SIZE = 16 * 1024;
const RECORDS_PER_RUN = 10_000;

interface Scenario {
  name: string;
  /** Append with appendSized's limit (one sizing) instead of sizeAfterAppend then append (two). */
  oneSizing?: boolean;
  key: (index: number) => RecordData;
  value: (index: number) => RecordData;
  headers: RecordHeaderList | undefined;
}

const bufferValue = Buffer.alloc(100, 'x');
const stringValue = 'v'.repeat(100);
const unicodeValue = 'välue ✓ '.repeat(10).slice(0, 80);
const keys = Array.from({ length: 1000 }, (_, index) => `key-${index}`);
const bufferKeys = keys.map((key) => Buffer.from(key));
const headers: RecordHeaderList = [
  ['source', Buffer.from('web')],
  ['trace-id', Buffer.from('0123456789abcdef')],
];

const scenarios: Scenario[] = [
  { name: 'Buffer key, 100 B Buffer value', key: (index) => bufferKeys[index % 1000]!, value: () => bufferValue, headers: undefined },
  { name: 'string key, 100 B string value', key: (index) => keys[index % 1000]!, value: () => stringValue, headers: undefined },
  { name: 'string key, non-ASCII string value', key: (index) => keys[index % 1000]!, value: () => unicodeValue, headers: undefined },
  { name: 'null key, 100 B Buffer value', key: () => null, value: () => bufferValue, headers: undefined },
  { name: 'string key, Buffer value, 2 headers', key: (index) => keys[index % 1000]!, value: () => bufferValue, headers },
  { name: 'the same sized once (appendSized)', key: (index) => keys[index % 1000]!, value: () => bufferValue, headers, oneSizing: true },
];

// A key's or value's byte length; `none` for null (0 for sizing, -1 for appendSized).
function sizeOf(data: RecordData, none = 0): number {
  if (data === null) return none;
  return typeof data === 'string' ? Buffer.byteLength(data) : data.length;
}

function run(scenario: Scenario): void {
  const timestamp = 1_700_000_000_000;
  let builder = new RecordBatchBuilder({ initialCapacity: BATCH_SIZE });
  let sequence = 0;
  for (let index = 0; index < RECORDS_PER_RUN; index++) {
    const key = scenario.key(index);
    const value = scenario.value(index);
    if (scenario.oneSizing) {
      if (builder.appendSized(BATCH_SIZE, timestamp + index, key, sizeOf(key, -1), value, sizeOf(value, -1), scenario.headers) >= 0) continue;
    } else if (builder.recordCount === 0 || builder.sizeAfterAppend(timestamp + index, sizeOf(key), sizeOf(value), scenario.headers) <= BATCH_SIZE) {
      builder.append(timestamp + index, key, value, scenario.headers);
      continue;
    }
    // The batch is full: build and stamp it as the sender would, and start the next one.
    stampRecordBatch(builder.build(), { producerId: 1n, producerEpoch: 0, baseSequence: sequence, transactional: false });
    sequence += builder.recordCount;
    builder = new RecordBatchBuilder({ initialCapacity: BATCH_SIZE });
    builder.append(timestamp + index, key, value, scenario.headers);
  }
  stampRecordBatch(builder.build(), { producerId: 1n, producerEpoch: 0, baseSequence: sequence, transactional: false });
}

async function main(): Promise<void> {
  const crc = await crc32cReady;
  const rows: string[][] = [];
  for (const scenario of scenarios) {
    const nanosecondsPerRecord = (await timePerCall(() => run(scenario), 1000)) / RECORDS_PER_RUN;
    rows.push([scenario.name, nanosecondsPerRecord.toFixed(0), (1e9 / nanosecondsPerRecord / 1e6).toFixed(2)]);
  }
  console.log(`Building 16 KiB batches (room check, append, build, stamp), Node ${process.version}, CRC-32C: ${crc}`);
  printTable(['records', 'ns/record', 'million records/s'], rows);

  const stampRows: string[][] = [];
  for (const size of [16 * 1024, 1024 * 1024]) {
    const builder = new RecordBatchBuilder({ initialCapacity: size });
    while (builder.sizeInBytes < size - 200) builder.append(1_700_000_000_000, null, bufferValue);
    const batch = builder.build();
    let epoch = 0;
    const stamp = await timePerCall(() => stampRecordBatch(batch, { producerId: 5n, producerEpoch: epoch++ & 0x7fff, baseSequence: 0, transactional: false }));
    const native = await timePerCall(() => crc32c(batch.subarray(21)));
    const software = await timePerCall(() => crc32cSoftware(batch.subarray(21)));
    stampRows.push([`${size / 1024} KiB`, stamp.toFixed(0), native.toFixed(0), software.toFixed(0)]);
  }
  console.log('\nStamping one batch (CRC updated from the header change) vs recomputing its CRC, ns');
  printTable(['batch', 'stampRecordBatch', `full CRC (${crc})`, 'full CRC (javascript)'], stampRows);
}

await main();
