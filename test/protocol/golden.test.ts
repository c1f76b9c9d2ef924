// Golden bytes, written by hand from the message schemas and the protocol guide, for the lowest and
// highest version of every API the producer sends: the request frames encodeRequest writes (size,
// header v1/v2, body) and the response values decodeResponse reads from hand-made frames.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ApiName, ApiTypes } from '../../src/protocol/apis/index.js';
import { decodeRequest, decodeResponse, encodeRequest, encodeResponse } from '../../src/protocol/frame.js';

// ---- Tiny wire helpers, independent of src/protocol/writer.ts --------------------------------------

/** Bytes from hex text; whitespace and `// comments` are ignored. */
function hex(text: string): Buffer {
  return Buffer.from(text.replace(/\/\/[^\n]*/g, '').replace(/\s+/g, ''), 'hex');
}
const cat = (...parts: Buffer[]): Buffer => Buffer.concat(parts);
const int8 = (value: number): Buffer => Buffer.from([value & 0xff]);
const bool = (value: boolean): Buffer => int8(value ? 1 : 0);
const int16 = (value: number): Buffer => Buffer.from([(value >> 8) & 0xff, value & 0xff]);
const int32 = (value: number): Buffer =>
  Buffer.from([(value >>> 24) & 0xff, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff]);
function int64(value: bigint): Buffer {
  let unsigned = BigInt.asUintN(64, value);
  const out = new Array<number>(8);
  for (let index = 7; index >= 0; index--) {
    out[index] = Number(unsigned & 0xffn);
    unsigned >>= 8n;
  }
  return Buffer.from(out);
}
/** UNSIGNED_VARINT: 7 bits a byte, least significant first, high bit set on all but the last. */
function uvarint(value: number): Buffer {
  const out: number[] = [];
  while (value >= 0x80) {
    out.push((value % 0x80) | 0x80);
    value = Math.floor(value / 0x80);
  }
  out.push(value);
  return Buffer.from(out);
}
const utf8 = (text: string): Buffer => Buffer.from(text, 'utf8');
/** STRING / NULLABLE_STRING: int16 byte length (-1 for null), then UTF-8. */
const str = (text: string | null): Buffer => (text === null ? int16(-1) : cat(int16(utf8(text).length), utf8(text)));
/** COMPACT_(NULLABLE_)STRING: unsigned varint byte length + 1 (0 for null), then UTF-8. */
const compactStr = (text: string | null): Buffer =>
  text === null ? uvarint(0) : cat(uvarint(utf8(text).length + 1), utf8(text));
/** BYTES / NULLABLE_BYTES: int32 length (-1 for null), then the bytes. */
const bytes = (data: Buffer | null): Buffer => (data === null ? int32(-1) : cat(int32(data.length), data));
/** COMPACT_(NULLABLE_)BYTES: unsigned varint length + 1 (0 for null), then the bytes. */
const compactBytes = (data: Buffer | null): Buffer => (data === null ? uvarint(0) : cat(uvarint(data.length + 1), data));
/** ARRAY: int32 count, then the elements. */
const array = (...elements: Buffer[]): Buffer => cat(int32(elements.length), ...elements);
/** COMPACT_ARRAY: unsigned varint count + 1, then the elements. */
const compactArray = (...elements: Buffer[]): Buffer => cat(uvarint(elements.length + 1), ...elements);
/** UUID: the 16 bytes of the 8-4-4-4-12 hex form. */
const uuid = (text: string): Buffer => hex(text.replace(/-/g, ''));
/** TAGGED_FIELDS: unsigned varint count, then per field: tag, size (unsigned varints), data. */
const taggedFields = (...fields: [number, Buffer][]): Buffer =>
  cat(uvarint(fields.length), ...fields.map(([tag, data]) => cat(uvarint(tag), uvarint(data.length), data)));
const NO_TAGS = hex('00');
/** A flexible struct: its fields, then an empty tagged-field section. */
const flex = (...fields: Buffer[]): Buffer => cat(...fields, NO_TAGS);

/** Request header v1: api key, api version (int16), correlation id (int32), client id (nullable int16 string). */
const requestHeaderV1 = (apiKey: number, version: number, correlationId: number, clientId: string | null): Buffer =>
  cat(int16(apiKey), int16(version), int32(correlationId), str(clientId));
/** Request header v2: header v1 (the client id stays a non-compact string), then an empty tag section. */
const requestHeaderV2 = (apiKey: number, version: number, correlationId: number, clientId: string | null): Buffer =>
  cat(requestHeaderV1(apiKey, version, correlationId, clientId), NO_TAGS);
/** Response header v0: the correlation id. */
const responseHeaderV0 = (correlationId: number): Buffer => int32(correlationId);
/** Response header v1: the correlation id, then an empty tag section. */
const responseHeaderV1 = (correlationId: number): Buffer => cat(int32(correlationId), NO_TAGS);
/** A whole frame: int32 size of what follows, then header and body. */
const sized = (...parts: Buffer[]): Buffer => {
  const body = cat(...parts);
  return cat(int32(body.length), body);
};

