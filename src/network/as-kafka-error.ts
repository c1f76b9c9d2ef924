// Failures inside the connection reach callers as KafkaErrors: anything else thrown on the way (a
// decoder's RangeError, a SASL mechanism's own error) is wrapped, with where it happened.
import { KafkaError, MalformedResponseError } from '../errors/kafka-error.js';

/** `error` itself when it is a KafkaError, else a MalformedResponseError saying `context`. */
export function asKafkaError(error: unknown, context: string): KafkaError {
  if (error instanceof KafkaError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new MalformedResponseError(`${context}: ${message}`, { cause: error });
}
