// How the transaction manager words the errors it rethrows: what went wrong, and what to call next.
import { BrokerError, KafkaError } from '../../errors/kafka-error.js';

/** `error` as a KafkaError, wrapped with `code` when it is not one. */
export function asKafkaError(error: unknown, code: string): KafkaError {
  return error instanceof KafkaError ? error : new KafkaError(code, String(error), { cause: error });
}

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