// ---- Checks ------------------------------------------------------------------------------------------

const CLIENT = 'kp';

/** encodeRequest writes exactly `expected`, and a broker reading `expected` finds the same request. */
function checkRequest<A extends ApiName>(
  api: A,
  version: number,
  correlationId: number,
  clientId: string | null,
  body: ApiTypes[A]['request'],
  expected: Buffer,
): void {
  const actual = encodeRequest(api, version, correlationId, clientId, body);
  assert.equal(actual.toString('hex'), expected.toString('hex'));
  const decoded = decodeRequest(expected.subarray(4));
  assert.equal(decoded.api, api);
  assert.equal(decoded.apiVersion, version);
  assert.equal(decoded.correlationId, correlationId);
  assert.equal(decoded.clientId, clientId);
  assert.deepStrictEqual(decoded.body, body);
}

/** decodeResponse reads `frame` (no size prefix) as `expected`; a broker writing `expected` writes `frame`. */
function checkResponse<A extends ApiName>(
  api: A,
  version: number,
  correlationId: number,
  frame: Buffer,
  expected: ApiTypes[A]['response'],
): void {
  assert.deepStrictEqual(decodeResponse(api, version, frame), expected);
  assert.equal(encodeResponse(api, version, correlationId, expected).toString('hex'), sized(frame).toString('hex'));
}

// API keys, from the schemas.
const PRODUCE = 0;
const METADATA = 3;
const FIND_COORDINATOR = 10;
const SASL_HANDSHAKE = 17;
const API_VERSIONS = 18;
const INIT_PRODUCER_ID = 22;
const ADD_PARTITIONS_TO_TXN = 24;
const ADD_OFFSETS_TO_TXN = 25;
const END_TXN = 26;
const TXN_OFFSET_COMMIT = 28;
const SASL_AUTHENTICATE = 36;
const GET_TELEMETRY_SUBSCRIPTIONS = 71;
const PUSH_TELEMETRY = 72;

const RECORDS = hex('010203');
const ZERO_UUID = '00000000-0000-0000-0000-000000000000';
const TOPIC_ID = 'f0e1d2c3-b4a5-9687-7869-5a4b3c2d1e0f';

// ---- Produce -------------------------------------------------------------------------------------------

