// The promise side of enqueue(): it settles once every record of the call is durable in the
// journal (resolving with where each record goes), or once a record failed before it could be
// journaled (invalid partition, closed producer, journal full or not open within maxBlockMs). What
// happens to a record after it is journaled is not the caller's promise's business: a failure for
// good is reported by the producer's journal events.
import { KafkaError, withPossiblyPersisted } from '../../errors/kafka-error.js';
import type { Delivery } from '../accumulator/delivery.js';

/** Where an enqueued record goes: it is durable in the journal and will be sent to this partition. */
export interface EnqueuedRecord {
  readonly topic: string;
  readonly partition: number;
}

// Per record: journaled (where it goes), failed first, or nothing yet.
type Outcome = EnqueuedRecord | KafkaError | undefined;

export class EnqueueDelivery implements Delivery {
  readonly promise: Promise<EnqueuedRecord[]>;
  private readonly outcomes: Outcome[];
  private remaining: number;
  private journaled = 0;
  private lastNumber = -1;
  private firstError: KafkaError | undefined;
  private resolve!: (records: EnqueuedRecord[]) => void;
  private reject!: (error: KafkaError) => void;

  /** `whenDurable` resolves once the journal entry of that number is durable. */
  constructor(
    count: number,
    private readonly whenDurable: (number: number) => Promise<void>,
  ) {
    this.outcomes = new Array<Outcome>(count);
    this.remaining = count;
    this.promise = new Promise<EnqueuedRecord[]>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    if (count === 0) this.resolve([]);
  }

  recordJournaled(position: number, topic: string, partition: number, number: number): void {
    if (this.outcomes[position] !== undefined) return;
    this.outcomes[position] = { topic, partition };
    this.journaled++;
    if (number > this.lastNumber) this.lastNumber = number;
    this.left();
  }

  // The batch's acknowledgement: the caller's promise settled at durability already.
  recordDone(): void {}

  recordFailed(position: number, error: KafkaError): void {
    // A record journaled already: its failure is reported by the journal events.
    if (this.outcomes[position] !== undefined) return;
    this.outcomes[position] = error;
    this.firstError ??= error;
    this.left();
  }

  private left(): void {
    if (--this.remaining > 0) return;
    const error = this.firstError;
    if (error !== undefined) {
      const total = this.outcomes.length;
      this.reject(
        this.journaled === 0
          ? error
          : withPossiblyPersisted(error, true, `${this.journaled} of ${total} records of this enqueue() were journaled and will be delivered; the others failed`),
      );
      return;
    }
    this.whenDurable(this.lastNumber).then(
      () => this.resolve(this.outcomes as EnqueuedRecord[]),
      (cause: unknown) =>
        this.reject(cause instanceof KafkaError ? cause : new KafkaError('JOURNAL_WRITE_FAILED', `The journal failed before the records were durable: ${String(cause)}`, { cause })),
    );
  }
}
