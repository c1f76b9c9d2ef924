// Reading records blobs: several batches, a last batch cut short, CRC failures, unsupported formats,
// and fuzzing: whatever the bytes, reading returns or throws one of the records layer's typed errors.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { resolveCodec } from '../../../src/records/codecs/codec-registry.js';
import { crc32c } from '../../../src/records/crc32c.js';
import { CorruptRecordError, UnsupportedCompressionError, UnsupportedRecordFormatError } from '../../../src/records/errors.js';
import { RecordBatchBuilder } from '../../../src/records/record-batch-builder.js';
import { readBatchHeader } from '../../../src/records/record-batch-header.js';
import { type CompressionType, RECORD_BATCH_OVERHEAD } from '../../../src/records/record-batch-layout.js';
import { readBatchHeaders, readRecordBatches, readRecordBatchesSync } from '../../../src/records/record-batch-reader.js';
import { assignBaseOffset, stampRecordBatch } from '../../../src/records/record-batch-stamp.js';

const TIMESTAMP = 1_700_000_000_000;

function buildBatch(baseOffset: bigint, count: number): Buffer {
  const builder = new RecordBatchBuilder();
  for (let index = 0; index < count; index++) builder.append(TIMESTAMP + index, `k${index}`, `value ${index}`, index % 2 ? [['h', null]] : undefined);
  const batch = builder.build();
  stampRecordBatch(batch, { producerId: 9n, producerEpoch: 1, baseSequence: Number(baseOffset), transactional: false });
  assignBaseOffset(batch, baseOffset, 3);
  return batch;
}

/** Recomputes the CRC so a mutation gets past the CRC check and reaches the record decoder. */
function fixCrc(batch: Buffer): Buffer {
  batch.writeUInt32BE(crc32c(batch.subarray(21)), 17);
  return batch;
}

function isTypedError(error: unknown): boolean {
  return error instanceof CorruptRecordError || error instanceof UnsupportedRecordFormatError || error instanceof UnsupportedCompressionError;
}

const THREE_BATCHES = Buffer.concat([buildBatch(0n, 3), buildBatch(3n, 1), buildBatch(4n, 5)]);

