// The OpenTelemetry bridge of one producer, made from its `openTelemetry` option: the send spans
// (a SendObserver the interceptor chain runs) and the metric instruments, loaded only when the
// option is set. See docs/tracing.md.
import type { MetricsSnapshot } from '../metrics/metric-definitions.js';
import type { SendObserver } from '../producer/interceptors/send-observer.js';
import { loadOpenTelemetryApi } from './load-api.js';
import type { OpenTelemetryOptions } from './open-telemetry-types.js';
import { ProducerInstruments } from './producer-instruments.js';
import { type LeaderAddress, SendSpans } from './send-spans.js';

/** The instrumentation scope name of the tracer and meter. */
export const INSTRUMENTATION_SCOPE = 'kafka-producer';

export interface ProducerTelemetry {
  /** The send spans, undefined with `traces: false`. */
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
  const sendObserver =
    settings.traces === false
      ? undefined
      : new SendSpans({
          api,
          tracer: (settings.tracerProvider ?? api.trace).getTracer(INSTRUMENTATION_SCOPE),
          propagator: settings.propagator ?? api.propagation,
          clientId: source.clientId,
          leaderAddress: source.leaderAddress,
          log: source.log,
        });
  const instruments =
    settings.metrics === false
      ? undefined
      : new ProducerInstruments({ meter: (settings.meterProvider ?? api.metrics).getMeter(INSTRUMENTATION_SCOPE), clientId: source.clientId, snapshot: source.snapshot });
  return { sendObserver, close: () => instruments?.close() };
}
