// The wire primitives of Writer and Reader against known vectors (zigzag varint/varlong, unsigned
// varint, fixed-width integers, (compact) (nullable) strings and bytes, UUIDs), their round trips,
// and the Reader's bounds checks, which raise MalformedResponseError and never a RangeError.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { MalformedResponseError } from '../../src/errors/kafka-error.js';
import { Reader } from '../../src/protocol/reader.js';
import { Writer } from '../../src/protocol/writer.js';
import { formatUuid } from './arbitrary.js';

const INT32_MIN = -0x80000000;
const INT32_MAX = 0x7fffffff;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

function written(write: (writer: Writer) => void, initialSize = 1): string {
  const writer = new Writer(initialSize);
  write(writer);
  return writer.finish().toString('hex');
}

function reader(hexText: string): Reader {
  return new Reader(Buffer.from(hexText.replace(/\s+/g, ''), 'hex'));
}

/** Reads with `read`, checks the value and that every byte was consumed. */
function readsAs<T>(hexText: string, read: (reader: Reader) => T, expected: T): void {
  const source = reader(hexText);
  assert.deepStrictEqual(read(source), expected, hexText);
  assert.equal(source.remaining(), 0, `${hexText}: every byte consumed`);
}

function malformed(read: () => unknown, message?: RegExp): void {
  assert.throws(read, (error: unknown) => {
    assert.ok(error instanceof MalformedResponseError, `expected MalformedResponseError, got ${String(error)}`);
    if (message) assert.match((error as Error).message, message);
    return true;
  });
}

// Reference encoders, straight from the definitions (zigzag, then LEB128), for the properties.
function referenceUnsigned(value: bigint): string {
  const out: number[] = [];
  do {
    let byte = Number(value & 0x7fn);
    value >>= 7n;
    if (value > 0n) byte |= 0x80;
    out.push(byte);
  } while (value > 0n);
  return Buffer.from(out).toString('hex');
}
const zigzag = (value: bigint): bigint => (value >= 0n ? value * 2n : -value * 2n - 1n);

describe('zigzag varint (int32)', () => {
  const vectors: [number, string][] = [
    [0, '00'],
    [-1, '01'],
    [1, '02'],
    [-2, '03'],
    [2, '04'],
    [63, '7e'],
    [-64, '7f'],
    [64, '8001'],
    [-65, '8101'],
    [8191, 'fe7f'],
    [-8192, 'ff7f'],
    [8192, '808001'],
    [INT32_MAX, 'feffffff0f'],
    [INT32_MIN, 'ffffffff0f'],
  ];
  for (const [value, expected] of vectors) {
    it(`${value} <-> ${expected}`, () => {
      assert.equal(
        written((writer) => writer.varInt(value)),
        expected,
      );
      readsAs(expected, (source) => source.varInt(), value);
    });
  }

  it('round-trips every int32 and matches the reference encoding', () => {
    fc.assert(
      fc.property(fc.integer({ min: INT32_MIN, max: INT32_MAX }), (value) => {
        const bytes = written((writer) => writer.varInt(value));
        assert.equal(bytes, referenceUnsigned(zigzag(BigInt(value))));
        readsAs(bytes, (source) => source.varInt(), value);
      }),
      { numRuns: 500, seed: 101 },
    );
  });
});

describe('zigzag varlong (int64)', () => {
  const vectors: [bigint, string][] = [
    [0n, '00'],
    [-1n, '01'],
    [1n, '02'],
    [-64n, '7f'],
    [64n, '8001'],
    [2147483647n, 'feffffff0f'],
    [-2147483648n, 'ffffffff0f'],
    [2147483648n, '8080808010'],
    [INT64_MAX, 'feffffffffffffffff01'],
    [INT64_MIN, 'ffffffffffffffffff01'],
  ];
  for (const [value, expected] of vectors) {
    it(`${value} <-> ${expected}`, () => {
      assert.equal(
        written((writer) => writer.varLong(value)),
        expected,
      );
      readsAs(expected, (source) => source.varLong(), value);
    });
  }

  it('round-trips every int64 and matches the reference encoding', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: INT64_MIN, max: INT64_MAX }), (value) => {
        const bytes = written((writer) => writer.varLong(value));
        assert.equal(bytes, referenceUnsigned(zigzag(value)));
        readsAs(bytes, (source) => source.varLong(), value);
      }),
      { numRuns: 500, seed: 102 },
    );
  });

  it('refuses a varlong longer than 10 bytes, and a truncated one', () => {
    malformed(() => reader('80'.repeat(10) + '00').varLong(), /varlong longer than 10 bytes/);
    malformed(() => reader('8080').varLong(), /truncated frame/);
  });
});

