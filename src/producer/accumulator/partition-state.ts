// Everything the producer keeps about one partition: the queue of batches not yet sent (ordered by
// batch order, retries back at the front in order), the batches in flight (ordered by sequence), the
// flags that gate sending while the partition recovers (invariants 3 and 4), and its idempotence
// state (sequences, owned by the SequenceTracker). The accumulator changes it; the sender reports
// answers through the accumulator.
import type { ProducerBatch } from './producer-batch.js';

/** The batches of a producer's partition a broker remembers for deduplication. */
export const MAX_UNCONFIRMED_BATCHES = 5;

export class PartitionState {
  readonly topic: string;
  readonly partition: number;
  /** Batches waiting to be sent, oldest first; only the last one may still take records. */
  readonly queued: ProducerBatch[] = [];
  /** Batches sent and not yet answered, in send (and sequence) order. */
  readonly inFlight: ProducerBatch[] = [];
  /** Broker the in-flight batches were sent to. */
  inFlightLeader = -1;
  /**
   * Set after a failure: only the head batch is sent, one at a time, until a success on the
   * current leader (invariants 3 and 4).
   */
  recovering = false;
  /**
   * Batches being split (re-read off the event loop): the partition sends nothing meanwhile, and
   * they are still pending for the sequence rules, their parts taking their sequences.
   */
  readonly splitting: ProducerBatch[] = [];
  /** Size of the last batch closed because the next record did not fit: the next batch's buffer size. */
  recentBatchBytes = 0;
  /** Leader that last acknowledged a batch; pipelining is allowed only to this leader. */
  confirmedLeader = -1;

  // Idempotence state of the partition (owned by the SequenceTracker).
  /** Sequence of the next new batch. */
  nextSequence = 0;
  /** Last sequence the broker acknowledged, -1 when none. */
  lastAckedSequence = -1;
  /** Epoch the partition's sequences belong to; differs from the producer's after an epoch bump. */
  sequenceEpoch = -1;
  producerId = -1n;
  /** Set when the partition must restart its sequences under a new epoch. */
  resetRequested = false;

  /**
   * With the journal on: batches journaled for sending whose end (acknowledgement or settlement)
   * is not durable yet. drain() sends no new batch of the partition while there are
   * MAX_UNCONFIRMED_BATCHES, so that a restart never resends more than the broker deduplicates.
   */
  unconfirmed = 0;

  constructor(topic: string, partition: number) {
    this.topic = topic;
    this.partition = partition;
  }

  /** Puts a batch that must be retried back in the queue, before every newer batch. */
  reenqueue(batch: ProducerBatch): void {
    const queued = this.queued;
    let index = 0;
    while (index < queued.length && batch.isAfter(queued[index]!)) index++;
    queued.splice(index, 0, batch);
  }

  /** Whether a batch queued (for a retry) comes before `batch`. */
  hasQueuedBefore(batch: ProducerBatch): boolean {
    const head = this.queued[0];
    return head !== undefined && batch.isAfter(head);
  }

  /**
   * With the journal on: whether `head` may be sent without taking the partition past
   * MAX_UNCONFIRMED_BATCHES journaled batches whose end is not durable (a batch already counted,
   * being resent, always may).
   */
  mayJournal(head: ProducerBatch): boolean {
    return head.unconfirmed || this.unconfirmed < MAX_UNCONFIRMED_BATCHES;
  }

  /** Whether the head batch may go to `leader` now (invariants 3 and 4). */
  mayDrainTo(leader: number): boolean {
    if (this.splitting.length > 0) return false;
    if (this.inFlight.length === 0) return true;
    if (this.inFlightLeader !== leader) return false;
    if (this.recovering) return false;
    return this.confirmedLeader === leader;
  }

  /**
   * The broker acknowledged `batch` from `leader`: the partition may pipeline to it again. Recovery
   * ends with the success of the head: a later batch acknowledged while an earlier one waits for its
   * retry must not let the partition pipeline again (invariant 3), or more than 5 batches could be
   * written behind it and a resend of it no longer be recognised.
   */
  acknowledged(batch: ProducerBatch, leader: number): void {
    this.removeInFlight(batch);
    this.confirmedLeader = leader;
    if (this.inFlight.length === 0 && !this.hasQueuedBefore(batch)) this.recovering = false;
  }

  /** The request carrying `batch` failed without an answer: which leader holds the partition is in doubt. */
  unanswered(batch: ProducerBatch): void {
    this.removeInFlight(batch);
    this.confirmedLeader = -1;
  }

  /** Moves the head batch into flight to `leader`; returns it. */
  sendHead(leader: number): ProducerBatch {
    const head = this.queued.shift()!;
    this.inFlight.push(head);
    this.inFlightLeader = leader;
    head.markInFlight();
    return head;
  }

  /** The broker answered `batch` with an error. */
  refused(batch: ProducerBatch): void {
    this.removeInFlight(batch);
  }

  /** `batch` is being re-read to be split: the partition sends nothing meanwhile and recovers after. */
  startSplit(batch: ProducerBatch): void {
    this.splitting.push(batch);
    this.recovering = true;
  }

  /** The split of `batch` ended (its parts replace it, or it failed). */
  endSplit(batch: ProducerBatch): void {
    this.splitting.splice(this.splitting.indexOf(batch), 1);
  }

  /** Queued batches that come after `batch`. */
  queuedAfter(batch: ProducerBatch): ProducerBatch[] {
    return this.queued.filter((other) => other.isAfter(batch));
  }

  /** In-flight batches that come after `batch`. */
  inFlightAfter(batch: ProducerBatch): ProducerBatch[] {
    return this.inFlight.filter((other) => other.isAfter(batch));
  }

  removeQueued(batch: ProducerBatch): void {
    const index = this.queued.indexOf(batch);
    if (index >= 0) this.queued.splice(index, 1);
  }

  removeInFlight(batch: ProducerBatch): boolean {
    const index = this.inFlight.indexOf(batch);
    if (index < 0) return false;
    this.inFlight.splice(index, 1);
    return true;
  }

  get isEmpty(): boolean {
    return this.queued.length === 0 && this.inFlight.length === 0;
  }

  toString(): string {
    return `${this.topic}-${this.partition}`;
  }
}
