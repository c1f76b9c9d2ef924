// Every request and response of every API, at every version of its table: decoding what the encoder
// wrote gives back the same value and consumes exactly the bytes written; whole frames (size prefix,
// request header v1/v2, response header v0/v1) survive client -> broker and broker -> client.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { type ApiName, type ApiTypes, apiSpecs } from '../../src/protocol/apis/index.js';
import { compileMessage } from '../../src/protocol/compile.js';
import { decodeRequest, decodeResponse, encodeRequest, encodeResponse } from '../../src/protocol/frame.js';
import { Reader } from '../../src/protocol/reader.js';
import { type MessageSpec, rangeBounds } from '../../src/protocol/schema.js';
import { Writer } from '../../src/protocol/writer.js';
import { messageArbitrary } from './arbitrary.js';

const RUNS = 25;
const apiNames = Object.keys(apiSpecs) as ApiName[];

/** A fixed seed per (message, version), so a failure names a reproducible case. */
function seedOf(name: string, version: number): number {
  let hash = 0x811c9dc5;
  for (const char of `${name}@${version}`) hash = Math.imul(hash ^ char.charCodeAt(0), 0x01000193);
  return hash | 0;
}

function versionsOf(spec: MessageSpec): number[] {
  const [low, high] = rangeBounds(spec.validVersions);
  return Array.from({ length: high - low + 1 }, (_, index) => low + index);
}

function checkBodyRoundTrip(spec: MessageSpec, version: number): void {
  const codec = compileMessage(spec, version);
  fc.assert(
    fc.property(messageArbitrary(spec, version), (value) => {
      const writer = new Writer(16);
      codec.encode(writer, value);
      const bytes = writer.finish();
      // Decode from a copy placed inside a larger buffer, so that reads beyond the window would show.
      const padded = Buffer.alloc(bytes.length + 8, 0xee);
      bytes.copy(padded, 3);
      const reader = new Reader(padded, 3, 3 + bytes.length);
      const decoded = codec.decode(reader);
      assert.equal(reader.remaining(), 0, 'the decoder consumed exactly the bytes written');
      assert.deepStrictEqual(decoded, value);
      // Encoding the decoded value again gives the same bytes.
      const again = new Writer(16);
      codec.encode(again, decoded);
      assert.deepStrictEqual(again.finish(), bytes);
    }),
    { numRuns: RUNS, seed: seedOf(spec.name, version) },
  );
}

describe('body round trip of every message at every version', () => {
  for (const api of apiNames) {
    describe(api, () => {
      for (const kind of ['request', 'response'] as const) {
        const spec = apiSpecs[api][kind];
        for (const version of versionsOf(spec)) {
          it(`${kind} v${version}`, () => checkBodyRoundTrip(spec, version));
        }
      }
    });
  }

  it('covers every API of the table, both directions, every version', () => {
    let messages = 0;
    for (const api of apiNames) {
      assert.equal(apiSpecs[api].request.validVersions, apiSpecs[api].response.validVersions, api);
      messages += versionsOf(apiSpecs[api].request).length + versionsOf(apiSpecs[api].response).length;
    }
    assert.ok(apiNames.length >= 14, `${apiNames.length} APIs`);
    assert.ok(messages > 300, `${messages} (message, version) pairs`);
  });
});

// Frames: a sample of APIs and versions, including ApiVersions (whose response header stays v0 even
// in flexible versions) and flexible versions (request header v2, response header v1).
const FRAME_CASES: readonly (readonly [ApiName, number])[] = [
  ['ApiVersions', 0],
  ['ApiVersions', 2],
  ['ApiVersions', 3],
  ['ApiVersions', 4],
  ['Produce', 3],
  ['Produce', 8],
  ['Produce', 9],
  ['Produce', 11],
  ['Produce', 12],
  ['Metadata', 0],
  ['Metadata', 8],
  ['Metadata', 12],
  ['InitProducerId', 1],
  ['InitProducerId', 5],
  ['FindCoordinator', 2],
  ['FindCoordinator', 6],
  ['AddPartitionsToTxn', 3],
  ['AddPartitionsToTxn', 5],
  ['EndTxn', 5],
  ['TxnOffsetCommit', 4],
  ['SaslHandshake', 1],
  ['SaslAuthenticate', 0],
  ['SaslAuthenticate', 2],
  ['Fetch', 4],
  ['Fetch', 17],
];

describe('whole frames', () => {
  for (const [api, version] of FRAME_CASES) {
    it(`${api} v${version}: encodeRequest -> decodeRequest`, () => {
      const spec = apiSpecs[api].request;
      fc.assert(
        fc.property(
          messageArbitrary(spec, version),
          fc.integer({ min: -0x80000000, max: 0x7fffffff }),
          fc.option(fc.string({ unit: 'grapheme', maxLength: 10 }), { nil: null }),
          (body, correlationId, clientId) => {
            const frame = encodeRequest(api, version, correlationId, clientId, body as ApiTypes[typeof api]['request']);
            assert.equal(frame.readInt32BE(0), frame.length - 4, 'size prefix');
            const decoded = decodeRequest(frame.subarray(4));
            assert.deepStrictEqual(decoded, {
              apiKey: apiSpecs[api].apiKey,
              apiVersion: version,
              correlationId,
              clientId,
              api,
              body,
            });
            // Re-encoding what the broker read gives the same frame, so nothing was left unread.
            const again = encodeRequest(
              api,
              version,
              correlationId,
              clientId,
              decoded.body as ApiTypes[typeof api]['request'],
            );
            assert.deepStrictEqual(again, frame);
          },
        ),
        { numRuns: RUNS, seed: seedOf(`frame-request-${api}`, version) },
      );
    });

    it(`${api} v${version}: encodeResponse -> decodeResponse`, () => {
      const spec = apiSpecs[api].response;
      fc.assert(
        fc.property(messageArbitrary(spec, version), fc.integer({ min: -0x80000000, max: 0x7fffffff }), (body, correlationId) => {
          const frame = encodeResponse(api, version, correlationId, body as ApiTypes[typeof api]['response']);
          assert.equal(frame.readInt32BE(0), frame.length - 4, 'size prefix');
          assert.equal(frame.readInt32BE(4), correlationId, 'correlation id right after the size');
          const decoded = decodeResponse(api, version, frame.subarray(4));
          assert.deepStrictEqual(decoded, body);
        }),
        { numRuns: RUNS, seed: seedOf(`frame-response-${api}`, version) },
      );
    });
  }

  it('a flexible request frame carries header v2: non-compact clientId, then an empty tag section', () => {
    const frame = encodeRequest('Metadata', 12, 7, 'ab', { topics: null });
    const afterClientId = 4 + 2 + 2 + 4 + 2 + 2;
    assert.equal(frame.readInt16BE(4 + 2 + 2 + 4), 2, 'clientId length is an int16, not a varint');
    assert.equal(frame.subarray(afterClientId - 2, afterClientId).toString(), 'ab');
    assert.equal(frame[afterClientId], 0x00, 'empty header tagged-field section');
    assert.equal(decodeRequest(frame.subarray(4)).body?.topics, null);
  });

  it('a flexible response frame carries header v1 (tag section after the correlation id), except ApiVersions', () => {
    const metadata = encodeResponse('Metadata', 12, 9, { brokers: [], topics: [] });
    assert.equal(metadata[8], 0x00, 'Metadata v12: tag section after the correlation id');
    const apiVersions = encodeResponse('ApiVersions', 4, 9, { errorCode: 35, apiKeys: [] });
    assert.equal(apiVersions.readInt16BE(8), 35, 'ApiVersions v4: the error code right after the correlation id');
  });
});
