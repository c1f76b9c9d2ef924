// The broker error codes the fake cluster answers with, by Kafka's names, taken from the shared
// error table (src/errors) with their names checked at compile time; a name missing from the table
// fails at load, never as an undefined code on the wire.
import { ErrorCode as brokerErrorCodes } from '../errors/broker-error-codes.js';

const names = [
  'NONE',
  'OFFSET_OUT_OF_RANGE',
  'CORRUPT_MESSAGE',
  'UNKNOWN_TOPIC_OR_PARTITION',
  'LEADER_NOT_AVAILABLE',
  'NOT_LEADER_OR_FOLLOWER',
  'REQUEST_TIMED_OUT',
  'MESSAGE_TOO_LARGE',
  'COORDINATOR_NOT_AVAILABLE',
  'NOT_COORDINATOR',
  'INVALID_TOPIC_EXCEPTION',
  'NOT_ENOUGH_REPLICAS',
  'NOT_ENOUGH_REPLICAS_AFTER_APPEND',
  'INVALID_REQUIRED_ACKS',
  'ILLEGAL_GENERATION',
  'INCONSISTENT_GROUP_PROTOCOL',
  'INVALID_GROUP_ID',
  'UNKNOWN_MEMBER_ID',
  'REBALANCE_IN_PROGRESS',
  'UNSUPPORTED_SASL_MECHANISM',
  'ILLEGAL_SASL_STATE',
  'UNSUPPORTED_VERSION',
  'TOPIC_ALREADY_EXISTS',
  'INVALID_PARTITIONS',
  'INVALID_REPLICATION_FACTOR',
  'INVALID_REQUEST',
  'OUT_OF_ORDER_SEQUENCE_NUMBER',
  'DUPLICATE_SEQUENCE_NUMBER',
  'INVALID_PRODUCER_EPOCH',
  'INVALID_TXN_STATE',
  'INVALID_PRODUCER_ID_MAPPING',
  'INVALID_TRANSACTION_TIMEOUT',
  'CONCURRENT_TRANSACTIONS',
  'OPERATION_NOT_ATTEMPTED',
  'UNKNOWN_PRODUCER_ID',
  'FETCH_SESSION_ID_NOT_FOUND',
  'FENCED_LEADER_EPOCH',
  'UNKNOWN_LEADER_EPOCH',
  'UNSUPPORTED_COMPRESSION_TYPE',
  'MEMBER_ID_REQUIRED',
  'INVALID_RECORD',
  'SASL_AUTHENTICATION_FAILED',
  'PRODUCER_FENCED',
  'UNKNOWN_TOPIC_ID',
  'UNKNOWN_SUBSCRIPTION_ID',
  'TELEMETRY_TOO_LARGE',
] as const;

/** Kafka's numeric error codes used by FakeCluster, keyed by their protocol names. */
export const ErrorCode = Object.fromEntries(
  names.map((name) => {
    const code = brokerErrorCodes[name];
    if (code === undefined) throw new Error(`The broker error table has no ${name}`);
    return [name, code];
  }),
) as { readonly [Name in (typeof names)[number]]: number };
