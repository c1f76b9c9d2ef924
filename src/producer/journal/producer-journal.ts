// The producer's side of its journal (src/journal/): opens it when the producer starts, journals
// each record before it is batched, each batch before its request is written (and holds the
// request until that entry is durable, in the order the requests were drained), each
// acknowledgement and each failure for good, and the producer id and epoch in use. It keeps a
// partition's count of sent batches whose end is not durable yet (the drain gate), reports
// failures and possible duplicates to the 'journal' listeners and the logger, and counts them.
import { InvalidRecordError, KafkaError, kafkaErrorOf } from '../../errors/kafka-error.js';
import { Journal } from '../../journal/journal.js';
import type { JournalRecordInput } from '../../journal/journal-entries.js';
import type { JournalOptions } from '../../journal/journal-options.js';
import type { CodecOverrides } from '../../records/index.js';
import type { ProducerBatch } from '../accumulator/producer-batch.js';
import { journaledRecordsOf } from './batch-records.js';
import { DurableWrites } from './durable-writes.js';
import type { JournalEvent, JournalMetrics } from './journal-events.js';

export interface ProducerJournalDependencies {
  /** The storage's options, and how long a record may wait for its acknowledgement (journal.maxAgeMs). */
  readonly options: JournalOptions & { readonly maxAgeMs?: number | undefined };
  /** How long a record waits for room in the journal (the producer's maxBlockMs). */
  readonly maxBlockMs: number;
  /** For reading back the records of a batch reported in an event. */
  readonly codecs: CodecOverrides | undefined;
  readonly log: (level: 'debug' | 'info' | 'warn' | 'error', message: string, context?: Record<string, unknown>) => void;
}

export class ProducerJournal {
  private journal: Journal | undefined;
  private opening: Promise<void> | undefined;
  /** Why the journal cannot be used: it did not open (locked, corrupted) or a write failed. */
  private failure: KafkaError | undefined;
  /** Set once the producer closes or stops: batches failing then stay pending in the journal. */
  private stopped = false;
  private closing: Promise<void> | undefined;
  private readonly listeners = new Set<(event: JournalEvent) => void>();
  /** Requests waiting for their entries to be durable, in drain order (made when the journal opens). */
  private writes: DurableWrites | undefined;
  private roomWanted = false;
  private failedRecords = 0;
  private duplicateRecords = 0;
  private recoveredBatches = 0;
  private recoveredRecords = 0;

  /** Called once the journal is open: the producer rebuilds what it recovered and goes on. */
  onOpened: (journal: Journal) => void = () => {};
  /** Called when records waiting for room in the journal may be appended now. */
  onRoom: () => void = () => {};
  /** Called when a partition may send one more batch (an end became durable). */
  onConfirmed: () => void = () => {};
  /** Called once the journal cannot be used: it did not open, or it failed. */
  onFailed: (error: KafkaError) => void = () => {};

  constructor(private readonly deps: ProducerJournalDependencies) {}

  /** The journal's directory. */
  get directory(): string {
    return this.deps.options.directory;
  }

  /** Whether the journal is open and in use (not when it opened while the producer closed). */
  get isOpen(): boolean {
    return this.writes !== undefined;
  }

  /** Opens the journal (once); rejects with JournalLockedError, JournalCorruptedError, ... */
  open(): Promise<void> {
    const { maxAgeMs: _ageIsTheProducers, ...storage } = this.deps.options;
    this.opening ??= Journal.open(storage).then(
      (journal) => {
        this.journal = journal;
        // Opened while the producer closes: close() closes it, and nothing else starts.
        if (this.closing) return;
        this.writes = new DurableWrites(journal, (error) => this.fatal(error));
        this.onOpened(journal);
      },
      (error: unknown) => {
        const failure = kafkaErrorOf(error, 'JOURNAL_OPEN_FAILED');
        this.deps.log('error', `journal ${this.directory} could not be opened: ${failure.message}`, { error: failure.message });
        this.fatal(failure);
        throw failure;
      },
    );
    return this.opening;
  }

