// Requests drained while the journal holds their batch entries in memory: each is written once
// the entry it needs is durable, and in the order they were drained, whatever order the journal's
// promises settle in (an entry already durable must not let a later request overtake an earlier
// one still waiting). A request finds the queue empty and its entry durable most of the time (a
// resend), and is written at once.
import type { KafkaError } from '../../errors/kafka-error.js';

/** What the queue needs of the journal. */
export interface DurableSource {
  /** The number of the last durable entry. */
  readonly durableNumber: number;
  /** Resolves once entry `number` is durable. */
  whenDurable(number: number): Promise<void>;
}

interface WaitingWrite {
  readonly required: number;
  readonly write: () => void;
  readonly abandon: (error: KafkaError) => void;
}

export class DurableWrites {
  private readonly waiting: WaitingWrite[] = [];

  /** `onFailed`: the journal failed while a write waited for it. */
  constructor(
    private readonly source: DurableSource,
    private readonly onFailed: (error: unknown) => void,
  ) {}

  /** Requests waiting now. */
  get size(): number {
    return this.waiting.length;
  }

  /** Calls `write` once entry `required` is durable and every write added before it was called. */
  add(required: number, write: () => void, abandon: (error: KafkaError) => void): void {
    if (this.waiting.length === 0 && required <= this.source.durableNumber) {
      write();
      return;
    }
    this.waiting.push({ required, write, abandon });
    this.source.whenDurable(required).then(this.release, this.onFailed);
  }

  /** Calls `abandon` of every waiting write, in order (the journal failed). */
  abandonAll(error: KafkaError): void {
    for (const waiting of this.waiting.splice(0)) waiting.abandon(error);
  }

  // Writes the waiting requests, in order, as far as what is durable allows.
  private readonly release = (): void => {
    const durable = this.source.durableNumber;
    while (this.waiting.length > 0 && this.waiting[0]!.required <= durable) this.waiting.shift()!.write();
  };
}
