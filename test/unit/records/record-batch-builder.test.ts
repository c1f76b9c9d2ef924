// RecordBatchBuilder: a golden batch written by hand from the message format, the exact running
// size, and build-then-read round trips over keys, values, headers and timestamps.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { InvalidRecordError } from '../../../src/errors/kafka-error.js';
import { RecordBatchBuilder } from '../../../src/records/record-batch-builder.js';
import { RECORD_BATCH_OVERHEAD } from '../../../src/records/record-batch-layout.js';
import { readRecordBatchesSync } from '../../../src/records/record-batch-reader.js';
import type { RecordData } from '../../../src/records/record-encoding.js';

const TIMESTAMP = 1_700_000_000_000; // 0x0000018BCFE56800

/** One record, key "k", value "v", no headers, in RecordBatch v2 as the format document lays it out. */
const GOLDEN_BATCH = Buffer.from(
  [
    '0000000000000000', // baseOffset
    '0000003a', // batchLength: 70 - 12
    'ffffffff', // partitionLeaderEpoch: -1
    '02', // magic
    'e99b8dd8', // crc: CRC-32C of everything after it
    '0000', // attributes: no compression, CreateTime, not transactional, not control
    '00000000', // lastOffsetDelta
    '0000018bcfe56800', // baseTimestamp
    '0000018bcfe56800', // maxTimestamp
    'ffffffffffffffff', // producerId: -1
    'ffff', // producerEpoch: -1
    'ffffffff', // baseSequence: -1
    '00000001', // recordsCount
    '10', // record length: varint 8
    '00', // record attributes
    '00', // timestampDelta: varlong 0
    '00', // offsetDelta: varint 0
    '02', // keyLength: varint 1
    '6b', // "k"
    '02', // valueLength: varint 1
    '76', // "v"
    '00', // headers count: varint 0
  ].join(''),
  'hex',
);

function toBuffer(data: RecordData): Buffer | null {
  if (data === null) return null;
  return typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data);
}

function sizeOf(data: RecordData): number {
  if (data === null) return 0;
  return typeof data === 'string' ? Buffer.byteLength(data) : data.length;
}

