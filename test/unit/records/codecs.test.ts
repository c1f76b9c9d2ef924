// Compression codecs: round trips through batches for every codec on both the synchronous and the
// thread-pool path, known vectors (xerial-framed and raw snappy, LZ4 frames with every flag, zstd
// streaming frames, gzip), the frame headers Kafka expects, user codecs and missing packages.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type CompressionCodec, compressWith, isSynchronousCodec, type SynchronousCompressionCodec } from '../../../src/records/codecs/codec.js';
import { loadCodecPackage } from '../../../src/records/codecs/codec-package.js';
import { type CompressedType, resolveCodec } from '../../../src/records/codecs/codec-registry.js';
import { XERIAL_BLOCK_SIZE } from '../../../src/records/codecs/xerial-framing.js';
import { createZlibZstdCodec, hasBuiltInZstd } from '../../../src/records/codecs/zstd.js';
import { CorruptRecordError, UnsupportedCompressionError } from '../../../src/records/errors.js';
import { RecordBatchBuilder } from '../../../src/records/record-batch-builder.js';
import { RECORD_BATCH_OVERHEAD } from '../../../src/records/record-batch-layout.js';
import { readRecordBatches } from '../../../src/records/record-batch-reader.js';

const TIMESTAMP = 1_700_000_000_000;
const CODECS: CompressedType[] = ['gzip', 'snappy', 'lz4', 'zstd'];
const LZ4_TEXT = Buffer.from('kafka lz4 frame kafka lz4 frame kafka lz4 frame kafka lz4 frame!');

/** Deterministic, compressible data resembling JSON record values. */
function sampleData(size: number): Buffer {
  const parts: string[] = [];
  let length = 0;
  for (let index = 0; length < size; index++) {
    const part = `{"orderId":${100_000 + index},"customer":"c-${(index * 7919) % 5000}","status":"${['new', 'paid', 'shipped'][index % 3]}"}`;
    parts.push(part);
    length += part.length;
  }
  return Buffer.from(parts.join('')).subarray(0, size);
}

/** The LZ4 frame header checksum: the second byte of xxHash32 (seed 0) over the descriptor. */
function lz4HeaderChecksum(descriptor: Buffer): number {
  const prime1 = 0x9e3779b1;
  const prime2 = 0x85ebca77;
  const prime3 = 0xc2b2ae3d;
  const prime4 = 0x27d4eb2f;
  const prime5 = 0x165667b1;
  const rotate = (value: number, bits: number) => (value << bits) | (value >>> (32 - bits));
  let hash = (prime5 + descriptor.length) | 0;
  let index = 0;
  for (; index + 4 <= descriptor.length; index += 4) {
    hash = Math.imul(rotate((hash + Math.imul(descriptor.readUInt32LE(index), prime3)) | 0, 17), prime4);
  }
  for (; index < descriptor.length; index++) hash = Math.imul(rotate((hash + Math.imul(descriptor[index]!, prime5)) | 0, 11), prime1);
  hash = Math.imul(hash ^ (hash >>> 15), prime2);
  hash = Math.imul(hash ^ (hash >>> 13), prime3);
  hash ^= hash >>> 16;
  return (hash >>> 8) & 0xff;
}

