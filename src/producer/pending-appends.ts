// Records that could not be appended at send() time — their topic's metadata is unknown,
// bufferMemory or maxBufferedRecords is full, or (with the journal on) the journal is not open yet
// or full — wait here in call order, each until maxBlockMs. Once one record waits, every later
// record waits behind it, so appends keep call order across the whole producer.
import type { KafkaError } from '../errors/kafka-error.js';
import { type Clock, systemClock } from '../time/clock.js';
import { DeadlineTimer } from '../time/deadline-timer.js';
import type { Delivery } from './accumulator/delivery.js';
import type { SerializedRecord } from './producer-record.js';

export interface PendingAppend {
  readonly topic: string;
  readonly record: SerializedRecord;
  readonly delivery: Delivery;
  readonly position: number;
  readonly deadline: number;
}

/** What the producer answers for the head of the queue. */
export type AppendAttempt = 'appended' | WaitReason | KafkaError;

/** What a waiting record waits for. */
export type WaitReason = 'wait-metadata' | 'wait-memory' | 'wait-journal';

export class PendingAppends {
  private readonly items: PendingAppend[] = [];
  private head = 0;
  /** Fails the oldest waiting record at its deadline (maxBlockMs). */
  private readonly timer: DeadlineTimer;
  /** Records added since the start; those that left (appended or failed, in order) are `added - size`. */
  private added = 0;
  /** flush() calls waiting for the records added before them to leave, in the order they came. */
  private readonly leaveWaiters: { readonly target: number; readonly resolve: () => void }[] = [];

  /**
   * @param appendWaiting Appends the record now if it can be.
   * @param onTimeout The error of a record that waited maxBlockMs.
   */
  constructor(
    private readonly appendWaiting: (item: PendingAppend) => AppendAttempt,
    private readonly onTimeout: (item: PendingAppend, waitingFor: WaitReason) => KafkaError,
    private readonly clock: Clock = systemClock,
  ) {
    this.timer = new DeadlineTimer(clock, () => this.process());
  }

  get size(): number {
    return this.items.length - this.head;
  }

  /** What the oldest waiting record waits for, and its topic; undefined when none waits. */
  blockedOn: { readonly reason: WaitReason; readonly topic: string } | undefined;

  /** Approximate bytes held by waiting records. */
  bytes = 0;

  /** Called when records start (`true`) or stop waiting for bufferMemory (for the bufferpool-wait-ratio metric). */
  onMemoryWait: (waiting: boolean) => void = () => {};
  private waitingForMemory = false;

  // Tells onMemoryWait when the head of the queue starts or stops waiting for memory.
  private noteWaitingFor(): void {
    const waiting = this.blockedOn?.reason === 'wait-memory';
    if (waiting === this.waitingForMemory) return;
    this.waitingForMemory = waiting;
    this.onMemoryWait(waiting);
  }

  add(item: PendingAppend, waitingFor: WaitReason): void {
    if (this.size === 0) {
      this.blockedOn = { reason: waitingFor, topic: item.topic };
      this.noteWaitingFor();
    }
    this.items.push(item);
    this.added++;
    this.bytes += sizeOf(item);
    this.arm(item.deadline);
  }

  /** Appends waiting records from the head for as long as they can be; returns how many went. */
  process(now = this.clock.now()): number {
    let appended = 0;
    this.blockedOn = undefined;
    while (this.head < this.items.length) {
      const item = this.items[this.head]!;
      const attempt = this.appendWaiting(item);
      if (attempt === 'appended') {
        appended++;
      } else if (typeof attempt === 'string') {
        if (item.deadline > now) {
          this.blockedOn = { reason: attempt, topic: item.topic };
          break;
        }
        item.delivery.recordFailed(item.position, this.onTimeout(item, attempt));
      } else {
        item.delivery.recordFailed(item.position, attempt);
      }
      this.bytes -= sizeOf(item);
      this.items[this.head++] = undefined as unknown as PendingAppend;
    }
    this.noteWaitingFor();
    this.wakeLeaveWaiters();
    if (this.head === this.items.length) {
      this.items.length = 0;
      this.head = 0;
    } else if (this.head > 1024) {
      this.items.splice(0, this.head);
      this.head = 0;
    }
    const next = this.items[this.head];
    if (next) this.arm(next.deadline);
    else this.timer.cancel();
    return appended;
  }

  /** Rejects every waiting record with `error`. */
  failAll(error: KafkaError): void {
    for (let index = this.head; index < this.items.length; index++) {
      const item = this.items[index]!;
      item.delivery.recordFailed(item.position, error);
    }
    this.items.length = 0;
    this.head = 0;
    this.bytes = 0;
    this.blockedOn = undefined;
    this.noteWaitingFor();
    this.wakeLeaveWaiters();
    this.timer.cancel();
  }

  /** Resolves once every record waiting now has left: appended to a batch, or failed. */
  awaitWaitingLeft(): Promise<void> {
    if (this.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.leaveWaiters.push({ target: this.added, resolve }));
  }

  private wakeLeaveWaiters(): void {
    const waiters = this.leaveWaiters;
    let count = 0;
    const left = this.added - this.size;
    while (count < waiters.length && waiters[count]!.target <= left) waiters[count++]!.resolve();
    if (count > 0) waiters.splice(0, count);
  }

  // The timer fires just after the deadline, so that the record found there is past it. No record
  // waiting, the timer is cancelled: it would hold the process open until maxBlockMs.
  private arm(deadline: number): void {
    this.timer.arm(deadline + 1);
  }
}

// What a waiting record holds: its data plus the bookkeeping around it.
function sizeOf(item: PendingAppend): number {
  return item.record.keySize + item.record.valueSize + item.record.headersSize + 128;
}
