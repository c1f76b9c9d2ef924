// Collects records into per-partition batches and decides which batches go out. Appends are
// synchronous and in call order, within bufferMemory (UnsettledBatches): a large batchSize costs
// nothing while traffic is light. A record larger than batchSize gets its own batch.
//
// The sender asks three things of it, as of Java's RecordAccumulator: which leaders have batches
// ready (ready), the batches of one request to a leader (drain: sequence numbers are assigned here,
// in the same synchronous step as the request is written, invariant 8), and which batches are past
// their delivery deadline (expired). The partitions' queues are the accumulator's own: the sender
// reports what happened to a batch (answered, to be retried, split) through its methods.
import { RECORD_BATCH_OVERHEAD, RecordBatchBuilder } from '../../records/index.js';
import type { SequenceTracker } from '../idempotence/sequence-tracker.js';
import type { RecordMetadata, SerializedRecord } from '../producer-record.js';
import { BatchBufferPool } from './batch-buffer-pool.js';
import type { BatchSealer } from './batch-sealer.js';
import type { Delivery } from './delivery.js';
import { PartitionState } from './partition-state.js';
import { ProducerBatch } from './producer-batch.js';
import { UnsettledBatches } from './unsettled-batches.js';

export interface AccumulatorConfig {
  readonly batchSize: number;
  readonly bufferMemory: number;
  /** Records batches may hold at most (maxBufferedRecords); no limit when absent. */
  readonly maxBufferedRecords?: number;
  readonly deliveryTimeoutMs: number;
  /** How long a batch that is not full waits for more records (0 when absent). */
  readonly lingerMs?: number;
}

/** What drain() consults besides the queues: idempotence and the transaction. */
export interface DrainRules {
  /** Stamps the head batch with its sequence (idempotent producers). */
  readonly sequences?: SequenceTracker | undefined;
  /** Whether a partition's batches may go now (transactional producers: once added to the transaction). */
  readonly partitionReady?: ((queue: PartitionState) => boolean) | undefined;
  /** Whether the batches of `queue` may be written into one request now. */
  readonly sealer: BatchSealer | undefined;
  /** With the journal on: a partition takes no new batch past its unconfirmed limit (PartitionState.mayJournal). */
  readonly journal?: boolean | undefined;
}

/** Partitions whose head batch may be sent now, per leader, from ready(). */
export interface ReadyPartitions {
  readonly byLeader: Map<number, PartitionState[]>;
  /** True when a partition with batches has no known leader: metadata is wanted. */
  readonly leaderUnknown: boolean;
}

export class RecordAccumulator {
  private readonly topics = new Map<string, PartitionState[]>();
  /** Partitions with queued or in-flight batches. */
  private readonly active = new Set<PartitionState>();
  private readonly unsettledBatches: UnsettledBatches;
  /** > 0 while flush() or close() wants every batch sent now, lingering or not. */
  private flushes = 0;
  private readonly lingerMs: number;
  /** Idempotence, transaction and sealing rules applied at drain; set by the sender. */
  rules: DrainRules = { sealer: undefined };
  /** Called when memory is released (waiting appends may proceed). */
  onMemoryReleased: () => void = () => {};
  /**
   * Called when an append opened a partition's only batch: the sender has a linger to time. An
   * append to a batch with room left changes nothing for the sender, so most appends call nothing.
   */
  onBatchOpened: () => void = () => {};
  /**
   * Called when an append completed a batch: filled it, or opened the next one behind it. The
   * completed batch is ready to send, whatever its linger.
   */
  onBatchCompleted: () => void = () => {};
  /** Called with the time something will become ready or expire (linger, backoff, deadline). */
  wakeAt: (due: number) => void = () => {};
  /**
   * Called at drain for a head batch sent under an older stamp with an unknown outcome, which its
   * partition's new epoch would renumber (invariant 5): it must be failed, not sent.
   */
  onNotRenumbered: (queue: PartitionState, batch: ProducerBatch) => void = () => {};

  /**
   * Full-size batch buffers for reuse: up to half of bufferMemory, at most 64 of them. One response
   * acknowledges a batch per partition at once, and the batches opened next take them back, so the
   * pool must hold a burst of them: with 16 at most, nearly two thirds of the batches of a 1 KiB-record
   * benchmark found it empty.
   */
  private readonly buffers: BatchBufferPool;

  constructor(private readonly config: AccumulatorConfig) {
    const limit = Math.min(64, Math.floor(config.bufferMemory / 2 / Math.max(1, config.batchSize)));
    this.buffers = new BatchBufferPool(config.batchSize, limit);
    this.unsettledBatches = new UnsettledBatches(config.bufferMemory, config.maxBufferedRecords ?? Number.POSITIVE_INFINITY);
    this.lingerMs = config.lingerMs ?? 0;
  }

