// The journal of an idempotent producer: every record is appended before it is batched, every
// batch before it is first written to the network, every acknowledgement and every record that
// failed for good after the fact. A crashed producer's successor opens the same directory and gets
// back the batches to resend exactly as they were and the records never batched.
//
// Appends are synchronous and return the entry's number; durability is asked for separately
// (whenDurable, commit), so that every caller of an event-loop turn shares one write and one fsync.
// Segments whose records are all settled are deleted, oldest first, once what settled them is
// durable. Entry numbers count every entry from the journal's start: they are positions, never
// stored, and a record, batch or acknowledgement is named by its number.
import { mkdir } from 'node:fs/promises';
import { InvalidRecordError } from '../errors/kafka-error.js';
import { crc32cReady } from '../records/crc32c.js';
import { DirectoryLock } from './directory-lock.js';
import { type IdentityEntry, type JournalEntryInput, type JournalRecordInput, sizeOfPayload, sizeOfRecordPayload, writePayload, writeRecordPayload } from './journal-entries.js';
import { JournalClosedError, JournalFullError, type JournalWriteError } from './journal-errors.js';
import { checkBatch, checkEpoch, checkOffset, checkProducerId, checkRecord, type JournalBatchInput } from './journal-input.js';
import type { JournalLedger } from './journal-ledger.js';
import { type JournalOptions, type ResolvedJournalOptions, resolveJournalOptions } from './journal-options.js';
import { identityOf, type JournalIdentity, type JournalRecovery, planBatches, type RecoveredBatch, unbatchedRecords } from './journal-recovery.js';
import { type Replay, replayJournal } from './journal-replay.js';
import { toRuns } from './number-runs.js';
import { FRAME_HEADER_BYTES, MAX_PAYLOAD_BYTES, sealFrame } from './segment-files.js';
import { SegmentWriter } from './segment-writer.js';

/** A snapshot of the journal's state. */
export interface JournalStats {
  /** Segment files, the one being written included. */
  readonly segments: number;
  /** Bytes of the segment files, entries not yet written included. */
  readonly usedBytes: number;
  readonly maxBytes: number;
  /** Records appended and not yet settled. */
  readonly pendingRecords: number;
  /** Batch entries holding pending records. */
  readonly liveBatches: number;
  /** The number the next entry gets. */
  readonly nextNumber: number;
  /** The number of the last durable entry (-1 when none). */
  readonly durableNumber: number;
}

interface RoomWaiter {
  readonly bytes: number;
  readonly resolve: (room: boolean) => void;
  readonly timer: NodeJS.Timeout;
}

/**
 * A producer's journal. Open it with {@link Journal.open}, resend what {@link recovered} lists,
 * then, as the producer works:
 * - {@link appendIdentity} after each InitProducerId or epoch bump;
 * - {@link appendRecord} for each record handed to the producer, once its partition is chosen
 *   (the record keeps the returned number);
 * - {@link appendBatch} when a batch is drained for its first send, and again when it is sent under
 *   new numbers or split, then {@link whenDurable} of the returned number before it is written to
 *   the network;
 * - {@link acknowledge} with that number when the broker acknowledges the batch;
 * - {@link settle} for records that failed for good;
 * - {@link close} when the producer closes.
 */
export class Journal {
  /** The journal's directory. */
  readonly directory: string;
  private readonly options: ResolvedJournalOptions;
  private readonly lock: DirectoryLock;
  private readonly ledger: JournalLedger;
  private readonly writer: SegmentWriter;
  private next: number;
  private readonly roomWaiters: RoomWaiter[] = [];
  private failure: JournalWriteError | undefined;
  private closed = false;
  private recovery: JournalRecovery;

  private constructor(options: ResolvedJournalOptions, lock: DirectoryLock, replay: Replay) {
    this.options = options;
    this.directory = options.directory;
    this.lock = lock;
    this.ledger = replay.ledger;
    this.next = replay.nextNumber;
    const last = replay.segments[replay.segments.length - 1];
    if (!last) this.ledger.startSegment(0);
    this.writer = new SegmentWriter({
      directory: options.directory,
      sync: options.sync,
      syncIntervalMs: options.syncIntervalMs,
      base: last?.base ?? 0,
      size: last?.bytes ?? 0,
      exists: last !== undefined,
      durableNumber: this.next - 1,
      onDeleted: (base) => this.deleted(base),
      onFailed: (error) => this.failed(error),
    });
    this.recovery = { identity: undefined, batches: [], unbatched: [], truncatedBytes: replay.torn?.bytes ?? 0 };
  }

