// Cross-checks with an independent implementation: batches KafkaJS encodes (with its own CRC-32C,
// and with this package's codecs plugged into KafkaJS's codec registry) read back here with their
// CRC verified, and batches built here decode in KafkaJS to the same records.
import * as assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { CompressionCodec } from '../../../src/records/codecs/codec.js';
import { type CompressedType, resolveCodec } from '../../../src/records/codecs/codec-registry.js';
import { RecordBatchBuilder } from '../../../src/records/record-batch-builder.js';
import { COMPRESSION_ATTRIBUTE, type CompressionType } from '../../../src/records/record-batch-layout.js';
import { readRecordBatches } from '../../../src/records/record-batch-reader.js';

interface KafkaJsRecordOptions {
  offsetDelta: number;
  timestampDelta: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, Buffer | Buffer[]>;
}

interface KafkaJsDecodedRecord {
  offset: string;
  timestamp: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, Buffer | null | (Buffer | null)[]>;
}

interface KafkaJs {
  encodeBatch(options: {
    compression: number;
    firstTimestamp: number;
    maxTimestamp: number;
    lastOffsetDelta: number;
    records: unknown[];
  }): Promise<{ buffer: Buffer }>;
  encodeRecord(options: KafkaJsRecordOptions): unknown;
  decodeBatch(data: Buffer): Promise<{ records: KafkaJsDecodedRecord[] }>;
  codecs: Record<number, () => CompressionCodec>;
}

async function loadKafkaJs(): Promise<KafkaJs> {
  const load = async (path: string) => ((await import(`kafkajs/src/protocol/${path}`)) as { default: unknown }).default;
  const { RecordBatch } = (await load('recordBatch/v0/index.js')) as { RecordBatch: KafkaJs['encodeBatch'] };
  const encodeRecord = (await load('recordBatch/record/v0/index.js')) as KafkaJs['encodeRecord'];
  const decoder = (await load('recordBatch/v0/decoder.js')) as (decoder: unknown) => ReturnType<KafkaJs['decodeBatch']>;
  const Decoder = (await load('decoder.js')) as new (data: Buffer) => unknown;
  const { Codecs } = (await load('message/compression/index.js')) as { Codecs: KafkaJs['codecs'] };
  return { encodeBatch: RecordBatch, encodeRecord, decodeBatch: (data) => decoder(new Decoder(data)), codecs: Codecs };
}

const TIMESTAMP = 1_700_000_000_000;
const COMPRESSIONS: CompressionType[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];

function sampleRecords(count: number): { key: Buffer | null; value: Buffer | null; headers: [string, Buffer][]; timestampDelta: number }[] {
  return Array.from({ length: count }, (_, index) => ({
    key: index % 5 === 0 ? null : Buffer.from(`key-${index}`),
    value: index % 7 === 0 ? null : Buffer.from(`{"index":${index},"text":"${'é'.repeat(index % 20)}"}`),
    headers: index % 3 === 0 ? [] : [['trace', Buffer.from(`t${index}`)]],
    timestampDelta: (index * 37) % 1000,
  }));
}

describe('interoperability with KafkaJS record batches', () => {
  let kafkajs: KafkaJs;
  before(async () => {
    kafkajs = await loadKafkaJs();
    // KafkaJS ships only gzip: plug in this package's codecs through KafkaJS's own registry.
    for (const compression of ['snappy', 'lz4', 'zstd'] as CompressedType[]) {
      const codec = await resolveCodec(compression);
      kafkajs.codecs[COMPRESSION_ATTRIBUTE[compression]] = () => codec;
    }
  });

  for (const compression of COMPRESSIONS) {
    it(`reads a ${compression} batch KafkaJS encoded, CRC verified`, async () => {
      const records = sampleRecords(200);
      const encoded = await kafkajs.encodeBatch({
        compression: COMPRESSION_ATTRIBUTE[compression],
        firstTimestamp: TIMESTAMP,
        maxTimestamp: TIMESTAMP + 999,
        lastOffsetDelta: records.length - 1,
        records: records.map((record, index) =>
          kafkajs.encodeRecord({
            offsetDelta: index,
            timestampDelta: record.timestampDelta,
            key: record.key,
            value: record.value,
            headers: Object.fromEntries(record.headers),
          }),
        ),
      });
      const [batch] = await readRecordBatches(encoded.buffer, { strict: true });
      assert.equal(batch!.compression, compression);
      assert.equal(batch!.records.length, records.length);
      records.forEach((record, index) => {
        const read = batch!.records[index]!;
        assert.equal(read.offset, BigInt(index));
        assert.equal(read.timestamp, TIMESTAMP + record.timestampDelta);
        assert.deepEqual(read.key, record.key);
        assert.deepEqual(read.value, record.value);
        assert.deepEqual(read.headers, record.headers);
      });
    });

    it(`KafkaJS decodes a ${compression} batch built here`, async () => {
      const records = sampleRecords(200);
      const builder = new RecordBatchBuilder();
      for (const record of records) builder.append(TIMESTAMP + record.timestampDelta, record.key, record.value, record.headers);
      const batch = compression === 'none' ? builder.build() : await builder.buildCompressed(compression, await resolveCodec(compression));
      const decoded = await kafkajs.decodeBatch(batch);
      assert.equal(decoded.records.length, records.length);
      records.forEach((record, index) => {
        const read = decoded.records[index]!;
        assert.equal(read.offset, String(index));
        assert.equal(read.timestamp, String(TIMESTAMP + record.timestampDelta));
        assert.deepEqual(read.key, record.key);
        assert.deepEqual(read.value, record.value);
        assert.deepEqual(read.headers, Object.fromEntries(record.headers));
      });
    });
  }
});