describe('RecordBatchBuilder', () => {
  it('writes the golden batch byte for byte', () => {
    const builder = new RecordBatchBuilder();
    builder.append(TIMESTAMP, 'k', 'v');
    assert.equal(builder.sizeInBytes, GOLDEN_BATCH.length);
    assert.equal(builder.build().toString('hex'), GOLDEN_BATCH.toString('hex'));
  });

  it('writes the same bytes for string, Buffer and Uint8Array keys and values', () => {
    for (const [key, value] of [
      [Buffer.from('k'), Buffer.from('v')],
      [new Uint8Array([0x6b]), new Uint8Array([0x76])],
    ] as const) {
      const builder = new RecordBatchBuilder();
      builder.append(TIMESTAMP, key, value);
      assert.deepEqual(builder.build(), GOLDEN_BATCH);
    }
  });

  it('an empty batch has recordsCount 0, lastOffsetDelta -1 and no timestamps', () => {
    const batch = new RecordBatchBuilder().build();
    assert.equal(batch.length, RECORD_BATCH_OVERHEAD);
    const [read] = readRecordBatchesSync(batch);
    assert.equal(read!.recordCount, 0);
    assert.equal(read!.lastOffsetDelta, -1);
    assert.equal(read!.baseTimestamp, -1);
    assert.deepEqual(read!.records, []);
  });

  it('sizeInBytes equals the built size at every step, and sizeAfterAppend predicts it exactly', () => {
    const data = fc.oneof(
      fc.constant(null),
      fc.string({ unit: 'grapheme', maxLength: 40 }),
      // Any UTF-16 code units, lone surrogates included (written as U+FFFD, 3 bytes, by both sizing and writing).
      fc.string({ unit: 'binary', maxLength: 30 }),
      fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)),
    );
    const header = fc.tuple(fc.oneof(fc.string({ maxLength: 10 }), fc.string({ unit: 'binary', maxLength: 10 })), fc.oneof(fc.constant(null), fc.uint8Array({ maxLength: 20 }).map((bytes) => Buffer.from(bytes))));
    const record = fc.record({
      timestampOffset: fc.integer({ min: -5_000_000_000, max: 5_000_000_000 }),
      key: data,
      value: data,
      headers: fc.option(fc.array(header, { maxLength: 4 }), { nil: undefined }),
    });
    fc.assert(
      fc.property(fc.array(record, { maxLength: 60 }), fc.integer({ min: 70, max: 4096 }), (records, initialCapacity) => {
        const builder = new RecordBatchBuilder({ initialCapacity });
        for (const { timestampOffset, key, value, headers } of records) {
          const timestamp = TIMESTAMP + timestampOffset;
          const predicted = builder.sizeAfterAppend(timestamp, sizeOf(key), sizeOf(value), headers);
          const bound = builder.sizeInBytes + RecordBatchBuilder.recordSizeUpperBound(sizeOf(key), sizeOf(value), headers);
          builder.append(timestamp, key, value, headers);
          assert.equal(builder.sizeInBytes, predicted);
          assert.ok(predicted <= bound);
        }
        const expected = builder.sizeInBytes;
        const batch = builder.build();
        assert.equal(batch.length, expected);
        const [read] = readRecordBatchesSync(batch);
        assert.equal(read!.records.length, records.length);
        records.forEach((written, index) => {
          const got = read!.records[index]!;
          assert.equal(got.offsetDelta, index);
          assert.equal(got.offset, BigInt(index));
          assert.equal(got.timestamp, TIMESTAMP + written.timestampOffset);
          assert.deepEqual(got.key, toBuffer(written.key));
          assert.deepEqual(got.value, toBuffer(written.value));
          assert.deepEqual(
            got.headers,
            (written.headers ?? []).map(([name, value]) => [Buffer.from(name).toString(), value]),
          );
        });
      }),
      { numRuns: 200, seed: 7 },
    );
  });

  it('round-trips null, empty, unicode and binary keys and values, and repeated header keys', () => {
    const builder = new RecordBatchBuilder({ initialCapacity: 64 });
    const cases: [RecordData, RecordData, [string, RecordData][]][] = [
      [null, null, []],
      ['', Buffer.alloc(0), []],
      ['clé 🔑 ключ 鍵', 'välue ✓ 値 🚀', [['héader', 'ü']]],
      [Buffer.from([0, 255, 128, 7]), new Uint8Array([1, 2, 3]), [['dup', Buffer.from('a')], ['dup', null], ['dup', Buffer.from('c')], ['', Buffer.alloc(0)]]],
    ];
    for (const [key, value, headers] of cases) builder.append(TIMESTAMP, key, value, headers);
    const [batch] = readRecordBatchesSync(builder.build());
    cases.forEach(([key, value, headers], index) => {
      const record = batch!.records[index]!;
      assert.deepEqual(record.key, toBuffer(key));
      assert.deepEqual(record.value, toBuffer(value));
      assert.deepEqual(
        record.headers,
        headers.map(([name, headerValue]) => [name, toBuffer(headerValue)]),
      );
    });
  });

  it('tracks baseTimestamp (first record), maxTimestamp and negative deltas for timestamps far apart', () => {
    const builder = new RecordBatchBuilder();
    const timestamps = [TIMESTAMP, 0, TIMESTAMP + 10 * 365 * 86_400_000, 2 ** 52 - 1, TIMESTAMP - 1];
    for (const timestamp of timestamps) builder.append(timestamp, null, 'v');
    assert.equal(builder.baseTimestamp, TIMESTAMP);
    assert.equal(builder.maxTimestamp, 2 ** 52 - 1);
    const [batch] = readRecordBatchesSync(builder.build());
    assert.equal(batch!.baseTimestamp, TIMESTAMP);
    assert.equal(batch!.maxTimestamp, 2 ** 52 - 1);
    assert.deepEqual(
      batch!.records.map((record) => record.timestamp),
      timestamps,
    );
    assert.equal(batch!.records[1]!.timestampDelta, -TIMESTAMP);
  });

  it('round-trips many records and a large record across buffer growth', () => {
    const builder = new RecordBatchBuilder({ initialCapacity: 128 });
    for (let index = 0; index < 20_000; index++) builder.append(TIMESTAMP + index, `key-${index}`, `value-${index}`);
    const large = Buffer.alloc(3 * 1024 * 1024, 0xab);
    builder.append(TIMESTAMP, null, large, [['size', String(large.length)]]);
    const predicted = builder.sizeInBytes;
    const batchBytes = builder.build();
    assert.equal(batchBytes.length, predicted);
    const [batch] = readRecordBatchesSync(batchBytes);
    assert.equal(batch!.recordCount, 20_001);
    assert.equal(batch!.lastOffsetDelta, 20_000);
    assert.equal(batch!.records[19_999]!.value!.toString(), 'value-19999');
    assert.equal(batch!.records[20_000]!.offset, 20_000n);
    assert.deepEqual(batch!.records[20_000]!.value, large);
  });

  it('appendSized lets any record into an empty batch, then appends exactly when the record fits, leaving the batch untouched otherwise', () => {
    const builder = new RecordBatchBuilder();
    assert.equal(builder.appendSized(10, TIMESTAMP, null, -1, Buffer.alloc(1000), 1000), 0);
    const limit = builder.sizeAfterAppend(TIMESTAMP + 1, 1, 10, [['h', 'x']]);
    const before = builder.sizeInBytes;
    assert.equal(builder.appendSized(limit - 1, TIMESTAMP + 1, 'k', 1, Buffer.alloc(10), 10, [['h', 'x']]), -1);
    assert.equal(builder.sizeInBytes, before);
    assert.equal(builder.recordCount, 1);
    assert.equal(builder.maxTimestamp, TIMESTAMP);
    assert.equal(builder.appendSized(limit, TIMESTAMP + 1, 'k', 1, Buffer.alloc(10), 10, [['h', 'x']]), 1);
    assert.equal(builder.sizeInBytes, limit);
    const [batch] = readRecordBatchesSync(builder.build());
    assert.equal(batch!.records[1]!.key!.toString(), 'k');
  });

  it('the upper bound covers the largest deltas', () => {
    const builder = new RecordBatchBuilder();
    builder.append(0, null, null);
    const worst = builder.sizeAfterAppend(2 ** 52 - 1, 5, 5, [['a', Buffer.from('b')]]) - builder.sizeInBytes;
    assert.ok(worst <= RecordBatchBuilder.recordSizeUpperBound(5, 5, [['a', Buffer.from('b')]]));
  });

  it('build() is idempotent, and appending after it throws', () => {
    const builder = new RecordBatchBuilder();
    builder.append(TIMESTAMP, 'k', 'v');
    const first = builder.build();
    assert.equal(builder.build(), first);
    assert.throws(() => builder.append(TIMESTAMP, 'k', 'v'), /after build/);
  });

  it('copies a small batch out of a large buffer so it does not pin the buffer', () => {
    const roomy = new RecordBatchBuilder({ initialCapacity: 64 * 1024 });
    roomy.append(TIMESTAMP, 'k', 'v');
    const batch = roomy.build();
    assert.deepEqual(batch, GOLDEN_BATCH);
    assert.ok(batch.buffer.byteLength < 64 * 1024);
  });

  it('rejects invalid timestamps and data types with InvalidRecordError', () => {
    const builder = new RecordBatchBuilder();
    for (const timestamp of [-1, 1.5, Number.NaN, 2 ** 52, Number.POSITIVE_INFINITY]) {
      assert.throws(() => builder.append(timestamp, null, null), InvalidRecordError);
    }
    assert.throws(() => builder.append(TIMESTAMP, 42 as unknown as string, null), InvalidRecordError);
    assert.throws(() => builder.append(TIMESTAMP, null, null, [[7 as unknown as string, null]]), InvalidRecordError);
    assert.equal(builder.recordCount, 0);
    assert.equal(builder.sizeInBytes, RECORD_BATCH_OVERHEAD);
  });

  it('marks control batches and LogAppendTime in the attributes', () => {
    const builder = new RecordBatchBuilder({ isControl: true, timestampType: 'LogAppendTime' });
    builder.append(TIMESTAMP, null, null);
    const [batch] = readRecordBatchesSync(builder.build());
    assert.equal(batch!.isControl, true);
    assert.equal(batch!.timestampType, 'LogAppendTime');
    assert.equal(batch!.attributes, 0x28);
  });
});