  /**
   * Opens (or creates) the journal in `options.directory`: takes its lock, reads every segment,
   * cuts a torn tail off the last one, and returns the journal with {@link recovered} filled.
   * Throws JournalLockedError when another live process uses the directory, JournalCorruptedError
   * when a file is damaged beyond a torn tail, ConfigError for a bad option.
   */
  static async open(options: JournalOptions): Promise<Journal> {
    const resolved = resolveJournalOptions(options);
    // CRCs of a whole journal are read at once: worth the native implementation when it loads.
    await crc32cReady;
    await mkdir(resolved.directory, { recursive: true });
    const lock = await DirectoryLock.acquire(resolved.directory, resolved.logger);
    try {
      const replay = await replayJournal(resolved.directory, { repair: true });
      if (replay.torn) {
        resolved.logger?.warn?.(`Journal ${resolved.directory}: cut ${replay.torn.bytes} bytes of a torn tail off ${replay.torn.file} (${replay.torn.reason})`, {
          file: replay.torn.file,
          offset: replay.torn.offset,
          bytes: replay.torn.bytes,
        });
      }
      const journal = new Journal(resolved, lock, replay);
      await journal.recover(replay);
      return journal;
    } catch (error) {
      await lock.release();
      throw error;
    }
  }

  /**
   * What the directory held when the journal was opened: the batches to resend (acknowledge them
   * by their `number`) and the records never batched (batch them by their `number`).
   */
  get recovered(): JournalRecovery {
    return this.recovery;
  }

  /** The identity last appended (or recovered), if any. */
  get identity(): JournalIdentity | undefined {
    return identityOf(this.ledger.identity);
  }

  /** The number the next entry gets. */
  get nextNumber(): number {
    return this.next;
  }

  /** Bytes of the segment files, entries not yet written included. */
  get usedBytes(): number {
    return this.ledger.bytes;
  }

  /** The number of the last durable entry (-1 when none): every entry up to it survives a crash. */
  get durableNumber(): number {
    return this.writer.durableNumber;
  }

  /** The limit of {@link usedBytes} for records. */
  get maxBytes(): number {
    return this.options.maxBytes;
  }

  /** Appends the producer id and epoch in use from now on (after InitProducerId or an epoch bump). */
  appendIdentity(identity: { readonly producerId: bigint; readonly epoch: number; readonly time?: number }): number {
    this.checkOpen();
    checkProducerId(identity.producerId);
    checkEpoch(identity.epoch);
    const entry: IdentityEntry = { kind: 'identity', producerId: identity.producerId, epoch: identity.epoch, time: identity.time ?? Date.now() };
    this.prepare(FRAME_HEADER_BYTES + sizeOfPayload(entry));
    const number = this.write(entry);
    this.ledger.identityEntry(entry);
    return number;
  }

  /** Bytes a record's entry takes in the files (for {@link hasRoomFor} and {@link whenRoom}). */
  recordBytes(record: JournalRecordInput): number {
    checkRecord(record);
    return FRAME_HEADER_BYTES + sizeOfRecordPayload(record);
  }

  /** Whether `bytes` more fit under maxBytes now. */
  hasRoomFor(bytes: number): boolean {
    return this.ledger.bytes + bytes <= this.options.maxBytes;
  }

  /**
   * Appends a record and returns its number. Throws JournalFullError (retriable) when it does not
   * fit under maxBytes now (wait with {@link whenRoom}), InvalidRecordError when it never would.
   * Strings are written as UTF-8; byte arrays are copied, so the caller may reuse them.
   */
  appendRecord(record: JournalRecordInput): number {
    this.checkOpen();
    checkRecord(record);
    const payload = sizeOfRecordPayload(record);
    const size = FRAME_HEADER_BYTES + payload;
    if (size > this.options.maxBytes || payload > MAX_PAYLOAD_BYTES) {
      throw new InvalidRecordError(`The record takes ${size} bytes in the journal, more than its maxBytes (${this.options.maxBytes}) allows`);
    }
    if (!this.hasRoomFor(size)) {
      this.makeRoom(size);
      throw new JournalFullError(size, this.ledger.bytes, this.options.maxBytes);
    }
    this.prepare(size);
    const number = this.next++;
    const { buffer, offset } = this.writer.reserve(size, number);
    const end = writeRecordPayload(buffer, offset + FRAME_HEADER_BYTES, record);
    if (end !== offset + size) throw new Error(`journal record size mismatch: computed ${size}, wrote ${end - offset}`);
    sealFrame(buffer, offset, payload);
    this.ledger.addEntry(size);
    this.ledger.record(number, this.ledger.partitionId(record.topic, record.partition));
    return number;
  }

