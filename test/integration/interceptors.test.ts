// Producer interceptors against FakeCluster: onSend runs on every record in interceptor order, each
// on the previous one's result, and what it returns is what is written; a throwing interceptor is
// logged and skipped; onAcknowledgement runs once per record, before its promise settles, with the
// metadata the caller gets or with the error the caller gets.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KafkaError, type Logger, type ProducerInterceptor, type ProducerRecord, type RecordMetadata } from '../../src/index.js';
import { useClusterFixture } from '../helpers/cluster-fixture.js';
import { assertStoredExactly, storedValues } from '../helpers/producer-check.js';

const fixture = useClusterFixture({ expectNoServerErrors: true });

interface Acknowledgement {
  readonly by: string;
  readonly metadata: RecordMetadata;
  readonly error: Error | undefined;
}

/** An interceptor that writes what it sees into `events` and `acks`, and may change the record. */
function recorder(name: string, events: string[], acks: Acknowledgement[], change?: (record: ProducerRecord) => ProducerRecord): ProducerInterceptor {
  return {
    onSend(record) {
      events.push(`${name}.onSend(${String(record.value)})`);
      return change?.(record);
    },
    onAcknowledgement(metadata, error) {
      events.push(`${name}.onAcknowledgement(${metadata.offset})`);
      acks.push({ by: name, metadata, error });
    },
  };
}

function warnings(): { logger: Logger; lines: { message: string; context: Record<string, unknown> | undefined }[] } {
  const lines: { message: string; context: Record<string, unknown> | undefined }[] = [];
  return { lines, logger: { warn: (message, context) => lines.push({ message, context }) } };
}

const oneTopic = { brokers: 1, topics: [{ name: 't', partitions: 2, replicationFactor: 1 }, { name: 'other', partitions: 1, replicationFactor: 1 }] };