  /**
   * Whether `record` can be journaled now: `ok`; `wait-journal` while the journal is not open or
   * full (onOpened or onRoom follows); or the error it fails with (the journal failed, the record
   * can never fit).
   */
  room(record: JournalRecordInput): 'ok' | 'wait-journal' | KafkaError {
    if (this.failure) return this.failure;
    const journal = this.journal;
    if (!journal) return 'wait-journal';
    // Most records fit with room to spare: a bound cheap to compute spares the exact size.
    if (journal.usedBytes + sizeBound(record) <= journal.maxBytes) return 'ok';
    const bytes = journal.recordBytes(record);
    if (bytes > journal.maxBytes) {
      return new InvalidRecordError(`A record taking ${bytes} bytes in the journal exceeds journal.maxBytes (${journal.maxBytes} bytes)`, { possiblyPersisted: false });
    }
    if (journal.hasRoomFor(bytes)) return 'ok';
    this.waitForRoom(journal, bytes);
    return 'wait-journal';
  }

  /** The error of a record that waited maxBlockMs for the journal. */
  waitTimeout(): KafkaError {
    if (this.failure) return this.failure;
    const journal = this.journal;
    if (!journal) {
      return new KafkaError('JOURNAL_NOT_OPEN', `The journal in ${this.directory} (journal.directory) did not open within ${this.deps.maxBlockMs} ms (maxBlockMs)`, {
        retriable: true,
      });
    }
    return new KafkaError(
      'JOURNAL_FULL',
      `The journal in ${this.directory} stayed full (${journal.usedBytes} of ${journal.maxBytes} bytes, journal.maxBytes) for ${this.deps.maxBlockMs} ms (maxBlockMs): the records journaled before are not being acknowledged (is the cluster reachable?)`,
      { retriable: true, possiblyPersisted: false },
    );
  }