describe('Produce', () => {
  it('request v3 (header v1), spelled out byte by byte', () => {
    const expected = hex(`
      00000037                    // size: 55 bytes follow
      0000 0003 0000002a          // api key 0, version 3, correlation id 42
      0002 6b70                   // client id "kp"
      ffff                        // transactionalId: null
      ffff                        // acks: -1
      00007530                    // timeoutMs: 30000
      00000001                    // topicData: 1 topic
        0006 6576656e7473         //   name "events"
        00000002                  //   partitionData: 2 partitions
          00000000 00000003 010203 //    index 0, records: 3 bytes
          00000001 ffffffff       //     index 1, records: null
    `);
    checkRequest(
      'Produce',
      3,
      42,
      CLIENT,
      {
        transactionalId: null,
        acks: -1,
        timeoutMs: 30000,
        topicData: [{ name: 'events', partitionData: [{ index: 0, records: RECORDS }, { index: 1, records: null }] }],
      },
      expected,
    );
  });

  const bigRecords = Buffer.alloc(200, 0x5a);
  const v12Body = {
    transactionalId: 'tx-1',
    acks: 1,
    timeoutMs: 1000,
    topicData: [
      {
        name: 'events',
        partitionData: [
          { index: 0, records: RECORDS },
          { index: 2, records: null },
          { index: 3, records: bigRecords },
        ],
      },
    ],
  };
  const v12BodyBytes = cat(
    hex('05 74782d31'), // transactionalId: compact "tx-1" (length 4 + 1)
    int16(1), // acks
    int32(1000), // timeoutMs
    hex('02'), // topicData: compact array of 1
    hex('07 6576656e7473'), // name: compact "events"
    hex('04'), // partitionData: compact array of 3
    flex(int32(0), hex('04 010203')), // index 0, records: compact bytes of 3
    flex(int32(2), hex('00')), // index 2, records: null
    flex(int32(3), hex('c901'), bigRecords), // index 3, records: 200 bytes, length varint 201 = c9 01
    NO_TAGS, // end of the topic
    NO_TAGS, // end of the request
  );

  it('request v12 (header v2, compact encodings, tag sections, two-byte varint length)', () => {
    const expected = sized(requestHeaderV2(PRODUCE, 12, 43, CLIENT), v12BodyBytes);
    assert.equal(expected.subarray(4, 17).toString('hex'), '0000000c0000002b00026b7000', 'header v2 as in the guide');
    checkRequest('Produce', 12, 43, CLIENT, v12Body, expected);
  });

  it('request v12 has the body of v11', () => {
    const v11 = encodeRequest('Produce', 11, 43, CLIENT, v12Body);
    const v12 = encodeRequest('Produce', 12, 43, CLIENT, v12Body);
    assert.deepStrictEqual(v11.subarray(8), v12.subarray(8));
    assert.equal(v11.readInt16BE(6), 11);
    assert.equal(v12.readInt16BE(6), 12);
  });

  it('response v3 (header v0)', () => {
    const frame = hex(`
      0000002a                    // correlation id 42
      00000001                    // responses: 1 topic
        0006 6576656e7473         //   name "events"
        00000001                  //   partitionResponses: 1
          00000000                //     index 0
          0000                    //     errorCode 0
          0000000000000064        //     baseOffset 100
          ffffffffffffffff        //     logAppendTimeMs -1
      00000000                    // throttleTimeMs 0
    `);
    checkResponse('Produce', 3, 42, frame, {
      responses: [
        {
          name: 'events',
          partitionResponses: [{ index: 0, errorCode: 0, baseOffset: 100n, logAppendTimeMs: -1n }],
        },
      ],
      throttleTimeMs: 0,
    });
  });

  it('response v12 (header v1, tagged currentLeader and nodeEndpoints, an unknown tag kept)', () => {
    const frame = cat(
      responseHeaderV1(43),
      compactArray(
        cat(
          compactStr('events'),
          compactArray(
            cat(
              int32(0), // index
              int16(6), // errorCode NOT_LEADER_OR_FOLLOWER
              int64(-1n), // baseOffset
              int64(-1n), // logAppendTimeMs
              int64(0n), // logStartOffset
              compactArray(flex(int32(3), compactStr('bad'))), // recordErrors
              compactStr(null), // errorMessage
              taggedFields([0, flex(int32(2), int32(7))]), // currentLeader: leaderId 2, epoch 7
            ),
          ),
          NO_TAGS,
        ),
      ),
      int32(100), // throttleTimeMs
      taggedFields(
        [0, compactArray(flex(int32(2), compactStr('b2'), int32(9092), compactStr(null)))], // nodeEndpoints
        [7, hex('beef')], // a tag this package does not know
      ),
    );
    // The currentLeader entry spelled out: tag 0, size 9, leaderId, leaderEpoch, empty tags.
    assert.ok(frame.includes(hex('01 00 09 00000002 00000007 00')));
    checkResponse('Produce', 12, 43, frame, {
      responses: [
        {
          name: 'events',
          partitionResponses: [
            {
              index: 0,
              errorCode: 6,
              baseOffset: -1n,
              logAppendTimeMs: -1n,
              logStartOffset: 0n,
              recordErrors: [{ batchIndex: 3, batchIndexErrorMessage: 'bad' }],
              errorMessage: null,
              currentLeader: { leaderId: 2, leaderEpoch: 7 },
            },
          ],
        },
      ],
      throttleTimeMs: 100,
      nodeEndpoints: [{ nodeId: 2, host: 'b2', port: 9092, rack: null }],
      unknownTaggedFields: [{ tag: 7, data: hex('beef') }],
    });
  });

  it('response v12 without tagged fields gets the schema defaults', () => {
    const frame = cat(
      responseHeaderV1(44),
      compactArray(
        flex(
          compactStr('t'),
          compactArray(
            flex(int32(1), int16(0), int64(5n), int64(-1n), int64(0n), compactArray(), compactStr(null)),
          ),
        ),
      ),
      int32(0),
      NO_TAGS,
    );
    checkResponse('Produce', 12, 44, frame, {
      responses: [
        {
          name: 't',
          partitionResponses: [
            {
              index: 1,
              errorCode: 0,
              baseOffset: 5n,
              logAppendTimeMs: -1n,
              logStartOffset: 0n,
              recordErrors: [],
              errorMessage: null,
              currentLeader: { leaderId: -1, leaderEpoch: -1 },
            },
          ],
        },
      ],
      throttleTimeMs: 0,
      nodeEndpoints: [],
    });
  });
});

// ---- Metadata --------------------------------------------------------------------------------------------

