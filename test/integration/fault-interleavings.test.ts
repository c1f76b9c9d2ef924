// A property over random interleavings of sends and faults against FakeCluster: lost answers on
// pipelined requests, batches refused as too large (split), retriable and final refusals, the
// broker losing the producer's state as a real one does (its batches deleted, the state rebuilt
// from what is left), and event-loop stalls longer than requestTimeoutMs. Whatever the
// interleaving: every promise settles; nothing is stored twice; every acknowledged record still in
// the log is there once, at the offset its promise gave; a record rejected as not written is not
// stored; each partition stores records in call order (unless the state was lost while batches
// were in flight, after which no client can keep the order: see docs/delivery-guarantees.md).
//
// The cases come from a fixed seed (FAULT_SEED overrides it), so a run is repeatable.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { type KafkaError, Producer, type RecordMetadata } from '../../src/index.js';
import { FakeCluster } from '../../src/testing/index.js';
import { blockEventLoop } from '../helpers/event-loop.js';
import { sleep, within } from '../helpers/producer-check.js';

const PARTITIONS = 2;
const REQUEST_TIMEOUT_MS = 200;
const DELIVERY_TIMEOUT_MS = 3000;
/** Every promise must have settled this long after the last send (delivery timeout plus one request timeout, and slack). */
const SETTLE_LIMIT_MS = DELIVERY_TIMEOUT_MS + REQUEST_TIMEOUT_MS + 3000;

type Step =
  | { readonly kind: 'send'; readonly partition: number; readonly records: number }
  | { readonly kind: 'lose-responses' | 'too-large' | 'not-enough-replicas' | 'invalid-record'; readonly partition: number }
  | { readonly kind: 'lose-producer-state'; readonly partition: number }
  | { readonly kind: 'stall' }
  | { readonly kind: 'pause'; readonly ms: number };

const partition = fc.integer({ min: 0, max: PARTITIONS - 1 });
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('send' as const), partition, records: fc.integer({ min: 1, max: 4 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('lose-responses' as const), partition }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('too-large' as const), partition }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('not-enough-replicas' as const), partition }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('invalid-record' as const), partition }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('lose-producer-state' as const), partition }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'stall' as const }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('pause' as const), ms: fc.integer({ min: 0, max: 30 }) }) },
);

interface Sent {
  readonly partition: number;
  readonly value: string;
  outcome?: { readonly metadata: RecordMetadata } | { readonly error: KafkaError };
}

async function runCase(steps: readonly Step[]): Promise<void> {
  const cluster = new FakeCluster({ brokers: 1, topics: [{ name: 't', partitions: PARTITIONS, replicationFactor: 1 }] });
  await cluster.start();
  // Three 250-byte values fill a batch, so a send of several records spans batches.
  const producer = new Producer({
    bootstrapServers: cluster.bootstrapServers,
    batchSize: 1000,
    lingerMs: 0,
    requestTimeoutMs: REQUEST_TIMEOUT_MS,
    deliveryTimeoutMs: DELIVERY_TIMEOUT_MS,
    retryBackoffMs: 5,
    retryBackoffMaxMs: 40,
  });
  const sent: Sent[] = [];
  const stateLost = new Set<number>();
  const settling: Promise<void>[] = [];
  try {
    for (let index = 0; index < PARTITIONS; index++) await producer.send({ topic: 't', partition: index, value: `warm-up-${index}` });
    const match = (on: number) => ({ api: 'Produce' as const, topic: 't', partition: on });
    for (const current of steps) {
      switch (current.kind) {
        case 'send': {
          const records = Array.from({ length: current.records }, () => {
            const record: Sent = { partition: current.partition, value: `${current.partition}:${String(sent.length).padStart(4, '0')}-${'x'.repeat(240)}` };
            sent.push(record);
            return record;
          });
          const promise = producer.send({ topic: 't', messages: records.map((record) => ({ partition: record.partition, value: record.value })) });
          settling.push(
            promise.then(
              (metadata) => {
                metadata.forEach((entry, position) => {
                  records[position]!.outcome = { metadata: entry };
                });
              },
              (error: unknown) => {
                for (const record of records) record.outcome = { error: error as KafkaError };
              },
            ),
          );
          break;
        }
        case 'lose-responses':
          cluster.intercept(match(current.partition), { loseResponses: true }, { times: 1 });
          break;
        case 'too-large':
          cluster.intercept(match(current.partition), { error: 10 }, { times: 1 });
          break;
        case 'not-enough-replicas':
          cluster.intercept(match(current.partition), { error: 19 }, { times: 1 });
          break;
        case 'invalid-record':
          cluster.intercept(match(current.partition), { error: 87 }, { times: 1 });
          break;
        case 'lose-producer-state':
          cluster.deleteRecords('t', current.partition);
          cluster.rebuildProducerState('t', current.partition);
          stateLost.add(current.partition);
          break;
        case 'stall':
          blockEventLoop(REQUEST_TIMEOUT_MS + 100);
          break;
        case 'pause':
          await sleep(current.ms);
          break;
      }
    }
    await within(Promise.all(settling), SETTLE_LIMIT_MS, 'a send()');
    check(cluster, sent, stateLost);
  } finally {
    await producer.close({ timeoutMs: 0 });
    await cluster.stop();
  }
}

function check(cluster: FakeCluster, sent: readonly Sent[], stateLost: ReadonlySet<number>): void {
  const logs = Array.from({ length: PARTITIONS }, (_, index) => {
    const records = cluster.records('t', index).filter((record) => !record.value?.toString().startsWith('warm-up'));
    const values = records.map((record) => record.value!.toString());
    assert.equal(new Set(values).size, values.length, `partition ${index}: nothing stored twice`);
    if (!stateLost.has(index)) {
      const order = values.map((value) => value.slice(0, value.indexOf('-')));
      assert.deepEqual(order, [...order].sort(), `partition ${index}: stored in call order`);
    }
    return { start: cluster.logStartOffset('t', index), byOffset: new Map(records.map((record) => [record.offset, record.value!.toString()])), values: new Set(values) };
  });
  for (const record of sent) {
    const outcome = record.outcome!;
    const log = logs[record.partition]!;
    if ('metadata' in outcome) {
      if (outcome.metadata.offset >= log.start) assert.equal(log.byOffset.get(outcome.metadata.offset), record.value, 'an acknowledged record is stored at its offset');
    } else if (!outcome.error.possiblyPersisted) {
      assert.ok(!log.values.has(record.value), `a record rejected as not written is not stored: ${outcome.error.message}`);
    }
  }
}

describe('random interleavings of sends and faults', () => {
  it('keep every record exactly once, in order, or rejected with what happened', async () => {
    const seed = Number(process.env.FAULT_SEED ?? 20_261_207);
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 4, maxLength: 24 }), (steps) => runCase(steps)),
      { seed, numRuns: 40, endOnFailure: true, includeErrorInReport: true },
    );
  });
});
