// The `openTelemetry` option against FakeCluster, with the OpenTelemetry SDK's in-memory span
// exporter and a metric reader: the spans of send() (names, kinds, attributes, offsets, errors,
// parents), the trace context each stored record carries in its headers, and the instruments'
// values against producer.metrics().
import * as assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { context, propagation, ROOT_CONTEXT, type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { AggregationTemporality, type DataPoint, MeterProvider, MetricReader, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { ConfigError, KafkaError, type OpenTelemetryOptions, type Producer, type ProducerRecord } from '../../src/index.js';
import type { FakeCluster } from '../../src/testing/index.js';
import { useClusterFixture } from '../helpers/cluster-fixture.js';

const fixture = useClusterFixture();

/** A reader that collects on demand. */
class PullReader extends MetricReader {
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
}

interface Telemetry {
  readonly exporter: InMemorySpanExporter;
  readonly reader: PullReader;
  readonly options: OpenTelemetryOptions;
}

// With `delta`, an instrument reports only what was observed since the last collection: one that
// is no longer observed reports nothing (a cumulative reader keeps repeating its last value).
function telemetry(temporality: 'cumulative' | 'delta' = 'cumulative'): Telemetry {
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const selected = temporality === 'delta' ? AggregationTemporality.DELTA : AggregationTemporality.CUMULATIVE;
  const reader = new PullReader({ aggregationTemporalitySelector: () => selected });
  const meterProvider = new MeterProvider({ readers: [reader] });
  return { exporter, reader, options: { tracerProvider, meterProvider, propagator: new W3CTraceContextPropagator() } };
}

const topics = {
  brokers: 1,
  topics: [
    { name: 't', partitions: 2, replicationFactor: 1 },
    { name: 'other', partitions: 1, replicationFactor: 1 },
  ],
};

async function start(options: OpenTelemetryOptions | boolean | undefined, extra: Record<string, unknown> = {}): Promise<{ cluster: FakeCluster; producer: Producer }> {
  return fixture.start(topics, { clientId: 'otel-test', openTelemetry: options, metricsSampleWindowMs: 600_000, ...extra });
}

function header(cluster: FakeCluster, topic: string, partition: number, offset: number, name: string): string | undefined {
  const record = cluster.records(topic, partition)[offset];
  assert.ok(record !== undefined, `a record at ${topic}-${partition}@${offset}`);
  const found = record.headers.filter(([key]) => key === name);
  assert.ok(found.length <= 1, `one ${name} header at most`);
  return found[0]?.[1]?.toString();
}

function traceparentOf(span: ReadableSpan): string {
  const { traceId, spanId } = span.spanContext();
  return `00-${traceId}-${spanId}-01`;
}

function brokerAddress(cluster: FakeCluster): { host: string; port: number } {
  const [host, port] = cluster.bootstrapServers.split(',')[0]!.split(':');
  return { host: host!, port: Number(port) };
}

const contextManager = new AsyncLocalStorageContextManager();
before(() => {
  context.setGlobalContextManager(contextManager.enable());
});
after(() => {
  context.disable();
});

describe('OpenTelemetry spans', () => {
  it('makes a PRODUCER span "send <topic>" per send(record), with the semantic conventions attributes, and writes its context into the headers', async () => {
    const otel = telemetry();
    const { cluster, producer } = await start(otel.options);
    const metadata = await producer.send({ topic: 't', partition: 1, key: 'order-7', value: 'v' });
    const spans = otel.exporter.getFinishedSpans();
    assert.equal(spans.length, 1);
    const span = spans[0]!;
    assert.equal(span.name, 'send t');
    assert.equal(span.kind, SpanKind.PRODUCER);
    assert.equal(span.status.code, SpanStatusCode.UNSET);
    assert.equal(span.parentSpanContext, undefined, 'a root span without an active one');
    const { host, port } = brokerAddress(cluster);
    assert.deepEqual(span.attributes, {
      'messaging.system': 'kafka',
      'messaging.operation.type': 'send',
      'messaging.operation.name': 'send',
      'messaging.destination.name': 't',
      'messaging.destination.partition.id': '1',
      'messaging.client.id': 'otel-test',
      'messaging.kafka.message.key': 'order-7',
      'messaging.kafka.offset': Number(metadata.offset),
      'server.address': host,
      'server.port': port,
    });
    assert.equal(span.instrumentationScope.name, 'kafka-producer');
    assert.equal(header(cluster, 't', 1, 0, 'traceparent'), traceparentOf(span));
  });

  it('makes the span a child of the active span, and the header names the same trace', async () => {
    const otel = telemetry();
    const { cluster, producer } = await start(otel.options);
    const tracer = otel.options.tracerProvider!.getTracer('test') as unknown as ReturnType<typeof trace.getTracer>;
    const parent: Span = tracer.startSpan('handle request');
    const metadata = await context.with(trace.setSpan(context.active(), parent), () => producer.send({ topic: 't', value: 'in a request' }));
    parent.end();
    const send = otel.exporter.getFinishedSpans().find((span) => span.name === 'send t');
    assert.ok(send);
    assert.equal(send.parentSpanContext?.spanId, parent.spanContext().spanId);
    assert.equal(send.spanContext().traceId, parent.spanContext().traceId);
    assert.equal(send.attributes['messaging.destination.partition.id'], String(metadata.partition), 'the partition the partitioner chose');
    assert.equal(send.attributes['messaging.kafka.message.key'], undefined, 'no key');
    const traceparent = header(cluster, 't', metadata.partition, Number(metadata.offset), 'traceparent');
    assert.equal(traceparent, traceparentOf(send));
    assert.ok(traceparent?.includes(parent.spanContext().traceId));
  });

  it('for send({ topic, messages }): a PRODUCER "create" span per record carried by its headers, and a CLIENT "send" span linking them', async () => {
    const otel = telemetry();
    const { cluster, producer } = await start(otel.options);
    const messages = [
      { partition: 0, key: 'a', value: 'one' },
      { partition: 1, value: 'two', headers: [['source', 'batch']] as [string, string][] },
      { partition: 0, key: Buffer.from([0xff]), value: null },
    ];
    const metadata = await producer.send({ topic: 't', messages });
    const spans = otel.exporter.getFinishedSpans();
    const creates = spans.filter((span) => span.name === 'create t');
    const sends = spans.filter((span) => span.name === 'send t');
    assert.equal(creates.length, 3);
    assert.equal(sends.length, 1);
    const send = sends[0]!;
    assert.equal(send.kind, SpanKind.CLIENT);
    assert.equal(send.attributes['messaging.batch.message_count'], 3);
    assert.equal(send.attributes['messaging.operation.type'], 'send');
    assert.equal(send.attributes['messaging.destination.name'], 't');
    const bySpanId = new Map(creates.map((span) => [span.spanContext().spanId, span]));
    const linked = send.links.map((link) => bySpanId.get(link.context.spanId));
    assert.ok(linked.every((span) => span !== undefined), 'each link is a create span');
    for (let position = 0; position < messages.length; position++) {
      const create: ReadableSpan = linked[position]!;
      const { partition, offset } = metadata[position]!;
      assert.equal(create.kind, SpanKind.PRODUCER);
      assert.equal(create.attributes['messaging.operation.type'], 'create');
      assert.equal(create.attributes['messaging.destination.partition.id'], String(partition));
      assert.equal(create.attributes['messaging.kafka.offset'], Number(offset));
      assert.equal(header(cluster, 't', partition, Number(offset), 'traceparent'), traceparentOf(create), `record ${position} carries its create span`);
    }
    assert.equal(linked[0]!.attributes['messaging.kafka.message.key'], 'a');
    assert.equal(linked[2]!.attributes['messaging.kafka.message.key'], undefined, 'a key in bytes is not recorded');
    assert.equal(linked[2]!.attributes['messaging.kafka.message.tombstone'], true);
    assert.equal(header(cluster, 't', 1, 0, 'source'), 'batch', 'the record keeps its own headers');
  });

  it('ends the span with status ERROR and the exception when the broker refuses the record', async () => {
    const otel = telemetry();
    const { cluster, producer } = await start(otel.options);
    cluster.intercept({ api: 'Produce', topic: 't', partition: 0 }, { error: 29 }, { times: Number.POSITIVE_INFINITY });
    const error = await producer.send({ topic: 't', partition: 0, value: 'denied' }).then(
      () => assert.fail('expected a rejection'),
      (failure: unknown) => failure,
    );
    assert.ok(error instanceof KafkaError);
    const [span] = otel.exporter.getFinishedSpans();
    assert.ok(span);
    assert.equal(span.status.code, SpanStatusCode.ERROR);
    assert.equal(span.status.message, error.message);
    assert.equal(span.attributes['error.type'], error.code);
    assert.equal(span.attributes['messaging.kafka.offset'], undefined);
    const exception = span.events.find((event) => event.name === 'exception');
    assert.equal(exception?.attributes?.['exception.message'], error.message);
  });

  it('ends the span with status ERROR when send() refuses a record too large, and the call span of a batch too', async () => {
    const otel = telemetry();
    const { producer } = await start(otel.options, { maxRequestSize: 2048 });
    await assert.rejects(producer.send({ topic: 't', value: 'x'.repeat(4096) }), /exceeds maxRequestSize/);
    await assert.rejects(producer.send({ topic: 't', messages: [{ value: 'fine' }, { value: 'y'.repeat(4096) }] }), /exceeds maxRequestSize/);
    const spans = otel.exporter.getFinishedSpans();
    assert.deepEqual(
      spans.map((span) => [span.name, span.status.code]),
      [
        ['send t', SpanStatusCode.ERROR],
        ['create t', SpanStatusCode.ERROR],
        ['create t', SpanStatusCode.ERROR],
        ['send t', SpanStatusCode.ERROR],
      ],
    );
  });

  it('leaves a traceparent the record already has, in object and in pair headers', async () => {
    const otel = telemetry();
    const { cluster, producer } = await start(otel.options);
    const own = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    await producer.send({ topic: 't', partition: 0, value: 'a', headers: { traceparent: own } });
    await producer.send({ topic: 't', partition: 0, value: 'b', headers: [['traceparent', own]] });
    await producer.send({ topic: 't', partition: 0, value: 'c', headers: [['other', 'x']] });
    assert.equal(header(cluster, 't', 0, 0, 'traceparent'), own);
    assert.equal(header(cluster, 't', 0, 1, 'traceparent'), own);
    assert.deepEqual(
      cluster.records('t', 0)[2]!.headers.map(([key]) => key),
      ['other', 'traceparent'],
    );
    assert.equal(otel.exporter.getFinishedSpans().length, 3, 'the spans are made all the same');
  });

  it('writes tracestate when the context has one', async () => {
    const otel = telemetry();
    const { cluster, producer } = await start(otel.options);
    const remote = new W3CTraceContextPropagator().extract(
      ROOT_CONTEXT,
      { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', tracestate: 'vendor=value' },
      { get: (carrier, key) => (carrier as Record<string, string>)[key], keys: (carrier) => Object.keys(carrier as object) },
    );
    await context.with(remote, () => producer.send({ topic: 't', partition: 0, value: 'continued' }));
    const [span] = otel.exporter.getFinishedSpans();
    assert.equal(span?.spanContext().traceId, '0af7651916cd43dd8448eb211c80319c');
    assert.equal(header(cluster, 't', 0, 0, 'tracestate'), 'vendor=value');
  });

  it('uses the global providers and propagator with openTelemetry: true', async () => {
    const otel = telemetry();
    trace.setGlobalTracerProvider(otel.options.tracerProvider as unknown as Parameters<typeof trace.setGlobalTracerProvider>[0]);
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    try {
      const { cluster, producer } = await start(true);
      await producer.send({ topic: 't', partition: 0, value: 'global' });
      const [span] = otel.exporter.getFinishedSpans();
      assert.equal(span?.name, 'send t');
      assert.equal(header(cluster, 't', 0, 0, 'traceparent'), traceparentOf(span));
    } finally {
      trace.disable();
      propagation.disable();
    }
  });

  it('runs after the interceptors: the span names the topic an interceptor chose, and the header goes on the record it returned', async () => {
    const otel = telemetry();
    const seen: (string | undefined)[] = [];
    const { cluster, producer } = await start(otel.options, {
      interceptors: [
        {
          onSend: (record: ProducerRecord) => {
            seen.push(JSON.stringify(record.headers));
            return { ...record, topic: 'other', headers: { moved: 'yes' } };
          },
        },
      ],
    });
    await producer.send({ topic: 't', value: 'moved' });
    const [span] = otel.exporter.getFinishedSpans();
    assert.equal(span?.name, 'send other');
    assert.deepEqual(seen, [undefined], 'the interceptor saw the caller\'s record, without trace context');
    assert.equal(header(cluster, 'other', 0, 0, 'moved'), 'yes');
    assert.equal(header(cluster, 'other', 0, 0, 'traceparent'), traceparentOf(span!));
  });

  it('logs a propagator that throws, and sends the record as it was, its span made all the same', async () => {
    const otel = telemetry();
    const lines: string[] = [];
    const broken = {
      inject() {
        throw new Error('propagator broke');
      },
    };
    const { cluster, producer } = await start({ ...otel.options, propagator: broken }, { logger: { warn: (message: string) => lines.push(message) } });
    const headers = { own: '1' };
    await producer.send({ topic: 't', partition: 0, value: 'sent anyway', headers });
    assert.deepEqual(
      cluster.records('t', 0)[0]!.headers.map(([key]) => key),
      ['own'],
    );
    assert.deepEqual(headers, { own: '1' }, "the caller's headers are not changed");
    assert.deepEqual(lines, ['the OpenTelemetry propagator failed; the record is sent without trace context']);
    assert.deepEqual(
      otel.exporter.getFinishedSpans().map((span) => [span.name, span.attributes['messaging.kafka.offset']]),
      [['send t', 0]],
    );
  });

  it('adds no header and makes no span when the option is off or traces are off', async () => {
    const otel = telemetry();
    const off = await start(undefined);
    await off.producer.send({ topic: 't', partition: 0, value: 'plain', headers: { a: '1' } });
    assert.deepEqual(
      off.cluster.records('t', 0)[0]!.headers.map(([key]) => key),
      ['a'],
    );
    await off.producer.close();
    await off.cluster.stop();
    const { cluster, producer } = await start({ ...otel.options, traces: false });
    await producer.send({ topic: 't', partition: 0, value: 'no traces' });
    assert.deepEqual(cluster.records('t', 0)[0]!.headers, []);
    assert.equal(otel.exporter.getFinishedSpans().length, 0);
  });
});

describe('OpenTelemetry metrics', () => {
  let reader: PullReader | undefined;
  afterEach(async () => {
    await reader?.shutdown();
    reader = undefined;
  });

  function points(collected: ResourceMetrics, name: string): DataPoint<number>[] {
    const metrics = collected.scopeMetrics.filter((scope) => scope.scope.name === 'kafka-producer').flatMap((scope) => scope.metrics);
    return metrics.filter((metric) => metric.descriptor.name === name).flatMap((metric) => metric.dataPoints as DataPoint<number>[]);
  }

  it('reports the producer metrics as instruments, with the values of producer.metrics()', async () => {
    const otel = telemetry();
    reader = otel.reader;
    const { producer } = await start({ ...otel.options, traces: false });
    await producer.send({ topic: 't', messages: Array.from({ length: 20 }, (_, index) => ({ partition: index % 2, value: `m-${index}` })) });
    await producer.send({ topic: 't', partition: 0, key: 'k', value: 'one more' });
    const { resourceMetrics, errors } = await otel.reader.collect();
    assert.deepEqual(errors, []);
    const snapshot = producer.metrics();
    const producerAttributes = { 'messaging.system': 'kafka', 'messaging.client.id': 'otel-test' };
    const single = (name: string): DataPoint<number> => {
      const found = points(resourceMetrics, name);
      assert.equal(found.length, 1, `${name}: one data point`);
      assert.deepEqual(found[0]!.attributes, producerAttributes);
      return found[0]!;
    };
    assert.equal(single('kafka.producer.records.sent').value, snapshot['record-send-total']);
    assert.equal(snapshot['record-send-total'], 21);
    assert.equal(single('kafka.producer.requests').value, snapshot['request-total']);
    assert.equal(single('kafka.producer.bytes.sent').value, snapshot['outgoing-byte-total']);
    assert.equal(single('kafka.producer.records.failed').value, 0);
    assert.equal(single('kafka.producer.buffer.limit').value, snapshot['buffer-total-bytes']);
    assert.equal(single('kafka.producer.record.size.max').value, snapshot['record-size-max']);
    assert.equal(single('kafka.producer.request.latency.max').value, snapshot['request-latency-max'] / 1000, 'in seconds');
    assert.equal(single('kafka.producer.connections').value, snapshot['connection-count']);
    const sent = points(resourceMetrics, 'messaging.client.sent.messages');
    assert.deepEqual(
      sent.map((point) => [point.attributes, point.value]),
      [[{ ...producerAttributes, 'messaging.destination.name': 't', 'messaging.operation.name': 'send' }, snapshot.topics.t!['record-send-total']]],
    );
    const bytes = points(resourceMetrics, 'kafka.producer.topic.bytes.sent');
    assert.equal(bytes[0]?.value, snapshot.topics.t!['byte-total']);
    assert.deepEqual(points(resourceMetrics, 'kafka.producer.request.throttle_time.avg').length, 1);
  });

  it('measures each send() call in messaging.client.operation.duration, with error.type when it rejected', async () => {
    const otel = telemetry();
    reader = otel.reader;
    const { producer } = await start({ ...otel.options, traces: false }, { maxRequestSize: 2048 });
    await producer.send({ topic: 't', partition: 0, value: 'one' });
    await producer.send({ topic: 't', messages: [{ value: 'two' }, { value: 'three' }] });
    const error = await producer.send({ topic: 't', value: 'x'.repeat(4096) }).then(
      () => assert.fail('expected a rejection'),
      (failure: unknown) => failure,
    );
    assert.ok(error instanceof KafkaError);
    const { resourceMetrics } = await otel.reader.collect();
    const histograms = points(resourceMetrics, 'messaging.client.operation.duration') as unknown as DataPoint<{ count: number; sum?: number; buckets: { boundaries: number[] } }>[];
    const base = { 'messaging.system': 'kafka', 'messaging.operation.type': 'send', 'messaging.operation.name': 'send', 'messaging.client.id': 'otel-test', 'messaging.destination.name': 't' };
    assert.deepEqual(
      histograms.map((point) => [point.attributes, point.value.count]),
      [
        [base, 2],
        [{ ...base, 'error.type': error.code }, 1],
      ],
    );
    assert.deepEqual(histograms[0]!.value.buckets.boundaries.slice(0, 3), [0.005, 0.01, 0.025], 'the advised buckets');
    assert.ok((histograms[0]!.value.sum ?? -1) >= 0);
  });

  it('reports no value for an average with nothing measured, and stops reporting once the producer closed', async () => {
    const otel = telemetry('delta');
    reader = otel.reader;
    const { producer } = await start({ ...otel.options, traces: false });
    const before = await otel.reader.collect();
    assert.equal(points(before.resourceMetrics, 'kafka.producer.request.latency.avg').length, 0, 'NaN is not reported');
    assert.equal(points(before.resourceMetrics, 'kafka.producer.buffer.limit').length, 1);
    await producer.close();
    const closed = await otel.reader.collect();
    assert.equal(points(closed.resourceMetrics, 'kafka.producer.buffer.limit').length, 0);
    assert.equal(points(closed.resourceMetrics, 'kafka.producer.records.sent').length, 0);
  });
});

describe('the openTelemetry option', () => {
  it('refuses values that are not the option, naming the field', async () => {
    const { Producer } = await import('../../src/index.js');
    const cases: [unknown, string][] = [
      ['yes', 'openTelemetry'],
      [{ tracerProvider: {} }, 'openTelemetry.tracerProvider'],
      [{ meterProvider: trace }, 'openTelemetry.meterProvider'],
      [{ propagator: 1 }, 'openTelemetry.propagator'],
      [{ traces: 'on' }, 'openTelemetry.traces'],
      [{ tracer: {} }, 'openTelemetry.tracer'],
    ];
    for (const [value, option] of cases) {
      assert.throws(
        () => new Producer({ bootstrapServers: '127.0.0.1:9092', openTelemetry: value as OpenTelemetryOptions }),
        (error: unknown) => error instanceof ConfigError && error.option === option,
        `${JSON.stringify(value)} is refused as ${option}`,
      );
    }
  });
});
