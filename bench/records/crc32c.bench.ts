// CRC-32C throughput (MB/s) on 1 KiB, 16 KiB and 1 MiB: the JavaScript slicing-by-16 of src, a
// slicing-by-8 and a byte-at-a-time variant for comparison, the native @node-rs/crc32, and other
// packages when installed. Run: node .build/bench/records/crc32c.bench.js
import { crc32cSoftware } from '../../src/records/crc32c-software.js';
import { megabytesPerSecond, optionalPackage, printTable, randomData, timePerCall } from './bench-support.js';

const POLYNOMIAL = 0x82f63b78;
const TABLES_8 = new Int32Array(256 * 8);
for (let byte = 0; byte < 256; byte++) {
  let crc = byte;
  for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ POLYNOMIAL : crc >>> 1;
  TABLES_8[byte] = crc;
}
for (let byte = 0; byte < 256; byte++) {
  for (let slice = 1; slice < 8; slice++) {
    const previous = TABLES_8[(slice - 1) * 256 + byte]!;
    TABLES_8[slice * 256 + byte] = (previous >>> 8) ^ TABLES_8[previous & 0xff]!;
  }
}

function crc32cBytewise(data: Uint8Array): number {
  let crc = -1;
  for (let index = 0; index < data.length; index++) crc = TABLES_8[(crc ^ data[index]!) & 0xff]! ^ (crc >>> 8);
  return ~crc >>> 0;
}

function crc32cSlicingBy8(data: Uint8Array): number {
  const table = TABLES_8;
  const blockEnd = data.length - (data.length & 7);
  let crc = -1;
  let index = 0;
  for (; index < blockEnd; index += 8) {
    const first = (data[index]! | (data[index + 1]! << 8) | (data[index + 2]! << 16) | (data[index + 3]! << 24)) ^ crc;
    crc =
      table[1792 + (first & 0xff)]! ^
      table[1536 + ((first >>> 8) & 0xff)]! ^
      table[1280 + ((first >>> 16) & 0xff)]! ^
      table[1024 + (first >>> 24)]! ^
      table[768 + data[index + 4]!]! ^
      table[512 + data[index + 5]!]! ^
      table[256 + data[index + 6]!]! ^
      table[data[index + 7]!]!;
  }
  for (; index < data.length; index++) crc = table[(crc ^ data[index]!) & 0xff]! ^ (crc >>> 8);
  return ~crc >>> 0;
}

async function main(): Promise<void> {
  const implementations: [string, (data: Buffer) => number][] = [
    ['javascript slicing-by-16 (src)', (data) => crc32cSoftware(data)],
    ['javascript slicing-by-8', crc32cSlicingBy8],
    ['javascript byte at a time', crc32cBytewise],
  ];
  const nodeRs = await optionalPackage('@node-rs/crc32');
  if (nodeRs) implementations.push(['@node-rs/crc32 (napi, SSE4.2)', nodeRs['crc32c'] as (data: Buffer) => number]);
  const fastCrc = await optionalPackage('fast-crc32c');
  if (fastCrc) implementations.push(['fast-crc32c', fastCrc['calculate'] as (data: Buffer) => number]);
  const aws = await optionalPackage('@aws-crypto/crc32c');
  if (aws) implementations.push(['@aws-crypto/crc32c', aws['crc32c'] as (data: Buffer) => number]);

  const check = Buffer.from('123456789');
  for (const [name, crc] of implementations) {
    if (crc(check) !== 0xe3069283) throw new Error(`${name} gives a wrong CRC-32C`);
  }
  const sizes = [1024, 16 * 1024, 1024 * 1024];
  const rows: string[][] = [];
  for (const [name, crc] of implementations) {
    const row = [name];
    for (const size of sizes) {
      const data = randomData(size);
      row.push(megabytesPerSecond(size, await timePerCall(() => crc(data))).toFixed(0));
    }
    rows.push(row);
  }
  console.log(`CRC-32C throughput in MB/s, Node ${process.version}, ${process.arch}`);
  printTable(['implementation', '1 KiB', '16 KiB', '1 MiB'], rows);
}

await main();
