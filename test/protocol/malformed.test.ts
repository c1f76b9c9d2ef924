// Every response decoder (every API, every version) fed truncated, padded, mutated and random frames
// either returns a value or throws MalformedResponseError: never a RangeError or TypeError, and huge
// or negative declared lengths are refused before anything is allocated or looped over. Truncated
// frames are refused; bytes after a complete response are ignored, as Java and librdkafka ignore them.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { MalformedResponseError } from '../../src/errors/kafka-error.js';
import { type ApiName, type ApiTypes, apiSpecs } from '../../src/protocol/apis/index.js';
import { decodeRequest, decodeResponse, encodeRequest, encodeResponse } from '../../src/protocol/frame.js';
import { type MessageSpec, rangeBounds } from '../../src/protocol/schema.js';
import { messageArbitrary } from './arbitrary.js';

const apiNames = Object.keys(apiSpecs) as ApiName[];
const MAX_PREFIXES = 200;
const MUTATION_POSITIONS = 96;
const RANDOM_RUNS = 40;

function versionsOf(spec: MessageSpec): number[] {
  const [low, high] = rangeBounds(spec.validVersions);
  return Array.from({ length: high - low + 1 }, (_, index) => low + index);
}

function seedOf(text: string): number {
  let hash = 0x811c9dc5;
  for (const char of text) hash = Math.imul(hash ^ char.charCodeAt(0), 0x01000193);
  return hash | 0;
}

function describeFrame(api: ApiName, version: number, frame: Buffer): string {
  const shown = frame.length > 96 ? `${frame.subarray(0, 96).toString('hex')}...` : frame.toString('hex');
  return `${api} v${version} response, ${frame.length} bytes: ${shown}`;
}

/** Decodes `frame`: 'value' or 'malformed'; any other error fails the test with the frame shown. */
function outcome(api: ApiName, version: number, frame: Buffer): 'value' | 'malformed' {
  try {
    decodeResponse(api, version, frame);
    return 'value';
  } catch (error) {
    if (error instanceof MalformedResponseError && (error as MalformedResponseError).code === 'MALFORMED_RESPONSE') {
      return 'malformed';
    }
    const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    assert.fail(`${describeFrame(api, version, frame)} threw ${detail}`);
  }
}

function expectMalformed(api: ApiName, version: number, frame: Buffer, why: string): void {
  assert.equal(outcome(api, version, frame), 'malformed', `${why}: ${describeFrame(api, version, frame)}`);
}

/** Valid response frames (without size prefix) of `api` at `version`: a small one and the largest of a sample. */
function validFrames(api: ApiName, version: number): Buffer[] {
  const spec = apiSpecs[api].response;
  const values = fc.sample(messageArbitrary(spec, version, { maxArrayLength: 2, maxStringLength: 6, maxBytesLength: 6 }), {
    seed: seedOf(`${api}@${version}`),
    numRuns: 8,
  });
  const frames = values.map((value, index) =>
    encodeResponse(api, version, 0x01020304 + index, value as ApiTypes[typeof api]['response']).subarray(4),
  );
  frames.sort((left, right) => left.length - right.length);
  return [frames[0]!, frames[frames.length - 1]!];
}

/** All prefix lengths below `length`, or at most MAX_PREFIXES of them (the first and last ones, then evenly spread). */
function prefixLengths(length: number): number[] {
  if (length <= MAX_PREFIXES) return Array.from({ length }, (_, index) => index);
  const chosen = new Set<number>();
  for (let index = 0; index < 50; index++) chosen.add(index);
  for (let index = length - 50; index < length; index++) chosen.add(index);
  const step = (length - 100) / (MAX_PREFIXES - 100);
  for (let index = 0; chosen.size < MAX_PREFIXES; index++) chosen.add(50 + Math.floor(index * step));
  return [...chosen].sort((left, right) => left - right);
}

