// One batch of records for one partition through its life (BatchState): open (records appended),
// closed (a newer batch takes the partition's records), sealing and sealed (bytes final,
// compressed), in flight, done. Its producer id, epoch and base sequence are stamped once at drain;
// a retry resends the same bytes. Each record's delivery is settled exactly once.
import { DeliveryTimeoutError, type KafkaError } from '../../errors/kafka-error.js';
import { RecordBatchBuilder, stampRecordBatch } from '../../records/index.js';
import type { RecordMetadata, SerializedRecord } from '../producer-record.js';
import type { BatchBufferPool } from './batch-buffer-pool.js';
import { BatchRecordOwners } from './batch-record-owners.js';
import type { Delivery } from './delivery.js';
import type { PartitionState } from './partition-state.js';

/**
 * Where a batch is in its life. `open`: takes records; `closed`: takes no more (a newer batch
 * does), bytes not final; `sealing`: being compressed off the event loop; `sealed`: bytes final,
 * waiting to be sent (first time or again); `in-flight`: in a request not yet answered; `done`:
 * its records settled (a request may still carry it).
 */
export type BatchState = 'open' | 'closed' | 'sealing' | 'sealed' | 'in-flight' | 'done';

let nextBatchId = 1;

/** First buffer of a batch with no size hint; enough for most batches under light traffic. */
const INITIAL_BUFFER_SIZE = 16 * 1024;


export class ProducerBatch {
  /** Creation order; sequence order within a partition follows it. */
  readonly id = nextBatchId++;
  /**
   * Position among the partition's batches, with `rank`: a new batch's id; split parts keep the
   * order of the batch they came from, and their rank is the index of their first record in it
   * (so parts of parts stay in record order, however often a batch is split).
   */
  order = this.id;
  rank = 0;

  /** Whether this batch's records come after `other`'s in the partition's call order. */
  isAfter(other: ProducerBatch): boolean {
    return this.order > other.order || (this.order === other.order && this.rank > other.rank);
  }
  /** The partition's queue and producer state. */
  readonly queue: PartitionState;
  readonly createdAt: number;
  /**
   * With a journal: when its oldest record was journaled, no later (journal.maxAgeMs counts from
   * it). The batch's creation, or earlier for records recovered after a restart.
   */
  journaledAt: number;
  /** When its callers' promises reject; with a journal, once they did, its age limit (see releaseCallers). */
  deliveryDeadline: number;
  /** Bytes reserved from bufferMemory for this batch: its header and its records' encoded sizes. */
  reservedBytes = 0;
  private builder: RecordBatchBuilder | undefined;
  private readonly capacity: number;
  /** The buffer taken from `pool` that the batch is written into, until it goes back. */
  private pooled: Buffer | undefined;
  private readonly pool: BatchBufferPool | undefined;
  /** The final batch bytes, once sealed. */
  bytes: Buffer | undefined;
  /** Size of the batch before compression, once sealed (for the compression-rate metric). */
  uncompressedBytes = 0;
  private lifecycle: BatchState = 'open';
  recordCount = 0;
  /** Whose promise each record settles. */
  private readonly owners: BatchRecordOwners;
  /** Sending attempts so far. */
  attempts = 0;
  /** Earliest time of the next attempt (retry backoff). */
  retryAt = 0;
  /** Producer id, epoch and base sequence stamped at drain (-1 when not idempotent or not yet drained). */
  producerId = -1n;
  producerEpoch = -1;
  baseSequence = -1;
  /** True once a request carrying this batch may have been written (sent with an unknown outcome). */
  possiblyPersisted = false;
  /** Why its last attempt failed, when it is waiting to be retried: the cause of its delivery timeout. */
  lastError: KafkaError | undefined;
  /**
   * True for a part of a batch split while it may have been written: the part's range differs from
   * the batch's, so the broker's refusal of the range proves nothing about the records, while its
   * acceptance shows the batch was not written (the broker's sequence had not moved past it).
   */
  splitFromUnknown = false;
  /**
   * Set when an earlier batch of the partition failed for good while this one was in flight: it
   * is not retried, so that nothing of the partition is written after the records that failed.
   */
  failedBehind: KafkaError | undefined;
  /** True after its sequence was reassigned under a new epoch (KIP-360). */
  sequenceReset = false;
  private stampPending = false;