describe('Metadata', () => {
  it('request v0 (header v1, null client id)', () => {
    const expected = hex(`
      00000016                    // size: 22
      0003 0000 00000001          // api key 3, version 0, correlation id 1
      ffff                        // client id: null
      00000001 0006 6576656e7473  // topics: ["events"]
    `);
    checkRequest('Metadata', 0, 1, null, { topics: [{ name: 'events' }] }, expected);
  });

  it('request v12 (header v2, topic ids, nullable names)', () => {
    const expected = sized(
      requestHeaderV2(METADATA, 12, 2, CLIENT),
      compactArray(
        flex(uuid(ZERO_UUID), compactStr('events')),
        flex(uuid(TOPIC_ID), compactStr(null)),
      ),
      bool(false), // allowAutoTopicCreation
      bool(true), // includeTopicAuthorizedOperations (includeClusterAuthorizedOperations is 8-10 only)
      NO_TAGS,
    );
    checkRequest(
      'Metadata',
      12,
      2,
      CLIENT,
      {
        topics: [
          { topicId: ZERO_UUID, name: 'events' },
          { topicId: TOPIC_ID, name: null },
        ],
        allowAutoTopicCreation: false,
        includeTopicAuthorizedOperations: true,
      },
      expected,
    );
  });

  it('request v12 for every topic: a null compact array is a single 00', () => {
    const expected = hex(`
      00000011 0003 000c 00000003 0002 6b70 00  // size 17, header v2
      00                                        // topics: null
      01 00                                     // allowAutoTopicCreation, includeTopicAuthorizedOperations
      00                                        // no tagged fields
    `);
    checkRequest(
      'Metadata',
      12,
      3,
      CLIENT,
      { topics: null, allowAutoTopicCreation: true, includeTopicAuthorizedOperations: false },
      expected,
    );
  });

  it('response v0 (header v0)', () => {
    const frame = hex(`
      00000001                    // correlation id 1
      00000001                    // brokers: 1
        00000001 0002 6231 00002384 // nodeId 1, host "b1", port 9092
      00000001                    // topics: 1
        0000 0006 6576656e7473    //   errorCode 0, name "events"
        00000001                  //   partitions: 1
          0000 00000000 00000001  //     errorCode 0, partitionIndex 0, leaderId 1
          00000002 00000001 00000002 // replicaNodes [1, 2]
          00000001 00000001       //     isrNodes [1]
    `);
    checkResponse('Metadata', 0, 1, frame, {
      brokers: [{ nodeId: 1, host: 'b1', port: 9092 }],
      topics: [
        {
          errorCode: 0,
          name: 'events',
          partitions: [{ errorCode: 0, partitionIndex: 0, leaderId: 1, replicaNodes: [1, 2], isrNodes: [1] }],
        },
      ],
    });
  });

  it('response v12 (header v1)', () => {
    const frame = cat(
      responseHeaderV1(2),
      int32(0), // throttleTimeMs
      compactArray(flex(int32(1), compactStr('b1'), int32(9092), compactStr('r1'))), // brokers
      compactStr('c'), // clusterId
      int32(1), // controllerId
      compactArray(
        flex(
          int16(0), // errorCode
          compactStr('events'),
          uuid(TOPIC_ID),
          bool(false), // isInternal
          compactArray(
            flex(
              int16(0), // errorCode
              int32(0), // partitionIndex
              int32(1), // leaderId
              int32(5), // leaderEpoch
              compactArray(int32(1), int32(2)), // replicaNodes
              compactArray(int32(1)), // isrNodes
              compactArray(), // offlineReplicas
            ),
          ),
          int32(-2147483648), // topicAuthorizedOperations
        ),
      ),
      NO_TAGS,
    );
    checkResponse('Metadata', 12, 2, frame, {
      throttleTimeMs: 0,
      brokers: [{ nodeId: 1, host: 'b1', port: 9092, rack: 'r1' }],
      clusterId: 'c',
      controllerId: 1,
      topics: [
        {
          errorCode: 0,
          name: 'events',
          topicId: TOPIC_ID,
          isInternal: false,
          partitions: [
            {
              errorCode: 0,
              partitionIndex: 0,
              leaderId: 1,
              leaderEpoch: 5,
              replicaNodes: [1, 2],
              isrNodes: [1],
              offlineReplicas: [],
            },
          ],
          topicAuthorizedOperations: -2147483648,
        },
      ],
    });
  });
});

// ---- ApiVersions -----------------------------------------------------------------------------------------

describe('ApiVersions', () => {
  it('request v0 (header v1, empty body)', () => {
    const expected = hex('0000000c 0012 0000 00000003 0002 6b70');
    assert.deepStrictEqual(sized(requestHeaderV1(API_VERSIONS, 0, 3, CLIENT)), expected);
    checkRequest('ApiVersions', 0, 3, CLIENT, {}, expected);
  });

  it('request v4 (header v2)', () => {
    const expected = hex(`
      00000023                          // size 35
      0012 0004 00000004 0002 6b70 00   // header v2
      0f 6b61666b612d70726f6475636572   // clientSoftwareName: compact "kafka-producer"
      06 302e312e30                     // clientSoftwareVersion: compact "0.1.0"
      00                                // no tagged fields
    `);
    checkRequest(
      'ApiVersions',
      4,
      4,
      CLIENT,
      { clientSoftwareName: 'kafka-producer', clientSoftwareVersion: '0.1.0' },
      expected,
    );
  });

  it('response v0 (header v0)', () => {
    const frame = hex(`
      00000003                    // correlation id
      0000                        // errorCode
      00000002                    // apiKeys: 2
        0000 0003 000c            //   Produce 3-12
        0012 0000 0004            //   ApiVersions 0-4
    `);
    checkResponse('ApiVersions', 0, 3, frame, {
      errorCode: 0,
      apiKeys: [
        { apiKey: 0, minVersion: 3, maxVersion: 12 },
        { apiKey: 18, minVersion: 0, maxVersion: 4 },
      ],
    });
  });

  it('response v4: header v0 although the body is flexible, tagged features', () => {
    const frame = cat(
      hex('00000004'), // correlation id, and no tag section in the header
      int16(0), // errorCode
      hex('03 0000 0003 000c 00 0012 0000 0004 00'), // apiKeys: compact array of 2 flexible structs
      int32(0), // throttleTimeMs
      taggedFields(
        [0, compactArray(flex(compactStr('metadata.version'), int16(1), int16(20)))], // supportedFeatures
        [1, int64(42n)], // finalizedFeaturesEpoch
        [3, bool(true)], // zkMigrationReady
      ),
    );
    checkResponse('ApiVersions', 4, 4, frame, {
      errorCode: 0,
      apiKeys: [
        { apiKey: 0, minVersion: 3, maxVersion: 12 },
        { apiKey: 18, minVersion: 0, maxVersion: 4 },
      ],
      throttleTimeMs: 0,
      supportedFeatures: [{ name: 'metadata.version', minVersion: 1, maxVersion: 20 }],
      finalizedFeaturesEpoch: 42n,
      finalizedFeatures: [],
      zkMigrationReady: true,
    });
  });
});