  /**
   * Appends a batch about to be written to the network, and returns its number (for
   * {@link acknowledge}). Its records must be pending records of its partition, ascending; a
   * record an earlier batch entry held now belongs to this one (a batch sent again under a new
   * epoch or sequence, or split), and the earlier batch keeps the rest. Wait for
   * {@link whenDurable} of the returned number before the batch goes out.
   */
  appendBatch(batch: JournalBatchInput): number {
    this.checkOpen();
    checkBatch(batch);
    const records = toRuns(batch.records, 'batch records');
    const partition = this.ledger.partitionId(batch.topic, batch.partition);
    const problem = this.ledger.batchProblem(records, partition);
    if (problem !== undefined) throw new TypeError(`a batch of ${batch.topic}-${batch.partition} cannot hold these records: ${problem}`);
    const entry: JournalEntryInput = {
      kind: 'batch',
      topic: batch.topic,
      partition: batch.partition,
      producerId: batch.producerId,
      epoch: batch.epoch,
      baseSequence: batch.baseSequence,
      records,
    };
    this.prepare(FRAME_HEADER_BYTES + sizeOfPayload(entry));
    const number = this.write(entry);
    this.ledger.batch(number, records, partition);
    this.releaseSegments();
    return number;
  }

  /**
   * Appends that the broker acknowledged the batch entry `batch` at `offset`: the records it names
   * are settled. A batch no longer live (acknowledged before, or all its records settled) is
   * acknowledged again harmlessly.
   */
  acknowledge(batch: number, offset: bigint): number {
    this.checkOpen();
    this.checkNumber(batch, 'batch');
    checkOffset(offset);
    const number = this.appendEntry({ kind: 'acknowledged', batch, offset });
    this.ledger.acknowledged(batch);
    this.releaseSegments();
    return number;
  }

  /**
   * Appends that `records` (ascending numbers) ended without acknowledgement, failed for good and
   * reported to the caller: they are never to be resent. Records settled before are skipped.
   */
  settle(records: readonly number[]): number {
    this.checkOpen();
    const runs = toRuns(records, 'settled records');
    if (runs.length === 0) throw new TypeError('settle() needs at least one record number');
    this.checkNumber(runs[runs.length - 2]! + runs[runs.length - 1]! - 1, 'record');
    const number = this.appendEntry({ kind: 'settled', records: runs });
    this.ledger.settle(runs, 'settled');
    this.releaseSegments();
    return number;
  }

