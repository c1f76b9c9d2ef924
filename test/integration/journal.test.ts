// The producer with a journal, over real sockets against FakeCluster: enqueue() resolves once the
// record is in the journal's files and the record is then delivered; a producer restarted on the
// directory resends exactly the batches not acknowledged (the broker drops the copies it has); the
// directory's lock; a full journal; a broker that forgot the producer id (the resend is reported
// as possibly duplicated); an outage longer than deliveryTimeoutMs.
import * as assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { ConfigError, type JournalEvent, JournalLockedError, KafkaError, Producer, type ProducerOptions } from '../../src/index.js';
import { inspectJournal } from '../../src/journal/journal-inspection.js';
import { FakeCluster } from '../../src/testing/index.js';

let directory: string;
let cluster: FakeCluster | undefined;
const producers: Producer[] = [];

beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'producer-journal-'));
});

afterEach(async () => {
  for (const producer of producers.splice(0)) await producer.close({ timeoutMs: 0 });
  await cluster?.stop();
  cluster = undefined;
  await rm(directory, { recursive: true, force: true });
});

async function startCluster(partitions = 1): Promise<FakeCluster> {
  cluster = new FakeCluster({ brokers: 1, topics: [{ name: 't', partitions, replicationFactor: 1 }] });
  await cluster.start();
  return cluster;
}

function newProducer(options: Partial<ProducerOptions> = {}): Producer {
  const producer = new Producer({
    bootstrapServers: cluster!.bootstrapServers,
    retryBackoffMs: 10,
    retryBackoffMaxMs: 50,
    reconnectBackoffMaxMs: 100,
    requestTimeoutMs: 1000,
    deliveryTimeoutMs: 30_000,
    lingerMs: 0,
    journal: { directory },
    ...options,
  });
  producers.push(producer);
  return producer;
}

