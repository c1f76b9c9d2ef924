// Whose promise each record of a batch settles, and with what. Most records belong to the batch's
// shared delivery (single-record send() calls appended straight into it), each at its own index:
// then nothing is kept per record but its timestamp, and the shared delivery is settled with one
// call, each member's metadata made when its promise's reaction takes it. Once a record belongs to
// another delivery (a multi-record call, a record that waited, the parts of a split batch), every
// record's delivery and position are written down.
import type { KafkaError } from '../../errors/kafka-error.js';
import type { RecordMetadata } from '../producer-record.js';
import { BatchDelivery, type BatchOutcomeSource, type Delivery } from './delivery.js';

// Offsets are bigint in the API: the per-record delta comes from this table rather than a new
// BigInt per record (batches rarely hold more records than this; larger indexes are computed).
const OFFSET_DELTAS: readonly bigint[] = Array.from({ length: 4096 }, (_, index) => BigInt(index));

export class BatchRecordOwners implements BatchOutcomeSource {
  /** The deliveries of single-record send() calls appended to the batch, made on first use. */
  private group: BatchDelivery | undefined;
  /**
   * True while every record is the member of `group` at the record's own index: no delivery and
   * position is kept per record, and the group settles with one call.
   */
  private groupOnly = true;
  /** Each record's delivery and position in it; filled once a record is not the group's next member. */
  private readonly deliveries: Delivery[] = [];
  private readonly positions: number[] = [];
  private readonly timestamps: number[] = [];
  /** The broker's answer, once complete: base offset and log-append time (-1 for create time). */
  private baseOffset = -1n;
  private logAppendTime = -1;

  constructor(private readonly partition: { readonly topic: string; readonly partition: number }) {}

  /** The batch's shared delivery for single-record send() calls (made on first use). */
  shared(): BatchDelivery {
    this.group ??= new BatchDelivery();
    return this.group;
  }

  /** The record at `index` (the batch's count before it) belongs to `delivery` at `position`. */
  add(delivery: Delivery, position: number, timestamp: number, index: number): void {
    if (this.groupOnly && (delivery !== this.group || position !== index)) this.keepOwners(index);
    if (!this.groupOnly) {
      this.deliveries.push(delivery);
      this.positions.push(position);
    }
    this.timestamps.push(timestamp);
  }

  // Writes down the owner of the first `count` records (each the group member at its own index),
  // for a batch whose records no longer all belong to its group in order.
  private keepOwners(count: number): void {
    for (let index = 0; index < count; index++) {
      this.deliveries.push(this.group!);
      this.positions.push(index);
    }
    this.groupOnly = false;
  }

  /** Resolves each of the `count` records with its offset. */
  resolve(baseOffset: bigint, logAppendTime: number, count: number): void {
    this.baseOffset = baseOffset;
    this.logAppendTime = logAppendTime;
    if (this.groupOnly) {
      // Each member's metadata is made when its promise's reaction takes it.
      this.group?.settleAll(this);
      return;
    }
    const deliveries = this.deliveries;
    for (let index = 0; index < count; index++) {
      deliveries[index]!.recordDone(this.positions[index]!, this.metadataAt(index));
    }
  }

  /** Rejects each of the `count` records with `error`. */
  reject(error: KafkaError, count: number): void {
    if (this.groupOnly) {
      this.group?.settleAll(error);
      return;
    }
    for (let index = 0; index < count; index++) {
      this.deliveries[index]!.recordFailed(this.positions[index]!, error);
    }
  }

  /** Where the record at `index` was written (once resolved). */
  metadataAt(index: number): RecordMetadata {
    const baseOffset = this.baseOffset;
    return {
      topic: this.partition.topic,
      partition: this.partition.partition,
      offset: baseOffset < 0n ? -1n : baseOffset + (OFFSET_DELTAS[index] ?? BigInt(index)),
      timestamp: this.logAppendTime >= 0 ? this.logAppendTime : this.timestamps[index]!,
    };
  }

  /** Every record's delivery, position and timestamp, for splitting a batch that was too large. */
  list(count: number): { deliveries: readonly Delivery[]; positions: readonly number[]; timestamps: readonly number[] } {
    if (this.groupOnly) this.keepOwners(count);
    return { deliveries: this.deliveries, positions: this.positions, timestamps: this.timestamps };
  }
}
