// The messaging semantic conventions' messaging.client.operation.duration for the producer: one
// measurement per send() call, from the call to the settling of its promise, in seconds, with
// error.type when it rejected. It runs as a SendObserver, so it needs no span: it works with
// `traces: false` too.
import { performance } from 'node:perf_hooks';
import { KafkaError } from '../../errors/kafka-error.js';
import type { SendCallListener, SendObserver } from '../../producer/interceptors/send-observer.js';
import type { ProducerRecord } from '../../producer/producer-record.js';
import type { OpenTelemetryAttributes, OpenTelemetryHistogram, OpenTelemetryMeter } from './open-telemetry-types.js';

/** The bucket boundaries the conventions advise for messaging durations, in seconds. */
export const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

export class SendDurations implements SendObserver {
  private readonly histogram: OpenTelemetryHistogram;

  constructor(
    meter: OpenTelemetryMeter,
    private readonly clientId: string,
  ) {
    this.histogram = meter.createHistogram('messaging.client.operation.duration', {
      description: 'Duration of send() calls, from the call to the settling of its promise.',
      unit: 's',
      advice: { explicitBucketBoundaries: DURATION_BUCKETS },
    });
  }

  beginCall(records: ProducerRecord[]): SendCallListener {
    const started = performance.now();
    const topic = records.every((record) => record.topic === records[0]?.topic) ? records[0]?.topic : undefined;
    return {
      recordDone: () => {},
      recordFailed: () => {},
      callSettled: (error) => {
        const attributes: OpenTelemetryAttributes = {
          'messaging.system': 'kafka',
          'messaging.operation.type': 'send',
          'messaging.operation.name': 'send',
          'messaging.client.id': this.clientId,
        };
        if (typeof topic === 'string') attributes['messaging.destination.name'] = topic;
        if (error !== undefined) attributes['error.type'] = error instanceof KafkaError ? error.code : error instanceof Error ? error.name : '_OTHER';
        this.histogram.record((performance.now() - started) / 1000, attributes);
      },
    };
  }
}

/** One observer that runs `observers` in order on each call (the first may change the records the next see). */
export function sendObservers(observers: readonly SendObserver[]): SendObserver | undefined {
  if (observers.length <= 1) return observers[0];
  return {
    beginCall(records, several) {
      const listeners = observers.map((observer) => observer.beginCall(records, several));
      return {
        recordDone: (position, metadata) => {
          for (const listener of listeners) listener.recordDone(position, metadata);
        },
        recordFailed: (position, error) => {
          for (const listener of listeners) listener.recordFailed(position, error);
        },
        callSettled: (error) => {
          for (const listener of listeners) listener.callSettled(error);
        },
      };
    },
  };
}