describe('unsigned varint', () => {
  const vectors: [number, string][] = [
    [0, '00'],
    [1, '01'],
    [127, '7f'],
    [128, '8001'],
    [300, 'ac02'],
    [16383, 'ff7f'],
    [16384, '808001'],
    [2097151, 'ffff7f'],
    [268435456, '8080808001'],
    [0x7fffffff, 'ffffffff07'],
    [0xffffffff, 'ffffffff0f'],
  ];
  for (const [value, expected] of vectors) {
    it(`${value} <-> ${expected}`, () => {
      assert.equal(
        written((writer) => writer.unsignedVarInt(value)),
        expected,
      );
      readsAs(expected, (source) => source.unsignedVarInt(), value);
    });
  }

  it('round-trips every value in [0, 2^32) and matches the reference encoding', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), (value) => {
        const bytes = written((writer) => writer.unsignedVarInt(value));
        assert.equal(bytes, referenceUnsigned(BigInt(value)));
        readsAs(bytes, (source) => source.unsignedVarInt(), value);
      }),
      { numRuns: 500, seed: 103 },
    );
  });

  it('refuses a varint longer than 5 bytes, and a truncated one', () => {
    malformed(() => reader('8080808080 00').unsignedVarInt(), /varint longer than 5 bytes/);
    malformed(() => reader('ffffffffff 01').varInt(), /varint longer than 5 bytes/);
    malformed(() => reader('').unsignedVarInt(), /truncated frame/);
    malformed(() => reader('ff').unsignedVarInt(), /truncated frame/);
  });
});

describe('fixed-width integers, float64, bool', () => {
  it('are big-endian two’s complement', () => {
    assert.equal(
      written((writer) => writer.int8(-1).int8(127)),
      'ff7f',
    );
    assert.equal(
      written((writer) => writer.int16(-2).int16(0x1234)),
      'fffe1234',
    );
    assert.equal(
      written((writer) => writer.uint16(0xfffe)),
      'fffe',
    );
    assert.equal(
      written((writer) => writer.int32(INT32_MIN).int32(-1).int32(1)),
      '80000000ffffffff00000001',
    );
    assert.equal(
      written((writer) => writer.uint32(0xfffffffe)),
      'fffffffe',
    );
    assert.equal(
      written((writer) => writer.int64(INT64_MIN).int64(-1n).int64(INT64_MAX)),
      '8000000000000000ffffffffffffffff7fffffffffffffff',
    );
    assert.equal(
      written((writer) => writer.float64(1.5)),
      '3ff8000000000000',
    );
    assert.equal(
      written((writer) => writer.bool(true).bool(false)),
      '0100',
    );
  });

  it('read back', () => {
    readsAs('ff7f', (source) => [source.int8(), source.int8()], [-1, 127]);
    readsAs('fffe fffe', (source) => [source.int16(), source.uint16()], [-2, 0xfffe]);
    readsAs('80000000 fffffffe', (source) => [source.int32(), source.uint32()], [INT32_MIN, 0xfffffffe]);
    readsAs('8000000000000000 7fffffffffffffff', (source) => [source.int64(), source.int64()], [INT64_MIN, INT64_MAX]);
    readsAs('3ff8000000000000', (source) => source.float64(), 1.5);
    // Any non-zero byte is true.
    readsAs('00 01 02 ff', (source) => [source.bool(), source.bool(), source.bool(), source.bool()], [false, true, true, true]);
  });
});

describe('strings', () => {
  const vectors: [string, string, string][] = [
    // value, STRING, COMPACT_STRING
    ['', '0000', '01'],
    ['abc', '0003616263', '04616263'],
    ['é', '0002c3a9', '03c3a9'], // lengths count UTF-8 bytes, not characters
    ['€', '0003e282ac', '04e282ac'],
    ['😀', '0004f09f9880', '05f09f9880'], // one code point, two UTF-16 units, four bytes
  ];
  for (const [value, plain, compact] of vectors) {
    it(`'${value}' is ${plain} / compact ${compact}`, () => {
      assert.equal(
        written((writer) => writer.string(value)),
        plain,
      );
      assert.equal(
        written((writer) => writer.compactString(value)),
        compact,
      );
      readsAs(plain, (source) => source.string(), value);
      readsAs(compact, (source) => source.compactString(), value);
    });
  }

  it('null is int16 -1, or compact length 0', () => {
    assert.equal(
      written((writer) => writer.string(null)),
      'ffff',
    );
    assert.equal(
      written((writer) => writer.compactString(null)),
      '00',
    );
    readsAs('ffff', (source) => source.string(), null);
    readsAs('00', (source) => source.compactString(), null);
  });

  it('a compact string of 127 bytes has a two-byte length (128 = 80 01)', () => {
    const text = 'x'.repeat(127);
    assert.equal(
      written((writer) => writer.compactString(text)),
      '8001' + '78'.repeat(127),
    );
    readsAs('8001' + '78'.repeat(127), (source) => source.compactString(), text);
  });

  it('round-trip any unicode text (without lone surrogates)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (text) => {
        readsAs(
          written((writer) => writer.string(text)),
          (source) => source.string(),
          text,
        );
        readsAs(
          written((writer) => writer.compactString(text)),
          (source) => source.compactString(),
          text,
        );
      }),
      { numRuns: 300, seed: 104 },
    );
  });
});