// ---- InitProducerId --------------------------------------------------------------------------------------

describe('InitProducerId', () => {
  it('request v0 (header v1)', () => {
    const expected = hex(`
      00000012 0016 0000 00000005 0002 6b70  // size 18, header v1
      ffff                                   // transactionalId: null
      0000ea60                               // transactionTimeoutMs 60000
    `);
    checkRequest('InitProducerId', 0, 5, CLIENT, { transactionalId: null, transactionTimeoutMs: 60000 }, expected);
  });

  it('request v5 (header v2)', () => {
    const expected = sized(
      requestHeaderV2(INIT_PRODUCER_ID, 5, 6, CLIENT),
      compactStr('tx-1'),
      int32(60000),
      hex('ffffffffffffffff'), // producerId -1
      hex('ffff'), // producerEpoch -1
      NO_TAGS,
    );
    checkRequest(
      'InitProducerId',
      5,
      6,
      CLIENT,
      { transactionalId: 'tx-1', transactionTimeoutMs: 60000, producerId: -1n, producerEpoch: -1 },
      expected,
    );
  });

  it('response v0 (header v0)', () => {
    const frame = hex('00000005 00000000 0000 00000000000003e8 0000');
    checkResponse('InitProducerId', 0, 5, frame, { throttleTimeMs: 0, errorCode: 0, producerId: 1000n, producerEpoch: 0 });
  });

  it('response v5 (header v1)', () => {
    const frame = hex('00000006 00  0000000a 0000 0000000100000000 7fff 00');
    checkResponse('InitProducerId', 5, 6, frame, {
      throttleTimeMs: 10,
      errorCode: 0,
      producerId: 4294967296n,
      producerEpoch: 32767,
    });
  });
});

// ---- FindCoordinator -------------------------------------------------------------------------------------

describe('FindCoordinator', () => {
  it('request v0 (header v1)', () => {
    const expected = sized(requestHeaderV1(FIND_COORDINATOR, 0, 7, CLIENT), str('group-1'));
    assert.equal(expected.toString('hex'), '00000015000a00000000000700026b70000767726f75702d31');
    checkRequest('FindCoordinator', 0, 7, CLIENT, { key: 'group-1' }, expected);
  });

  it('request v6 (header v2, batched keys)', () => {
    const expected = sized(
      requestHeaderV2(FIND_COORDINATOR, 6, 8, CLIENT),
      int8(1), // keyType: transaction
      compactArray(compactStr('tx-1'), compactStr('tx-2')),
      NO_TAGS,
    );
    checkRequest('FindCoordinator', 6, 8, CLIENT, { keyType: 1, coordinatorKeys: ['tx-1', 'tx-2'] }, expected);
  });

  it('response v0 (header v0)', () => {
    const frame = hex('00000007 0000 00000002 0002 6232 00002384');
    checkResponse('FindCoordinator', 0, 7, frame, { errorCode: 0, nodeId: 2, host: 'b2', port: 9092 });
  });

  it('response v6 (header v1)', () => {
    const frame = cat(
      responseHeaderV1(8),
      int32(0), // throttleTimeMs
      compactArray(
        flex(compactStr('tx-1'), int32(2), compactStr('b2'), int32(9092), int16(0), compactStr(null)),
        flex(compactStr('tx-2'), int32(-1), compactStr(''), int32(-1), int16(15), compactStr('not yet')),
      ),
      NO_TAGS,
    );
    checkResponse('FindCoordinator', 6, 8, frame, {
      throttleTimeMs: 0,
      coordinators: [
        { key: 'tx-1', nodeId: 2, host: 'b2', port: 9092, errorCode: 0, errorMessage: null },
        { key: 'tx-2', nodeId: -1, host: '', port: -1, errorCode: 15, errorMessage: 'not yet' },
      ],
    });
  });
});

// ---- AddPartitionsToTxn ----------------------------------------------------------------------------------