/** Byte patterns that, written over a length field, declare huge, negative or over-long lengths. */
const PATCHES: readonly Buffer[] = [
  Buffer.from('7fff', 'hex'), // int16 max: a string longer than any frame
  Buffer.from('fffe', 'hex'), // int16 -2: a negative string length
  Buffer.from('8000', 'hex'), // int16 min
  Buffer.from('ffff', 'hex'), // int16 -1: null where it may not be
  Buffer.from('7fffffff', 'hex'), // int32 max: a huge array or bytes length
  Buffer.from('fffffffe', 'hex'), // int32 -2
  Buffer.from('80000000', 'hex'), // int32 min
  Buffer.from('ffffffff', 'hex'), // int32 -1
  Buffer.from('ffffffff0f', 'hex'), // unsigned varint 2^32 - 1: a huge compact length
  Buffer.from('8080808008', 'hex'), // unsigned varint 2^31
  Buffer.from('ffffffffff', 'hex'), // an unsigned varint longer than 5 bytes
  Buffer.from('00', 'hex'), // compact null where it may not be
  Buffer.from('ff', 'hex'),
];

function patched(frame: Buffer, position: number, patch: Buffer): Buffer {
  const copy = Buffer.from(frame);
  patch.copy(copy, position, 0, Math.min(patch.length, copy.length - position));
  return copy;
}

function mutationPositions(length: number): number[] {
  if (length <= MUTATION_POSITIONS) return Array.from({ length }, (_, index) => index);
  return Array.from({ length: MUTATION_POSITIONS }, (_, index) => Math.floor((index * length) / MUTATION_POSITIONS));
}

describe('every response decoder, every version, on malformed frames', () => {
  for (const api of apiNames) {
    describe(api, () => {
      for (const version of versionsOf(apiSpecs[api].response)) {
        it(`v${version}`, { timeout: 30_000 }, () => {
          const frames = validFrames(api, version);
          for (const frame of frames) {
            assert.equal(outcome(api, version, frame), 'value', 'the valid frame decodes');

            // Every truncation (or up to MAX_PREFIXES of them) is refused as malformed.
            for (const length of prefixLengths(frame.length)) {
              expectMalformed(api, version, frame.subarray(0, length), `prefix of ${length} bytes`);
            }

            // Bytes after a complete response are ignored, and reported: the value is the frame's own.
            const value = decodeResponse(api, version, frame);
            for (const tail of [Buffer.from([0]), Buffer.from('deadbeefcafe', 'hex')]) {
              const heard: number[] = [];
              const padded = decodeResponse(api, version, Buffer.concat([frame, tail]), (_api, _version, count) => heard.push(count));
              assert.deepStrictEqual(padded, value, `${tail.length} trailing bytes: ${describeFrame(api, version, frame)}`);
              assert.deepEqual(heard, [tail.length]);
            }

            // Huge, negative or over-long lengths written anywhere: a value or MalformedResponseError.
            for (const position of mutationPositions(frame.length)) {
              for (const patch of PATCHES) outcome(api, version, patched(frame, position, patch));
            }
          }

          const [, large] = frames;
          fc.assert(
            fc.property(
              fc.oneof(
                // Random bytes.
                fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes)),
                // A valid beginning, then random bytes.
                fc
                  .tuple(fc.nat({ max: large!.length }), fc.uint8Array({ maxLength: 32 }))
                  .map(([cut, tail]) => Buffer.concat([large!.subarray(0, cut), tail])),
                // A valid frame with a few bytes changed.
                fc
                  .array(fc.tuple(fc.nat({ max: Math.max(0, large!.length - 1) }), fc.integer({ min: 0, max: 255 })), {
                    minLength: 1,
                    maxLength: 4,
                  })
                  .map((edits) => {
                    const copy = Buffer.from(large!);
                    for (const [position, byte] of edits) if (position < copy.length) copy[position] = byte;
                    return copy;
                  }),
              ),
              (frame) => {
                outcome(api, version, frame);
              },
            ),
            { numRuns: RANDOM_RUNS, seed: seedOf(`random ${api}@${version}`) },
          );
        });
      }
    });
  }
});

// ---- Targeted frames ---------------------------------------------------------------------------------------

const hex = (text: string): Buffer => Buffer.from(text.replace(/\/\/[^\n]*/g, '').replace(/\s+/g, ''), 'hex');

/** Throws MalformedResponseError, with a message matching `message`. */
function expectRefused(api: ApiName, version: number, frame: Buffer, message: RegExp): void {
  assert.throws(
    () => decodeResponse(api, version, frame),
    (error: unknown) => error instanceof MalformedResponseError && message.test((error as Error).message),
    describeFrame(api, version, frame),
  );
}

