// Transaction markers: the control batch a coordinator writes and the reading of its record.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildEndTransactionBatch, readControlRecord } from '../../../src/records/control-record.js';
import { CorruptRecordError } from '../../../src/records/errors.js';
import { readRecordBatchesSync } from '../../../src/records/record-batch-reader.js';
import type { KafkaRecord } from '../../../src/records/record-decoder.js';

describe('control records', () => {
  for (const type of ['COMMIT', 'ABORT'] as const) {
    it(`builds a ${type} marker batch: control and transactional, producer fields, spec key and value`, () => {
      const batch = buildEndTransactionBatch({ type, producerId: 4000n, producerEpoch: 2, coordinatorEpoch: 9, timestamp: 1_700_000_000_000 });
      const [read] = readRecordBatchesSync(batch);
      assert.equal(read!.isControl, true);
      assert.equal(read!.isTransactional, true);
      assert.equal(read!.producerId, 4000n);
      assert.equal(read!.producerEpoch, 2);
      assert.equal(read!.baseSequence, -1);
      assert.equal(read!.records.length, 1);
      const record = read!.records[0]!;
      assert.equal(record.key!.toString('hex'), type === 'COMMIT' ? '00000001' : '00000000');
      assert.equal(record.value!.toString('hex'), '000000000009');
      assert.deepEqual(readControlRecord(record), { version: 0, type, typeCode: type === 'COMMIT' ? 1 : 0, coordinatorEpoch: 9 });
    });
  }

  it('reads other control types as UNKNOWN and rejects malformed keys', () => {
    const record = (key: Buffer | null, value: Buffer | null): KafkaRecord => ({
      offsetDelta: 0,
      timestampDelta: 0,
      offset: 0n,
      timestamp: 0,
      key,
      value,
      headers: [],
    });
    assert.deepEqual(readControlRecord(record(Buffer.from('00000002', 'hex'), Buffer.from('0000', 'hex'))), {
      version: 0,
      type: 'UNKNOWN',
      typeCode: 2,
      coordinatorEpoch: undefined,
    });
    assert.throws(() => readControlRecord(record(null, null)), CorruptRecordError);
    assert.throws(() => readControlRecord(record(Buffer.from('0000', 'hex'), null)), CorruptRecordError);
    assert.throws(() => readControlRecord(record(Buffer.from('00000001', 'hex'), Buffer.from('00', 'hex'))), CorruptRecordError);
  });
});
