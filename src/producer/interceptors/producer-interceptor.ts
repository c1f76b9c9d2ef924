// The shape of a producer interceptor, as the Java client's ProducerInterceptor: a hook that sees
// (and may replace) each record before it is serialized and partitioned, and one that learns each
// record's outcome.
import { ConfigError } from '../../errors/kafka-error.js';
import type { ProducerRecord, RecordMetadata } from '../producer-record.js';

/**
 * Sees every record the producer is given and every outcome, like the Java client's
 * `ProducerInterceptor`. Interceptors run in the order of the `interceptors` option, synchronously,
 * on the calling thread: keep them quick.
 *
 * @example
 * ```ts
 * const staging: ProducerInterceptor = {
 *   onSend: (record) => ({ ...record, topic: `staging.${record.topic}` }),
 *   onAcknowledgement: (metadata, error) => {
 *     if (error) console.warn(`record for ${metadata.topic} failed: ${error.message}`);
 *   },
 * };
 * const producer = new Producer({ bootstrapServers: 'localhost:9092', interceptors: [staging] });
 * ```
 */
export interface ProducerInterceptor {
  /**
   * Called for each record before it is serialized and partitioned, with the record returned by the
   * interceptor before it (the caller's record for the first). Returns the record to send on, or
   * undefined to send on the one it was given. A record of `send({ topic, messages })` is given as
   * `{ topic, ...message }`. When it throws (or returns something that is not a record), the error
   * is logged (warn) and the record it was given goes on to the next interceptor.
   */
  onSend?(record: ProducerRecord): ProducerRecord | undefined;
  /**
   * Called once per record when it is acknowledged (`error` undefined) or has failed, before the
   * promise of its send() settles. On failure `metadata` holds the topic, the partition when the
   * record named one (else -1), offset -1n and timestamp -1. Errors it throws are logged (warn)
   * and change nothing.
   */
  onAcknowledgement?(metadata: RecordMetadata, error: Error | undefined): void;
}

/** The check of the `interceptors` option: an array of objects whose hooks, when present, are functions. */
export function checkInterceptors(value: unknown, name: string): void {
  if (value === undefined) return;
  if (!Array.isArray(value)) throw new ConfigError(name, `expected an array of { onSend?, onAcknowledgement? }, got ${typeof value}`);
  value.forEach((interceptor: unknown, index) => {
    if (typeof interceptor !== 'object' || interceptor === null) {
      throw new ConfigError(`${name}[${index}]`, `expected an object with onSend and/or onAcknowledgement, got ${interceptor === null ? 'null' : typeof interceptor}`);
    }
    for (const hook of ['onSend', 'onAcknowledgement'] as const) {
      const member = (interceptor as Record<string, unknown>)[hook];
      if (member !== undefined && typeof member !== 'function') throw new ConfigError(`${name}[${index}].${hook}`, `expected a function, got ${typeof member}`);
    }
    if ((interceptor as ProducerInterceptor).onSend === undefined && (interceptor as ProducerInterceptor).onAcknowledgement === undefined) {
      throw new ConfigError(`${name}[${index}]`, 'has neither onSend nor onAcknowledgement');
    }
  });
}