  /** The queue of one partition (created on first use). */
  queueFor(topic: string, partition: number): PartitionState {
    let partitions = this.topics.get(topic);
    if (!partitions) this.topics.set(topic, (partitions = []));
    let queue = partitions[partition];
    if (!queue) partitions[partition] = queue = new PartitionState(topic, partition);
    return queue;
  }

  /** Batches of a partition waiting to be sent (not in flight); 0 for a partition never appended to. */
  queuedBatches(topic: string, partition: number): number {
    return this.topics.get(topic)?.[partition]?.queued.length ?? 0;
  }

  /** The batch size and delivery timeout batches are made with. */
  get batchConfig(): AccumulatorConfig {
    return this.config;
  }

  /** The buffers full-size batches take (for batches rebuilt from the journal). */
  get bufferPool(): BatchBufferPool {
    return this.buffers;
  }

  /** Bytes reserved by batches not yet settled. */
  get bufferedBytes(): number {
    return this.unsettledBatches.bytes;
  }

  /** Records in batches not yet settled. */
  get recordsPending(): number {
    return this.unsettledBatches.records;
  }

  /** Which limit a record that found no room waits for: bufferMemory, or maxBufferedRecords when that one is reached. */
  get fullLimit(): 'bufferMemory' | 'maxBufferedRecords' {
    return this.unsettledBatches.recordsFull ? 'maxBufferedRecords' : 'bufferMemory';
  }

  /** Whether any partition has batches queued or in flight. */
  get hasActivePartitions(): boolean {
    return this.active.size > 0;
  }

  // ---- appending -------------------------------------------------------------------------------

  /**
   * Appends `record` to the open batch of `queue`, or to a new batch when it does not fit.
   * Returns false, appending nothing, when bufferMemory has no room for it.
   */
  append(queue: PartitionState, record: SerializedRecord, delivery: Delivery, position: number, now: number): boolean {
    const recordBytes = RecordBatchBuilder.recordSizeUpperBound(record.keySize, record.valueSize, record.headers);
    const batch = this.batchFor(queue, record, recordBytes, now);
    if (!batch) return false;
    batch.append(record, delivery, position, batch.recordCount === 0 ? RECORD_BATCH_OVERHEAD + recordBytes : recordBytes);
    this.afterAppend(queue, batch);
    return true;
  }

  /**
   * append() for the record of a single-record send() call, which joins its batch's shared
   * delivery: returns the record's promise, or undefined when bufferMemory has no room for it.
   */
  appendSingle(queue: PartitionState, record: SerializedRecord, now: number): Promise<RecordMetadata> | undefined {
    const recordBytes = RecordBatchBuilder.recordSizeUpperBound(record.keySize, record.valueSize, record.headers);
    const batch = this.batchFor(queue, record, recordBytes, now);
    if (!batch) return undefined;
    const promise = batch.appendSingle(record, batch.recordCount === 0 ? RECORD_BATCH_OVERHEAD + recordBytes : recordBytes);
    this.afterAppend(queue, batch);
    return promise;
  }

  /** The batch the last record appended to `queue` went into. */
  lastBatch(queue: PartitionState): ProducerBatch | undefined {
    return queue.queued[queue.queued.length - 1];
  }

  /**
   * Appends a record recovered from the journal (never batched before the restart) behind what
   * `queue` holds, whatever bufferMemory holds: the journal bounds what it recovers.
   */
  appendRecovered(queue: PartitionState, record: SerializedRecord, delivery: Delivery, journalNumber: number, journaledBy: number, now: number): void {
    const recordBytes = RecordBatchBuilder.recordSizeUpperBound(record.keySize, record.valueSize, record.headers);
    const batch = this.batchFor(queue, record, recordBytes, now, true)!;
    batch.append(record, delivery, 0, batch.recordCount === 0 ? RECORD_BATCH_OVERHEAD + recordBytes : recordBytes);
    batch.addJournalRecord(journalNumber);
    batch.journaledAt = Math.min(batch.journaledAt, journaledBy);
  }

  /**
   * Queues `batch`, rebuilt from the journal with exactly the records of a batch an earlier process
   * sent, behind what `queue` holds, whatever bufferMemory holds.
   */
  addRebuilt(queue: PartitionState, batch: ProducerBatch): void {
    const last = queue.queued[queue.queued.length - 1];
    if (last?.isOpen) last.closeForAppends();
    this.unsettledBatches.reserveBatch(batch);
    queue.queued.push(batch);
    this.unsettledBatches.add(batch);
    this.active.add(queue);
  }