  /** Resolves once the entry `number` (and every entry before it) is durable, per the sync policy. */
  whenDurable(number: number): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (!Number.isInteger(number) || number < 0 || number >= this.next) {
      return Promise.reject(new RangeError(`whenDurable: ${number} is not the number of an appended entry (0 to ${this.next - 1})`));
    }
    return this.writer.whenDurable(number);
  }

  /** Writes and syncs every entry appended so far now, without waiting for the sync policy's moment. */
  commit(): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    return this.writer.commit();
  }

  /**
   * Resolves true once `bytes` fit under maxBytes (waiters are served in order), false after
   * `timeoutMs` or when the journal closes, at once false when `bytes` exceed maxBytes.
   */
  whenRoom(bytes: number, timeoutMs: number): Promise<boolean> {
    if (this.closed || this.failure || bytes > this.options.maxBytes) return Promise.resolve(false);
    if (this.roomWaiters.length === 0 && this.hasRoomFor(bytes)) return Promise.resolve(true);
    this.makeRoom(bytes);
    return new Promise((resolve) => {
      const waiter: RoomWaiter = {
        bytes,
        resolve,
        timer: setTimeout(() => {
          const index = this.roomWaiters.indexOf(waiter);
          if (index >= 0) this.roomWaiters.splice(index, 1);
          resolve(false);
          // The waiters behind it may fit in what it was waiting for.
          this.serveRoomWaiters();
        }, timeoutMs),
      };
      this.roomWaiters.push(waiter);
    });
  }

  stats(): JournalStats {
    return {
      segments: this.ledger.segments.length,
      usedBytes: this.ledger.bytes,
      maxBytes: this.options.maxBytes,
      pendingRecords: this.ledger.owners.size,
      liveBatches: this.ledger.batches.size,
      nextNumber: this.next,
      durableNumber: this.writer.durableNumber,
    };
  }

  /** Writes and syncs what is appended, closes the files and releases the directory's lock. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const waiter of this.roomWaiters.splice(0)) {
      clearTimeout(waiter.timer);
      waiter.resolve(false);
    }
    try {
      await this.writer.close();
    } finally {
      await this.lock.release();
    }
  }

  /** Rebuilds what to resend, giving batches that lost records entries of their own. */
  private async recover(replay: Replay): Promise<void> {
    const batches: RecoveredBatch[] = [];
    for (const plan of planBatches(replay)) {
      const number =
        plan.number ??
        this.appendBatch({
          topic: plan.topic,
          partition: plan.partition,
          producerId: plan.producerId,
          epoch: plan.epoch,
          baseSequence: plan.baseSequence,
          records: plan.records.map((record) => record.number),
        });
      const { topic, partition, producerId, epoch, baseSequence, records } = plan;
      batches.push({ number, topic, partition, producerId, epoch, baseSequence, records });
    }
    this.recovery = { ...this.recovery, identity: identityOf(replay.ledger.identity), batches, unbatched: unbatchedRecords(replay) };
    this.releaseSegments();
    if (this.next - 1 > this.writer.durableNumber) await this.commit();
  }

  private checkOpen(): void {
    if (this.failure) throw this.failure;
    if (this.closed) throw new JournalClosedError();
  }

  private checkNumber(number: number, what: string): void {
    if (!Number.isSafeInteger(number) || number < 0 || number >= this.next) {
      throw new TypeError(`${what} ${number} is not the number of an appended entry (0 to ${this.next - 1})`);
    }
  }

  /** Appends a small entry that settles records: taken even when the journal is full, or nothing could free space. */
  private appendEntry(entry: JournalEntryInput): number {
    this.prepare(FRAME_HEADER_BYTES + sizeOfPayload(entry));
    return this.write(entry);
  }

  /** Starts a new segment first when a frame of `size` bytes would take the active one past segmentBytes. */
  private prepare(size: number): void {
    const active = this.ledger.activeSegment;
    if (active.entries > active.headerEntries && active.bytes + size > this.options.segmentBytes) this.roll();
  }

  /**
   * Starts a new segment. Its first entry is a copy of the current identity, so that deleting the
   * old segments never loses it.
   */
  private roll(): void {
    this.writer.roll(this.next);
    const segment = this.ledger.startSegment(this.next);
    const identity = this.ledger.identity;
    if (identity) {
      this.write(identity);
      segment.headerEntries = 1;
    }
    this.releaseSegments(true);
  }

  private write(entry: JournalEntryInput): number {
    const payload = sizeOfPayload(entry);
    const size = FRAME_HEADER_BYTES + payload;
    const number = this.next++;
    const { buffer, offset } = this.writer.reserve(size, number);
    const end = writePayload(buffer, offset + FRAME_HEADER_BYTES, entry);
    if (end !== offset + size) throw new Error(`journal ${entry.kind} entry size mismatch: computed ${size}, wrote ${end - offset}`);
    sealFrame(buffer, offset, payload);
    this.ledger.addEntry(size);
    return number;
  }

  /** Schedules the deletion of the segments that hold nothing pending, once what settled them is durable. */
  private releaseSegments(force = false): void {
    if (!force && !this.ledger.releaseCheck) return;
    for (const segment of this.ledger.takeReleasable()) this.writer.deleteWhenDurable(segment.base, this.next - 1);
  }

  /**
   * When full and the active segment holds nothing pending, a roll lets it be deleted: otherwise
   * a journal whose records all sit in the active segment would wait for space forever. Only a
   * segment at least as large as the space wanted is worth a roll (which copies the identity).
   */
  private makeRoom(bytes: number): void {
    const active = this.ledger.activeSegment;
    if (this.closed || this.failure || active.pending > 0 || active.entries <= active.headerEntries || active.bytes < bytes) return;
    this.roll();
  }

  private deleted(base: number): void {
    this.ledger.removeSegment(base);
    this.serveRoomWaiters();
  }

  /** Wakes the waiters, in order, that fit in the free space together. */
  private serveRoomWaiters(): void {
    let free = this.options.maxBytes - this.ledger.bytes;
    while (this.roomWaiters.length > 0 && this.roomWaiters[0]!.bytes <= free) {
      const waiter = this.roomWaiters.shift()!;
      free -= waiter.bytes;
      clearTimeout(waiter.timer);
      waiter.resolve(true);
    }
  }

  private failed(error: JournalWriteError): void {
    this.failure = error;
    for (const waiter of this.roomWaiters.splice(0)) {
      clearTimeout(waiter.timer);
      waiter.resolve(false);
    }
  }
}
