// What a producer with a journal reports about its journaled records: failures for good (the
// records are settled in the journal and never resent), batches resent under a new producer id or
// epoch after a restart (their records may now be in the log twice), and what a restart recovered.
// Also the errors proper to the journaled producer.
import { KafkaError, type KafkaErrorOptions } from '../../errors/kafka-error.js';
import type { JournalMetricsSnapshot } from '../../metrics/metric-definitions.js';

/** A record as the producer journaled it. */
export interface JournaledRecord {
  readonly topic: string;
  readonly partition: number;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: readonly (readonly [string, Buffer | null])[];
  /** Create time, ms since the epoch. */
  readonly timestamp: number;
}

/**
 * Journaled records failed for good (a broker refused them for a reason retrying cannot change):
 * they are settled in the journal and never resent. `error.possiblyPersisted` says whether they
 * may be in the log all the same.
 */
export interface JournalDeliveryFailed {
  readonly kind: 'delivery-failed';
  readonly topic: string;
  readonly partition: number;
  /** How many records failed (also when `records` could not be read back). */
  readonly count: number;
  readonly records: readonly JournaledRecord[];
  readonly error: KafkaError;
}

/**
 * A batch an earlier process had sent, with an unknown outcome, was refused under its producer id
 * and epoch (the broker no longer knew them) and is resent under new ones: the broker cannot
 * recognise a copy of it, so its records may now be stored twice.
 */
export interface JournalPossibleDuplicates {
  readonly kind: 'possible-duplicates';
  readonly topic: string;
  readonly partition: number;
  readonly count: number;
  readonly records: readonly JournaledRecord[];
  /** Why the batch could not be resent under its own stamp. */
  readonly reason: string;
}

/** The journal was opened and what it held is being resent. */
export interface JournalRecoveredEvent {
  readonly kind: 'recovered';
  /** Batches an earlier process sent without a durable acknowledgement, resent as they were. */
  readonly batches: number;
  /** Records in those batches and records never batched, all resent. */
  readonly records: number;
  /** Bytes of a torn tail cut off the last segment (0 when it was intact). */
  readonly truncatedBytes: number;
}

/** What `producer.on('journal', listener)` hears. */
export type JournalEvent = JournalDeliveryFailed | JournalPossibleDuplicates | JournalRecoveredEvent;

/** Counters of a producer's journal, from `producer.journalMetrics()` and `metrics().journal` (see docs/metrics.md). */
export type JournalMetrics = JournalMetricsSnapshot;

/**
 * The promise of a `send()` whose records are journaled rejects with this at `deliveryTimeoutMs`:
 * the records were not acknowledged in time, but they stay in the journal and the producer keeps
 * sending them (in this process, or in the next one that opens the directory) until the broker
 * acknowledges them or refuses them for good (a `delivery-failed` journal event).
 */
export class StillJournaledError extends KafkaError {
  static readonly kind: string = 'StillJournaledError';
  constructor(message: string, options: KafkaErrorOptions = {}) {
    super('JOURNALED', message, { possiblyPersisted: true, ...options });
  }
}