  private afterAppend(queue: PartitionState, batch: ProducerBatch): void {
    if (batch.isFull || (batch.recordCount === 1 && queue.queued.length > 1)) this.onBatchCompleted();
    else if (batch.recordCount === 1) this.onBatchOpened();
  }

  // The batch `record` goes into, its memory reserved: the open batch when the record fits, else a
  // new one (empty, so the record's reservation includes the batch header). Undefined when
  // bufferMemory has no room.
  private batchFor(queue: PartitionState, record: SerializedRecord, recordBytes: number, now: number, force = false): ProducerBatch | undefined {
    const last = queue.queued[queue.queued.length - 1];
    if (last?.hasRoomFor(record)) {
      return this.unsettledBatches.reserve(recordBytes, force) ? last : undefined;
    }
    const batchBytes = RECORD_BATCH_OVERHEAD + recordBytes;
    if (!this.unsettledBatches.reserve(batchBytes, force)) return undefined;
    if (last?.isOpen) {
      last.closeForAppends();
      queue.recentBatchBytes = last.sizeInBytes;
    }
    const batch = new ProducerBatch(queue, now, this.config.deliveryTimeoutMs, Math.max(this.config.batchSize, batchBytes), queue.recentBatchBytes, this.buffers);
    queue.queued.push(batch);
    this.unsettledBatches.add(batch);
    this.active.add(queue);
    return batch;
  }

  // ---- what the sender asks --------------------------------------------------------------------

  /**
   * The partitions whose head batch may be sent now, grouped by leader (`leaderOf` answers -1 when
   * unknown). Each partition with batches asks wakeAt() for the time its head expires, and a head
   * not ready yet for when it will be (linger, retry backoff).
   */
  ready(now: number, leaderOf: (queue: PartitionState) => number): ReadyPartitions {
    const byLeader = new Map<number, PartitionState[]>();
    let leaderUnknown = false;
    for (const queue of this.active) {
      const head = queue.queued[0];
      if (!head) {
        this.settleIfIdle(queue);
        continue;
      }
      this.wakeAt(head.callersReleased ? nextDeadline(queue) : head.deliveryDeadline);
      const leader = leaderOf(queue);
      if (leader < 0) {
        leaderUnknown = true;
        continue;
      }
      if (!this.isReady(queue, head, now)) continue;
      let list = byLeader.get(leader);
      if (!list) byLeader.set(leader, (list = []));
      list.push(queue);
    }
    return { byLeader, leaderUnknown };
  }

  /**
   * The batches of one request to `leader`: the head batch of each partition in `queues` that may
   * go (invariants 3 and 4), stamped with its sequence, at most `maxSize` bytes in all (a first
   * batch of any size), starting at partition `rotation` so that no partition always comes last.
   * The batches move to the partitions' in-flight lists.
   */
  drain(leader: number, queues: readonly PartitionState[], rotation: number, maxSize: number, now: number, overhead: (queue: PartitionState) => number): ProducerBatch[] {
    const { sequences, partitionReady, sealer, journal } = this.rules;
    const batches: ProducerBatch[] = [];
    let size = 0;
    for (let step = 0; step < queues.length; step++) {
      const queue = queues[(rotation + step) % queues.length]!;
      const head = queue.queued[0];
      if (!head || !queue.mayDrainTo(leader)) continue;
      if (journal && !queue.mayJournal(head)) continue;
      if (batches.length > 0 && !this.isReady(queue, head, now)) continue;
      if (partitionReady && !partitionReady(queue)) continue;
      if (sealer ? !sealer.sealForDrain(head) : !sealNow(head)) continue;
      const bytes = head.bytes!.length + overhead(queue);
      if (batches.length > 0 && size + bytes > maxSize) continue;
      if (sequences) {
        const prepared = sequences.prepare(queue, head);
        if (prepared === 'wait') continue;
        if (prepared === 'possibly-written') {
          this.onNotRenumbered(queue, head);
          step--; // the partition's next batch may go in its place
          continue;
        }
      }
      batches.push(queue.sendHead(leader));
      size += bytes;
    }
    return batches;
  }

  /** Whether the head batch of `queue` is ready now (see isReady); for the partitions of a leader's next request. */
  hasReadyHead(queue: PartitionState, now: number): boolean {
    const head = queue.queued[0];
    return head !== undefined && this.isReady(queue, head, now);
  }

  /**
   * The batches waiting to be sent whose delivery deadline has passed, each partition's from its
   * head (a batch behind an unexpired one waits its turn).
   */
  expired(now: number): ProducerBatch[] {
    const expired: ProducerBatch[] = [];
    for (const queue of this.active) {
      for (const batch of queue.queued) {
        // With the journal on, a batch whose callers were released at their deadline stays queued
        // until its age limit (journal.maxAgeMs; Infinity without it).
        if (batch.callersReleased) {
          if (batch.deliveryDeadline <= now) expired.push(batch);
          continue;
        }
        if (batch.deliveryDeadline > now) break;
        expired.push(batch);
      }
    }
    return expired;
  }

