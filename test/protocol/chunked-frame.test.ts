// Requests written as chunks: record batches of 4 KiB or more are referenced, not copied, and the
// chunks put together are byte for byte the frame encodeRequest writes (size prefix included), for
// flexible and non-flexible Produce versions, with small and large batches mixed.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ProduceRequestData } from '../../src/protocol/apis/index.js';
import { encodeRequest, encodeRequestChunks } from '../../src/protocol/frame.js';
import { Writer } from '../../src/protocol/writer.js';

const large = (size: number, fill: number) => Buffer.alloc(size, fill);

const request: ProduceRequestData = {
  transactionalId: null,
  acks: -1,
  timeoutMs: 30_000,
  topicData: [
    {
      name: 'events',
      partitionData: [
        { index: 0, records: large(5000, 1) },
        { index: 1, records: Buffer.from('small batch') },
        { index: 2, records: large(70_000, 2) },
      ],
    },
    { name: 'other', partitionData: [{ index: 0, records: large(4096, 3) }] },
  ],
};

describe('encodeRequestChunks', () => {
  for (const version of [3, 8, 9, 11]) {
    it(`Produce v${version}: the chunks make the same frame as encodeRequest`, () => {
      const chunks = encodeRequestChunks('Produce', version, 42, 'client', request);
      assert.deepEqual(Buffer.concat(chunks), encodeRequest('Produce', version, 42, 'client', request));
    });
  }

  it('references the large batches instead of copying them, and copies the small ones', () => {
    const chunks = encodeRequestChunks('Produce', 9, 1, 'client', request);
    const batches = request.topicData.flatMap((topic) => topic.partitionData.map((partition) => partition.records));
    for (const batch of batches) {
      const referenced = chunks.some((chunk) => chunk === batch);
      assert.equal(referenced, batch!.length >= 4096, `a batch of ${batch!.length} bytes`);
    }
  });

  it('is a single chunk when nothing is large', () => {
    const chunks = encodeRequestChunks('Metadata', 12, 7, 'ab', { topics: null, allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
    assert.equal(chunks.length, 1);
    assert.deepEqual(Buffer.from(chunks[0]!), encodeRequest('Metadata', 12, 7, 'ab', { topics: null, allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false }));
  });

  it('keeps referenced bytes in place when the buffer grows after them', () => {
    const writer = new Writer(8, true);
    const big = large(8192, 7);
    writer.int32(1).raw(big);
    for (let index = 0; index < 100; index++) writer.int32(index);
    assert.throws(() => writer.finish(), /chunks/);
    const expected = new Writer(8);
    expected.int32(1).raw(big);
    for (let index = 0; index < 100; index++) expected.int32(index);
    assert.deepEqual(Buffer.concat(writer.chunks()), expected.finish());
  });
});
