// The promise side of send(), settled record by record as batches complete. A single-record call
// resolves with its metadata; a multi-record call resolves with all metadata in call order once
// every record is acknowledged, or, once every record has settled, rejects with the first failure.
import { type KafkaError, withPossiblyPersisted } from '../../errors/kafka-error.js';
import type { RecordMetadata } from '../producer-record.js';

export interface Delivery {
  recordDone(position: number, metadata: RecordMetadata): void;
  recordFailed(position: number, error: KafkaError): void;
  /** With the journal on: the record at `position` was appended to the journal as entry `number`. */
  recordJournaled?(position: number, topic: string, partition: number, number: number): void;
}

/**
 * The delivery of records no caller waits for: those recovered from the journal after a restart.
 * What becomes of them is reported by the producer's journal events.
 */
export const journalOnlyDelivery: Delivery = {
  recordDone() {},
  recordFailed() {},
};

/** The delivery of one `send(record)` call. */
export class SingleDelivery implements Delivery {
  readonly promise: Promise<RecordMetadata>;
  private resolve!: (metadata: RecordMetadata) => void;
  private reject!: (error: KafkaError) => void;

  constructor() {
    this.promise = new Promise<RecordMetadata>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }

  recordDone(_position: number, metadata: RecordMetadata): void {
    this.resolve(metadata);
  }

  recordFailed(_position: number, error: KafkaError): void {
    this.reject(error);
  }
}

/**
 * The delivery of one `send({ topic, messages })` call. It settles once every record of the call
 * has: with all metadata, or with the first failure. A call whose records went into several
 * batches can fail in part; its error then says how many records were acknowledged and is marked
 * possiblyPersisted, so that a caller never takes a call with written records for an unwritten one.
 */
export class MultiRecordDelivery implements Delivery {
  readonly promise: Promise<RecordMetadata[]>;
  private readonly results: RecordMetadata[];
  private remaining: number;
  private acknowledged = 0;
  private firstError: KafkaError | undefined;
  private possiblyPersisted = false;
  private resolve!: (metadata: RecordMetadata[]) => void;
  private reject!: (error: KafkaError) => void;

  constructor(count: number) {
    this.results = new Array<RecordMetadata>(count);
    this.remaining = count;
    this.promise = new Promise<RecordMetadata[]>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    if (count === 0) this.resolve([]);
  }

  recordDone(position: number, metadata: RecordMetadata): void {
    this.results[position] = metadata;
    this.acknowledged++;
    if (--this.remaining === 0) this.settle();
  }

  recordFailed(_position: number, error: KafkaError): void {
    this.firstError ??= error;
    if (error.possiblyPersisted) this.possiblyPersisted = true;
    if (--this.remaining === 0) this.settle();
  }

  private settle(): void {
    const error = this.firstError;
    if (error === undefined) {
      this.resolve(this.results);
      return;
    }
    if (this.acknowledged === 0) {
      this.reject(this.possiblyPersisted && !error.possiblyPersisted ? withPossiblyPersisted(error, true, 'some records of this send() may have been written') : error);
      return;
    }
    this.reject(withPossiblyPersisted(error, true, `${this.acknowledged} of ${this.results.length} records of this send() were acknowledged; the others failed`));
  }
}

/** Where the members of a group settled all at once find their metadata: the batch they were in. */
export interface BatchOutcomeSource {
  /** The metadata of the batch's record at `index`. */
  metadataAt(index: number): RecordMetadata;
}

/**
 * The deliveries of the single-record send() calls appended straight into one batch, which share
 * it as the batch's members. A promise
 * made with `new Promise` holds two resolving functions and their context until it settles: most
 * of what an unacknowledged record costs the garbage collector. Members of a group instead get a
 * promise derived, with `then`, from one promise the group resolves once every member has settled.
 * Reactions to one promise run in the order they were registered, which is the members' order, so
 * the n-th reaction takes the n-th member's outcome.
 *
 * A batch holding only the group's members, in join order, settles them all at once (settleAll):
 * no outcome is stored per member, and each member's metadata is made when its reaction takes it.
 * Members settled one by one (the parts of a split batch, a batch shared with other deliveries)
 * store their outcomes by position.
 */
export class BatchDelivery implements Delivery {
  private readonly allSettled: Promise<BatchDelivery>;
  private resolveAll!: (group: BatchDelivery) => void;
  private readonly outcomes: (RecordMetadata | KafkaError)[] = [];
  /** Set by settleAll: every member's outcome, the n-th member being the source's n-th record. */
  private whole: BatchOutcomeSource | KafkaError | undefined;
  private members = 0;
  private unsettled = 0;
  private taken = 0;

  constructor() {
    this.allSettled = new Promise<BatchDelivery>((resolve) => {
      this.resolveAll = resolve;
    });
  }

  /** Position the next member will have. */
  get size(): number {
    return this.members;
  }

  /** Adds a member at position `size` and returns its promise. */
  join(): Promise<RecordMetadata> {
    this.members++;
    this.unsettled++;
    return this.allSettled.then(takeNextOutcome);
  }

  recordDone(position: number, metadata: RecordMetadata): void {
    this.settle(position, metadata);
  }

  recordFailed(position: number, error: KafkaError): void {
    this.settle(position, error);
  }

  /**
   * Settles every member at once, none of which has settled yet: with the source's metadata at
   * each member's position, or with `error`.
   */
  settleAll(outcome: BatchOutcomeSource | KafkaError): void {
    if (this.unsettled !== this.members) throw new Error('settleAll() after members settled one by one');
    this.whole = outcome;
    this.unsettled = 0;
    this.resolveAll(this);
  }

  private settle(position: number, outcome: RecordMetadata | KafkaError): void {
    this.outcomes[position] = outcome;
    if (--this.unsettled === 0) this.resolveAll(this);
  }

  /** The outcome of the next member in join order (called once per member, in that order). */
  takeNext(): RecordMetadata {
    const position = this.taken++;
    const whole = this.whole;
    if (whole !== undefined) {
      if (whole instanceof Error) throw whole;
      return whole.metadataAt(position);
    }
    const outcome = this.outcomes[position]!;
    if (outcome instanceof Error) throw outcome;
    return outcome;
  }
}

// One function shared by every member's reaction, so that joining allocates no closure.
function takeNextOutcome(group: BatchDelivery): RecordMetadata {
  return group.takeNext();
}
