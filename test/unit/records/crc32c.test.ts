// CRC-32C against published vectors (the check value and RFC 3720's iSCSI vectors), for both the
// JavaScript and the native implementation, and their agreement on random data and chunking.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { crc32c, crc32cImplementation, crc32cRange, crc32cReady } from '../../../src/records/crc32c.js';
import { crc32cSoftware } from '../../../src/records/crc32c-software.js';
import { crc32cAfterChange } from '../../../src/records/crc32c-update.js';

const VECTORS: [string, Buffer, number][] = [
  ['empty', Buffer.alloc(0), 0],
  ['"123456789" (check value)', Buffer.from('123456789'), 0xe3069283],
  ['32 bytes of zeros (RFC 3720 B.4)', Buffer.alloc(32, 0), 0x8a9136aa],
  ['32 bytes of 0xFF (RFC 3720 B.4)', Buffer.alloc(32, 0xff), 0x62a8ab43],
  ['0..31 ascending (RFC 3720 B.4)', Buffer.from(Array.from({ length: 32 }, (_, index) => index)), 0x46dd794e],
  ['31..0 descending (RFC 3720 B.4)', Buffer.from(Array.from({ length: 32 }, (_, index) => 31 - index)), 0x113fdb5c],
  ['the quick brown fox', Buffer.from('The quick brown fox jumps over the lazy dog'), 0x22620404],
];

describe('crc32c', () => {
  for (const [name, input, expected] of VECTORS) {
    it(`JavaScript implementation: ${name}`, () => {
      assert.equal(crc32cSoftware(input), expected);
    });
    it(`selected implementation: ${name}`, async () => {
      await crc32cReady;
      assert.equal(crc32c(input), expected);
    });
  }

  it('loads the native implementation where @node-rs/crc32 is installed', async () => {
    assert.equal(await crc32cReady, crc32cImplementation());
    assert.ok(['native', 'javascript'].includes(crc32cImplementation()));
  });

  it('works on unaligned views and lengths that are not a multiple of 16', () => {
    const base = Buffer.from('x123456789abcdefghijklmnopqrstuvwxyz0123456789');
    for (let start = 0; start < 8; start++) {
      for (let end = base.length - 8; end <= base.length; end++) {
        const view = base.subarray(start, end);
        assert.equal(crc32cSoftware(view), crc32cSoftware(Buffer.from(view)));
      }
    }
  });

  it('JavaScript and selected implementations agree on random data, whole and in two chunks', async () => {
    await crc32cReady;
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), fc.nat(), (bytes, cut) => {
        const data = Buffer.from(bytes);
        const split = data.length === 0 ? 0 : cut % (data.length + 1);
        const whole = crc32cSoftware(data);
        assert.equal(crc32c(data), whole);
        assert.equal(crc32cSoftware(data.subarray(split), crc32cSoftware(data.subarray(0, split))), whole);
        assert.equal(crc32c(data.subarray(split), crc32c(data.subarray(0, split))), whole);
      }),
      { numRuns: 300, seed: 20240611 },
    );
  });

  it('crc32cRange equals the CRC of the range, on either side of the native threshold', async () => {
    await crc32cReady;
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), fc.nat(), fc.nat(), (bytes, a, b) => {
        const data = Buffer.from(bytes);
        const start = a % (data.length + 1);
        const end = start + (b % (data.length - start + 1));
        assert.equal(crc32cRange(data, start, end), crc32cSoftware(Buffer.from(data.subarray(start, end))));
      }),
      { numRuns: 500, seed: 20261207 },
    );
  });

  it('crc32cAfterChange equals recomputing the CRC after any change, wherever it lies', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 3000 }), fc.uint8Array({ minLength: 1, maxLength: 64 }), fc.nat(), (bytes, change, where) => {
        const data = Buffer.from(bytes);
        const start = where % data.length;
        const difference = Buffer.from(change.subarray(0, data.length - start));
        const before = crc32cSoftware(data);
        for (let index = 0; index < difference.length; index++) data[start + index]! ^= difference[index]!;
        const bytesAfter = data.length - start - difference.length;
        assert.equal(crc32cAfterChange(before, difference, bytesAfter), crc32cSoftware(data));
      }),
      { numRuns: 500, seed: 99 },
    );
  });

  it('crc32cAfterChange handles no change and changes followed by megabytes', () => {
    const data = Buffer.alloc(3 * 1024 * 1024 + 7, 0x5a);
    const before = crc32cSoftware(data);
    assert.equal(crc32cAfterChange(before, Buffer.alloc(40), data.length - 40), before);
    const difference = Buffer.from([1, 2, 3, 4]);
    for (let index = 0; index < 4; index++) data[10 + index]! ^= difference[index]!;
    assert.equal(crc32cAfterChange(before, difference, data.length - 14), crc32cSoftware(data));
  });
});
