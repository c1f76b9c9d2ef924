// Stamping producer id, epoch, base sequence and the transactional bit into built batches: exact
// bytes, a valid CRC, records left untouched (a retry resends the same bytes), and restamping.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolveCodec } from '../../../src/records/codecs/codec-registry.js';
import { CorruptRecordError } from '../../../src/records/errors.js';
import { RecordBatchBuilder } from '../../../src/records/record-batch-builder.js';
import { readBatchHeader } from '../../../src/records/record-batch-header.js';
import { RECORD_BATCH_OVERHEAD } from '../../../src/records/record-batch-layout.js';
import { readRecordBatches, readRecordBatchesSync } from '../../../src/records/record-batch-reader.js';
import { assignBaseOffset, stampRecordBatch } from '../../../src/records/record-batch-stamp.js';

const TIMESTAMP = 1_700_000_000_000;

function goldenBuilder(): RecordBatchBuilder {
  const builder = new RecordBatchBuilder();
  builder.append(TIMESTAMP, 'k', 'v');
  return builder;
}

describe('stampRecordBatch', () => {
  it('writes the producer fields, the transactional bit and the CRC at their spec positions', () => {
    const batch = goldenBuilder().build();
    stampRecordBatch(batch, { producerId: 1000n, producerEpoch: 5, baseSequence: 42, transactional: true });
    const expected = [
      '0000000000000000', // baseOffset
      '0000003a', // batchLength
      'ffffffff', // partitionLeaderEpoch
      '02', // magic
      '0dc491a8', // crc after stamping
      '0010', // attributes: transactional
      '00000000', // lastOffsetDelta
      '0000018bcfe56800', // baseTimestamp
      '0000018bcfe56800', // maxTimestamp
      '00000000000003e8', // producerId 1000
      '0005', // producerEpoch 5
      '0000002a', // baseSequence 42
      '00000001', // recordsCount
      '10000000026b027600', // the record, unchanged
    ].join('');
    assert.equal(batch.toString('hex'), expected);
  });

  it('reads back what was stamped, with a valid CRC, and leaves the records untouched', () => {
    const builder = new RecordBatchBuilder();
    for (let index = 0; index < 100; index++) builder.append(TIMESTAMP + index, `key-${index}`, `value-${index}`, [['n', Buffer.from([index])]]);
    const batch = builder.build();
    const recordsBefore = Buffer.from(batch.subarray(RECORD_BATCH_OVERHEAD));
    stampRecordBatch(batch, { producerId: 0x7fff_ffff_ffffn, producerEpoch: 32_767, baseSequence: 0x7fff_ffff, transactional: false });
    const header = readBatchHeader(batch, 0, { verifyCrc: true });
    assert.equal(header.producerId, 0x7fff_ffff_ffffn);
    assert.equal(header.producerEpoch, 32_767);
    assert.equal(header.baseSequence, 0x7fff_ffff);
    assert.equal(header.isTransactional, false);
    assert.deepEqual(batch.subarray(RECORD_BATCH_OVERHEAD), recordsBefore);
    assert.equal(readRecordBatchesSync(batch)[0]!.records.length, 100);
  });

  it('restamps after an epoch bump: new fields, bit cleared or set, records identical', () => {
    const batch = goldenBuilder().build();
    stampRecordBatch(batch, { producerId: 7n, producerEpoch: 1, baseSequence: 10, transactional: true });
    const firstStamp = Buffer.from(batch);
    stampRecordBatch(batch, { producerId: 7n, producerEpoch: 2, baseSequence: 0, transactional: false });
    let header = readBatchHeader(batch, 0, { verifyCrc: true });
    assert.deepEqual([header.producerEpoch, header.baseSequence, header.isTransactional], [2, 0, false]);
    stampRecordBatch(batch, { producerId: 7n, producerEpoch: 1, baseSequence: 10, transactional: true });
    assert.deepEqual(batch, firstStamp);
    header = readBatchHeader(batch, 0, { verifyCrc: true });
    assert.equal(header.isTransactional, true);
  });

  it('stamps a compressed batch without touching its compressed records', async () => {
    const builder = new RecordBatchBuilder();
    for (let index = 0; index < 50; index++) builder.append(TIMESTAMP, null, `compressible value ${index % 3}`);
    const batch = await builder.buildCompressed('gzip', await resolveCodec('gzip'));
    const compressed = Buffer.from(batch.subarray(RECORD_BATCH_OVERHEAD));
    stampRecordBatch(batch, { producerId: 3n, producerEpoch: 0, baseSequence: 5, transactional: true });
    assert.deepEqual(batch.subarray(RECORD_BATCH_OVERHEAD), compressed);
    const [read] = await readRecordBatches(batch);
    assert.equal(read!.compression, 'gzip');
    assert.equal(read!.producerId, 3n);
    assert.equal(read!.baseSequence, 5);
    assert.equal(read!.records[49]!.value!.toString(), 'compressible value 1');
  });

  it('keeps other attribute bits (control, compression) when setting the transactional bit', () => {
    const builder = new RecordBatchBuilder({ isControl: true });
    builder.append(TIMESTAMP, null, null);
    const batch = builder.build();
    stampRecordBatch(batch, { producerId: 1n, producerEpoch: 0, baseSequence: -1, transactional: true });
    assert.equal(readBatchHeader(batch).attributes, 0x30);
    stampRecordBatch(batch, { producerId: 1n, producerEpoch: 0, baseSequence: -1, transactional: false });
    assert.equal(readBatchHeader(batch).attributes, 0x20);
  });

  it('rejects bytes that are not exactly one batch, and out-of-range fields', () => {
    const batch = goldenBuilder().build();
    const stamp = { producerId: 1n, producerEpoch: 0, baseSequence: 0, transactional: false };
    assert.throws(() => stampRecordBatch(batch.subarray(0, 60), stamp), CorruptRecordError);
    assert.throws(() => stampRecordBatch(Buffer.concat([batch, batch]), stamp), CorruptRecordError);
    assert.throws(() => stampRecordBatch(batch, { ...stamp, producerEpoch: 40_000 }), RangeError);
    assert.throws(() => stampRecordBatch(batch, { ...stamp, baseSequence: -2 }), RangeError);
  });
});

describe('assignBaseOffset', () => {
  it('sets baseOffset and partitionLeaderEpoch without invalidating the CRC', () => {
    const builder = new RecordBatchBuilder();
    builder.append(TIMESTAMP, 'a', '1');
    builder.append(TIMESTAMP, 'b', '2');
    const batch = builder.build();
    assignBaseOffset(batch, 1_000_000_000_000n, 17);
    const [read] = readRecordBatchesSync(batch);
    assert.equal(read!.baseOffset, 1_000_000_000_000n);
    assert.equal(read!.partitionLeaderEpoch, 17);
    assert.deepEqual(
      read!.records.map((record) => record.offset),
      [1_000_000_000_000n, 1_000_000_000_001n],
    );
  });
});
