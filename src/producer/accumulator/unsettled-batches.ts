// The batches made and not yet settled, and the bufferMemory and record count they hold. Each
// record reserves its encoded size (an upper bound) and one of maxBufferedRecords when it is
// appended, and a new batch its header too; a batch gives all of it back when it settles.
// flush() waits here for the batches unsettled when it was called, a split batch standing for its
// parts, by notification rather than by polling (invariant 7).
import type { ProducerBatch } from './producer-batch.js';

export class UnsettledBatches {
  private readonly batches = new Set<ProducerBatch>();
  private memoryUsed = 0;
  private recordsHeld = 0;
  /** flush() calls waiting for the batches unsettled when they were made to settle. */
  private readonly waiters = new Set<{ readonly remaining: Set<ProducerBatch>; readonly resolve: () => void }>();

  constructor(
    private readonly bufferMemory: number,
    private readonly maxRecords: number = Number.POSITIVE_INFINITY,
  ) {}

  /** Bytes reserved by batches not yet settled. */
  get bytes(): number {
    return this.memoryUsed;
  }

  /** Records in batches not yet settled. */
  get records(): number {
    return this.recordsHeld;
  }

  /** Whether the record count is at maxBufferedRecords. */
  get recordsFull(): boolean {
    return this.recordsHeld >= this.maxRecords;
  }

  /**
   * Takes `bytes` of bufferMemory and one record of maxBufferedRecords if they fit. send() refuses
   * records larger than bufferMemory; an empty buffer still takes anything, so that no append ever
   * waits for a release that cannot come.
   */
  reserve(bytes: number, force = false): boolean {
    if (!force && this.memoryUsed > 0 && (this.memoryUsed + bytes > this.bufferMemory || this.recordsHeld >= this.maxRecords)) return false;
    this.memoryUsed += bytes;
    this.recordsHeld++;
    return true;
  }

  /** A whole batch (rebuilt from the journal) takes its memory and records, whatever the limits say. */
  reserveBatch(batch: ProducerBatch): void {
    this.memoryUsed += batch.reservedBytes;
    this.recordsHeld += batch.recordCount;
  }

  /** A new batch, whose records reserve their memory as they are appended. */
  add(batch: ProducerBatch): void {
    this.batches.add(batch);
  }

  /**
   * The parts of a batch split for being too large, which hold its records with memory of their
   * own: whoever waits for the original waits for the parts instead.
   */
  addParts(original: ProducerBatch, parts: readonly ProducerBatch[]): void {
    for (const part of parts) {
      this.batches.add(part);
      this.reserveBatch(part);
    }
    for (const waiter of this.waiters) {
      if (waiter.remaining.has(original)) for (const part of parts) waiter.remaining.add(part);
    }
  }

  /** Forgets a settled batch and gives back its memory; false when it was already forgotten. */
  release(batch: ProducerBatch): boolean {
    if (!this.batches.delete(batch)) return false;
    this.memoryUsed -= batch.reservedBytes;
    this.recordsHeld -= batch.recordCount;
    if (this.waiters.size > 0) {
      for (const waiter of this.waiters) {
        if (waiter.remaining.delete(batch) && waiter.remaining.size === 0) {
          this.waiters.delete(waiter);
          waiter.resolve();
        }
      }
    }
    return true;
  }

  /** Resolves once every batch unsettled now has been released (or split into parts released in turn). */
  awaitSettled(): Promise<void> {
    if (this.batches.size === 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.waiters.add({ remaining: new Set(this.batches), resolve });
    });
  }

  /** Every batch not yet settled. */
  all(): ProducerBatch[] {
    return [...this.batches];
  }
}