  // With the journal on (undefined or unused otherwise, so a producer without it pays nothing).
  /** The journal entry number of each record, in batch order. */
  journalRecords: number[] | undefined;
  /** The number of the batch entry journaled for its current stamp, -1 when none. */
  journalEntry = -1;
  /** The stamp (producer id, epoch, base sequence) `journalEntry` was written with. */
  journalStamp: { producerId: bigint; epoch: number; baseSequence: number } | undefined;
  /** Counted in its partition's unconfirmed batches (PartitionState.unconfirmed) until its end is durable. */
  unconfirmed = false;
  /** Rebuilt from the journal after a restart: sent by an earlier process, outcome unknown. */
  recovered = false;
  /** Its callers' promises were rejected already (delivery timeout with a journal); it goes on. */
  callersReleased = false;

  /**
   * `sizeHint`: how large the partition's previous batch grew. Under load batches fill up, so the
   * buffer starts at that size rather than doubling its way up (a copy per doubling); when it was
   * at least half of `capacity`, the batch takes a full-size buffer from `pool`.
   */
  constructor(queue: PartitionState, now: number, deliveryTimeoutMs: number, capacity: number, sizeHint = 0, pool?: BatchBufferPool) {
    this.queue = queue;
    this.owners = new BatchRecordOwners(queue);
    this.createdAt = now;
    this.journaledAt = now;
    this.deliveryDeadline = now + deliveryTimeoutMs;
    this.capacity = capacity;
    if (pool !== undefined && pool.bufferSize === capacity && sizeHint * 2 >= capacity) {
      this.pool = pool;
      this.pooled = pool.take();
      this.builder = new RecordBatchBuilder({ buffer: this.pooled });
    } else {
      // The buffer grows (doubling) as records come, so a large batchSize costs memory only when used.
      this.builder = new RecordBatchBuilder({ initialCapacity: Math.min(capacity, Math.max(INITIAL_BUFFER_SIZE, sizeHint)) });
    }
  }

  /** The batch's topic and partition (the metrics' view of it). */
  get topicPartition(): PartitionState {
    return this.queue;
  }

  get state(): BatchState {
    return this.lifecycle;
  }

  /** Whether the batch still takes records. */
  get isOpen(): boolean {
    return this.lifecycle === 'open';
  }

  /** True while compression of the batch is under way off the event loop. */
  get isSealing(): boolean {
    return this.lifecycle === 'sealing';
  }

  /** Whether its records have settled. */
  get done(): boolean {
    return this.lifecycle === 'done';
  }

  /** The batch went out in a request: one more attempt. */
  markInFlight(): void {
    this.lifecycle = 'in-flight';
    this.attempts++;
  }

  /** The batch waits in its queue again, to be resent as it is. */
  markQueued(): void {
    if (this.lifecycle === 'in-flight') this.lifecycle = 'sealed';
  }

  /** Uncompressed size of the batch so far. */
  get sizeInBytes(): number {
    return this.bytes ? this.bytes.length : this.builder!.sizeInBytes;
  }

  /** Whether `record` fits within the batch's capacity (an empty batch takes any record). */
  hasRoomFor(record: SerializedRecord): boolean {
    if (this.lifecycle !== 'open') return false;
    if (this.recordCount === 0) return true;
    return this.builder!.sizeAfterAppend(record.timestamp, record.keySize, record.valueSize, record.headers) <= this.capacity;
  }

  /** Whether no further record can be appended. */
  get isFull(): boolean {
    return this.lifecycle !== 'open' || this.builder!.sizeInBytes >= this.capacity;
  }

