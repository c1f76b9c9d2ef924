// The promise side of send(): one Delivery per send() call, settled record by record as batches
// complete. A single-record call resolves with its metadata; a multi-record call resolves with all
// metadata in call order once every record is acknowledged, or rejects with the first failure.
import type { KafkaError } from '../../errors/kafka-error.js';
import type { RecordMetadata } from '../producer-record.js';

export interface Delivery {
  recordDone(position: number, metadata: RecordMetadata): void;
  recordFailed(position: number, error: KafkaError): void;
}

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

/** The delivery of one `send({ topic, messages })` call. */
export class BatchDelivery implements Delivery {
  readonly promise: Promise<RecordMetadata[]>;
  private readonly results: RecordMetadata[];
  private remaining: number;
  private failed = false;
  private resolve!: (metadata: RecordMetadata[]) => void;
  private reject!: (error: KafkaError) => void;
  /** Failures per position, for callers that want to know which records failed. */
  readonly errors: (KafkaError | undefined)[] = [];

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
    if (--this.remaining === 0 && !this.failed) this.resolve(this.results);
  }

  recordFailed(position: number, error: KafkaError): void {
    this.errors[position] = error;
    this.remaining--;
    if (!this.failed) {
      this.failed = true;
      this.reject(error);
    }
  }
}
