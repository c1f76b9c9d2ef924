// Compression codecs on 1 KiB, 16 KiB and 1 MiB of record-like JSON: MB/s and ratio of the built-in
// codecs (synchronous and thread-pool paths) and of alternative packages when installed (compared,
// not used). Run: node .build/bench/records/codecs.bench.js
import { createGzipCodec } from '../../src/records/codecs/gzip.js';
import { loadLz4Codec } from '../../src/records/codecs/lz4.js';
import { loadSnappyCodec } from '../../src/records/codecs/snappy.js';
import { hasBuiltInZstd, loadZstdCodec } from '../../src/records/codecs/zstd.js';
import { megabytesPerSecond, optionalPackage, printTable, sampleRecordData, timePerCall } from './bench-support.js';

interface Candidate {
  name: string;
  compress: (data: Buffer) => Uint8Array | Promise<Uint8Array>;
  decompress: (data: Buffer) => Uint8Array | Promise<Uint8Array>;
}

type BytesFunction = (data: Uint8Array, ...rest: unknown[]) => Uint8Array;

async function candidates(): Promise<Candidate[]> {
  const list: Candidate[] = [];
  const gzip = createGzipCodec();
  list.push({ name: 'gzip: node:zlib sync (used <= 32 KiB)', compress: gzip.compressSync, decompress: gzip.decompressSync });
  list.push({ name: 'gzip: node:zlib async (used > 32 KiB)', compress: (data) => gzip.compress({ buffer: data }), decompress: gzip.decompress });
  const gzipFast = createGzipCodec({ level: 1 });
  list.push({ name: 'gzip: node:zlib sync, level 1', compress: gzipFast.compressSync, decompress: gzipFast.decompressSync });

  const snappy = await loadSnappyCodec();
  list.push({ name: 'snappy: snappy (napi) sync, xerial', compress: snappy.compressSync, decompress: snappy.decompressSync });
  list.push({ name: 'snappy: snappy (napi) async, xerial', compress: (data) => snappy.compress({ buffer: data }), decompress: snappy.decompress });
  const snappyjs = await optionalPackage('snappyjs');
  if (snappyjs) {
    list.push({ name: 'snappy: snappyjs (pure JS), raw', compress: snappyjs['compress'] as BytesFunction, decompress: snappyjs['uncompress'] as BytesFunction });
  }

  const lz4 = await loadLz4Codec();
  list.push({ name: 'lz4: lz4-napi sync, frame', compress: lz4.compressSync, decompress: lz4.decompressSync });
  list.push({ name: 'lz4: lz4-napi async, frame', compress: (data) => lz4.compress({ buffer: data }), decompress: lz4.decompress });
  const lz4js = await optionalPackage('lz4js');
  if (lz4js) list.push({ name: 'lz4: lz4js (pure JS), frame', compress: lz4js['compress'] as BytesFunction, decompress: lz4js['decompress'] as BytesFunction });

  const zstd = await loadZstdCodec();
  list.push({
    name: `zstd: ${hasBuiltInZstd() ? 'node:zlib' : '@mongodb-js/zstd (napi, async only)'}, level 3`,
    compress: (data) => zstd.compress({ buffer: data }),
    decompress: zstd.decompress,
  });
  const wasm = await optionalPackage('@bokuweb/zstd-wasm');
  if (wasm) {
    await (wasm['init'] as () => Promise<void>)();
    const compress = wasm['compress'] as BytesFunction;
    list.push({ name: 'zstd: @bokuweb/zstd-wasm sync, level 3', compress: (data) => compress(data, 3), decompress: wasm['decompress'] as BytesFunction });
  }
  const zstdCodec = await optionalPackage('zstd-codec');
  if (zstdCodec) {
    const simple = await new Promise<{ compress: BytesFunction; decompress: BytesFunction }>((resolve) =>
      (zstdCodec['ZstdCodec'] as { run: (ready: (binding: { Simple: new () => { compress: BytesFunction; decompress: BytesFunction } }) => void) => void }).run(
        (binding) => resolve(new binding.Simple()),
      ),
    );
    list.push({ name: 'zstd: zstd-codec (emscripten) sync, level 3', compress: (data) => simple.compress(data, 3), decompress: (data) => simple.decompress(data) });
  }
  const fzstd = await optionalPackage('fzstd');
  if (fzstd) {
    list.push({ name: 'zstd: fzstd (pure JS, decompress only)', compress: (data) => zstd.compress({ buffer: data }), decompress: fzstd['decompress'] as BytesFunction });
  }
  return list;
}

async function main(): Promise<void> {
  const sizes = [1024, 16 * 1024, 1024 * 1024];
  const rows: string[][] = [];
  for (const candidate of await candidates()) {
    const row = [candidate.name];
    for (const size of sizes) {
      const data = sampleRecordData(size);
      const compressed = Buffer.from(await candidate.compress(data));
      if (!Buffer.from(await candidate.decompress(compressed)).equals(data)) throw new Error(`${candidate.name} does not round-trip`);
      const compressTime = await timePerCall(() => candidate.compress(data), 400);
      const decompressTime = await timePerCall(() => candidate.decompress(compressed), 400);
      row.push(
        `${megabytesPerSecond(size, compressTime).toFixed(0)} / ${megabytesPerSecond(size, decompressTime).toFixed(0)} / ${(size / compressed.length).toFixed(2)}`,
      );
    }
    rows.push(row);
  }
  console.log(`Compress MB/s / decompress MB/s / ratio, record-like JSON, Node ${process.version}, ${process.arch}`);
  console.log('(async rows: one call at a time, so they include the thread-pool round trip)');
  printTable(['codec: implementation', '1 KiB', '16 KiB', '1 MiB'], rows);
  await synchronousLimits();
}

/** Time to compress on the calling thread vs through the thread pool: where the synchronous limits come from. */
async function synchronousLimits(): Promise<void> {
  const codecs = [
    ['gzip', createGzipCodec()],
    ['lz4', await loadLz4Codec()],
    ['snappy', await loadSnappyCodec()],
  ] as const;
  const rows: string[][] = [];
  for (const size of [4, 16, 32, 64, 128, 256]) {
    const data = sampleRecordData(size * 1024);
    const row = [`${size} KiB`];
    for (const [, codec] of codecs) {
      row.push(((await timePerCall(() => codec.compressSync(data), 400)) / 1000).toFixed(0));
      row.push(((await timePerCall(() => codec.compress({ buffer: data }), 400)) / 1000).toFixed(0));
    }
    rows.push(row);
  }
  console.log('\nCompression time in µs, synchronous vs thread pool (one call at a time)');
  printTable(['input', ...codecs.flatMap(([name]) => [`${name} sync`, `${name} async`])], rows);
}

await main();