/** Waits until `check` holds, polling, at most `timeoutMs`. */
async function until(check: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const stored = (partition = 0): string[] => cluster!.records('t', partition).map((record) => record.value!.toString());
const names = (prefix: string, count: number, from = 0): string[] => Array.from({ length: count }, (_, index) => `${prefix}-${from + index}`);

describe('Producer journal: options', () => {
  it('refuses the journal without idempotence or with a transactional id, naming the option', () => {
    assert.throws(
      () => new Producer({ bootstrapServers: 'localhost:9092', idempotence: false, acks: 1, journal: { directory: '/tmp/x' } }),
      (error: unknown) => error instanceof ConfigError && error.option === 'journal' && /idempotence/.test(error.message),
    );
    assert.throws(
      () => new Producer({ bootstrapServers: 'localhost:9092', transactionalId: 'tx', journal: { directory: '/tmp/x' } }),
      (error: unknown) => error instanceof ConfigError && error.option === 'journal' && /transactionalId/.test(error.message) && /abort/.test(error.message),
    );
    assert.throws(
      () => new Producer({ bootstrapServers: 'localhost:9092', journal: { directory: '/tmp/x', sync: 'sometimes' as 'always' } }),
      (error: unknown) => error instanceof ConfigError && error.option === 'journal.sync',
    );
    assert.throws(
      () => new Producer({ bootstrapServers: 'localhost:9092', journal: { directory: '/tmp/x', logger: {} } as never }),
      (error: unknown) => error instanceof ConfigError && error.option === 'journal.logger',
    );
  });

  it('enqueue() without the journal option rejects naming the option', async () => {
    const producer = new Producer({ bootstrapServers: 'localhost:9092' });
    producers.push(producer);
    await assert.rejects(producer.enqueue({ topic: 't', value: 'v' }), (error: unknown) => error instanceof KafkaError && error.code === 'JOURNAL_NOT_CONFIGURED' && /journal/.test(error.message));
  });
});

describe('Producer journal', () => {
  it('enqueue() resolves once the record is in the journal files, then the record is delivered', async () => {
    await startCluster(2);
    const producer = newProducer();
    const placed = await producer.enqueue({ topic: 't', partition: 1, key: 'k', value: 'first' });
    assert.deepEqual(placed, { topic: 't', partition: 1 });
    const inspection = await inspectJournal(directory);
    assert.equal(inspection.records.total, 1, 'the record entry is in the files when enqueue() resolves');
    const many = await producer.enqueue({ topic: 't', messages: [{ value: 'a', partition: 0 }, { value: 'b', partition: 0 }] });
    assert.deepEqual(many, [
      { topic: 't', partition: 0 },
      { topic: 't', partition: 0 },
    ]);
    await producer.flush();
    assert.deepEqual(stored(1), ['first']);
    assert.deepEqual(stored(0), ['a', 'b']);
    // send() goes through the journal too, and still resolves at the acknowledgement.
    const metadata = await producer.send({ topic: 't', partition: 0, value: 'c' });
    assert.equal(metadata.offset, 2n);
    await producer.close();
    const after = await inspectJournal(directory);
    assert.equal(after.records.pending, 0, 'every record acknowledged in the journal');
    assert.equal(after.records.acknowledged, 4);
    assert.equal(after.lock, undefined, 'close() released the lock');
  });

  it('a producer restarted on the directory resends exactly the unacknowledged batches: each record stored once, in order', async () => {
    await startCluster();
    const first = newProducer();
    await first.send({ topic: 't', partition: 0, value: 'acked' });
    // The broker appends every batch from now on but its answers are lost.
    const lost = cluster!.intercept({ api: 'Produce' }, { loseResponses: true }, { times: Number.POSITIVE_INFINITY });
    const expected = names('r', 40);
    // Four batches: fewer than the five a partition may have sent without a durable acknowledgement.
    for (let call = 0; call < 4; call++) {
      await first.enqueue({ topic: 't', messages: expected.slice(call * 10, call * 10 + 10).map((value) => ({ partition: 0, value })) });
    }
    await until(() => stored().length === 41, 'the broker to store every record');
    const recordsBefore = stored().length;
    // The process stops without an acknowledgement: what the journal holds is what a crash leaves.
    await first.close({ timeoutMs: 0 });
    lost.remove();
    const unacknowledged = (await inspectJournal(directory)).records.batched;
    assert.equal(unacknowledged, 40, 'the journal holds the 40 records in unacknowledged batches');

    const second = newProducer();
    const events: JournalEvent[] = [];
    second.on('journal', (event) => events.push(event));
    await second.connect();
    await second.enqueue({ topic: 't', partition: 0, value: 'after' });
    await second.flush();
    assert.equal(recordsBefore, 41);
    assert.deepEqual(stored(), ['acked', ...expected, 'after'], 'each record once, in order: the copies were recognised');
    const metrics = second.journalMetrics()!;
    assert.ok(metrics['journal-recovered-batch-total'] >= 1);
    assert.equal(metrics['journal-recovered-record-total'], 40);
    assert.equal(metrics['journal-record-possible-duplicate-total'], 0);
    assert.deepEqual(
      events.filter((event) => event.kind !== 'recovered'),
      [],
    );
    await second.close();
    assert.equal((await inspectJournal(directory)).records.pending, 0);
  });

  it('a second producer on the same directory gets a clear lock error', async () => {
    await startCluster();
    const first = newProducer();
    await first.connect();
    const second = newProducer();
    await assert.rejects(second.connect(), (error: unknown) => error instanceof JournalLockedError && error.message.includes(directory) && error.pid === process.pid);
    await assert.rejects(second.enqueue({ topic: 't', value: 'x' }), (error: unknown) => error instanceof JournalLockedError);
    // The first one is unaffected.
    await first.send({ topic: 't', partition: 0, value: 'ok' });
    assert.deepEqual(stored(), ['ok']);
  });

  it('close() while the journal is still opening releases the directory for the next producer', async () => {
    await startCluster();
    const first = newProducer();
    const early = first.enqueue({ topic: 't', partition: 0, value: 'early' }).then(
      () => undefined,
      (error: unknown) => error,
    );
    await first.close({ timeoutMs: 0 });
    const failure = await early;
    assert.ok(failure instanceof KafkaError && failure.code === 'CLOSED', String(failure));
    const second = newProducer();
    await second.connect();
    await second.send({ topic: 't', partition: 0, value: 'next' });
    assert.deepEqual(stored(), ['next']);
  });

  it('a full journal makes enqueue() wait, then reject with a clear error after maxBlockMs', async () => {
    await startCluster();
    const producer = newProducer({ maxBlockMs: 300, journal: { directory, segmentBytes: 1024, maxBytes: 1024 } });
    await producer.connect();
    // No acknowledgement comes back, so nothing in the journal is ever settled.
    cluster!.intercept({ api: 'Produce' }, { loseResponses: true }, { times: Number.POSITIVE_INFINITY });
    let failure: unknown;
    let accepted = 0;
    for (let index = 0; index < 100 && failure === undefined; index++) {
      try {
        await producer.enqueue({ topic: 't', partition: 0, value: 'x'.repeat(100) });
        accepted++;
      } catch (error) {
        failure = error;
      }
    }
    assert.ok(accepted > 0 && accepted < 10, `some records fit in 1024 bytes (${accepted})`);
    assert.ok(failure instanceof KafkaError, String(failure));
    assert.equal(failure.code, 'JOURNAL_FULL');
    assert.match(failure.message, /journal\.maxBytes/);
    assert.match(failure.message, /maxBlockMs/);
  });

  it('a broker that forgot the producer id: recovered batches are resent under a new epoch and reported as possible duplicates', async () => {
    await startCluster();
    const first = newProducer();
    // Sequence 0 acknowledged, so that the recovered batches' sequences are above 0.
    await first.send({ topic: 't', partition: 0, value: 'acked' });
    const lost = cluster!.intercept({ api: 'Produce' }, { loseResponses: true }, { times: Number.POSITIVE_INFINITY });
    const expected = names('r', 10);
    for (let call = 0; call < 2; call++) {
      await first.enqueue({ topic: 't', messages: expected.slice(call * 5, call * 5 + 5).map((value) => ({ partition: 0, value })) });
    }
    await until(() => stored().length === 11, 'the broker to store every record');
    await first.close({ timeoutMs: 0 });
    lost.remove();
    // The broker forgets the producer (as brokers before 2.5 answer: UNKNOWN_PRODUCER_ID).
    cluster!.loseProducerStateKeepingLog(undefined, { unknownProducerId: true });

    const second = newProducer();
    const duplicates: JournalEvent[] = [];
    second.on('journal', (event) => {
      if (event.kind === 'possible-duplicates') duplicates.push(event);
    });
    await second.connect();
    await second.flush();
    await until(() => duplicates.length > 0, 'the possible-duplicates event');
    const reported = duplicates.flatMap((event) => (event.kind === 'possible-duplicates' ? event.records.map((record) => record.value!.toString()) : []));
    const counted = second.journalMetrics()!['journal-record-possible-duplicate-total'];
    assert.equal(counted, reported.length, 'the metric counts the records reported');
    assert.ok(counted > 0);
    // Every record is stored; the records stored twice are among those reported.
    const values = stored();
    for (const value of expected) assert.ok(values.includes(value), `${value} stored`);
    const twice = expected.filter((value) => values.filter((other) => other === value).length > 1);
    for (const value of twice) assert.ok(reported.includes(value), `${value}, stored twice, was reported`);
    assert.ok(twice.length > 0, 'the forgotten producer id made the resend a copy');
    assert.equal((await inspectJournal(directory)).records.pending, 0);
  });

  it('a recovered batch refused for its epoch (INVALID_PRODUCER_EPOCH) is resent under a new producer id and reported', async () => {
    await startCluster();
    const first = newProducer();
    await first.send({ topic: 't', partition: 0, value: 'acked' });
    const lost = cluster!.intercept({ api: 'Produce' }, { loseResponses: true }, { times: Number.POSITIVE_INFINITY });
    const expected = names('r', 5);
    await first.enqueue({ topic: 't', messages: expected.map((value) => ({ partition: 0, value })) });
    await until(() => stored().length === 6, 'the broker to store every record');
    await first.close({ timeoutMs: 0 });
    lost.remove();
    const firstId = cluster!.records('t', 0)[0]!.producerId;
    // The next Produce request is refused as if the broker had a newer epoch for the producer.
    cluster!.intercept({ api: 'Produce' }, { error: 47 }, { times: 1 });

    const second = newProducer();
    const reported: string[] = [];
    second.on('journal', (event) => {
      if (event.kind === 'possible-duplicates') reported.push(...event.records.map((record) => record.value!.toString()));
    });
    await second.connect();
    await second.flush();
    await until(() => reported.length === expected.length, 'the possible-duplicates event');
    assert.deepEqual(reported, expected);
    assert.equal(second.journalMetrics()!['journal-record-possible-duplicate-total'], expected.length);
    const resent = cluster!.records('t', 0).slice(6);
    assert.deepEqual(
      resent.map((record) => record.value!.toString()),
      expected,
      'resent once more, under another producer id',
    );
    assert.ok(resent.every((record) => record.producerId !== firstId));
    assert.equal((await inspectJournal(directory)).records.pending, 0);
  });

  it('an outage longer than deliveryTimeoutMs while enqueuing: nothing lost, nothing duplicated', async () => {
    await startCluster();
    const producer = newProducer({ deliveryTimeoutMs: 1000, requestTimeoutMs: 500, circuitBreaker: false });
    await producer.enqueue({ topic: 't', partition: 0, value: 'before' });
    await producer.flush();
    await cluster!.stopBroker(1);
    const during = names('during', 30);
    for (const value of during) await producer.enqueue({ topic: 't', partition: 0, value });
    // A send() meanwhile rejects at its delivery timeout, saying that its record stays journaled.
    const sent = producer.send({ topic: 't', partition: 0, value: 'sent' });
    await assert.rejects(sent, (error: unknown) => error instanceof KafkaError && error.code === 'JOURNALED' && /stay in the journal/.test(error.message));
    // Longer than deliveryTimeoutMs since the first record of the outage.
    await new Promise((resolve) => setTimeout(resolve, 1200));
    await cluster!.startBroker(1);
    await producer.flush();
    assert.deepEqual(stored(), ['before', ...during, 'sent']);
    assert.equal(producer.journalMetrics()!['journal-record-failed-total'], 0);
    await producer.close();
    assert.equal((await inspectJournal(directory)).records.pending, 0);
  });

  it('journal.maxAgeMs: records that waited longer fail for good, are reported, dropped from the journal and never written', async () => {
    await startCluster();
    const events: JournalEvent[] = [];
    const producer = newProducer({ deliveryTimeoutMs: 1000, requestTimeoutMs: 500, circuitBreaker: false, journal: { directory, maxAgeMs: 1500 } });
    producer.on('journal', (event) => events.push(event));
    await producer.enqueue({ topic: 't', partition: 0, value: 'before' });
    await producer.flush();
    await cluster!.stopBroker(1);
    const old = names('old', 5);
    await producer.enqueue({ topic: 't', messages: old.map((value) => ({ partition: 0, value })) });
    // A send() meanwhile rejects at deliveryTimeoutMs (its record stays journaled), then its record
    // ages out with the others.
    const sent = producer.send({ topic: 't', partition: 0, value: 'sent' });
    await assert.rejects(sent, (error: unknown) => error instanceof KafkaError && error.code === 'JOURNALED');
    const failedRecords = () => events.flatMap((event) => (event.kind === 'delivery-failed' ? event.records.map((record) => record.value?.toString()) : []));
    await until(() => failedRecords().length === 6, 'the delivery-failed events of all six records');
    for (const event of events.filter((candidate) => candidate.kind === 'delivery-failed')) {
      assert.ok(event.kind === 'delivery-failed');
      assert.equal(event.error.code, 'JOURNAL_RECORD_EXPIRED');
      assert.match(event.error.message, /journal\.maxAgeMs \(1500\)/);
      assert.equal(event.error.possiblyPersisted, false, 'nothing was written while the broker was down');
    }
    assert.deepEqual(failedRecords(), [...old, 'sent']);
    assert.equal(producer.journalMetrics()!['journal-record-failed-total'], 6);
    assert.equal(producer.metrics().journal?.['journal-record-failed-total'], 6, 'metrics() carries the journal counters');
    assert.match(producer.metrics({ format: 'prometheus' }), /^kafka_producer_journal_record_failed_total\{client_id="[^"]+"\} 6$/m);
    // A record handed over after them is delivered once the broker is back; the old ones never are.
    await producer.enqueue({ topic: 't', partition: 0, value: 'after' });
    await cluster!.startBroker(1);
    await producer.flush();
    assert.deepEqual(stored(), ['before', 'after']);
    await producer.close();
    const inspection = await inspectJournal(directory);
    assert.equal(inspection.records.pending, 0);
    assert.equal(inspection.records.settled, 6);
  });

  it('journal.maxAgeMs counts a recovered record\'s wait from before the restart', async () => {
    await startCluster();
    const first = newProducer({ deliveryTimeoutMs: 1000, requestTimeoutMs: 500, circuitBreaker: false });
    await first.enqueue({ topic: 't', partition: 0, value: 'acked' });
    await first.flush();
    await cluster!.stopBroker(1);
    await first.enqueue({ topic: 't', messages: names('waiting', 3).map((value) => ({ partition: 0, value })) });
    await first.close({ timeoutMs: 0 });
    assert.equal((await inspectJournal(directory)).records.pending, 3, 'the records stay journaled across the close');
    // Longer than maxAgeMs (2000) since they were journaled.
    await new Promise((resolve) => setTimeout(resolve, 2100));
    const seen: string[] = [];
    const events: JournalEvent[] = [];
    const second = newProducer({ deliveryTimeoutMs: 1000, requestTimeoutMs: 500, circuitBreaker: false, journal: { directory, maxAgeMs: 2000 } });
    second.on('journal', (event) => {
      events.push(event);
      if (event.kind === 'delivery-failed') seen.push('recovered records expired');
    });
    // The recovered records, older than maxAgeMs already, fail as soon as the producer looks at
    // them: before a second has passed, not maxAgeMs (2 s) after the restart.
    const oneSecond = new Promise<void>((resolve) => setTimeout(resolve, 1000)).then(() => seen.push('1 s after the restart'));
    await second.connect().catch(() => undefined);
    await until(() => events.some((event) => event.kind === 'delivery-failed'), 'the delivery-failed event');
    await oneSecond;
    assert.deepEqual(seen, ['recovered records expired', '1 s after the restart']);
    const failed = events.find((event) => event.kind === 'delivery-failed');
    assert.ok(failed && failed.kind === 'delivery-failed');
    assert.equal(failed.error.code, 'JOURNAL_RECORD_EXPIRED');
    assert.deepEqual(
      failed.records.map((record) => record.value?.toString()),
      names('waiting', 3),
    );
    await cluster!.startBroker(1);
    await second.send({ topic: 't', partition: 0, value: 'new' });
    assert.deepEqual(stored(), ['acked', 'new']);
  });

  it('journal.maxAgeMs below deliveryTimeoutMs is refused, naming the option', () => {
    assert.throws(
      () => new Producer({ bootstrapServers: 'localhost:9092', deliveryTimeoutMs: 5000, journal: { directory: '/tmp/x', maxAgeMs: 1000 } }),
      (error: unknown) => error instanceof ConfigError && error.option === 'journal.maxAgeMs' && /deliveryTimeoutMs \(5000\)/.test(error.message),
    );
    assert.throws(
      () => new Producer({ bootstrapServers: 'localhost:9092', journal: { directory: '/tmp/x', maxAgeMs: -1 } }),
      (error: unknown) => error instanceof ConfigError && error.option === 'journal.maxAgeMs',
    );
  });
});