describe('bytes', () => {
  it('(compact) (nullable) bytes', () => {
    assert.equal(
      written((writer) => writer.bytes(null)),
      'ffffffff',
    );
    assert.equal(
      written((writer) => writer.bytes(Buffer.alloc(0))),
      '00000000',
    );
    assert.equal(
      written((writer) => writer.bytes(Buffer.from([1, 2]))),
      '000000020102',
    );
    assert.equal(
      written((writer) => writer.compactBytes(null)),
      '00',
    );
    assert.equal(
      written((writer) => writer.compactBytes(new Uint8Array(0))),
      '01',
    );
    assert.equal(
      written((writer) => writer.compactBytes(new Uint8Array([1, 2]))),
      '030102',
    );
    readsAs('ffffffff', (source) => source.bytes(), null);
    readsAs('00000000', (source) => source.bytes(), Buffer.alloc(0));
    readsAs('000000020102', (source) => source.bytes(), Buffer.from([1, 2]));
    readsAs('00', (source) => source.compactBytes(), null);
    readsAs('01', (source) => source.compactBytes(), Buffer.alloc(0));
    readsAs('030102', (source) => source.compactBytes(), Buffer.from([1, 2]));
  });

  it('raw bytes are read as a view of the frame', () => {
    const frame = Buffer.from('00000002abcd', 'hex');
    const value = new Reader(frame).bytes()!;
    frame[4] = 0x11;
    assert.equal(value.toString('hex'), '11cd');
  });
});

describe('uuid', () => {
  it('is the 16 bytes of the 8-4-4-4-12 form, read back as lowercase', () => {
    const canonical = '00112233-4455-6677-8899-aabbccddeeff';
    assert.equal(
      written((writer) => writer.uuid(canonical)),
      '00112233445566778899aabbccddeeff',
    );
    assert.equal(
      written((writer) => writer.uuid(canonical.toUpperCase())),
      '00112233445566778899aabbccddeeff',
    );
    readsAs('00112233445566778899aabbccddeeff', (source) => source.uuid(), canonical);
    readsAs('00'.repeat(16), (source) => source.uuid(), '00000000-0000-0000-0000-000000000000');
    readsAs('ff'.repeat(16), (source) => source.uuid(), 'ffffffff-ffff-ffff-ffff-ffffffffffff');
  });

  it('round-trips any 16 bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (bytes) => {
        const text = formatUuid(bytes);
        assert.match(text, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
        const encoded = written((writer) => writer.uuid(text));
        assert.equal(encoded, Buffer.from(bytes).toString('hex'));
        readsAs(encoded, (source) => source.uuid(), text);
      }),
      { numRuns: 200, seed: 105 },
    );
  });

  it('refuses malformed text instead of writing stale bytes', () => {
    for (const text of [
      '0011',
      '00112233-4455-6677-8899-aabbccddeeff00',
      'zz112233-4455-6677-8899-aabbccddeeff',
      '00112233-4455-6677-8899-aabbccddeefg',
    ]) {
      const writer = new Writer(64);
      writer.buffer.fill(0xab);
      assert.throws(() => writer.uuid(text), TypeError, text);
      assert.equal(writer.offset, 0, `${text}: nothing written`);
    }
  });
});