describe('AddPartitionsToTxn', () => {
  it('request v0 (header v1)', () => {
    const expected = sized(
      requestHeaderV1(ADD_PARTITIONS_TO_TXN, 0, 9, CLIENT),
      str('tx-1'),
      int64(1000n),
      int16(3),
      array(cat(str('events'), array(int32(0), int32(1)))),
    );
    checkRequest(
      'AddPartitionsToTxn',
      0,
      9,
      CLIENT,
      {
        v3AndBelowTransactionalId: 'tx-1',
        v3AndBelowProducerId: 1000n,
        v3AndBelowProducerEpoch: 3,
        v3AndBelowTopics: [{ name: 'events', partitions: [0, 1] }],
      },
      expected,
    );
  });

  it('request v5 (header v2, batched transactions)', () => {
    const expected = sized(
      requestHeaderV2(ADD_PARTITIONS_TO_TXN, 5, 10, CLIENT),
      compactArray(
        flex(
          compactStr('tx-1'),
          int64(1000n),
          int16(3),
          bool(false), // verifyOnly
          compactArray(flex(compactStr('events'), compactArray(int32(0), int32(1)))),
        ),
      ),
      NO_TAGS,
    );
    checkRequest(
      'AddPartitionsToTxn',
      5,
      10,
      CLIENT,
      {
        transactions: [
          {
            transactionalId: 'tx-1',
            producerId: 1000n,
            producerEpoch: 3,
            verifyOnly: false,
            topics: [{ name: 'events', partitions: [0, 1] }],
          },
        ],
      },
      expected,
    );
  });

  it('response v0 (header v0)', () => {
    const frame = cat(
      responseHeaderV0(9),
      int32(0),
      array(cat(str('events'), array(cat(int32(0), int16(0)), cat(int32(1), int16(48))))),
    );
    checkResponse('AddPartitionsToTxn', 0, 9, frame, {
      throttleTimeMs: 0,
      resultsByTopicV3AndBelow: [
        {
          name: 'events',
          resultsByPartition: [
            { partitionIndex: 0, partitionErrorCode: 0 },
            { partitionIndex: 1, partitionErrorCode: 48 },
          ],
        },
      ],
    });
  });

  it('response v5 (header v1)', () => {
    const frame = cat(
      responseHeaderV1(10),
      int32(0), // throttleTimeMs
      int16(0), // errorCode
      compactArray(
        flex(
          compactStr('tx-1'),
          compactArray(flex(compactStr('events'), compactArray(flex(int32(0), int16(0))))),
        ),
      ),
      NO_TAGS,
    );
    checkResponse('AddPartitionsToTxn', 5, 10, frame, {
      throttleTimeMs: 0,
      errorCode: 0,
      resultsByTransaction: [
        {
          transactionalId: 'tx-1',
          topicResults: [{ name: 'events', resultsByPartition: [{ partitionIndex: 0, partitionErrorCode: 0 }] }],
        },
      ],
    });
  });
});

// ---- AddOffsetsToTxn -------------------------------------------------------------------------------------

describe('AddOffsetsToTxn', () => {
  const body = { transactionalId: 'tx-1', producerId: 1000n, producerEpoch: 3, groupId: 'group-1' };

  it('request v0 (header v1)', () => {
    const expected = sized(
      requestHeaderV1(ADD_OFFSETS_TO_TXN, 0, 11, CLIENT),
      str('tx-1'),
      int64(1000n),
      int16(3),
      str('group-1'),
    );
    checkRequest('AddOffsetsToTxn', 0, 11, CLIENT, body, expected);
  });

  it('request v4 (header v2)', () => {
    const expected = sized(
      requestHeaderV2(ADD_OFFSETS_TO_TXN, 4, 12, CLIENT),
      hex('05 74782d31'), // compact "tx-1"
      int64(1000n),
      int16(3),
      hex('08 67726f75702d31'), // compact "group-1"
      NO_TAGS,
    );
    checkRequest('AddOffsetsToTxn', 4, 12, CLIENT, body, expected);
  });

  it('response v0 (header v0)', () => {
    checkResponse('AddOffsetsToTxn', 0, 11, hex('0000000b 00000000 0000'), { throttleTimeMs: 0, errorCode: 0 });
  });

  it('response v4 (header v1)', () => {
    checkResponse('AddOffsetsToTxn', 4, 12, hex('0000000c 00 00000005 0033 00'), { throttleTimeMs: 5, errorCode: 51 });
  });
});

// ---- EndTxn ----------------------------------------------------------------------------------------------

describe('EndTxn', () => {
  const body = { transactionalId: 'tx-1', producerId: 1000n, producerEpoch: 3, committed: true };

  it('request v0 (header v1)', () => {
    const expected = sized(requestHeaderV1(END_TXN, 0, 13, CLIENT), str('tx-1'), int64(1000n), int16(3), hex('01'));
    checkRequest('EndTxn', 0, 13, CLIENT, body, expected);
  });

  it('request v5 (header v2)', () => {
    const expected = sized(
      requestHeaderV2(END_TXN, 5, 14, CLIENT),
      compactStr('tx-1'),
      int64(1000n),
      int16(3),
      hex('00'), // committed: false (abort)
      NO_TAGS,
    );
    checkRequest('EndTxn', 5, 14, CLIENT, { ...body, committed: false }, expected);
  });

  it('response v0 (header v0)', () => {
    checkResponse('EndTxn', 0, 13, hex('0000000d 00000000 0000'), { throttleTimeMs: 0, errorCode: 0 });
  });

  it('response v5 (header v1, new producer id and epoch)', () => {
    const frame = hex('0000000e 00  00000000 0000 00000000000003e9 0004 00');
    checkResponse('EndTxn', 5, 14, frame, { throttleTimeMs: 0, errorCode: 0, producerId: 1001n, producerEpoch: 4 });
  });
});

