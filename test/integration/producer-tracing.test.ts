// The producer's diagnostics_channel events against FakeCluster: what a subscriber of the
// `kafka-producer:send` and `kafka-producer:request` TracingChannels and of the
// `kafka-producer:batch` channel receives, field by field and at which event; and that nothing is
// traced while no one subscribes.
import * as assert from 'node:assert/strict';
import { subscribe, tracingChannel, unsubscribe } from 'node:diagnostics_channel';
import { describe, it } from 'node:test';
import type { BatchEvent, RecordMetadata, RequestTraceContext, SendTraceContext } from '../../src/index.js';
import { sendTracing } from '../../src/metrics/tracing.js';
import { useClusterFixture } from '../helpers/cluster-fixture.js';

const fixture = useClusterFixture({ expectNoServerErrors: true });

type Phase = 'start' | 'end' | 'asyncStart' | 'asyncEnd' | 'error';
const phases: readonly Phase[] = ['start', 'end', 'asyncStart', 'asyncEnd', 'error'];

/** Subscribes to every event of a TracingChannel, keeping a copy of the context at each. */
async function traced<Context extends object>(name: string, work: () => Promise<void>): Promise<{ phase: Phase; context: Context; same: Context }[]> {
  const events: { phase: Phase; context: Context; same: Context }[] = [];
  const channels = tracingChannel<unknown, Context>(name);
  const handlers = Object.fromEntries(phases.map((phase) => [phase, (context: Context) => events.push({ phase, context: { ...context }, same: context })])) as unknown as Parameters<
    typeof channels.subscribe
  >[0];
  channels.subscribe(handlers);
  try {
    await work();
  } finally {
    channels.unsubscribe(handlers);
  }
  return events;
}

const sendFields = ['clientId', 'topic', 'recordCount', 'partition', 'hasKey', 'valueSize', 'offset'];

function setup() {
  return fixture.start({ brokers: 2, topics: [{ name: 'traced', partitions: 2, replicationFactor: 2 }] }, { clientId: 'tracer', retryBackoffMs: 10 });
}

