// The OpenTelemetry bridge of one producer, made from its `openTelemetry` option: the send spans
// and the send durations (SendObservers the interceptor chain runs) and the observable metric
// instruments, loaded only when the option is set. See docs/tracing.md.
import type { MetricsSnapshot } from '../../metrics/metric-definitions.js';
import type { SendObserver } from '../../producer/interceptors/send-observer.js';
import { loadOpenTelemetryApi } from './load-api.js';
import type { OpenTelemetryOptions } from './open-telemetry-types.js';
import { ProducerInstruments } from './producer-instruments.js';
import { SendDurations, sendObservers } from './send-durations.js';
import { type LeaderAddress, SendSpans } from './send-spans.js';

/** The instrumentation scope name of the tracer and meter. */
export const INSTRUMENTATION_SCOPE = 'kafka-producer';

export interface ProducerTelemetry {
  /** The send spans and durations, undefined with `traces: false` and `metrics: false`. */
  readonly sendObserver: SendObserver | undefined;
  /** Unregisters the instruments; the producer calls it when it closes. */
  close(): void;
}

export interface ProducerTelemetrySource {
  readonly clientId: string;
  readonly snapshot: () => MetricsSnapshot;
  readonly leaderAddress: LeaderAddress;
  readonly log: (level: 'warn', message: string, context: Record<string, unknown>) => void;
}

/** The bridge for the (validated) option value, or undefined when it is off. */
export function createProducerTelemetry(option: boolean | OpenTelemetryOptions | undefined, source: ProducerTelemetrySource): ProducerTelemetry | undefined {
  if (option === undefined || option === false) return undefined;
  const settings: OpenTelemetryOptions = option === true ? {} : option;
  const api = loadOpenTelemetryApi('openTelemetry');
  const observers: SendObserver[] = [];
  if (settings.traces !== false) {
    observers.push(
      new SendSpans({
        api,
        tracer: (settings.tracerProvider ?? api.trace).getTracer(INSTRUMENTATION_SCOPE),
        propagator: settings.propagator ?? api.propagation,
        clientId: source.clientId,
        leaderAddress: source.leaderAddress,
        log: source.log,
      }),
    );
  }
  let instruments: ProducerInstruments | undefined;
  if (settings.metrics !== false) {
    const meter = (settings.meterProvider ?? api.metrics).getMeter(INSTRUMENTATION_SCOPE);
    instruments = new ProducerInstruments({ meter, clientId: source.clientId, snapshot: source.snapshot });
    observers.push(new SendDurations(meter, source.clientId));
  }
  return { sendObserver: sendObservers(observers), close: () => instruments?.close() };
}