describe('declared lengths beyond the frame or below -1', () => {
  it('a huge int32 array count is refused before any element is read', () => {
    // Metadata v0: correlation id, brokers count 0x7fffffff, and only 3 bytes after it.
    expectRefused('Metadata', 0, hex('00000001 7fffffff 000000'), /array length 2147483647 exceeds frame/);
    // SaslHandshake v1: mechanisms count 0x7fffffff.
    expectRefused('SaslHandshake', 1, hex('00000001 0000 7fffffff'), /array length .* exceeds frame/);
  });

  it('a huge compact array count (unsigned varint 2^32 - 1) is refused', () => {
    // Metadata v12: correlation id, header tags, throttle time, brokers compact count.
    expectRefused('Metadata', 12, hex('00000001 00 00000000 ffffffff0f 00'), /array length .* exceeds frame/);
    // ApiVersions v3: apiKeys compact count right after the error code (response header v0).
    expectRefused('ApiVersions', 3, hex('00000001 0000 ffffffff0f'), /array length .* exceeds frame/);
  });

  it('an array count equal to the bytes left but with elements larger than one byte runs out of frame', () => {
    expectRefused('Metadata', 0, hex('00000001 00000004 00000001'), /truncated frame/);
  });

  it('a huge string length is refused', () => {
    // Produce v3: one topic whose name claims 32767 bytes.
    expectRefused('Produce', 3, hex('00000001 00000001 7fff 6576'), /truncated frame/);
    // Produce v12: compact name length 2^32 - 2.
    expectRefused('Produce', 12, hex('00000001 00 02 ffffffff0f 65'), /truncated frame/);
  });

  it('a huge bytes length is refused', () => {
    // SaslAuthenticate v0: errorCode, errorMessage null, authBytes of 0x7fffffff bytes.
    expectRefused('SaslAuthenticate', 0, hex('00000001 0000 ffff 7fffffff 00'), /truncated frame/);
    // SaslAuthenticate v2: compact authBytes of 2^32 - 2 bytes.
    expectRefused('SaslAuthenticate', 2, hex('00000001 00 0000 00 ffffffff0f 00'), /truncated frame/);
  });

  it('negative lengths below -1 are refused', () => {
    expectRefused('Metadata', 0, hex('00000001 fffffffe'), /negative array length -2/);
    expectRefused('Metadata', 0, hex('00000001 80000000'), /negative array length/);
    expectRefused('Metadata', 0, hex('00000001 00000001 00000001 fffe'), /negative string length -2/);
    expectRefused('SaslAuthenticate', 0, hex('00000001 0000 ffff fffffffe'), /negative bytes length -2/);
    expectRefused('SaslAuthenticate', 0, hex('00000001 0000 8000 00000000'), /negative string length/);
  });

  it('-1 (null) where the version does not allow null is refused', () => {
    // Metadata v0: brokers may not be null; a broker host may not be null.
    expectRefused('Metadata', 0, hex('00000001 ffffffff 00000000'), /null/);
    expectRefused('Metadata', 0, hex('00000001 00000001 00000001 ffff 00002384 00000000'), /null/);
    // Produce v12: compact null (00) for the responses array and for a topic name.
    expectRefused('Produce', 12, hex('00000001 00 00 00000000 00'), /null/);
    expectRefused('Produce', 12, hex('00000001 00 02 00 01 00 00000000 00'), /null/);
  });

  it('varints longer than 5 bytes are refused', () => {
    expectRefused('Metadata', 12, hex('00000001 00 00000000 ffffffffffff'), /varint longer than 5 bytes/);
    expectRefused('Metadata', 12, hex('00000001 8080808080 80'), /varint longer than 5 bytes/);
  });

  it('frames shorter than a correlation id are refused', () => {
    for (const frame of [hex(''), hex('00'), hex('000000')]) expectRefused('ApiVersions', 0, frame, /truncated frame/);
  });
});

