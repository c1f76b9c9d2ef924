// Collects records into per-partition batches. Appends are synchronous and in call order; each
// record reserves its encoded size (an upper bound) from bufferMemory, and a new batch its header
// too, released when the batch settles: memory held by unsent records stays within bufferMemory,
// and a large batchSize costs nothing while traffic is light. A record larger than batchSize gets
// its own batch.
import { RECORD_BATCH_OVERHEAD, RecordBatchBuilder } from '../../records/index.js';
import type { RecordMetadata, SerializedRecord } from '../producer-record.js';
import { BatchBufferPool } from './batch-buffer-pool.js';
import type { Delivery } from './delivery.js';
import { PartitionQueue } from './partition-queue.js';
import { ProducerBatch } from './producer-batch.js';

export interface AccumulatorConfig {
  readonly batchSize: number;
  readonly bufferMemory: number;
  readonly deliveryTimeoutMs: number;
}

export class RecordAccumulator {
  private readonly topics = new Map<string, PartitionQueue[]>();
  /** Partitions with queued or in-flight batches, for the sender to visit. */
  readonly active = new Set<PartitionQueue>();
  /** Batches created and not yet settled. */
  readonly incomplete = new Set<ProducerBatch>();
  private memoryUsed = 0;
  /** flush() calls waiting for the batches incomplete when they were made to settle. */
  private readonly settleWaiters = new Set<{ readonly remaining: Set<ProducerBatch>; readonly resolve: () => void }>();
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
  }

  /** The queue of one partition (created on first use). */
  queueFor(topic: string, partition: number): PartitionQueue {
    let partitions = this.topics.get(topic);
    if (!partitions) this.topics.set(topic, (partitions = []));
    let queue = partitions[partition];
    if (!queue) partitions[partition] = queue = new PartitionQueue(topic, partition);
    return queue;
  }

  /** Batches of a partition waiting to be sent (not in flight); 0 for a partition never appended to. */
  queuedBatches(topic: string, partition: number): number {
    return this.topics.get(topic)?.[partition]?.queued.length ?? 0;
  }

  /** Bytes reserved by batches not yet settled. */
  get bufferedBytes(): number {
    return this.memoryUsed;
  }

  /**
   * Appends `record` to the open batch of `queue`, or to a new batch when it does not fit.
   * Returns false, appending nothing, when bufferMemory has no room for it.
   */
  tryAppend(queue: PartitionQueue, record: SerializedRecord, delivery: Delivery, position: number, now: number): boolean {
    const recordBytes = RecordBatchBuilder.recordSizeUpperBound(record.keySize, record.valueSize, record.headers);
    const batch = this.batchFor(queue, record, recordBytes, now);
    if (!batch) return false;
    batch.append(record, delivery, position, batch.recordCount === 0 ? RECORD_BATCH_OVERHEAD + recordBytes : recordBytes);
    this.afterAppend(queue, batch);
    return true;
  }

  /**
   * tryAppend() for the record of a single-record send() call, which joins its batch's delivery
   * group: returns the record's promise, or undefined when bufferMemory has no room for it.
   */
  tryAppendToGroup(queue: PartitionQueue, record: SerializedRecord, now: number): Promise<RecordMetadata> | undefined {
    const recordBytes = RecordBatchBuilder.recordSizeUpperBound(record.keySize, record.valueSize, record.headers);
    const batch = this.batchFor(queue, record, recordBytes, now);
    if (!batch) return undefined;
    const promise = batch.appendToGroup(record, batch.recordCount === 0 ? RECORD_BATCH_OVERHEAD + recordBytes : recordBytes);
    this.afterAppend(queue, batch);
    return promise;
  }

  private afterAppend(queue: PartitionQueue, batch: ProducerBatch): void {
    if (batch.isFull || (batch.recordCount === 1 && queue.queued.length > 1)) this.onBatchCompleted();
    else if (batch.recordCount === 1) this.onBatchOpened();
  }

  // The batch `record` goes into, its memory reserved: the open batch when the record fits, else a
  // new one (empty, so the record's reservation includes the batch header). Undefined when
  // bufferMemory has no room.
  private batchFor(queue: PartitionQueue, record: SerializedRecord, recordBytes: number, now: number): ProducerBatch | undefined {
    const last = queue.queued[queue.queued.length - 1];
    if (last && !last.isSealed && !last.sealing && last.hasRoomFor(record)) {
      return this.reserve(recordBytes) ? last : undefined;
    }
    const batchBytes = RECORD_BATCH_OVERHEAD + recordBytes;
    if (!this.reserve(batchBytes)) return undefined;
    if (last && !last.isSealed && !last.sealing) {
      last.closeForAppends();
      queue.recentBatchBytes = last.sizeInBytes;
    }
    const batch = new ProducerBatch(
      queue,
      now,
      this.config.deliveryTimeoutMs,
      Math.max(this.config.batchSize, batchBytes),
      queue.recentBatchBytes,
      this.buffers,
    );
    queue.queued.push(batch);
    this.incomplete.add(batch);
    this.active.add(queue);
    return batch;
  }

  // Takes `bytes` from bufferMemory if they fit. send() refuses records larger than bufferMemory;
  // an empty buffer still takes anything, so that no append ever waits for a release that cannot come.
  private reserve(bytes: number): boolean {
    if (this.memoryUsed > 0 && this.memoryUsed + bytes > this.config.bufferMemory) return false;
    this.memoryUsed += bytes;
    return true;
  }

  /**
   * Replaces a batch split for being too large by its parts, which hold its records: the parts
   * become incomplete batches (with their own memory), the original is released, and whoever
   * waits for the original (flush) waits for the parts instead.
   */
  replaceSplit(original: ProducerBatch, parts: readonly ProducerBatch[]): void {
    for (const part of parts) {
      this.incomplete.add(part);
      this.memoryUsed += part.reservedBytes;
    }
    for (const waiter of this.settleWaiters) {
      if (waiter.remaining.has(original)) for (const part of parts) waiter.remaining.add(part);
    }
    this.release(original);
  }

  /** Forgets a settled batch and releases its memory. */
  release(batch: ProducerBatch): void {
    if (!this.incomplete.delete(batch)) return;
    this.memoryUsed -= batch.reservedBytes;
    if (this.settleWaiters.size > 0) this.notifyWaiters(batch);
    this.onMemoryReleased();
  }

  /**
   * Resolves once every batch incomplete now has been released (acknowledged, failed, or split
   * into parts that were released in turn): flush() waits on this, not by polling.
   */
  awaitSettled(): Promise<void> {
    if (this.incomplete.size === 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.settleWaiters.add({ remaining: new Set(this.incomplete), resolve });
    });
  }

  private notifyWaiters(batch: ProducerBatch): void {
    for (const waiter of this.settleWaiters) {
      if (waiter.remaining.delete(batch) && waiter.remaining.size === 0) {
        this.settleWaiters.delete(waiter);
        waiter.resolve();
      }
    }
  }

  /** Removes a partition from the active set once it has nothing queued or in flight. */
  settleIfIdle(queue: PartitionQueue): void {
    if (queue.isEmpty) this.active.delete(queue);
  }
}
