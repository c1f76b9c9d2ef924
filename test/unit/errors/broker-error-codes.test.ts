// The broker error table: unique names and unique, sorted codes without gaps, ErrorCode in step with the table, well-known
// code/name/retriable triples, the exact set of retriable codes, and the fallback for codes the table does not know.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { brokerErrorByCode, brokerErrorCodes, ErrorCode } from '../../../src/errors/broker-error-codes.js';

describe('brokerErrorCodes', () => {
  it('has unique codes and unique names', () => {
    const codes = brokerErrorCodes.map((error) => error.code);
    const names = brokerErrorCodes.map((error) => error.name);
    assert.equal(new Set(codes).size, codes.length);
    assert.equal(new Set(names).size, names.length);
  });

  it('is sorted by code', () => {
    for (let i = 1; i < brokerErrorCodes.length; i++) {
      assert.ok(brokerErrorCodes[i - 1]!.code < brokerErrorCodes[i]!.code, brokerErrorCodes[i]!.name);
    }
  });

  it('runs from -1 to the newest code without gaps', () => {
    for (const [index, error] of brokerErrorCodes.entries()) assert.equal(error.code, index - 1, error.name);
    assert.equal(brokerErrorCodes.at(-1)?.name, 'CONTROLLER_ID_NOT_REGISTERED');
  });

  it('spells names the way Kafka does and gives each code one sentence', () => {
    for (const error of brokerErrorCodes) {
      assert.match(error.name, /^[A-Z][A-Z_]*[A-Z]$/, error.name);
      assert.ok(Number.isInteger(error.code), error.name);
      assert.match(error.description, /^[A-Z].*\.$/, error.name);
      assert.doesNotMatch(error.description, /\.\s+[A-Z]/, `${error.name} has more than one sentence`);
    }
  });

  it('agrees with ErrorCode in both directions', () => {
    assert.deepEqual(
      Object.entries(ErrorCode),
      brokerErrorCodes.map((error) => [error.name, error.code]),
    );
  });

  it('knows well-known codes with their retriability', () => {
    const expected: [code: number, name: string, retriable: boolean][] = [
      [-1, 'UNKNOWN_SERVER_ERROR', false],
      [0, 'NONE', false],
      [2, 'CORRUPT_MESSAGE', true],
      [3, 'UNKNOWN_TOPIC_OR_PARTITION', true],
      [6, 'NOT_LEADER_OR_FOLLOWER', true],
      [7, 'REQUEST_TIMED_OUT', true],
      [10, 'MESSAGE_TOO_LARGE', false],
      [13, 'NETWORK_EXCEPTION', true],
      [16, 'NOT_COORDINATOR', true],
      [19, 'NOT_ENOUGH_REPLICAS', true],
      [20, 'NOT_ENOUGH_REPLICAS_AFTER_APPEND', true],
      [29, 'TOPIC_AUTHORIZATION_FAILED', false],
      [40, 'INVALID_CONFIG', false],
      [45, 'OUT_OF_ORDER_SEQUENCE_NUMBER', false],
      [46, 'DUPLICATE_SEQUENCE_NUMBER', false],
      [47, 'INVALID_PRODUCER_EPOCH', false],
      [51, 'CONCURRENT_TRANSACTIONS', true],
      [56, 'KAFKA_STORAGE_ERROR', true],
      [59, 'UNKNOWN_PRODUCER_ID', false],
      [74, 'FENCED_LEADER_EPOCH', true],
      [90, 'PRODUCER_FENCED', false],
      [133, 'SHARE_SESSION_LIMIT_REACHED', true],
      [136, 'CONTROLLER_ID_NOT_REGISTERED', false],
    ];
    for (const [code, name, retriable] of expected) {
      const error = brokerErrorByCode(code);
      assert.deepEqual([error.code, error.name, error.retriable], [code, name, retriable]);
      assert.equal(ErrorCode[name as keyof typeof ErrorCode], code);
    }
  });

  it('marks exactly the codes whose Java exception is a RetriableException as retriable', () => {
    assert.deepEqual(
      brokerErrorCodes.filter((error) => error.retriable).map((error) => error.name),
      [
        'CORRUPT_MESSAGE',
        'UNKNOWN_TOPIC_OR_PARTITION',
        'LEADER_NOT_AVAILABLE',
        'NOT_LEADER_OR_FOLLOWER',
        'REQUEST_TIMED_OUT',
        'REPLICA_NOT_AVAILABLE',
        'NETWORK_EXCEPTION',
        'COORDINATOR_LOAD_IN_PROGRESS',
        'COORDINATOR_NOT_AVAILABLE',
        'NOT_COORDINATOR',
        'NOT_ENOUGH_REPLICAS',
        'NOT_ENOUGH_REPLICAS_AFTER_APPEND',
        'NOT_CONTROLLER',
        'CONCURRENT_TRANSACTIONS',
        'KAFKA_STORAGE_ERROR',
        'FETCH_SESSION_ID_NOT_FOUND',
        'INVALID_FETCH_SESSION_EPOCH',
        'LISTENER_NOT_FOUND',
        'FENCED_LEADER_EPOCH',
        'UNKNOWN_LEADER_EPOCH',
        'OFFSET_NOT_AVAILABLE',
        'PREFERRED_LEADER_NOT_AVAILABLE',
        'ELIGIBLE_LEADERS_NOT_AVAILABLE',
        'ELECTION_NOT_NEEDED',
        'UNSTABLE_OFFSET_COMMIT',
        'THROTTLING_QUOTA_EXCEEDED',
        'UNKNOWN_TOPIC_ID',
        'INCONSISTENT_TOPIC_ID',
        'FETCH_SESSION_TOPIC_ID_ERROR',
        'SHARE_SESSION_NOT_FOUND',
        'INVALID_SHARE_SESSION_EPOCH',
        'SHARE_SESSION_LIMIT_REACHED',
      ],
    );
  });
});

describe('brokerErrorByCode', () => {
  it('returns the table entry itself for every known code', () => {
    for (const error of brokerErrorCodes) assert.equal(brokerErrorByCode(error.code), error);
  });

  it('reports codes the table does not know as non-retriable unknowns', () => {
    const newest = brokerErrorCodes[brokerErrorCodes.length - 1]!.code;
    for (const code of [-2, newest + 1, 1000, 32767, -32768]) {
      const error = brokerErrorByCode(code);
      assert.equal(error.code, code);
      assert.equal(error.name, `UNKNOWN_ERROR_${code}`);
      assert.equal(error.retriable, false);
      assert.ok(error.description.includes(`code ${code},`), error.description);
    }
  });

  it('does not treat fractional or non-numeric codes as known', () => {
    assert.equal(brokerErrorByCode(0.5).name, 'UNKNOWN_ERROR_0.5');
    assert.equal(brokerErrorByCode(Number.NaN).name, 'UNKNOWN_ERROR_NaN');
  });
});