  /** Every batch not yet sent, oldest first per partition. */
  unsent(): ProducerBatch[] {
    const batches: ProducerBatch[] = [];
    for (const queue of this.active) batches.push(...queue.queued);
    return batches;
  }

  /** Every batch in flight. */
  inFlight(): ProducerBatch[] {
    const batches: ProducerBatch[] = [];
    for (const queue of this.active) batches.push(...queue.inFlight);
    return batches;
  }

  /** Every batch not yet settled. */
  unsettled(): ProducerBatch[] {
    return this.unsettledBatches.all();
  }

  // Ready: the head batch is full, or not the only one, or lingered, or a retry whose backoff
  // passed, or everything must go now (flush, close); a compressed one once sealed (BatchSealer).
  private isReady(queue: PartitionState, head: ProducerBatch, now: number): boolean {
    if (head.retryAt > now) {
      this.wakeAt(head.retryAt);
      return false;
    }
    const lingered = head.attempts > 0 || head.isFull || queue.queued.length > 1 || this.flushes > 0 || now >= head.createdAt + this.lingerMs;
    if (!lingered) {
      this.wakeAt(head.createdAt + this.lingerMs);
      return false;
    }
    return this.rules.sealer ? this.rules.sealer.mayDrain(head) : true;
  }

  /** From now until endFlush(), every batch is ready whatever its linger. */
  beginFlush(): void {
    this.flushes++;
  }

  endFlush(): void {
    this.flushes--;
  }

  // ---- what happened to a batch in flight ------------------------------------------------------

  /** Queues `batch` again for a retry at `retryAt`, ahead of newer batches; the partition recovers (invariant 3). */
  retry(batch: ProducerBatch, retryAt: number): void {
    const queue = batch.queue;
    batch.retryAt = retryAt;
    batch.markQueued();
    queue.recovering = true;
    queue.reenqueue(batch);
    this.active.add(queue);
    this.wakeAt(retryAt);
  }

  /**
   * Replaces a batch split for being too large by its parts, which hold its records and take its
   * place by order (a retried earlier batch stays ahead of them, as its sequences do): the parts
   * become incomplete batches (with their own memory), the original is released, and whoever
   * waits for the original (flush) waits for the parts instead.
   */
  replaceSplit(original: ProducerBatch, parts: readonly ProducerBatch[]): void {
    const queue = original.queue;
    for (const part of parts) queue.reenqueue(part);
    this.unsettledBatches.addParts(original, parts);
    this.active.add(queue);
    this.release(original);
  }

  /** Queued batches of the partitions `leader` leads (per `leaderOf`). */
  queuedFor(leader: number, leaderOf: (queue: PartitionState) => number): ProducerBatch[] {
    const batches: ProducerBatch[] = [];
    for (const queue of this.active) if (leaderOf(queue) === leader) batches.push(...queue.queued);
    return batches;
  }

  // ---- settling --------------------------------------------------------------------------------

  /** Takes a settled (or settling) batch out of its partition's queue, if it is there. */
  dequeue(batch: ProducerBatch): void {
    batch.queue.removeQueued(batch);
  }

  /** Forgets a settled batch and releases its memory; the partition goes idle when it has nothing left. */
  release(batch: ProducerBatch): void {
    const queue = batch.queue;
    if (queue.isEmpty) this.active.delete(queue);
    if (this.unsettledBatches.release(batch)) this.onMemoryReleased();
  }

  /**
   * Resolves once every batch unsettled now has been released (acknowledged, failed, or split
   * into parts that were released in turn): flush() waits on this, not by polling.
   */
  awaitSettled(): Promise<void> {
    return this.unsettledBatches.awaitSettled();
  }

  private settleIfIdle(queue: PartitionState): void {
    if (queue.isEmpty) this.active.delete(queue);
  }
}

// With the journal on, the next deadline of `queue`: the first batch whose callers still wait, or
// an earlier age limit of a batch before it whose callers were released.
function nextDeadline(queue: PartitionState): number {
  let next = Number.POSITIVE_INFINITY;
  for (const batch of queue.queued) {
    next = Math.min(next, batch.deliveryDeadline);
    if (!batch.callersReleased) break;
  }
  return next;
}

// Without a sealer (unit tests of the accumulator alone), batches are sealed uncompressed at drain.
function sealNow(batch: ProducerBatch): boolean {
  if (!batch.isSealed) batch.seal();
  return true;
}
