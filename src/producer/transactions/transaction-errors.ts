// How the transaction manager words the errors it rethrows: what went wrong, and what to call next.
import { brokerErrorByCode } from '../../errors/broker-error-codes.js';
import { BrokerError, KafkaError } from '../../errors/kafka-error.js';
import type { TransactionState } from './transaction-state.js';

// `error` with `hint` appended to its message (same code, class kept for broker errors), and
// `retriable` changed when given.
export function explained(error: unknown, hint: string, retriable?: boolean): unknown {
  if (!(error instanceof KafkaError)) return error;
  const Kind = error instanceof BrokerError ? BrokerError : KafkaError;
  return new Kind(error.code, `${error.message}${error.message.endsWith('.') ? '' : '.'} ${hint}`, {
    retriable: retriable ?? error.retriable,
    cause: error,
    ...(error.brokerErrorCode === undefined ? {} : { brokerErrorCode: error.brokerErrorCode, brokerErrorName: error.brokerErrorName }),
  });
}


/** Why a transactional producer refuses send() in `state` (outside a transaction), and what to call. */
export function sendRefusalIn(state: TransactionState): KafkaError {
  const next =
    state === 'UNINITIALIZED' || state === 'INITIALIZING'
      ? 'call initTransactions() once, then beginTransaction()'
      : state === 'ABORTABLE_ERROR'
        ? 'a record or request of the transaction failed, so it can only be aborted: call abortTransaction(), then beginTransaction()'
        : state === 'COMMITTING' || state === 'ABORTING'
          ? 'the transaction is being committed or aborted: wait for that call, then beginTransaction()'
          : state === 'FATAL_ERROR'
            ? 'the producer cannot go on: close it'
            : 'call beginTransaction() first';
  return new KafkaError('INVALID_TRANSACTION_STATE', `A transactional producer sends only inside a transaction: ${next} (the transaction state is ${state})`);
}

/** The error of a commit refused because the transaction can only be aborted (`cause`: why). */
export function abortRequired(cause: KafkaError | undefined): KafkaError {
  const code = cause?.brokerErrorCode;
  return new KafkaError('TRANSACTION_ABORTABLE', `The transaction cannot be committed${cause ? `: ${cause.message}` : ''}; call abortTransaction()`, {
    cause,
    ...(code === undefined ? {} : { brokerErrorCode: code, brokerErrorName: brokerErrorByCode(code).name }),
  });
}
