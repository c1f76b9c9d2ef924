// The delivery of a `send({ topic, messages })` call made through interceptors: a MultiRecordDelivery
// that also reports each record's outcome as it settles, so that onAcknowledgement runs per record.
// Only producers with interceptors make one, so the deliveries of the others keep their one shape.
import type { KafkaError } from '../../errors/kafka-error.js';
import { MultiRecordDelivery } from '../accumulator/delivery.js';
import type { RecordMetadata } from '../producer-record.js';

/** Told each record's outcome, by its position in the call. */
export interface RecordObserver {
  recordDone(position: number, metadata: RecordMetadata): void;
  recordFailed(position: number, error: KafkaError): void;
}

export class ObservedMultiRecordDelivery extends MultiRecordDelivery {
  constructor(
    count: number,
    private readonly observer: RecordObserver,
  ) {
    super(count);
  }

  override recordDone(position: number, metadata: RecordMetadata): void {
    this.observer.recordDone(position, metadata);
    super.recordDone(position, metadata);
  }

  override recordFailed(position: number, error: KafkaError): void {
    this.observer.recordFailed(position, error);
    super.recordFailed(position, error);
  }
}
