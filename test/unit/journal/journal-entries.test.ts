// The binary encoding of each entry kind: what is written reads back the same, numbers as runs,
// and bytes that are not a valid entry raise EntryDecodeError instead of decoding into something.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EntryDecodeError } from '../../../src/journal/entry-bytes.js';
import { decodePayload, encodePayload, type JournalEntry, type JournalEntryInput } from '../../../src/journal/journal-entries.js';
import { countOfRuns, numbersOfRuns, toRuns } from '../../../src/journal/number-runs.js';

function roundTrip(entry: JournalEntryInput, number = 1_000_000): JournalEntry {
  const payload = encodePayload(entry);
  return decodePayload(payload, 0, payload.length, number);
}

describe('journal entries', () => {
  it('round-trips an identity, negative and int64-extreme producer ids included', () => {
    for (const producerId of [0n, 42n, -1n, 2n ** 63n - 1n, -(2n ** 63n)]) {
      const entry = { kind: 'identity', producerId, epoch: 32_767, time: 1_700_000_000_123 } as const;
      assert.deepEqual(roundTrip(entry), entry);
    }
  });

  it('round-trips records: bytes, strings (as UTF-8), nulls, empty values and repeated headers', () => {
    const decoded = roundTrip({
      kind: 'record',
      topic: 'tópico',
      partition: 2_147_483_647,
      timestamp: -5,
      key: null,
      value: 'snow ☃ and more',
      headers: [
        ['a', Buffer.from([0, 1, 2])],
        ['a', null],
        ['empty', ''],
      ],
    });
    assert.equal(decoded.kind, 'record');
    if (decoded.kind !== 'record') return;
    assert.equal(decoded.topic, 'tópico');
    assert.equal(decoded.partition, 2_147_483_647);
    assert.equal(decoded.timestamp, -5);
    assert.equal(decoded.key, null);
    assert.equal(decoded.value?.toString('utf8'), 'snow ☃ and more');
    assert.deepEqual(
      decoded.headers.map(([key, value]) => [key, value === null ? null : [...value]]),
      [
        ['a', [0, 1, 2]],
        ['a', null],
        ['empty', []],
      ],
    );
    const bytes = roundTrip({ kind: 'record', topic: 't', partition: 0, timestamp: 1_700_000_000_000, key: new Uint8Array(200).fill(7), value: Buffer.alloc(0), headers: [] });
    assert.ok(bytes.kind === 'record' && bytes.key?.length === 200 && bytes.key.every((byte) => byte === 7) && bytes.value?.length === 0);
  });

  it('round-trips a batch whose records are several runs, and stores a long run in a few bytes', () => {
    const records = toRuns([5, 6, 7, 10, 12, 13, 999_999], 'records');
    assert.deepEqual(records, [5, 3, 10, 1, 12, 2, 999_999, 1]);
    const entry = { kind: 'batch', topic: 'orders', partition: 3, producerId: 9_000_000_000n, epoch: 2, baseSequence: 2_147_483_000, records } as const;
    assert.deepEqual(roundTrip(entry), entry);
    const long = toRuns(
      Array.from({ length: 10_000 }, (_, index) => 500_000 + index),
      'records',
    );
    const payload = encodePayload({ ...entry, records: long });
    assert.ok(payload.length < 40, `a run of 10,000 records takes ${payload.length} bytes`);
    const decoded = decodePayload(payload, 0, payload.length, 600_000);
    assert.ok(decoded.kind === 'batch');
    assert.equal(countOfRuns(decoded.records), 10_000);
    assert.deepEqual(numbersOfRuns(decoded.records).slice(0, 2), [500_000, 500_001]);
  });

  it('round-trips acknowledgements (offset -1 included) and settled records', () => {
    for (const offset of [0n, -1n, 2n ** 62n]) {
      const entry = { kind: 'acknowledged', batch: 123_456, offset } as const;
      assert.deepEqual(roundTrip(entry), entry);
    }
    const settled = { kind: 'settled', records: toRuns([0, 1, 2, 3, 100], 'records') } as const;
    assert.deepEqual(roundTrip(settled), settled);
  });

  it('refuses numbers that are not strictly ascending', () => {
    assert.throws(() => toRuns([3, 2], 'batch records'), /batch records must be strictly ascending/);
    assert.throws(() => toRuns([3, 3], 'batch records'), TypeError);
    assert.throws(() => toRuns([-1], 'batch records'), TypeError);
    assert.throws(() => toRuns([1.5], 'batch records'), TypeError);
  });

  it('raises EntryDecodeError for a cut payload, an unknown kind, trailing bytes and references not before the entry', () => {
    const record = encodePayload({ kind: 'record', topic: 'orders', partition: 1, timestamp: 1, key: 'k', value: 'v', headers: [] });
    for (let length = 0; length < record.length; length++) {
      assert.throws(() => decodePayload(record, 0, length, 10), EntryDecodeError, `cut at ${length}`);
    }
    assert.throws(() => decodePayload(Buffer.from([99]), 0, 1, 10), /unknown entry kind 99/);
    const padded = Buffer.concat([record, Buffer.from([0])]);
    assert.throws(() => decodePayload(padded, 0, padded.length, 10), /1 bytes follow the record entry/);
    const acknowledged = encodePayload({ kind: 'acknowledged', batch: 10, offset: 0n });
    assert.throws(() => decodePayload(acknowledged, 0, acknowledged.length, 10), /refers to entry 10, not before it/);
    const batch = encodePayload({ kind: 'batch', topic: 't', partition: 0, producerId: 1n, epoch: 0, baseSequence: 0, records: [8, 3] });
    assert.throws(() => decodePayload(batch, 0, batch.length, 10), /not before the entry itself/);
    assert.doesNotThrow(() => decodePayload(batch, 0, batch.length, 11));
  });
});