  /** Resolves once the entry `number` is durable; rejects once the journal failed. */
  whenDurable(number: number): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    return this.journal!.whenDurable(number);
  }

  /** Appends a record (room() answered `ok`) and returns its entry number. */
  append(record: JournalRecordInput): number {
    try {
      return this.journal!.appendRecord(record);
    } catch (error) {
      throw this.fatal(error);
    }
  }

  /**
   * Journals the batches of a request about to be written: a batch entry for each batch stamped
   * for the first time or anew (new epoch, sequence, or a split part), and counts each in its
   * partition's unconfirmed batches. Returns the entry number that must be durable before the
   * request is written.
   */
  journalBatches(batches: readonly ProducerBatch[]): number {
    const journal = this.journal!;
    let required = -1;
    try {
      for (const batch of batches) {
        const stamp = batch.journalStamp;
        if (stamp === undefined || stamp.producerId !== batch.producerId || stamp.epoch !== batch.producerEpoch || stamp.baseSequence !== batch.baseSequence) {
          const { topic, partition } = batch.queue;
          batch.journalEntry = journal.appendBatch({
            topic,
            partition,
            producerId: batch.producerId,
            epoch: batch.producerEpoch,
            baseSequence: batch.baseSequence,
            records: batch.journalRecords ?? [],
          });
          batch.journalStamp = { producerId: batch.producerId, epoch: batch.producerEpoch, baseSequence: batch.baseSequence };
        }
        if (!batch.unconfirmed) {
          batch.unconfirmed = true;
          batch.queue.unconfirmed++;
        }
        if (batch.journalEntry > required) required = batch.journalEntry;
      }
    } catch (error) {
      throw this.fatal(error);
    }
    return required;
  }

  /**
   * Calls `write` once the entry `required` is durable and every request journaled before it was
   * written; `abandon` instead when the journal fails first.
   */
  whenWritable(required: number, write: () => void, abandon: (error: KafkaError) => void): void {
    if (this.failure) {
      abandon(this.failure);
      return;
    }
    this.writes!.add(required, write, abandon);
  }

  /** The broker acknowledged `batch` at `offset`: its records are settled once that is durable. */
  acknowledged(batch: ProducerBatch, offset: bigint): void {
    const journal = this.journal;
    if (!journal || this.failure || batch.journalEntry < 0) return;
    try {
      this.confirmWhenDurable(batch, journal.acknowledge(batch.journalEntry, offset < 0n ? -1n : offset));
    } catch (error) {
      this.fatal(error);
    }
  }

  /**
   * `batch` failed for good: its records are settled, never to be resent, and reported. While the
   * producer closes or has stopped, nothing is settled: its records stay for the next producer.
   */
  failed(batch: ProducerBatch, error: KafkaError): void {
    const journal = this.journal;
    const records = batch.journalRecords;
    if (!journal || this.stopped || this.failure || records === undefined || records.length === 0) return;
    try {
      this.confirmWhenDurable(batch, journal.settle(records));
    } catch (failure) {
      this.fatal(failure);
      return;
    }
    this.failedRecords += records.length;
    const { topic, partition } = batch.queue;
    this.deps.log('warn', `${records.length} journaled record(s) for ${topic}-${partition} failed for good and will not be resent: ${error.message}`, {
      topic,
      partition,
      records: records.length,
      error: error.message,
    });
    void journaledRecordsOf(batch, this.deps.codecs).then((list) => this.emit({ kind: 'delivery-failed', topic, partition, count: records.length, records: list, error }));
  }

  /**
   * `batch`, sent by an earlier process with an unknown outcome, cannot go out under its own
   * stamp (the broker no longer knows its producer id or epoch): it is resent under a new one,
   * which the broker cannot match against a copy in the log, and reported as possibly duplicated.
   */
  resendUnderNewStamp(batch: ProducerBatch, reason: string): void {
    const { topic, partition } = batch.queue;
    batch.possiblyPersisted = false;
    batch.splitFromUnknown = false;
    batch.recovered = false;
    this.duplicateRecords += batch.recordCount;
    this.deps.log('warn', `${batch.recordCount} record(s) for ${topic}-${partition} recovered from the journal are resent under a new producer epoch and may be stored twice: ${reason}`, {
      topic,
      partition,
      records: batch.recordCount,
    });
    const count = batch.recordCount;
    void journaledRecordsOf(batch, this.deps.codecs).then((list) => this.emit({ kind: 'possible-duplicates', topic, partition, count, records: list, reason }));
  }

  /** `original` was split into `parts`: its place among the partition's unconfirmed batches goes to the first part. */
  splitInto(original: ProducerBatch, parts: readonly ProducerBatch[]): void {
    for (const part of parts) {
      part.recovered = original.recovered;
      part.journaledAt = original.journaledAt;
      if (original.callersReleased) {
        // The parts settle the same callers, whose promises rejected already.
        part.callersReleased = true;
        part.deliveryDeadline = this.ageDeadline(part);
      }
    }
    if (original.unconfirmed && parts.length > 0) {
      original.unconfirmed = false;
      parts[0]!.unconfirmed = true;
    }
  }

  /** The producer id and epoch changed: journaled before any batch stamped with them. */
  identityChanged(producerId: bigint, epoch: number): void {
    if (!this.journal || this.failure) return;
    try {
      this.journal.appendIdentity({ producerId, epoch });
    } catch (error) {
      this.fatal(error);
    }
  }

  /** Notes and reports what the journal held when it opened. */
  recovered(batches: number, records: number, truncatedBytes: number): void {
    this.recoveredBatches += batches;
    this.recoveredRecords += records;
    if (batches === 0 && records === 0 && truncatedBytes === 0) return;
    this.deps.log('info', `journal ${this.directory}: resending ${batches} batch(es) and ${records} record(s) not acknowledged before the restart`, {
      batches,
      records,
      truncatedBytes,
    });
    this.emit({ kind: 'recovered', batches, records, truncatedBytes });
  }

  /** When the records of `batch` have waited journal.maxAgeMs (Infinity without it). */
  ageDeadline(batch: ProducerBatch): number {
    const { maxAgeMs } = this.deps.options;
    return maxAgeMs === undefined ? Number.POSITIVE_INFINITY : batch.journaledAt + maxAgeMs;
  }

  /** Why `batch` fails for good at its age deadline. */
  tooOld(batch: ProducerBatch, now: number, reason: string): KafkaError {
    const last = batch.lastErrorNote();
    const sent = batch.possiblyPersisted ? ' They may have been written: a request holding them got no answer.' : ' They were not written.';
    return new KafkaError(
      'JOURNAL_RECORD_EXPIRED',
      `${batch.recordCount} journaled record(s) for ${batch.queue} waited ${now - batch.journaledAt} ms without an acknowledgement, longer than journal.maxAgeMs (${this.deps.options.maxAgeMs}): ${reason}${last.note}. They are dropped from the journal and will not be resent.${sent}`,
      { possiblyPersisted: batch.possiblyPersisted, ...last.options },
    );
  }

  /** The producer stops (closes, or cannot go on): batches failing from now on stay pending in the journal. */
  stop(): void {
    this.stopped = true;
  }

  /** Writes what is appended and closes the journal, releasing its directory. */
  close(): Promise<void> {
    this.stopped = true;
    this.closing ??= (async () => {
      if (this.opening) await this.opening.catch(() => undefined);
      await this.journal?.close();
    })();
    return this.closing;
  }

  on(listener: (event: JournalEvent) => void): void {
    this.listeners.add(listener);
  }

  off(listener: (event: JournalEvent) => void): void {
    this.listeners.delete(listener);
  }

  metrics(): JournalMetrics {
    const stats = this.journal?.stats();
    return {
      'journal-record-failed-total': this.failedRecords,
      'journal-record-possible-duplicate-total': this.duplicateRecords,
      'journal-recovered-batch-total': this.recoveredBatches,
      'journal-recovered-record-total': this.recoveredRecords,
      'journal-pending-records': stats?.pendingRecords ?? 0,
      'journal-used-bytes': stats?.usedBytes ?? 0,
      'journal-max-bytes': stats?.maxBytes ?? 0,
      'journal-segments': stats?.segments ?? 0,
    };
  }

  // Releases the batch's place among its partition's unconfirmed batches once `number` is durable.
  private confirmWhenDurable(batch: ProducerBatch, number: number): void {
    if (!batch.unconfirmed) return;
    this.journal!.whenDurable(number).then(
      () => {
        if (!batch.unconfirmed) return;
        batch.unconfirmed = false;
        batch.queue.unconfirmed--;
        this.onConfirmed();
      },
      (error: unknown) => this.fatal(error),
    );
  }

  private waitForRoom(journal: Journal, bytes: number): void {
    if (this.roomWanted) return;
    this.roomWanted = true;
    void journal.whenRoom(bytes, this.deps.maxBlockMs).then(() => {
      this.roomWanted = false;
      this.onRoom();
    });
  }

  // The journal cannot be used any more: what waits for it is abandoned and the producer told.
  private fatal(error: unknown): KafkaError {
    if (this.failure) return this.failure;
    const failure = kafkaErrorOf(error, 'JOURNAL_WRITE_FAILED');
    this.failure = failure;
    this.stopped = true;
    this.writes?.abandonAll(failure);
    this.onFailed(failure);
    return failure;
  }

  private emit(event: JournalEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        this.deps.log('warn', `a 'journal' listener threw: ${String(error)}`);
      }
    }
  }
}

// At least the bytes `record` takes in the journal: its frame header, kind, varints (at most 10
// bytes each) and UTF-8 strings (at most 3 bytes per UTF-16 unit).
function sizeBound(record: JournalRecordInput): number {
  let bytes = 64 + record.topic.length * 3 + dataBound(record.key) + dataBound(record.value);
  if (record.headers) for (const [name, value] of record.headers) bytes += 20 + name.length * 3 + dataBound(value);
  return bytes;
}

function dataBound(data: JournalRecordInput['key']): number {
  if (data === null) return 0;
  return typeof data === 'string' ? data.length * 3 : data.length;
}