  /** Stops appends: a newer batch takes the partition's next records. */
  closeForAppends(): void {
    if (this.lifecycle === 'open') this.lifecycle = 'closed';
  }

  get isSealed(): boolean {
    return this.bytes !== undefined;
  }

  /** Appends `record`, which reserved `reservedBytes` of bufferMemory for this batch. */
  append(record: SerializedRecord, delivery: Delivery, position: number, reservedBytes: number): void {
    this.reservedBytes += reservedBytes;
    const { key, value } = record;
    this.builder!.appendSized(
      Number.POSITIVE_INFINITY,
      record.timestamp,
      key,
      key === null ? -1 : record.keySize,
      value,
      value === null ? -1 : record.valueSize,
      record.headers,
    );
    this.owners.add(delivery, position, record.timestamp, this.recordCount);
    this.recordCount++;
  }

  /** Appends the record of a single-record send() call to the batch's shared delivery; returns its promise. */
  appendSingle(record: SerializedRecord, reservedBytes: number): Promise<RecordMetadata> {
    const shared = this.owners.shared();
    this.append(record, shared, shared.size, reservedBytes);
    return shared.join();
  }

  /** Closes the batch to appends and produces its final bytes (synchronously when uncompressed). */
  seal(): void {
    if (!this.builder) return;
    this.uncompressedBytes = this.builder.sizeInBytes;
    this.bytes = this.builder.build();
    this.builder = undefined;
    this.lifecycle = 'sealed';
    this.returnBufferUnlessSent();
  }

  /**
   * Closes the batch with the bytes `compress` returns at once; when it returns undefined (the work
   * belongs off the event loop) the batch stays open. Returns whether the batch is sealed.
   */
  sealCompressedNow(compress: (builder: RecordBatchBuilder) => Buffer | undefined): boolean {
    const builder = this.builder;
    if (!builder) return this.bytes !== undefined;
    const bytes = compress(builder);
    if (bytes === undefined) return false;
    this.uncompressedBytes = builder.sizeInBytes;
    this.bytes = bytes;
    this.builder = undefined;
    this.lifecycle = 'sealed';
    this.returnBufferUnlessSent();
    return true;
  }

  /** Closes the batch and compresses it; `bytes` is set when the promise resolves. */
  async sealCompressed(compress: (builder: RecordBatchBuilder) => Promise<Buffer>): Promise<void> {
    const builder = this.builder;
    if (!builder) return;
    this.builder = undefined;
    this.lifecycle = 'sealing';
    try {
      this.uncompressedBytes = builder.sizeInBytes;
      this.bytes = await compress(builder);
      if (this.lifecycle === 'sealing') this.lifecycle = 'sealed';
      this.returnBufferUnlessSent();
    } catch (error) {
      // The batch keeps its records, and so its size, for the sender that fails it.
      this.builder = builder;
      if (this.lifecycle === 'sealing') this.lifecycle = 'closed';
      throw error;
    }
  }

  // Once sealed, the bytes to send may not lie in the pooled buffer (the batch was compressed, or
  // outgrew it): nothing reads it any more, so it goes back now.
  private returnBufferUnlessSent(): void {
    if (this.bytes !== undefined && this.bytes.buffer !== this.pooled?.buffer) this.returnBuffer();
  }

  /**
   * Called when the broker acknowledged the batch. When the request that carried it was its only
   * one, the socket has written all of its bytes and no other request holds them, so its buffer
   * goes back to the pool. A batch sent more than once keeps its buffer: a request of an earlier
   * attempt might still hold it.
   */
  onAcknowledged(): void {
    if (this.attempts === 1) this.returnBuffer();
  }

  // Gives the pooled buffer, if the batch still holds one, back to the pool: once.
  private returnBuffer(): void {
    const pooled = this.pooled;
    if (pooled === undefined) return;
    this.pooled = undefined;
    this.pool!.give(pooled);
  }

