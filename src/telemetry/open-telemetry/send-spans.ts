// Spans for send() calls, after the OpenTelemetry messaging semantic conventions, and the trace
// context written into each record's headers so that a consumer continues the trace.
//
// send(record) is one message created and sent in one operation: one `send <topic>` span of kind
// PRODUCER, which is also the record's creation context (its headers carry it). For
// send({ topic, messages }), a batch, the conventions ask for a creation context per message: each
// record gets a `create <topic>` span (PRODUCER) whose context its headers carry, and the call a
// `send <topic>` span (CLIENT) with messaging.batch.message_count and a link to each create span.
// Every span starts in the context active at the send() call and ends when its record (or, for
// the call's span, the call) settles, so that it holds the partition and offset the broker gave.
import { KafkaError } from '../../errors/kafka-error.js';
import type { SendCallListener, SendObserver } from '../../producer/interceptors/send-observer.js';
import type { ProducerRecord, RecordHeaders, RecordMetadata } from '../../producer/producer-record.js';
import type { OpenTelemetryApi } from './load-api.js';
import type { OpenTelemetryAttributes, OpenTelemetryContext, OpenTelemetryPropagator, OpenTelemetrySpan, OpenTelemetryTracer } from './open-telemetry-types.js';

// The numbers of @opentelemetry/api's SpanKind and SpanStatusCode enums, stable since 1.0.
const SPAN_KIND_CLIENT = 2;
const SPAN_KIND_PRODUCER = 3;
const SPAN_STATUS_ERROR = 2;

const TRACEPARENT = 'traceparent';

/** Where the leader of a partition listens, when the metadata knows it. */
export type LeaderAddress = (topic: string, partition: number) => { readonly host: string; readonly port: number } | undefined;

export interface SendSpansOptions {
  readonly api: OpenTelemetryApi;
  readonly tracer: OpenTelemetryTracer;
  readonly propagator: OpenTelemetryPropagator;
  readonly clientId: string;
  readonly leaderAddress: LeaderAddress;
  /** The producer's logger. */
  readonly log: (level: 'warn', message: string, context: Record<string, unknown>) => void;
}

const headerSetter = {
  set(carrier: unknown, key: string, value: string): void {
    (carrier as Record<string, string>)[key] = value;
  },
};

export class SendSpans implements SendObserver {
  constructor(private readonly options: SendSpansOptions) {}

  beginCall(records: ProducerRecord[], several: boolean): SendCallListener {
    const parent = this.options.api.context.active();
    if (!several) {
      const span = this.startRecordSpan('send', records[0]!, parent, SPAN_KIND_PRODUCER);
      records[0] = this.inject(records[0]!, span, parent);
      return new SingleSendSpan(span, this.options.leaderAddress);
    }
    const spans = records.map((record, position) => {
      const span = this.startRecordSpan('create', record, parent, SPAN_KIND_PRODUCER);
      records[position] = this.inject(record, span, parent);
      return span;
    });
    const topic = records.every((record) => record.topic === records[0]?.topic) ? records[0]?.topic : undefined;
    const attributes: OpenTelemetryAttributes = {
      ...this.commonAttributes('send', topic),
      'messaging.batch.message_count': records.length,
    };
    const callSpan = this.options.tracer.startSpan(
      topic === undefined ? 'send' : `send ${topic}`,
      { kind: SPAN_KIND_CLIENT, attributes: definedOnly(attributes), links: spans.map((span) => ({ context: span.spanContext() })) },
      parent,
    );
    return new BatchSendSpans(callSpan, spans, this.options.leaderAddress);
  }

  private startRecordSpan(operation: 'send' | 'create', record: ProducerRecord, parent: OpenTelemetryContext, kind: number): OpenTelemetrySpan {
    const attributes = this.commonAttributes(operation, record.topic);
    const partition = record.partition;
    if (typeof partition === 'number' && Number.isInteger(partition) && partition >= 0) attributes['messaging.destination.partition.id'] = String(partition);
    // Only a key with one obvious text form is recorded; bytes and serialized objects are not.
    if (typeof record.key === 'string') attributes['messaging.kafka.message.key'] = record.key;
    if (record.value === null) attributes['messaging.kafka.message.tombstone'] = true;
    return this.options.tracer.startSpan(`${operation} ${String(record.topic)}`, { kind, attributes: definedOnly(attributes) }, parent);
  }

  private commonAttributes(operation: 'send' | 'create', topic: string | undefined): OpenTelemetryAttributes {
    return {
      'messaging.system': 'kafka',
      'messaging.operation.type': operation,
      'messaging.operation.name': operation,
      'messaging.destination.name': typeof topic === 'string' ? topic : undefined,
      'messaging.client.id': this.options.clientId,
    };
  }

