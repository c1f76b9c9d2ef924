// What a Produce error code means for one batch: done, retry (after a metadata refresh when the
// leader may have moved), split (too large), a sequence problem for the idempotence rules, the
// producer fenced, or a failure ('fatal' to the batch, not to the producer). Retriable-ness comes
// from the broker error table; the rest is the Java client's policy.
import { brokerErrorByCode, ErrorCode } from '../../errors/broker-error-codes.js';

export type ProduceOutcome =
  | 'success'
  | 'retry'
  | 'retry-after-metadata'
  | 'split'
  | 'sequence-rejected'
  | 'fenced'
  | 'fatal';

// Codes that mean the client's view of the partition's leader is out of date.
const METADATA_ERRORS = new Set<number>([
  ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
  ErrorCode.LEADER_NOT_AVAILABLE,
  ErrorCode.NOT_LEADER_OR_FOLLOWER,
  ErrorCode.KAFKA_STORAGE_ERROR,
  ErrorCode.FENCED_LEADER_EPOCH,
  ErrorCode.UNKNOWN_LEADER_EPOCH,
]);

/** Classifies the error code of one partition of a Produce response. */
export function classifyProduceError(code: number): ProduceOutcome {
  switch (code) {
    case ErrorCode.NONE:
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

/** Whether a batch answered with `code` may nevertheless have been written. */
export function mayHaveBeenWritten(code: number): boolean {
  // NOT_ENOUGH_REPLICAS_AFTER_APPEND: written to the leader, not yet to enough replicas.
  // REQUEST_TIMED_OUT: the broker gave up waiting for replication after appending.
  return code === ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND || code === ErrorCode.REQUEST_TIMED_OUT;
}