// ---- GetTelemetrySubscriptions and PushTelemetry (KIP-714) ---------------------------------------------

describe('GetTelemetrySubscriptions', () => {
  it('request v0 (header v2): the zero client instance id', () => {
    const expected = sized(requestHeaderV2(GET_TELEMETRY_SUBSCRIPTIONS, 0, 21, CLIENT), uuid(ZERO_UUID), NO_TAGS);
    checkRequest('GetTelemetrySubscriptions', 0, 21, CLIENT, { clientInstanceId: ZERO_UUID }, expected);
  });

  it('response v0 (header v1)', () => {
    const frame = cat(
      responseHeaderV1(21),
      int32(0), // throttleTimeMs
      int16(0), // errorCode
      uuid(TOPIC_ID), // clientInstanceId: assigned
      int32(-559038737), // subscriptionId 0xdeadbeef
      compactArray(int8(4), int8(1)), // acceptedCompressionTypes: zstd, gzip
      int32(60000), // pushIntervalMs
      int32(1048576), // telemetryMaxBytes
      bool(true), // deltaTemporality
      compactArray(compactStr('org.apache.kafka.producer.'), compactStr('')), // requestedMetrics
      NO_TAGS,
    );
    checkResponse('GetTelemetrySubscriptions', 0, 21, frame, {
      throttleTimeMs: 0,
      errorCode: 0,
      clientInstanceId: TOPIC_ID,
      subscriptionId: -559038737,
      acceptedCompressionTypes: [4, 1],
      pushIntervalMs: 60000,
      telemetryMaxBytes: 1048576,
      deltaTemporality: true,
      requestedMetrics: ['org.apache.kafka.producer.', ''],
    });
  });
});

describe('PushTelemetry', () => {
  it('request v0 (header v2): instance, subscription, terminating, compression and the metrics bytes', () => {
    const metrics = hex('0a00');
    const expected = sized(
      requestHeaderV2(PUSH_TELEMETRY, 0, 22, CLIENT),
      uuid(TOPIC_ID),
      int32(7), // subscriptionId
      bool(true), // terminating
      int8(1), // compressionType: gzip
      compactBytes(metrics),
      NO_TAGS,
    );
    checkRequest('PushTelemetry', 0, 22, CLIENT, { clientInstanceId: TOPIC_ID, subscriptionId: 7, terminating: true, compressionType: 1, metrics }, expected);
  });

  it('response v0 (header v1): UNKNOWN_SUBSCRIPTION_ID', () => {
    checkResponse('PushTelemetry', 0, 22, cat(responseHeaderV1(22), int32(0), int16(117), NO_TAGS), { throttleTimeMs: 0, errorCode: 117 });
  });
});

// ---- TxnOffsetCommit -------------------------------------------------------------------------------------

describe('TxnOffsetCommit', () => {
  it('request v0 (header v1)', () => {
    const expected = sized(
      requestHeaderV1(TXN_OFFSET_COMMIT, 0, 15, CLIENT),
      str('tx-1'),
      str('group-1'),
      int64(1000n),
      int16(3),
      array(cat(str('events'), array(cat(int32(0), int64(77n), str(null))))),
    );
    checkRequest(
      'TxnOffsetCommit',
      0,
      15,
      CLIENT,
      {
        transactionalId: 'tx-1',
        groupId: 'group-1',
        producerId: 1000n,
        producerEpoch: 3,
        topics: [{ name: 'events', partitions: [{ partitionIndex: 0, committedOffset: 77n, committedMetadata: null }] }],
      },
      expected,
    );
  });

  it('request v4 (header v2, group metadata)', () => {
    const expected = sized(
      requestHeaderV2(TXN_OFFSET_COMMIT, 4, 16, CLIENT),
      compactStr('tx-1'),
      compactStr('group-1'),
      int64(1000n),
      int16(3),
      int32(12), // generationId
      compactStr('member-1'),
      compactStr(null), // groupInstanceId
      compactArray(
        flex(compactStr('events'), compactArray(flex(int32(0), int64(77n), int32(9), compactStr('m€')))),
      ),
      NO_TAGS,
    );
    // "m€" is 4 UTF-8 bytes: compact length 5.
    assert.ok(expected.includes(hex('05 6de282ac')));
    checkRequest(
      'TxnOffsetCommit',
      4,
      16,
      CLIENT,
      {
        transactionalId: 'tx-1',
        groupId: 'group-1',
        producerId: 1000n,
        producerEpoch: 3,
        generationId: 12,
        memberId: 'member-1',
        groupInstanceId: null,
        topics: [
          {
            name: 'events',
            partitions: [{ partitionIndex: 0, committedOffset: 77n, committedLeaderEpoch: 9, committedMetadata: 'm€' }],
          },
        ],
      },
      expected,
    );
  });

  it('response v0 (header v0)', () => {
    const frame = cat(responseHeaderV0(15), int32(0), array(cat(str('events'), array(cat(int32(0), int16(0))))));
    checkResponse('TxnOffsetCommit', 0, 15, frame, {
      throttleTimeMs: 0,
      topics: [{ name: 'events', partitions: [{ partitionIndex: 0, errorCode: 0 }] }],
    });
  });

  it('response v4 (header v1)', () => {
    const frame = cat(
      responseHeaderV1(16),
      int32(0),
      compactArray(flex(compactStr('events'), compactArray(flex(int32(0), int16(22))))),
      NO_TAGS,
    );
    checkResponse('TxnOffsetCommit', 4, 16, frame, {
      throttleTimeMs: 0,
      topics: [{ name: 'events', partitions: [{ partitionIndex: 0, errorCode: 22 }] }],
    });
  });
});