  // The record with the span's context written into its headers (a copy: the caller's record and
  // headers are left as they are). A record that already carries a traceparent keeps its headers.
  private inject(record: ProducerRecord, span: OpenTelemetrySpan, parent: OpenTelemetryContext): ProducerRecord {
    const headers = record.headers;
    // Headers the producer will refuse are left for it to refuse, unchanged.
    if (headers !== undefined && (typeof headers !== 'object' || headers === null)) return record;
    if (hasHeader(headers, TRACEPARENT)) return record;
    const carrier: Record<string, string> = {};
    try {
      this.options.propagator.inject(this.options.api.trace.setSpan(parent, span), carrier, headerSetter);
    } catch (error) {
      // The record is sent all the same, and its span made: only the consumer's link is lost.
      this.options.log('warn', 'the OpenTelemetry propagator failed; the record is sent without trace context', { topic: record.topic, error: String(error) });
      return record;
    }
    const injected = Object.keys(carrier);
    if (injected.length === 0) return record;
    return { ...record, headers: withHeaders(headers, carrier) };
  }
}

/** The span of send(record). */
class SingleSendSpan implements SendCallListener {
  constructor(
    private readonly span: OpenTelemetrySpan,
    private readonly leaderAddress: LeaderAddress,
  ) {}

  recordDone(_position: number, metadata: RecordMetadata): void {
    recordOutcome(this.span, metadata, this.leaderAddress);
  }

  recordFailed(_position: number, error: Error): void {
    recordError(this.span, error);
  }

  callSettled(): void {
    this.span.end();
  }
}

/** The spans of send({ topic, messages }): a create span per record and the call's send span. */
class BatchSendSpans implements SendCallListener {
  private readonly ended: boolean[];

  constructor(
    private readonly callSpan: OpenTelemetrySpan,
    private readonly recordSpans: readonly OpenTelemetrySpan[],
    private readonly leaderAddress: LeaderAddress,
  ) {
    this.ended = new Array<boolean>(recordSpans.length).fill(false);
  }

  recordDone(position: number, metadata: RecordMetadata): void {
    const span = this.take(position);
    if (span === undefined) return;
    recordOutcome(span, metadata, this.leaderAddress);
    span.end();
  }

  recordFailed(position: number, error: Error): void {
    const span = this.take(position);
    if (span === undefined) return;
    recordError(span, error);
    span.end();
  }

  callSettled(error: unknown): void {
    // A call rejected before its records were queued reports no record: their spans end with it.
    for (let position = 0; position < this.recordSpans.length; position++) {
      const span = this.take(position);
      if (span === undefined) continue;
      if (error !== undefined) recordError(span, error);
      span.end();
    }
    if (error !== undefined) recordError(this.callSpan, error);
    this.callSpan.end();
  }

  private take(position: number): OpenTelemetrySpan | undefined {
    if (this.ended[position] !== false) return undefined;
    this.ended[position] = true;
    return this.recordSpans[position];
  }
}

function recordOutcome(span: OpenTelemetrySpan, metadata: RecordMetadata, leaderAddress: LeaderAddress): void {
  if (!span.isRecording()) return;
  span.setAttribute('messaging.destination.partition.id', String(metadata.partition));
  // acks 0 gives no offset (-1).
  if (metadata.offset >= 0n) span.setAttribute('messaging.kafka.offset', Number(metadata.offset));
  const leader = leaderAddress(metadata.topic, metadata.partition);
  if (leader !== undefined) {
    span.setAttribute('server.address', leader.host);
    span.setAttribute('server.port', leader.port);
  }
}

function recordError(span: OpenTelemetrySpan, error: unknown): void {
  if (!span.isRecording()) return;
  const exception = error instanceof Error ? error : new Error(String(error));
  span.recordException(exception);
  span.setStatus({ code: SPAN_STATUS_ERROR, message: exception.message });
  span.setAttribute('error.type', error instanceof KafkaError ? error.code : exception.name);
}

function hasHeader(headers: RecordHeaders | undefined, name: string): boolean {
  if (headers === undefined) return false;
  if (Array.isArray(headers)) return headers.some((pair) => headerName(pair) === name);
  return (headers as Record<string, unknown>)[name] !== undefined;
}

// The record's headers with `added` set, replacing any header of the same name; in the form the
// record had them (an object, or [key, value] pairs).
function withHeaders(headers: RecordHeaders | undefined, added: Readonly<Record<string, string>>): RecordHeaders {
  if (Array.isArray(headers)) {
    const pairs = headers as readonly (readonly [string, unknown])[];
    return [...pairs.filter((pair) => !Object.hasOwn(added, String(headerName(pair)))), ...Object.entries(added)] as RecordHeaders;
  }
  return { ...(headers as Readonly<Record<string, unknown>> | undefined), ...added } as RecordHeaders;
}

function headerName(pair: unknown): unknown {
  return Array.isArray(pair) ? pair[0] : undefined;
}

function definedOnly(attributes: OpenTelemetryAttributes): OpenTelemetryAttributes {
  const result: OpenTelemetryAttributes = {};
  for (const [key, value] of Object.entries(attributes)) if (value !== undefined) result[key] = value;
  return result;
}