  /** Gives the batch its producer id, epoch and base sequence (written into the bytes by applyStamp). */
  assignSequence(producerId: bigint, producerEpoch: number, baseSequence: number): void {
    this.producerId = producerId;
    this.producerEpoch = producerEpoch;
    this.baseSequence = baseSequence;
    this.stampPending = true;
  }

  /** Writes producer id, epoch, base sequence and the transactional bit into the sealed bytes (and the CRC). */
  applyStamp(transactional: boolean): void {
    if (!this.stampPending || !this.bytes) return;
    stampRecordBatch(this.bytes, {
      producerId: this.producerId,
      producerEpoch: this.producerEpoch,
      baseSequence: this.baseSequence,
      transactional,
    });
    this.stampPending = false;
  }

  /** Sequence of the last record (wrapping at 2^31 as Kafka does). */
  get lastSequence(): number {
    return this.baseSequence < 0 ? -1 : (this.baseSequence + this.recordCount - 1) % 0x80000000;
  }

  /** Resolves every record with its offset. `logAppendTime` replaces create times when not -1. */
  complete(baseOffset: bigint, logAppendTime: number): void {
    if (this.lifecycle === 'done') return;
    this.lifecycle = 'done';
    if (!this.callersReleased) this.owners.resolve(baseOffset, logAppendTime, this.recordCount);
  }

  /**
   * Rejects every record's promise with `error` while the batch itself goes on (it stays queued
   * or in flight): a journaled batch past its delivery timeout is kept until acknowledged, or
   * until `nextDeadline` (journal.maxAgeMs; Infinity without it).
   */
  releaseCallers(error: KafkaError, nextDeadline: number): void {
    if (this.callersReleased || this.lifecycle === 'done') return;
    this.callersReleased = true;
    this.deliveryDeadline = nextDeadline;
    // Records appended from now on go to a new batch, whose callers' promises are their own.
    this.closeForAppends();
    this.owners.reject(error, this.recordCount);
  }

  /** Appends the journal entry number of the record just appended. */
  addJournalRecord(number: number): void {
    (this.journalRecords ??= []).push(number);
  }

  /** Where the record at `index` was written (once the batch is complete). */
  metadataAt(index: number): RecordMetadata {
    return this.owners.metadataAt(index);
  }

  /** Rejects every record with `error`. */
  fail(error: KafkaError): void {
    if (this.lifecycle === 'done') return;
    this.lifecycle = 'done';
    if (!this.callersReleased) this.owners.reject(error, this.recordCount);
  }

  /**
   * What every message about the batch's fate ends with: " (last error: ...)" when an earlier
   * attempt failed ("" before), with that error as the cause.
   */
  lastErrorNote(): { readonly note: string; readonly options: { cause?: KafkaError } } {
    return this.lastError ? { note: ` (last error: ${this.lastError.message})`, options: { cause: this.lastError } } : { note: '', options: {} };
  }

  /**
   * The error of a batch that expired. A batch that was retried names the error of its last
   * attempt (e.g. the broker's NOT_ENOUGH_REPLICAS), as the message and as the `cause`.
   */
  expiryError(now: number, reason: string): DeliveryTimeoutError {
    const last = this.lastErrorNote();
    return new DeliveryTimeoutError(
      `${this.recordCount} record(s) for ${this.queue} expired after ${now - this.createdAt} ms (deliveryTimeoutMs): ${reason}${last.note}. ` +
        (this.possiblyPersisted ? 'A request carrying them got no answer, so they may have been written.' : 'They were not written.'),
      this.possiblyPersisted,
      last.options,
    );
  }

  /** The records' deliveries and positions, for splitting a batch that was too large. */
  recordOwners(): { deliveries: readonly Delivery[]; positions: readonly number[]; timestamps: readonly number[] } {
    return this.owners.list(this.recordCount);
  }
}