describe('tagged-field sections', () => {
  it('a tagged field larger than the frame is refused', () => {
    // ApiVersions v3: errorCode, no apiKeys, throttle time, 1 tagged field (tag 1) claiming 200 bytes.
    expectRefused('ApiVersions', 3, hex('00000001 0000 01 00000000 01 01 c801 00'), /exceeds frame/);
    // Same with an unknown tag.
    expectRefused('ApiVersions', 3, hex('00000001 0000 01 00000000 01 09 c801 00'), /truncated frame/);
  });

  it('tags out of order or repeated are refused', () => {
    const epoch = '0000000000000007';
    expectRefused('ApiVersions', 3, hex(`00000001 0000 01 00000000 02 03 01 01 01 08 ${epoch}`), /out of order/);
    expectRefused('ApiVersions', 3, hex(`00000001 0000 01 00000000 02 01 08 ${epoch} 01 08 ${epoch}`), /out of order/);
  });

  it('a huge tagged-field count runs out of frame instead of looping', () => {
    expectRefused('ApiVersions', 3, hex('00000001 0000 01 00000000 ffffffff0f 00 00'), /truncated frame/);
    // In the response header v1 of Metadata v12.
    expectRefused('Metadata', 12, hex('00000001 ffffffff0f 05 00'), /truncated frame/);
  });

  it('a well-formed unknown tag in the response header is skipped', () => {
    const frame = hex('00000001 01 2a 02 abcd  00000000 01 00 00000000 01 00');
    assert.deepStrictEqual(decodeResponse('Metadata', 12, frame), {
      throttleTimeMs: 0,
      brokers: [],
      clusterId: null,
      controllerId: 0,
      topics: [],
    });
  });
});

describe('bytes after the last field of a response', () => {
  // Metadata v12: correlation id, header tags, throttle time, no brokers, null cluster id,
  // controller 1, no topics, body tags; then the body tags once more, as librdkafka's mock writes them.
  const complete = '00000007 00 00000000 01 00 00000001 01 00';
  const expected = { throttleTimeMs: 0, brokers: [], clusterId: null, controllerId: 1, topics: [] };

  it('are ignored: the response decodes as without them, and the count is reported', () => {
    const heard: [string, number, number][] = [];
    const value = decodeResponse('Metadata', 12, hex(`${complete} 00`), (api, version, count) => heard.push([api, version, count]));
    assert.deepStrictEqual(value, expected);
    assert.deepEqual(heard, [['Metadata', 12, 1]]);
    assert.deepStrictEqual(decodeResponse('Metadata', 12, hex(`${complete} 00`)), expected, 'without a listener too');
  });

  it('are not reported when there are none', () => {
    const heard: number[] = [];
    assert.deepStrictEqual(decodeResponse('Metadata', 12, hex(complete), (_api, _version, count) => heard.push(count)), expected);
    assert.deepEqual(heard, []);
  });

  it('do not make a truncated response acceptable', () => {
    // The body tags are missing: the frame ends before the last field.
    expectRefused('Metadata', 12, hex('00000007 00 00000000 01 00 00000001 01'), /truncated frame/);
    // A topic is announced, and the frame ends inside it.
    expectRefused('Metadata', 12, hex('00000007 00 00000000 01 00 00000001 02 00 00'), /truncated frame|null/);
  });
});

describe('the broker-side request decoder on random frames', () => {
  it('returns a request or throws MalformedResponseError', { timeout: 30_000 }, () => {
    const valid = encodeRequest('Produce', 9, 1, 'kp', {
      transactionalId: 'tx',
      acks: -1,
      timeoutMs: 1000,
      topicData: [{ name: 'events', partitionData: [{ index: 0, records: Buffer.from('abc') }] }],
    }).subarray(4);
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 48 }).map((bytes) => Buffer.from(bytes)),
          fc
            .tuple(fc.nat({ max: valid.length }), fc.uint8Array({ maxLength: 16 }))
            .map(([cut, tail]) => Buffer.concat([valid.subarray(0, cut), tail])),
        ),
        (frame) => {
          try {
            decodeRequest(frame);
          } catch (error) {
            if (!(error instanceof MalformedResponseError)) {
              assert.fail(`request ${frame.toString('hex')} threw ${String(error)}`);
            }
          }
        },
      ),
      { numRuns: 500, seed: 7 },
    );
  });
});
