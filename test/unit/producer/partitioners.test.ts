// The partitioners: murmur2 equals Java's Utils.murmur2 on Kafka's own test vectors, keyed records
// land where the Java client puts them, keyless records stick to one partition per batch (KIP-794).
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { murmur2, partitionForKey } from '../../../src/producer/partitioners/murmur2.js';
import { createPartitioner, DefaultPartitioner, RoundRobinPartitioner } from '../../../src/producer/partitioners/partitioner.js';

describe('murmur2', () => {
  // Vectors from the Java client's UtilsTest.testMurmur2.
  const vectors: [string, number][] = [
    ['21', -973932308],
    ['foobar', -790332482],
    ['a-little-bit-long-string', -985981536],
    ['a-little-bit-longer-string', -1486304829],
    ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
    ['abc', 479470107],
  ];
  for (const [input, expected] of vectors) {
    it(`murmur2('${input}') = ${expected}`, () => {
      assert.equal(murmur2(Buffer.from(input)), expected);
    });
  }

  it('maps keys to partitions as toPositive(murmur2) % count', () => {
    assert.equal(partitionForKey(Buffer.from('foobar'), 12), (-790332482 & 0x7fffffff) % 12);
    assert.equal(partitionForKey(Buffer.from('abc'), 7), 479470107 % 7);
    assert.equal(partitionForKey(Buffer.alloc(0), 3), (murmur2(Buffer.alloc(0)) & 0x7fffffff) % 3);
  });

  it('hashes only the first keyLength bytes when given a longer buffer (a reused scratch buffer)', () => {
    const scratch = Buffer.from('foobar-and-stale-bytes-after-it');
    assert.equal(murmur2(scratch, 6), -790332482);
    assert.equal(partitionForKey(scratch, 12, 6), (-790332482 & 0x7fffffff) % 12);
    assert.equal(new DefaultPartitioner(16384).partition('t', scratch, 12, [], 6), (-790332482 & 0x7fffffff) % 12);
  });
});

describe('DefaultPartitioner', () => {
  it('partitions keyed records by murmur2', () => {
    const partitioner = new DefaultPartitioner(16384);
    assert.equal(partitioner.partition('t', Buffer.from('foobar'), 12, [0, 1, 2]), (-790332482 & 0x7fffffff) % 12);
  });

  it('sticks keyless records to one partition until batchSize bytes went to it', () => {
    const draws = [0.1, 0.9];
    const partitioner = new DefaultPartitioner(100, () => draws.shift() ?? 0.5);
    const first = partitioner.partition('t', null, 4, [0, 1, 2, 3]);
    assert.equal(first, 0);
    for (let index = 0; index < 9; index++) {
      assert.equal(partitioner.partition('t', null, 4, [0, 1, 2, 3]), first);
      partitioner.onAppend('t', first, 10);
    }
    assert.equal(partitioner.partition('t', null, 4, [0, 1, 2, 3]), first);
    partitioner.onAppend('t', first, 10);
    const second = partitioner.partition('t', null, 4, [0, 1, 2, 3]);
    assert.equal(second, 3);
  });

  it('only picks partitions that have a leader', () => {
    const partitioner = new DefaultPartitioner(1, () => 0.99);
    for (let index = 0; index < 20; index++) {
      const partition = partitioner.partition('t', null, 6, [2, 4]);
      assert.ok(partition === 2 || partition === 4);
      partitioner.onAppend('t', partition, 10);
    }
  });
});

describe('other partitioners', () => {
  it('round-robin cycles through available partitions', () => {
    const partitioner = new RoundRobinPartitioner();
    const seen = Array.from({ length: 6 }, () => partitioner.partition('t', Buffer.from('k'), 3, [0, 1, 2]));
    assert.deepEqual(seen, [0, 1, 2, 0, 1, 2]);
  });

  it('a user function gets the context', () => {
    const partitioner = createPartitioner(({ partitionCount, key }) => (key ? key.length % partitionCount : 0), 100);
    assert.equal(partitioner.partition('t', Buffer.from('abcd'), 3, [0, 1, 2]), 1);
  });

  it('a user function gets a copy of just the key, which it may keep', () => {
    const kept: Buffer[] = [];
    const partitioner = createPartitioner(({ key }) => {
      if (key) kept.push(key);
      return 0;
    }, 100);
    const scratch = Buffer.from('key1-stale');
    partitioner.partition('t', scratch, 3, [], 4);
    scratch.write('key2');
    partitioner.partition('t', scratch, 3, [], 4);
    assert.deepEqual(kept.map(String), ['key1', 'key2']);
  });

  it("'murmur2' hashes keys and spreads keyless records", () => {
    const partitioner = createPartitioner('murmur2', 100);
    assert.equal(partitioner.partition('t', Buffer.from('abc'), 7, []), 479470107 % 7);
    assert.deepEqual([0, 1, 2].map(() => partitioner.partition('t', null, 3, [])), [0, 1, 2]);
  });
});