// ---- SaslHandshake ---------------------------------------------------------------------------------------

describe('SaslHandshake', () => {
  it('request v0 (header v1)', () => {
    checkRequest(
      'SaslHandshake',
      0,
      17,
      CLIENT,
      { mechanism: 'PLAIN' },
      hex('00000013 0011 0000 00000011 0002 6b70 0005 504c41494e'),
    );
  });

  it('request v1 (never flexible: header v1)', () => {
    checkRequest(
      'SaslHandshake',
      1,
      18,
      CLIENT,
      { mechanism: 'SCRAM-SHA-256' },
      sized(requestHeaderV1(SASL_HANDSHAKE, 1, 18, CLIENT), str('SCRAM-SHA-256')),
    );
  });

  it('response v0 (header v0)', () => {
    const frame = cat(responseHeaderV0(17), int16(0), array(str('PLAIN'), str('SCRAM-SHA-256')));
    checkResponse('SaslHandshake', 0, 17, frame, { errorCode: 0, mechanisms: ['PLAIN', 'SCRAM-SHA-256'] });
  });

  it('response v1 (header v0)', () => {
    const frame = hex('00000012 0021 00000001 0005 504c41494e');
    checkResponse('SaslHandshake', 1, 18, frame, { errorCode: 33, mechanisms: ['PLAIN'] });
  });
});

// ---- SaslAuthenticate ------------------------------------------------------------------------------------

describe('SaslAuthenticate', () => {
  const token = Buffer.from('\0user\0secret');

  it('request v0 (header v1)', () => {
    const expected = sized(requestHeaderV1(SASL_AUTHENTICATE, 0, 19, CLIENT), bytes(token));
    assert.ok(expected.includes(hex('0000000c 00 75736572 00')), 'int32 length 12, then the token');
    checkRequest('SaslAuthenticate', 0, 19, CLIENT, { authBytes: token }, expected);
  });

  it('request v2 (header v2, compact bytes)', () => {
    const expected = sized(requestHeaderV2(SASL_AUTHENTICATE, 2, 20, CLIENT), compactBytes(token), NO_TAGS);
    assert.equal(expected[4 + 13], 0x0d, 'compact length 12 + 1 right after the header');
    checkRequest('SaslAuthenticate', 2, 20, CLIENT, { authBytes: token }, expected);
  });

  it('response v0 (header v0)', () => {
    checkResponse('SaslAuthenticate', 0, 19, hex('00000013 0000 ffff 00000000'), {
      errorCode: 0,
      errorMessage: null,
      authBytes: Buffer.alloc(0),
    });
  });

  it('response v2 (header v1)', () => {
    const frame = cat(
      responseHeaderV1(20),
      int16(58), // SASL_AUTHENTICATION_FAILED
      compactStr('bad creds'),
      compactBytes(Buffer.alloc(0)),
      int64(3600000n), // sessionLifetimeMs
      NO_TAGS,
    );
    assert.ok(frame.includes(hex('01 000000000036ee80 00')));
    checkResponse('SaslAuthenticate', 2, 20, frame, {
      errorCode: 58,
      errorMessage: 'bad creds',
      authBytes: Buffer.alloc(0),
      sessionLifetimeMs: 3600000n,
    });
  });
});

describe('helpers of this file', () => {
  it('encode as the protocol guide says', () => {
    assert.equal(uvarint(0).toString('hex'), '00');
    assert.equal(uvarint(127).toString('hex'), '7f');
    assert.equal(uvarint(300).toString('hex'), 'ac02');
    assert.equal(uvarint(0xffffffff).toString('hex'), 'ffffffff0f');
    assert.equal(int64(-2n).toString('hex'), 'fffffffffffffffe');
    assert.equal(int32(-2147483648).toString('hex'), '80000000');
    assert.equal(compactStr('').toString('hex'), '01');
    assert.equal(str('').toString('hex'), '0000');
    assert.equal(uuid(TOPIC_ID).toString('hex'), 'f0e1d2c3b4a5968778695a4b3c2d1e0f');
  });
});
