// A hook for the producer's own instrumentation, run by the interceptor chain after the
// interceptors' onSend: it sees every send() call whole (its records, as they will be sent, and
// each record's outcome), where an interceptor sees one record at a time. The OpenTelemetry
// bridge (src/telemetry) is one: it opens spans and writes trace context into the records'
// headers before they are serialized.
import type { ProducerRecord, RecordMetadata } from '../producer-record.js';

/** Hears the outcomes of one send() call. */
export interface SendCallListener {
  /** The record at `position` of the call was acknowledged. */
  recordDone(position: number, metadata: RecordMetadata): void;
  /** The record at `position` of the call failed. */
  recordFailed(position: number, error: Error): void;
  /** The call's promise settles: fulfilled (`error` undefined) or rejected with `error`. */
  callSettled(error: unknown): void;
}

export interface SendObserver {
  /**
   * A send() call begins with `records`, each after the interceptors' onSend; `several` is true for
   * send({ topic, messages }). It may replace records of the array (never add or remove one): the
   * producer sends what the array holds afterwards.
   */
  beginCall(records: ProducerRecord[], several: boolean): SendCallListener;
}