describe('producer interceptors', () => {
  it('calls onSend in order, each with the record the one before returned, and onAcknowledgement in order before send() resolves', async () => {
    const events: string[] = [];
    const acks: Acknowledgement[] = [];
    const first = recorder('first', events, acks, (record) => ({ ...record, value: `${String(record.value)}+first` }));
    const second = recorder('second', events, acks, (record) => ({ ...record, value: `${String(record.value)}+second` }));
    const { cluster, producer } = await fixture.start(oneTopic, { interceptors: [first, second] });
    const metadata = await producer.send({ topic: 't', partition: 0, value: 'v' }).then((result) => {
      events.push('send resolved');
      return result;
    });
    assert.deepEqual(events, ['first.onSend(v)', 'second.onSend(v+first)', 'first.onAcknowledgement(0)', 'second.onAcknowledgement(0)', 'send resolved']);
    assert.deepEqual(
      acks.map((ack) => [ack.by, ack.metadata, ack.error]),
      [
        ['first', metadata, undefined],
        ['second', metadata, undefined],
      ],
    );
    assert.deepEqual(metadata, { topic: 't', partition: 0, offset: 0n, timestamp: metadata.timestamp });
    assertStoredExactly(cluster, 't', 0, ['v+first+second']);
  });

  it('writes the record onSend returned: its value, key, headers and topic', async () => {
    const moveAndTag: ProducerInterceptor = {
      onSend: (record) => ({ topic: 'other', key: 'k-added', value: String(record.value).toUpperCase(), headers: { source: 'interceptor' } }),
    };
    const { cluster, producer } = await fixture.start(oneTopic, { interceptors: [moveAndTag, { onSend: () => undefined }] });
    const metadata = await producer.send({ topic: 't', value: 'moved' });
    assert.equal(metadata.topic, 'other');
    const [stored] = cluster.records('other', 0);
    assert.equal(stored?.value?.toString(), 'MOVED');
    assert.equal(stored?.key?.toString(), 'k-added');
    assert.deepEqual(stored?.headers, [['source', Buffer.from('interceptor')]]);
    assert.deepEqual([...storedValues(cluster, 't', 0), ...storedValues(cluster, 't', 1)], []);
  });

  it('logs an interceptor that throws in onSend, goes on with the record it was given, and the send succeeds', async () => {
    const { logger, lines } = warnings();
    const seenBySecond: unknown[] = [];
    const failing: ProducerInterceptor = {
      onSend: () => {
        throw new Error('onSend broke');
      },
    };
    const returnsNull: ProducerInterceptor = { onSend: () => null as unknown as ProducerRecord };
    const second: ProducerInterceptor = {
      onSend: (record) => {
        seenBySecond.push(record.value);
        return { ...record, value: `${String(record.value)}!` };
      },
      onAcknowledgement: () => {
        throw new Error('onAcknowledgement broke');
      },
    };
    const { cluster, producer } = await fixture.start(oneTopic, { logger, interceptors: [failing, returnsNull, second] });
    const metadata = await producer.send({ topic: 't', partition: 1, value: 'kept' });
    assert.equal(metadata.offset, 0n);
    assert.deepEqual(seenBySecond, ['kept']);
    assertStoredExactly(cluster, 't', 1, ['kept!']);
    assert.deepEqual(
      lines.map(({ message, context }) => [message, context?.interceptor, context?.error]),
      [
        ['a producer interceptor failed in onSend; the record goes on as it was before it', 0, 'Error: onSend broke'],
        ['a producer interceptor failed in onSend; the record goes on as it was before it', 1, 'TypeError: onSend returned null, expected a record or undefined'],
        ['a producer interceptor failed in onAcknowledgement', 2, 'Error: onAcknowledgement broke'],
      ],
    );
  });

  it('calls onAcknowledgement for every record of a multi-record send, with the metadata send() resolves with', async () => {
    const events: string[] = [];
    const acks: Acknowledgement[] = [];
    const { cluster, producer } = await fixture.start(oneTopic, { interceptors: [recorder('only', events, acks)] });
    const messages = Array.from({ length: 50 }, (_, index) => ({ partition: index % 2, value: `m-${index}` }));
    const metadata = await producer.send({ topic: 't', messages });
    assert.deepEqual(
      events.filter((event) => event.includes('onSend')),
      messages.map((message) => `only.onSend(${message.value})`),
    );
    assert.equal(acks.length, 50);
    assert.ok(acks.every((ack) => ack.error === undefined));
    assert.deepEqual(new Set(acks.map((ack) => ack.metadata)), new Set(metadata), 'each record acknowledged once, with its metadata');
    assertStoredExactly(
      cluster,
      't',
      0,
      messages.filter((message) => message.partition === 0).map((message) => message.value),
    );
  });

  it('sends records onSend moved to another topic from a multi-record send, and resolves with all metadata in call order', async () => {
    const acks: Acknowledgement[] = [];
    const moveOdd: ProducerInterceptor = {
      onSend: (record) => (String(record.value).endsWith('odd') ? { ...record, topic: 'other', partition: 0 } : undefined),
      onAcknowledgement: (metadata, error) => acks.push({ by: 'move', metadata, error }),
    };
    const { cluster, producer } = await fixture.start(oneTopic, { interceptors: [moveOdd] });
    const messages = Array.from({ length: 6 }, (_, index) => ({ partition: 0, value: `${index}-${index % 2 ? 'odd' : 'even'}` }));
    const metadata = await producer.send({ topic: 't', messages });
    assert.deepEqual(
      metadata.map((entry) => entry.topic),
      ['t', 'other', 't', 'other', 't', 'other'],
    );
    assertStoredExactly(cluster, 't', 0, ['0-even', '2-even', '4-even']);
    assertStoredExactly(cluster, 'other', 0, ['1-odd', '3-odd', '5-odd']);
    assert.equal(acks.length, 6);
  });

  it('calls onAcknowledgement with the error of a record the topic refuses as too large, and with metadata for the others', async () => {
    const acks: Acknowledgement[] = [];
    const { cluster, producer } = await fixture.start(
      { brokers: 1, topics: [{ name: 'small', partitions: 1, replicationFactor: 1, maxMessageBytes: 1000 }] },
      { interceptors: [{ onAcknowledgement: (metadata, error) => acks.push({ by: 'only', metadata, error }) }], retryBackoffMs: 10 },
    );
    const big = 'x'.repeat(2000);
    const failure = await producer.send({ topic: 'small', partition: 0, value: big }).then(
      () => assert.fail('a record larger than the topic takes must fail'),
      (error: unknown) => error,
    );
    assert.ok(failure instanceof KafkaError);
    assert.equal(failure.retriable, false);
    assert.equal(acks.length, 1);
    assert.equal(acks[0]!.error, failure, 'onAcknowledgement gets the error send() rejects with');
    assert.deepEqual(acks[0]!.metadata, { topic: 'small', partition: 0, offset: -1n, timestamp: -1 });

    acks.length = 0;
    // The records behind a record that failed for good in its partition fail with it (nothing is
    // written after a gap), so the one too large comes last here.
    const mixed = await Promise.allSettled([
      producer.send({ topic: 'small', value: 'fits-1' }),
      producer.send({ topic: 'small', value: 'fits-2' }),
      producer.send({ topic: 'small', value: big }),
    ]);
    assert.deepEqual(
      mixed.map((outcome) => outcome.status),
      ['fulfilled', 'fulfilled', 'rejected'],
    );
    assert.equal(acks.length, 3);
    const failed = acks.filter((ack) => ack.error !== undefined);
    assert.equal(failed.length, 1);
    assert.equal(failed[0]!.error, (mixed[2] as PromiseRejectedResult).reason);
    assert.deepEqual(failed[0]!.metadata, { topic: 'small', partition: -1, offset: -1n, timestamp: -1 }, 'no partition was named: -1');
    assert.deepEqual(
      acks.filter((ack) => ack.error === undefined).map((ack) => ack.metadata),
      mixed.slice(0, 2).map((outcome) => (outcome as PromiseFulfilledResult<RecordMetadata>).value),
    );

    // The same in one multi-record call: each record is acknowledged with its own outcome.
    acks.length = 0;
    const partly = await producer.send({ topic: 'small', messages: [{ value: 'fits-3' }, { value: big }] }).then(
      () => assert.fail('a call with a record too large must reject'),
      (error: unknown) => error,
    );
    assert.ok(partly instanceof KafkaError);
    assert.deepEqual(
      acks.map((ack) => [ack.metadata.offset, ack.error?.message]),
      [
        [2n, undefined],
        [-1n, failure.message],
      ],
    );
    assertStoredExactly(cluster, 'small', 0, ['fits-1', 'fits-2', 'fits-3']);
  });

  it('calls onAcknowledgement with the error for every record of a call refused before anything was queued', async () => {
    const acks: Acknowledgement[] = [];
    const { cluster, producer } = await fixture.start(oneTopic, { interceptors: [{ onAcknowledgement: (metadata, error) => acks.push({ by: 'only', metadata, error }) }] });
    const refused = await producer.send({ topic: 't', messages: [{ value: 'fine' }, { value: 42 as unknown as string }] }).then(
      () => assert.fail('a value of the wrong type must be refused'),
      (error: unknown) => error,
    );
    assert.ok(refused instanceof KafkaError);
    assert.deepEqual(
      acks.map((ack) => [ack.metadata, ack.error]),
      [
        [{ topic: 't', partition: -1, offset: -1n, timestamp: -1 }, refused],
        [{ topic: 't', partition: -1, offset: -1n, timestamp: -1 }, refused],
      ],
    );
    const single = await producer.send({ topic: 't', valu: 'typo' } as unknown as ProducerRecord).then(
      () => assert.fail('an unknown field must be refused'),
      (error: unknown) => error,
    );
    assert.equal(acks.length, 3);
    assert.equal(acks[2]!.error, single);
    assert.deepEqual([...storedValues(cluster, 't', 0), ...storedValues(cluster, 't', 1)], []);
  });
});
