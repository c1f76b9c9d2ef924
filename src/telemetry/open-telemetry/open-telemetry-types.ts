// The `openTelemetry` option and the parts of the @opentelemetry/api types it touches, written
// out structurally: the package's declarations must not name '@opentelemetry/api', so that a user
// without it installed still type-checks (with skipLibCheck off), while the real providers and
// propagators of that package are accepted as they are.

/** An attribute value, as OpenTelemetry takes it. */
export type OpenTelemetryAttributeValue = string | number | boolean;

/** Attributes of a span or a measurement. */
export type OpenTelemetryAttributes = Record<string, OpenTelemetryAttributeValue | undefined>;

/** The `Context` of @opentelemetry/api, opaque here. */
export interface OpenTelemetryContext {
  getValue(key: symbol): unknown;
}

/** The part of an OpenTelemetry `Span` the producer uses. */
export interface OpenTelemetrySpan {
  spanContext(): { traceId: string; spanId: string; traceFlags: number };
  setAttribute(key: string, value: OpenTelemetryAttributeValue): unknown;
  setStatus(status: { code: number; message?: string }): unknown;
  recordException(exception: Error | string): void;
  isRecording(): boolean;
  end(): void;
}

/** Options of `Tracer.startSpan`, as the producer gives them. */
export interface OpenTelemetrySpanOptions {
  kind?: number;
  attributes?: OpenTelemetryAttributes;
  links?: { context: { traceId: string; spanId: string; traceFlags: number } }[];
}

/** The part of an OpenTelemetry `Tracer` the producer uses. */
export interface OpenTelemetryTracer {
  startSpan(name: string, options?: OpenTelemetrySpanOptions, context?: OpenTelemetryContext): OpenTelemetrySpan;
}

/** An OpenTelemetry `TracerProvider` (such as the SDK's `BasicTracerProvider` or `NodeTracerProvider`). */
export interface OpenTelemetryTracerProvider {
  getTracer(name: string, version?: string): OpenTelemetryTracer;
}

/** An observable instrument of an OpenTelemetry `Meter`. */
export interface OpenTelemetryObservable {
  addCallback(callback: (result: { observe(value: number, attributes?: OpenTelemetryAttributes): void }) => void): void;
}

/** What a batch observable callback is given at each collection. */
export interface OpenTelemetryBatchObservableResult {
  observe(observable: OpenTelemetryObservable, value: number, attributes?: OpenTelemetryAttributes): void;
}

/** Options of an OpenTelemetry instrument. */
export interface OpenTelemetryInstrumentOptions {
  description?: string;
  unit?: string;
  /** Advice to the SDK: the bucket boundaries of a histogram. */
  advice?: { explicitBucketBoundaries?: number[] };
}

/** An OpenTelemetry `Histogram`. */
export interface OpenTelemetryHistogram {
  record(value: number, attributes?: OpenTelemetryAttributes): void;
}

/** The part of an OpenTelemetry `Meter` the producer uses. */
export interface OpenTelemetryMeter {
  createObservableCounter(name: string, options?: OpenTelemetryInstrumentOptions): OpenTelemetryObservable;
  createObservableGauge(name: string, options?: OpenTelemetryInstrumentOptions): OpenTelemetryObservable;
  createHistogram(name: string, options?: OpenTelemetryInstrumentOptions): OpenTelemetryHistogram;
  addBatchObservableCallback(callback: (result: OpenTelemetryBatchObservableResult) => void, observables: OpenTelemetryObservable[]): void;
  removeBatchObservableCallback(callback: (result: OpenTelemetryBatchObservableResult) => void, observables: OpenTelemetryObservable[]): void;
}

/** An OpenTelemetry `MeterProvider` (such as the SDK's `MeterProvider`). */
export interface OpenTelemetryMeterProvider {
  getMeter(name: string, version?: string): OpenTelemetryMeter;
}

/** An OpenTelemetry `TextMapPropagator` (such as `W3CTraceContextPropagator` of @opentelemetry/core). */
export interface OpenTelemetryPropagator {
  inject(context: OpenTelemetryContext, carrier: unknown, setter: { set(carrier: unknown, key: string, value: string): void }): void;
}

/**
 * The `openTelemetry` option: spans for `send()` and producer metrics through the optional peer
 * package `@opentelemetry/api`, loaded when the option is set. Every field is optional: `true`
 * (or `{}`) uses the providers and propagator registered globally (by the OpenTelemetry SDK's
 * `NodeSDK.start()`, or `trace.setGlobalTracerProvider()` and the like). See docs/tracing.md.
 */
export interface OpenTelemetryOptions {
  /** Spans around `send()` and trace context in the records' headers. Default `true`. */
  traces?: boolean | undefined;
  /** Observable instruments reading `producer.metrics()`. Default `true`. */
  metrics?: boolean | undefined;
  /** Where the spans go. Default: the global tracer provider. */
  tracerProvider?: OpenTelemetryTracerProvider | undefined;
  /** Where the instruments go. Default: the global meter provider. */
  meterProvider?: OpenTelemetryMeterProvider | undefined;
  /** Writes the trace context into the records' headers. Default: the global propagator. */
  propagator?: OpenTelemetryPropagator | undefined;
}
