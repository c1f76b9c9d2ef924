// What a broker's error code means for the request it answered, in one table for the producer's
// two kinds of requests: a batch of a Produce request (the sender), and a request to a transaction
// or group coordinator (the transaction manager). Retriable-ness comes from the broker error table;
// the rest is the Java client's policy.
import { brokerErrorByCode, ErrorCode } from '../errors/broker-error-codes.js';

/**
 * `success`; `retry` (after a backoff); `retry-after-metadata` (the partition's leader may have
 * moved); `find-coordinator` (the coordinator moved: look it up, then retry); `split` (the batch is
 * too large); `sequence-rejected` (the idempotence rules decide); `fenced` (a newer producer with
 * the same id took over); `fatal` (to the batch, or to the coordinator request).
 */
export type ErrorAction = 'success' | 'retry' | 'retry-after-metadata' | 'find-coordinator' | 'split' | 'sequence-rejected' | 'fenced' | 'fatal';

// Codes that mean the client's view of the partition's leader is out of date.
const METADATA_ERRORS = new Set<number>([
  ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
  ErrorCode.LEADER_NOT_AVAILABLE,
  ErrorCode.NOT_LEADER_OR_FOLLOWER,
  ErrorCode.KAFKA_STORAGE_ERROR,
  ErrorCode.FENCED_LEADER_EPOCH,
  ErrorCode.UNKNOWN_LEADER_EPOCH,
]);

/** Classifies `code`, answered to a Produce request (for one batch) or to a coordinator request. */
export function classify(code: number, request: 'produce' | 'coordinator'): ErrorAction {
  if (code === ErrorCode.NONE) return 'success';
  return request === 'produce' ? classifyProduce(code) : classifyCoordinator(code);
}

function classifyProduce(code: number): ErrorAction {
  switch (code) {
    case ErrorCode.DUPLICATE_SEQUENCE_NUMBER: // already written (brokers before 2.x answered this way)
      return 'success';
    case ErrorCode.MESSAGE_TOO_LARGE:
    case ErrorCode.RECORD_LIST_TOO_LARGE:
      return 'split';
    case ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER:
    case ErrorCode.UNKNOWN_PRODUCER_ID:
      return 'sequence-rejected';
    case ErrorCode.INVALID_PRODUCER_EPOCH:
      // Since Kafka 2.7 (KIP-588) the batch fails without fencing the producer, as in Java: a
      // transactional producer must abort (the abort bumps the epoch with the coordinator), an
      // idempotent one bumps its epoch and goes on.
      return 'fatal';
    case ErrorCode.PRODUCER_FENCED: // a newer producer with the same transactional id took over
      return 'fenced';
  }
  if (METADATA_ERRORS.has(code)) return 'retry-after-metadata';
  return brokerErrorByCode(code).retriable ? 'retry' : 'fatal';
}

function classifyCoordinator(code: number): ErrorAction {
  switch (code) {
    case ErrorCode.COORDINATOR_NOT_AVAILABLE:
    case ErrorCode.NOT_COORDINATOR:
      return 'find-coordinator';
    case ErrorCode.COORDINATOR_LOAD_IN_PROGRESS:
    case ErrorCode.CONCURRENT_TRANSACTIONS:
      return 'retry';
    // The coordinator has a newer epoch for the transactional id.
    case ErrorCode.INVALID_PRODUCER_EPOCH:
    case ErrorCode.PRODUCER_FENCED:
      return 'fenced';
  }
  return brokerErrorByCode(code).retriable ? 'retry' : 'fatal';
}

/** Whether a batch answered with `code` may nevertheless have been written. */
export function mayHaveBeenWritten(code: number): boolean {
  // NOT_ENOUGH_REPLICAS_AFTER_APPEND: written to the leader, not yet to enough replicas.
  // REQUEST_TIMED_OUT: the broker gave up waiting for replication after appending.
  return code === ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND || code === ErrorCode.REQUEST_TIMED_OUT;
}
