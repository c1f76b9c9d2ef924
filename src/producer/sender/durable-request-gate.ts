// With the journal on, a drained request is written only once its batches' entries are durable,
// after every request drained before it (ProducerJournal.whenWritable keeps that order). Until then
// it counts as in flight to its leader, so that a connection never has more requests sent or
// waiting than maxInFlightRequestsPerConnection. A connection gone meanwhile fails the request
// unsent: its batches are retried, and were not possibly written by it.
import { type KafkaError, kafkaErrorOf, RequestNotSentError } from '../../errors/kafka-error.js';
import type { Connection } from '../../network/connection.js';
import type { ProducerBatch } from '../accumulator/producer-batch.js';
import type { ProducerJournal } from '../journal/producer-journal.js';

export interface DurableRequestHooks {
  /** Writes the request (its entries are durable). */
  send(connection: Connection, leader: number, version: number, batches: ProducerBatch[]): void;
  /** The request was not written: each batch goes back as after a failed request. */
  unsent(batches: readonly ProducerBatch[], leader: number, error: KafkaError): void;
  /** The journal could not take the batch entries: the producer cannot go on. */
  fail(error: KafkaError): void;
  /** Whether `connection` is still the ready connection to `leader`. */
  isCurrent(leader: number, connection: Connection): boolean;
  /** Whether the sender closed meanwhile (nothing more is written). */
  closed(): boolean;
}

export class DurableRequestGate {
  /** Per leader, requests drained and waiting for their entries to be durable. */
  private readonly waiting = new Map<number, number>();

  constructor(
    private readonly journal: ProducerJournal,
    private readonly hooks: DurableRequestHooks,
  ) {}

  /** Requests to `leader` waiting for the journal: they count as in flight. */
  awaiting(leader: number): number {
    return this.waiting.get(leader) ?? 0;
  }

  /** Journals the batches' entries, and writes the request once they are durable, in drain order. */
  submit(connection: Connection, leader: number, version: number, batches: ProducerBatch[]): void {
    let required: number;
    try {
      required = this.journal.journalBatches(batches);
    } catch (error) {
      this.hooks.fail(kafkaErrorOf(error, 'JOURNAL_WRITE_FAILED'));
      return;
    }
    this.waiting.set(leader, this.awaiting(leader) + 1);
    const done = () => this.waiting.set(leader, this.awaiting(leader) - 1);
    this.journal.whenWritable(
      required,
      () => {
        done();
        if (this.hooks.closed()) return;
        if (!this.hooks.isCurrent(leader, connection)) {
          const error = new RequestNotSentError(`The connection to broker ${leader} closed while the request's batches were being made durable in the journal; the request was not sent`);
          this.hooks.unsent(batches, leader, error);
          return;
        }
        this.hooks.send(connection, leader, version, batches);
      },
      (error) => {
        done();
        this.hooks.unsent(batches, leader, new RequestNotSentError(`The journal failed before the request was written; the request was not sent (${error.message})`, { cause: error }));
      },
    );
  }
}