describe('codecs', () => {
  for (const compression of CODECS) {
    it(`${compression}: batches round-trip, small (synchronous) and large (thread pool)`, async () => {
      const codec = await resolveCodec(compression);
      for (const count of [0, 1, 300, 6000]) {
        const builder = new RecordBatchBuilder();
        for (let index = 0; index < count; index++) {
          builder.append(TIMESTAMP + index, index % 7 ? `key-${index % 50}` : null, index % 11 ? `value ${index} ${'x'.repeat(index % 100)}` : null, index % 3 ? [['h', Buffer.from([index & 0xff])], ['h', null]] : []);
        }
        const uncompressedSize = builder.sizeInBytes;
        const batch = await builder.buildCompressed(compression, codec);
        if (count >= 300) assert.ok(batch.length < uncompressedSize, `${compression} should shrink ${uncompressedSize} bytes`);
        const [read] = await readRecordBatches(batch);
        assert.equal(read!.compression, compression);
        assert.equal(read!.records.length, count);
        if (count > 0) {
          const last = read!.records[count - 1]!;
          assert.equal(last.offset, BigInt(count - 1));
          assert.equal(last.timestamp, TIMESTAMP + count - 1);
          const index = count - 1;
          assert.equal(last.value?.toString() ?? null, index % 11 ? `value ${index} ${'x'.repeat(index % 100)}` : null);
        }
      }
    });

    it(`${compression}: synchronous and asynchronous methods agree`, async () => {
      const codec = await resolveCodec(compression);
      for (const size of [0, 100, 200_000]) {
        const data = sampleData(size);
        const compressed = await codec.compress({ buffer: data });
        assert.deepEqual(await codec.decompress(compressed), data);
        if (isSynchronousCodec(codec)) {
          assert.deepEqual(codec.decompressSync(compressed), data);
          assert.deepEqual(codec.decompressSync(codec.compressSync(data)), data);
          assert.deepEqual(await codec.decompress(codec.compressSync(data)), data);
        }
      }
    });
  }

  it('gzip, snappy and lz4 offer synchronous methods; zstd where node:zlib has it', async () => {
    for (const compression of ['gzip', 'snappy', 'lz4'] as const) assert.ok(isSynchronousCodec(await resolveCodec(compression)));
    assert.equal(isSynchronousCodec(await resolveCodec('zstd')), hasBuiltInZstd());
  });

  describe('snappy', () => {
    it('decompresses a known xerial-framed stream', async () => {
      const snappy = (await resolveCodec('snappy')) as SynchronousCompressionCodec;
      // \x82SNAPPY\0, version 1, compatible version 1, one block of 7 bytes: length 5, literal "hello".
      const framed = Buffer.from('82534e415050590000000001000000010000000705106865 6c6c6f'.replace(/ /g, ''), 'hex');
      assert.equal(snappy.decompressSync(framed).toString(), 'hello');
      assert.equal((await snappy.decompress(framed)).toString(), 'hello');
    });

    it('decompresses raw snappy without the xerial header (as librdkafka may send)', async () => {
      const snappy = (await resolveCodec('snappy')) as SynchronousCompressionCodec;
      // Length 12, literal "abc", then a copy of offset 3 and length 9.
      const raw = Buffer.from('0c086162631503', 'hex');
      assert.equal(snappy.decompressSync(raw).toString(), 'abcabcabcabc');
      assert.equal((await snappy.decompress(raw)).toString(), 'abcabcabcabc');
    });

    it('accepts concatenated xerial streams', async () => {
      const snappy = (await resolveCodec('snappy')) as SynchronousCompressionCodec;
      const first = snappy.compressSync(Buffer.from('first part, '));
      const second = snappy.compressSync(Buffer.from('second part'));
      assert.equal(snappy.decompressSync(Buffer.concat([first, second])).toString(), 'first part, second part');
    });

    it('writes the xerial header and 32 KiB blocks as the Java client does', async () => {
      const snappy = (await resolveCodec('snappy')) as SynchronousCompressionCodec;
      const data = sampleData(XERIAL_BLOCK_SIZE * 2 + 10);
      for (const framed of [snappy.compressSync(data), await snappy.compress({ buffer: data })]) {
        assert.equal(framed.subarray(0, 16).toString('hex'), '82534e41505059000000000100000001');
        let offset = 16;
        let blocks = 0;
        while (offset < framed.length) {
          offset += 4 + framed.readInt32BE(offset);
          blocks++;
        }
        assert.equal(offset, framed.length);
        assert.equal(blocks, 3);
      }
    });

    it('rejects a xerial block length running past the end as corrupt', async () => {
      const snappy = (await resolveCodec('snappy')) as SynchronousCompressionCodec;
      const framed = Buffer.from('82534e41505059000000000100000001000000ff0510', 'hex');
      assert.throws(() => snappy.decompressSync(framed), CorruptRecordError);
    });
  });

  describe('lz4', () => {
    it('writes the frame header Kafka expects: FLG 0x60 (v1, independent blocks), a standard block size, correct header checksum', async () => {
      const lz4 = (await resolveCodec('lz4')) as SynchronousCompressionCodec;
      assert.equal(lz4.compressSync(LZ4_TEXT).subarray(0, 7).toString('hex'), '04224d18604082');
      for (const frame of [lz4.compressSync(sampleData(300_000)), await lz4.compress({ buffer: sampleData(70_000) })]) {
        assert.equal(frame.readUInt32LE(0), 0x184d2204);
        assert.equal(frame[4], 0x60);
        // Block maximum 64 KiB to 4 MiB: sizes every Kafka client's reader accepts.
        assert.ok([0x40, 0x50, 0x60, 0x70].includes(frame[5]!));
        assert.equal(frame[6], lz4HeaderChecksum(frame.subarray(4, 6)));
      }
      assert.equal(lz4HeaderChecksum(Buffer.from('6040', 'hex')), 0x82);
      assert.equal(lz4HeaderChecksum(Buffer.from('7c404000000000000000', 'hex')), 0xfe);
    });

    it('decompresses frames with content size, block and content checksums', async () => {
      const lz4 = (await resolveCodec('lz4')) as SynchronousCompressionCodec;
      // Made by the lz4 command line tool: FLG 0x7c (content size, block checksum, content checksum).
      const checksummed = Buffer.from(
        '04224d187c404000000000000000fe1b000000ff016b61666b61206c7a34206672616d65201000185072616d652152c59cf60000000023636c62',
        'hex',
      );
      // FLG 0x60, BD 0x40: the header the Java client writes.
      const plain = Buffer.from('04224d186040821b000000ff016b61666b61206c7a34206672616d65201000185072616d652100000000', 'hex');
      for (const frame of [checksummed, plain]) {
        assert.deepEqual(lz4.decompressSync(frame), LZ4_TEXT);
        assert.deepEqual(await lz4.decompress(frame), LZ4_TEXT);
      }
    });

    it('rejects a frame whose header checksum is wrong', async () => {
      const lz4 = (await resolveCodec('lz4')) as SynchronousCompressionCodec;
      const frame = Buffer.from('04224d186040831b000000ff016b61666b61206c7a34206672616d65201000185072616d652100000000', 'hex');
      assert.throws(() => lz4.decompressSync(frame));
    });
  });

  it('zstd decompresses a streaming frame without a content size (as the Java client writes)', async () => {
    const zstd = await resolveCodec('zstd');
    const frame = Buffer.from('28b52ffd0458c50000886b61666b61206c7a34206672616d652021010098682e0155e63a37', 'hex');
    assert.deepEqual(await zstd.decompress(frame), LZ4_TEXT);
  });

  it('zstd over node:zlib passes level 3 and wires the sync and callback functions (runtimes >= 22.15)', async () => {
    const seen: object[] = [];
    const wrap = (data: Buffer, options?: object) => {
      if (options) seen.push(options);
      return Buffer.from(data).reverse();
    };
    const codec = createZlibZstdCodec({
      levelParameter: 100,
      compressSync: wrap,
      decompressSync: wrap,
      compress: (data, options, callback) => callback(null, wrap(data, options)),
      decompress: (data, options, callback) => (data.length === 0 ? callback(new Error('empty'), data) : callback(null, wrap(data, options))),
    });
    assert.deepEqual(codec.compressSync(Buffer.from('ab')), Buffer.from('ba'));
    assert.deepEqual(await codec.compress({ buffer: Buffer.from('ab') }), Buffer.from('ba'));
    assert.deepEqual(await codec.decompress(Buffer.from('ba')), Buffer.from('ab'));
    await assert.rejects(codec.decompress(Buffer.alloc(0)), /empty/);
    assert.deepEqual(seen.slice(0, 2), [{ params: { 100: 3 } }, { params: { 100: 3 } }]);
  });

  it('gzip decompresses a stream made by the gzip tool', async () => {
    const gzip = (await resolveCodec('gzip')) as SynchronousCompressionCodec;
    const stream = Buffer.from('1f8b0800000000000003cb4e4ccb4e54c8a93251482b4acc4d55c8268daf080025659aa040000000', 'hex');
    assert.deepEqual(gzip.decompressSync(stream), LZ4_TEXT);
  });

  describe('registry', () => {
    it('uses a user codec object or a KafkaJS-style factory, with the KafkaJS calling convention', async () => {
      const calls: string[] = [];
      const reversing: CompressionCodec = {
        async compress(encoder) {
          calls.push(`compress ${encoder.buffer.length}`);
          return Buffer.from(encoder.buffer).reverse();
        },
        async decompress(buffer) {
          calls.push('decompress');
          return Buffer.from(buffer).reverse();
        },
      };
      for (const provided of [reversing, () => reversing]) {
        const codec = await resolveCodec('lz4', { lz4: provided });
        const builder = new RecordBatchBuilder();
        builder.append(TIMESTAMP, 'k', 'v');
        const size = builder.sizeInBytes;
        const batch = await builder.buildCompressed('lz4', codec);
        assert.equal(batch.length, size);
        const [read] = await readRecordBatches(batch, { codecs: { lz4: provided } });
        assert.equal(read!.records[0]!.value!.toString(), 'v');
      }
      assert.deepEqual(calls, [`compress 9`, 'decompress', `compress 9`, 'decompress']);
    });

    it('accepts a user codec returning a Uint8Array', async () => {
      const identity: CompressionCodec = {
        compress: async (encoder) => new Uint8Array(encoder.buffer) as Buffer,
        decompress: async (buffer) => buffer,
      };
      const compressed = await compressWith(identity, Buffer.from('abc'));
      assert.ok(Buffer.isBuffer(compressed));
      assert.equal(compressed.toString(), 'abc');
    });

    it('rejects an unknown compression type and a codec without compress()', async () => {
      await assert.rejects(resolveCodec('brotli' as CompressedType), UnsupportedCompressionError);
      await assert.rejects(resolveCodec('gzip', { gzip: {} as CompressionCodec }), UnsupportedCompressionError);
    });

    it('names the package to install when an optional codec package is missing', async () => {
      await assert.rejects(loadCodecPackage('lz4', 'kafka-producer-no-such-codec', ['compress']), (error: unknown) => {
        assert.ok(error instanceof UnsupportedCompressionError);
        assert.equal(error.code, 'UNSUPPORTED_COMPRESSION_TYPE');
        assert.equal(
          error.message,
          "lz4 compression needs the optional package 'kafka-producer-no-such-codec': npm install kafka-producer-no-such-codec",
        );
        return true;
      });
      await assert.rejects(loadCodecPackage('snappy', 'snappy', ['noSuchFunction']), /no noSuchFunction\(\) function/);
    });

    it('compresses below the synchronous limit on the calling thread, above it through compress()', async () => {
      const calls: string[] = [];
      const codec: SynchronousCompressionCodec = {
        synchronousLimit: 100,
        compressSync: (buffer) => {
          calls.push('sync');
          return buffer;
        },
        decompressSync: (buffer) => buffer,
        compress: async (encoder) => {
          calls.push('async');
          return encoder.buffer;
        },
        decompress: async (buffer) => buffer,
      };
      await compressWith(codec, Buffer.alloc(100));
      await compressWith(codec, Buffer.alloc(101));
      assert.deepEqual(calls, ['sync', 'async']);
    });
  });

  it('a builder refuses appends while compressing, and can still build uncompressed if compression fails', async () => {
    const failing: CompressionCodec = {
      compress: async () => {
        throw new Error('codec failure');
      },
      decompress: async (buffer) => buffer,
    };
    const builder = new RecordBatchBuilder();
    builder.append(TIMESTAMP, 'k', 'v');
    const pending = builder.buildCompressed('lz4', failing);
    assert.throws(() => builder.append(TIMESTAMP, 'k', 'v'), /after build/);
    await assert.rejects(pending, /codec failure/);
    assert.equal(builder.build().length, RECORD_BATCH_OVERHEAD + 9);
  });
});