describe('readRecordBatches', () => {
  it('reads concatenated batches with absolute offsets', () => {
    const batches = readRecordBatchesSync(THREE_BATCHES);
    assert.deepEqual(
      batches.map((batch) => batch.records.map((record) => record.offset)),
      [[0n, 1n, 2n], [3n], [4n, 5n, 6n, 7n, 8n]],
    );
    assert.deepEqual(
      batches.map((batch) => batch.baseSequence),
      [0, 3, 4],
    );
    assert.equal(batches[2]!.records[3]!.key!.toString(), 'k3');
    assert.deepEqual(batches[2]!.records[3]!.headers, [['h', null]]);
  });

  it('skips a last batch cut short at any point, and rejects it when strict', () => {
    const firstTwo = readRecordBatchesSync(THREE_BATCHES.subarray(0, buildBatch(0n, 3).length + buildBatch(3n, 1).length));
    const boundary = firstTwo.reduce((size, batch) => size + batch.sizeInBytes, 0);
    for (let end = boundary + 1; end < THREE_BATCHES.length; end++) {
      const blob = THREE_BATCHES.subarray(0, end);
      assert.equal(readRecordBatchesSync(blob).length, 2, `cut at ${end}`);
      assert.throws(() => readRecordBatchesSync(blob, { strict: true }), CorruptRecordError, `cut at ${end}`);
    }
    assert.equal(readRecordBatchesSync(THREE_BATCHES.subarray(0, boundary), { strict: true }).length, 2);
    assert.deepEqual(readRecordBatchesSync(Buffer.alloc(0)), []);
  });

  it('raises CorruptRecordError for any flipped bit the CRC covers', () => {
    const batch = buildBatch(0n, 2);
    for (let position = 17; position < batch.length; position++) {
      const corrupt = Buffer.from(batch);
      corrupt[position]! ^= 0x01;
      assert.throws(() => readRecordBatchesSync(corrupt), CorruptRecordError, `byte ${position}`);
    }
  });

  it('names the stored and computed CRC in the error', () => {
    const corrupt = buildBatch(0n, 1);
    corrupt[corrupt.length - 1]! ^= 0xff;
    assert.throws(() => readRecordBatchesSync(corrupt), (error: unknown) => {
      assert.ok(error instanceof CorruptRecordError);
      assert.equal(error.code, 'CORRUPT_RECORD');
      assert.match(error.message, /stored CRC 0x[0-9a-f]{8}, computed 0x[0-9a-f]{8}/);
      return true;
    });
  });

  it('raises UnsupportedRecordFormatError for magic 0 and 1 message sets', () => {
    for (const magic of [0, 1]) {
      const batch = buildBatch(0n, 1);
      batch[16] = magic;
      assert.throws(() => readRecordBatchesSync(batch), (error: unknown) => error instanceof UnsupportedRecordFormatError && error.magic === magic);
    }
  });

  it('raises UnsupportedCompressionError for compression types 5 to 7', () => {
    const batch = buildBatch(0n, 1);
    batch.writeInt16BE(5, 21);
    assert.throws(() => readRecordBatchesSync(fixCrc(batch)), UnsupportedCompressionError);
  });

  it('raises CorruptRecordError when the record count disagrees with the records', () => {
    for (const count of [0, 1, 3, 0x7fffffff, -1]) {
      const batch = buildBatch(0n, 2);
      batch.writeInt32BE(count, 57);
      assert.throws(() => readRecordBatchesSync(fixCrc(batch)), CorruptRecordError, `count ${count}`);
    }
  });

  it('readBatchHeaders lists every batch with its position, verifying CRCs, without decoding records', () => {
    const locations = readBatchHeaders(THREE_BATCHES);
    assert.deepEqual(
      locations.map(({ header, position }) => [position, header.baseOffset, header.recordCount]),
      [
        [0, 0n, 3],
        [locations[1]!.position, 3n, 1],
        [locations[2]!.position, 4n, 5],
      ],
    );
    assert.equal(locations[1]!.position, locations[0]!.header.sizeInBytes);
    assert.equal(locations[2]!.position + locations[2]!.header.sizeInBytes, THREE_BATCHES.length);
    const corrupt = Buffer.from(THREE_BATCHES);
    corrupt[corrupt.length - 1]! ^= 1;
    assert.throws(() => readBatchHeaders(corrupt), CorruptRecordError);
    assert.equal(readBatchHeaders(corrupt, { verifyCrc: false }).length, 3);
    assert.throws(() => readBatchHeaders(THREE_BATCHES.subarray(0, THREE_BATCHES.length - 1), { strict: true }), CorruptRecordError);
  });

  it('readBatchHeader parses the 61 header bytes alone', () => {
    const header = readBatchHeader(THREE_BATCHES.subarray(0, RECORD_BATCH_OVERHEAD));
    assert.equal(header.recordCount, 3);
    assert.equal(header.producerId, 9n);
    assert.equal(header.partitionLeaderEpoch, 3);
    assert.equal(header.sizeInBytes, buildBatch(0n, 3).length);
    assert.throws(() => readBatchHeader(THREE_BATCHES.subarray(0, 60)), CorruptRecordError);
    assert.throws(() => readBatchHeader(THREE_BATCHES.subarray(0, RECORD_BATCH_OVERHEAD), 0, { verifyCrc: true }), CorruptRecordError);
  });

  it('fuzz: random bytes never raise anything but typed errors', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), fc.boolean(), (bytes, verifyCrc) => {
        try {
          readRecordBatchesSync(Buffer.from(bytes), { verifyCrc });
        } catch (error) {
          assert.ok(isTypedError(error), String(error));
        }
      }),
      { numRuns: 2000, seed: 42 },
    );
  });

  it('fuzz: a valid header over random records, with a matching CRC, never raises anything but typed errors', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.integer({ min: 0, max: 40 }), (records, count) => {
        const batch = Buffer.concat([buildBatch(0n, 0), Buffer.from(records)]);
        batch.writeInt32BE(batch.length - 12, 8);
        batch.writeInt32BE(count, 57);
        try {
          readRecordBatchesSync(fixCrc(batch));
        } catch (error) {
          assert.ok(isTypedError(error), String(error));
        }
      }),
      { numRuns: 2000, seed: 43 },
    );
  });

  it('fuzz: mutating bytes of valid batches never raises anything but typed errors', () => {
    const source = Buffer.concat([buildBatch(0n, 4), buildBatch(4n, 2)]);
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }), fc.boolean(), (mutations, recomputeCrc) => {
        const batch = Buffer.from(source);
        for (const [position, value] of mutations) batch[position % batch.length] = value;
        if (recomputeCrc && batch.length >= RECORD_BATCH_OVERHEAD) fixCrc(batch.subarray(0, Math.min(batch.length, buildBatch(0n, 4).length)));
        try {
          readRecordBatchesSync(batch);
        } catch (error) {
          assert.ok(isTypedError(error), String(error));
        }
      }),
      { numRuns: 2000, seed: 44 },
    );
  });

  it('fuzz: garbage in a compressed records section raises only typed errors, for every codec', async () => {
    const codecs: CompressionType[] = ['gzip', 'snappy', 'lz4', 'zstd'];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...codecs), fc.uint8Array({ maxLength: 200 }), async (compression, records) => {
        const batch = Buffer.concat([buildBatch(0n, 0), Buffer.from(records)]);
        batch.writeInt32BE(batch.length - 12, 8);
        batch.writeInt16BE({ none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 }[compression], 21);
        batch.writeInt32BE(records.length % 5, 57);
        try {
          await readRecordBatches(fixCrc(batch));
        } catch (error) {
          assert.ok(isTypedError(error), String(error));
        }
      }),
      { numRuns: 400, seed: 45 },
    );
  });

  it('readRecordBatchesSync needs a synchronous codec for compressed batches', async () => {
    const builder = new RecordBatchBuilder();
    builder.append(TIMESTAMP, 'k', 'v');
    const batch = await builder.buildCompressed('gzip', await resolveCodec('gzip'));
    assert.throws(() => readRecordBatchesSync(batch), UnsupportedCompressionError);
    const gzip = await resolveCodec('gzip');
    assert.equal(readRecordBatchesSync(batch, { codecs: { gzip } })[0]!.records[0]!.value!.toString(), 'v');
  });

  it('reads an empty batch that keeps its compression bits (left by log compaction)', async () => {
    const batch = buildBatch(7n, 0);
    batch.writeInt16BE(4, 21); // zstd, no records section at all
    fixCrc(batch);
    const [read] = await readRecordBatches(batch);
    assert.equal(read!.compression, 'zstd');
    assert.deepEqual(read!.records, []);
    assert.deepEqual(readRecordBatchesSync(batch)[0]!.records, []);
  });

  it('gives every record of a LogAppendTime batch the batch maxTimestamp', () => {
    const builder = new RecordBatchBuilder({ timestampType: 'LogAppendTime' });
    builder.append(TIMESTAMP, null, 'a');
    builder.append(TIMESTAMP + 5, null, 'b');
    const [batch] = readRecordBatchesSync(builder.build());
    assert.deepEqual(
      batch!.records.map((record) => record.timestamp),
      [TIMESTAMP + 5, TIMESTAMP + 5],
    );
  });
});