describe('tracing with diagnostics_channel', () => {
  it('traces a send() call: start and end around the call, asyncStart and asyncEnd with its offset', async () => {
    const { producer } = await setup();
    await producer.send({ topic: 'traced', partition: 1, value: 'warm-up' });
    let metadata: RecordMetadata | undefined;
    const events = await traced<SendTraceContext>('kafka-producer:send', async () => {
      metadata = await producer.send({ topic: 'traced', partition: 1, key: 'k1', value: 'héllo' });
    });
    assert.deepEqual(
      events.map((event) => event.phase),
      ['start', 'end', 'asyncStart', 'asyncEnd'],
    );
    assert.ok(events.every((event) => event.same === events[0]!.same), 'one context object per call');
    const [start, end, , asyncEnd] = events;
    assert.deepEqual(start!.context, { clientId: 'tracer', topic: 'traced', recordCount: 1, partition: 1, hasKey: false, valueSize: 0, offset: undefined });
    assert.deepEqual(end!.context, { ...start!.context, hasKey: true, valueSize: 6 });
    assert.deepEqual(asyncEnd!.context, { ...end!.context, offset: 1n, result: metadata });
    assert.deepEqual(Object.keys(asyncEnd!.context).sort(), [...sendFields, 'result'].sort(), 'no field besides the documented ones');
  });

  it('learns the partition of a keyless record from its metadata, and traces a call of several records', async () => {
    const { producer } = await setup();
    const events = await traced<SendTraceContext>('kafka-producer:send', async () => {
      await producer.send({ topic: 'traced', value: 'no key, no partition' });
      await producer.send({ topic: 'traced', messages: [{ value: 'a' }, { key: 'k', value: 'bc' }, { value: null }] });
    });
    const single = events.filter((event) => event.context.recordCount === 1);
    assert.equal(single[0]!.context.partition, undefined, 'unknown at start');
    const result = single.at(-1)!.context.result as RecordMetadata;
    assert.equal(single.at(-1)!.context.partition, result.partition);
    assert.equal(single.at(-1)!.context.offset, result.offset);
    const several = events.filter((event) => event.context.recordCount === 3);
    assert.deepEqual(
      several.map((event) => event.phase),
      ['start', 'end', 'asyncStart', 'asyncEnd'],
    );
    const last = several.at(-1)!.context;
    assert.equal(last.hasKey, true);
    assert.equal(last.valueSize, 3);
    assert.equal(last.partition, undefined);
    assert.equal(last.offset, undefined);
    assert.equal((last.result as RecordMetadata[]).length, 3);
  });

  it('publishes the error of a failed send() before asyncStart and asyncEnd', async () => {
    const { cluster, producer } = await setup();
    await producer.send({ topic: 'traced', partition: 0, value: 'warm-up' });
    cluster.intercept({ api: 'Produce', topic: 'traced' }, { error: 87 /* INVALID_RECORD */ }, { times: 1 });
    const events = await traced<SendTraceContext>('kafka-producer:send', async () => {
      await assert.rejects(producer.send({ topic: 'traced', partition: 0, value: 'refused' }), { brokerErrorName: 'INVALID_RECORD' });
    });
    assert.deepEqual(
      events.map((event) => event.phase),
      ['start', 'end', 'error', 'asyncStart', 'asyncEnd'],
    );
    const context = events.at(-1)!.context;
    assert.equal((context.error as { brokerErrorName?: string }).brokerErrorName, 'INVALID_RECORD');
    assert.equal(context.offset, undefined);
    assert.deepEqual(Object.keys(context).sort(), [...sendFields, 'error'].sort());
  });

  it('traces each Produce request: broker, version, partitions, records, bytes, duration and throttle', async () => {
    const { cluster, producer } = await setup();
    await producer.send({ topic: 'traced', partition: 0, value: 'warm-up' });
    cluster.intercept({ api: 'Produce' }, { throttleMs: 5 }, { times: 1 });
    const events = await traced<RequestTraceContext>('kafka-producer:request', async () => {
      await producer.send({ topic: 'traced', messages: [{ value: 'x'.repeat(100), partition: 0 }, { value: 'y'.repeat(100), partition: 0 }] });
    });
    assert.deepEqual(
      events.map((event) => event.phase),
      ['start', 'end', 'asyncStart', 'asyncEnd'],
    );
    const [start, , asyncStart] = events;
    assert.equal(start!.context.clientId, 'tracer');
    assert.equal(start!.context.brokerId, cluster.leader('traced', 0));
    assert.ok(Number.isInteger(start!.context.apiVersion) && start!.context.apiVersion >= 3, `Produce v${start!.context.apiVersion}`);
    assert.equal(start!.context.partitionCount, 1);
    assert.equal(start!.context.recordCount, 2);
    assert.ok(start!.context.bytes > 200, `the request (${start!.context.bytes} bytes) holds both values`);
    assert.equal(start!.context.durationMs, undefined);
    assert.ok(asyncStart!.context.durationMs! >= 0);
    assert.equal(asyncStart!.context.throttleTimeMs, 5);
    assert.deepEqual(Object.keys(asyncStart!.context).sort(), ['apiVersion', 'brokerId', 'bytes', 'clientId', 'durationMs', 'partitionCount', 'recordCount', 'throttleTimeMs']);
  });

  it('publishes the error of a Produce request that got no answer', async () => {
    const { cluster, producer } = await fixture.start(
      { brokers: 1, topics: [{ name: 'traced', partitions: 1, replicationFactor: 1 }] },
      { clientId: 'tracer', requestTimeoutMs: 300, deliveryTimeoutMs: 20_000, retryBackoffMs: 10 },
    );
    await producer.send({ topic: 'traced', value: 'warm-up' });
    cluster.intercept({ api: 'Produce' }, { dropResponse: true }, { times: 1 });
    const events = await traced<RequestTraceContext>('kafka-producer:request', async () => {
      await producer.send({ topic: 'traced', value: 'resent after a timeout' });
    });
    const failed = events.filter((event) => event.context.error !== undefined);
    assert.deepEqual(
      failed.map((event) => event.phase),
      ['error', 'asyncStart', 'asyncEnd'],
    );
    assert.equal(failed[0]!.context.throttleTimeMs, undefined);
    assert.ok(failed[0]!.context.durationMs! >= 0);
    assert.ok(events.some((event) => event.phase === 'asyncEnd' && event.context.error === undefined), 'the resend was answered');
  });

  it('publishes each settled batch on kafka-producer:batch with the documented fields only', async () => {
    const { cluster, producer } = await setup();
    const batches: BatchEvent[] = [];
    const onBatch = (message: unknown) => batches.push(message as BatchEvent);
    subscribe('kafka-producer:batch', onBatch);
    try {
      cluster.intercept({ api: 'Produce', topic: 'traced', partition: 1 }, { error: 19 /* NOT_ENOUGH_REPLICAS */ }, { times: 1 });
      await producer.send({ topic: 'traced', messages: [{ value: 'one', partition: 0 }, { value: 'two', partition: 1 }, { value: 'three', partition: 1 }] });
    } finally {
      unsubscribe('kafka-producer:batch', onBatch);
    }
    batches.sort((left, right) => left.partition - right.partition);
    assert.equal(batches.length, 2);
    for (const batch of batches) {
      assert.deepEqual(Object.keys(batch).sort(), ['attempts', 'bytes', 'clientId', 'partition', 'records', 'succeeded', 'topic']);
      assert.equal(batch.clientId, 'tracer');
      assert.equal(batch.topic, 'traced');
      assert.equal(batch.succeeded, true);
      assert.deepEqual(
        [batch.partition, batch.records, batch.bytes === cluster.batches('traced', batch.partition)[0]!.sizeInBytes],
        [batch.partition, batch.partition === 0 ? 1 : 2, true],
      );
    }
    assert.deepEqual(
      batches.map((batch) => batch.attempts),
      [1, 2],
      'the refused batch was sent twice',
    );
  });

  it('builds no trace while kafka-producer:send has no subscriber', async () => {
    const { producer } = await setup();
    const tracePromise = sendTracing.tracePromise;
    let calls = 0;
    sendTracing.tracePromise = function (this: typeof sendTracing, ...args: Parameters<typeof tracePromise>) {
      calls++;
      return tracePromise.apply(this, args);
    } as typeof tracePromise;
    try {
      await producer.send({ topic: 'traced', value: 'untraced' });
      assert.equal(calls, 0, 'no subscriber: send() runs untraced');
      const onEnd = () => {};
      subscribe('tracing:kafka-producer:send:asyncEnd', onEnd);
      try {
        await producer.send({ topic: 'traced', value: 'traced' });
      } finally {
        unsubscribe('tracing:kafka-producer:send:asyncEnd', onEnd);
      }
      assert.equal(calls, 1, 'one subscriber to one of its channels: send() is traced');
    } finally {
      sendTracing.tracePromise = tracePromise;
    }
  });
});