describe('Reader bounds', () => {
  it('every fixed-width read past the end is malformed, and does not move the offset', () => {
    const cases: [string, (source: Reader) => unknown][] = [
      ['', (source) => source.int8()],
      ['', (source) => source.bool()],
      ['00', (source) => source.int16()],
      ['00', (source) => source.uint16()],
      ['000000', (source) => source.int32()],
      ['000000', (source) => source.uint32()],
      ['00000000000000', (source) => source.int64()],
      ['00000000000000', (source) => source.float64()],
      ['00'.repeat(15), (source) => source.uuid()],
      ['00000000', (source) => source.raw(5)],
    ];
    for (const [hexText, read] of cases) {
      const source = reader(hexText);
      malformed(() => read(source), /truncated frame/);
      assert.equal(source.offset, 0);
    }
  });

  it('lengths beyond the frame or below -1 are malformed', () => {
    malformed(() => reader('0004 616263').string(), /truncated frame/);
    malformed(() => reader('fffe').string(), /negative string length -2/);
    malformed(() => reader('8000').string(), /negative string length -32768/);
    malformed(() => reader('06 61626364').compactString(), /truncated frame/);
    malformed(() => reader('ffffffff0f').compactString(), /truncated frame/);
    malformed(() => reader('00000004 010203').bytes(), /truncated frame/);
    malformed(() => reader('fffffffe').bytes(), /negative bytes length -2/);
    malformed(() => reader('80000000').bytes(), /negative bytes length/);
    malformed(() => reader('7fffffff').bytes(), /truncated frame/);
    malformed(() => reader('05 010203').compactBytes(), /truncated frame/);
    malformed(() => reader('0000').raw(-1), /truncated frame/);
  });

  it('array lengths are checked against the bytes left', () => {
    readsAs('ffffffff', (source) => source.arrayLength(), -1);
    readsAs('00000000', (source) => source.arrayLength(), 0);
    const exact = reader('00000003 010203');
    assert.equal(exact.arrayLength(), 3);
    malformed(() => reader('00000004 010203').arrayLength(), /array length 4 exceeds frame/);
    malformed(() => reader('7fffffff').arrayLength(), /array length 2147483647 exceeds frame/);
    malformed(() => reader('fffffffe').arrayLength(), /negative array length -2/);
    malformed(() => reader('80000000').arrayLength(), /negative array length/);
    readsAs('00', (source) => source.compactArrayLength(), -1);
    readsAs('01', (source) => source.compactArrayLength(), 0);
    assert.equal(reader('04 010203').compactArrayLength(), 3);
    malformed(() => reader('05 010203').compactArrayLength(), /array length 4 exceeds frame/);
    malformed(() => reader('ffffffff0f').compactArrayLength(), /exceeds frame/);
  });

  it('a reader over a window of a larger buffer stops at the end of the window', () => {
    const buffer = Buffer.from('aaaa0001bbbbbbbb', 'hex');
    const source = new Reader(buffer, 2, 4);
    assert.equal(source.remaining(), 2);
    assert.equal(source.int16(), 1);
    assert.equal(source.remaining(), 0);
    malformed(() => source.int8(), /truncated frame/);
    malformed(() => new Reader(buffer, 2, 5).int32(), /truncated frame/);
    malformed(() => new Reader(buffer, 2, 4).string(), /truncated frame/);
  });

  it('no read on random bytes throws anything but MalformedResponseError', () => {
    const reads: ((source: Reader) => unknown)[] = [
      (source) => source.int8(),
      (source) => source.int16(),
      (source) => source.uint16(),
      (source) => source.int32(),
      (source) => source.uint32(),
      (source) => source.int64(),
      (source) => source.float64(),
      (source) => source.unsignedVarInt(),
      (source) => source.varInt(),
      (source) => source.varLong(),
      (source) => source.uuid(),
      (source) => source.string(),
      (source) => source.compactString(),
      (source) => source.bytes(),
      (source) => source.compactBytes(),
      (source) => source.arrayLength(),
      (source) => source.compactArrayLength(),
    ];
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 24 }),
        fc.array(fc.integer({ min: 0, max: reads.length - 1 }), { minLength: 1, maxLength: 8 }),
        (bytes, sequence) => {
          const source = new Reader(Buffer.from(bytes));
          try {
            for (const index of sequence) reads[index]!(source);
          } catch (error) {
            assert.ok(error instanceof MalformedResponseError, String(error));
          }
          assert.ok(source.offset <= source.end, 'never past the end');
        },
      ),
      { numRuns: 1000, seed: 106 },
    );
  });
});

describe('Writer', () => {
  it('grows past its initial size and keeps what it wrote', () => {
    const writer = new Writer(1);
    for (let index = 0; index < 1000; index++) writer.int32(index);
    const bytes = writer.finish();
    assert.equal(bytes.length, 4000);
    assert.equal(bytes.readInt32BE(3996), 999);
    assert.equal(bytes.readInt32BE(0), 0);
  });

  it('int32At patches an earlier length prefix', () => {
    const writer = new Writer(2);
    writer.int32(0).compactString('abc');
    writer.int32At(0, writer.offset - 4);
    assert.equal(writer.finish().toString('hex'), '0000000404616263');
  });
});
