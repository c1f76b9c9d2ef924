// The Sender without sockets: a manual clock steps through lingering, backoff and timeouts, and
// scripted connections answer Produce requests. Checks the invariants of docs/invariants.md: one
// batch per partition per request, pipelining only after a success on the current leader, only the
// head batch resent while a partition recovers, nothing sent to a new leader while the old one has
// requests in flight, retries keeping their sequence, and every promise settled by the deadline.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MetadataCache } from '../../../src/cluster/metadata-cache.js';
import { DeliveryTimeoutError, RequestTimeoutError } from '../../../src/errors/kafka-error.js';
import { ProducerMetrics } from '../../../src/metrics/producer-metrics.js';
import type { Connection } from '../../../src/network/connection.js';
import { SingleDelivery } from '../../../src/producer/accumulator/delivery.js';
import { RecordAccumulator } from '../../../src/producer/accumulator/record-accumulator.js';
import type { BatchCompressor } from '../../../src/producer/compression.js';
import { ProducerIdentity } from '../../../src/producer/idempotence/producer-identity.js';
import { SequenceTracker } from '../../../src/producer/idempotence/sequence-tracker.js';
import { type ProducerOptions, resolveProducerOptions } from '../../../src/producer/options.js';
import type { RecordMetadata } from '../../../src/producer/producer-record.js';
import { serializeRecord } from '../../../src/producer/producer-record.js';
import { BatchSplitter } from '../../../src/producer/sender/batch-splitter.js';
import { Sender, type SenderCluster } from '../../../src/producer/sender/sender.js';
import type { ProduceRequestData, ProduceResponseData } from '../../../src/protocol/index.js';
import { readBatchHeader } from '../../../src/records/index.js';
import { ManualClock } from '../../helpers/manual-clock.js';

interface SentBatch {
  readonly partition: number;
  readonly baseSequence: number;
  readonly recordCount: number;
}

interface SentRequest {
  readonly broker: number;
  readonly batches: SentBatch[];
  settled: boolean;
  answer(codes: number | number[], baseOffset?: bigint): void;
  fail(error: Error): void;
}

class ScriptedConnection {
  inFlight = 0;
  isBlocked = false;
  readonly bytesWritten = 0;
  readonly isReady = true;
  constructor(
    readonly broker: number,
    private readonly log: SentRequest[],
  ) {}

  versionFor(): number {
    return 9;
  }

  requestAt(_api: string, _version: number, body: ProduceRequestData): Promise<ProduceResponseData> {
    this.inFlight++;
    const batches: SentBatch[] = body.topicData.flatMap((topic) =>
      topic.partitionData.map((data) => {
        const header = readBatchHeader(data.records!, 0, { verifyCrc: true });
        return { partition: data.index, baseSequence: header.baseSequence, recordCount: header.recordCount };
      }),
    );
    return new Promise((resolve, reject) => {
      const request: SentRequest = {
        broker: this.broker,
        batches,
        settled: false,
        answer: (codes, baseOffset = 0n) => {
          this.inFlight--;
          request.settled = true;
          resolve({
            throttleTimeMs: 0,
            responses: body.topicData.map((topic) => ({
              name: topic.name,
              partitionResponses: topic.partitionData.map((data, index) => ({
                index: data.index,
                errorCode: Array.isArray(codes) ? codes[index]! : codes,
                baseOffset,
                logAppendTimeMs: -1n,
                logStartOffset: 0n,
                recordErrors: [],
                errorMessage: null,
              })),
            })),
          });
        },
        fail: (error) => {
          this.inFlight--;
          request.settled = true;
          reject(error);
        },
      };
      this.log.push(request);
    });
  }
}

function setup(overrides: Partial<ProducerOptions> = {}, partitions = 1, initialLeader = 1, compressor?: BatchCompressor) {
  const clock = new ManualClock();
  const options = resolveProducerOptions({ bootstrapServers: 'broker:9092', lingerMs: 5, retryBackoffMs: 100, retryBackoffMaxMs: 100, deliveryTimeoutMs: 10_000, requestTimeoutMs: 1000, ...overrides });
  const metadata = new MetadataCache();
  const leaders = Array.from({ length: partitions }, () => initialLeader);
  const updateMetadata = () =>
    metadata.update(
      {
        brokers: [1, 2].map((nodeId) => ({ nodeId, host: `b${nodeId}`, port: 9092, rack: null })),
        controllerId: 1,
        topics: [
          {
            errorCode: 0,
            name: 't',
            isInternal: false,
            partitions: leaders.map((leader, partition) => ({ errorCode: 0, partitionIndex: partition, leaderId: leader, leaderEpoch: 0, replicaNodes: [1, 2], isrNodes: [1, 2], offlineReplicas: [] })),
          },
        ],
      },
      clock.now(),
    );
  updateMetadata();
  const requests: SentRequest[] = [];
  const connections = new Map([1, 2].map((broker) => [broker, new ScriptedConnection(broker, requests)]));
  const cluster: SenderCluster = {
    metadata,
    isMetadataStale: () => false,
    connectionIfReady: (broker: number) => connections.get(broker) as unknown as Connection,
    connectionTo: async (broker: number) => connections.get(broker) as unknown as Connection,
    reconnectDelay: () => 0,
    refreshMetadata: async () => updateMetadata(),
    anyConnection: async () => connections.get(1) as unknown as Connection,
  };
  const accumulator = new RecordAccumulator(options);
  const identity = new ProducerIdentity();
  identity.set(42n, 0);
  const sender = new Sender({
    options,
    cluster,
    accumulator,
    identity,
    sequences: new SequenceTracker(identity, false),
    transactions: undefined,
    splitter: new BatchSplitter(options, undefined),
    metrics: new ProducerMetrics({ clientId: 'test', windows: { windowMs: 30_000, samples: 2 } }),
    compressor,
    clock,
    log: () => {},
  });
  const results: (RecordMetadata | Error)[] = [];
  const send = (value: string, partition = 0): Promise<unknown> => {
    const delivery = new SingleDelivery();
    const index = results.length;
    results.push(new Error('unsettled'));
    const settled = delivery.promise.then(
      (metadata) => (results[index] = metadata),
      (error: Error) => (results[index] = error),
    );
    accumulator.append(accumulator.queueFor('t', partition), serializeRecord('t', { value }, undefined, undefined, clock.now()), delivery, 0, clock.now());
    sender.wake();
    return settled;
  };
  const moveLeader = async (partition: number, broker: number) => {
    leaders[partition] = broker;
    metadata.updateLeader('t', partition, broker, metadata.partition('t', partition)!.leaderEpoch + 1);
  };
  return { clock, sender, send, requests, results, accumulator, moveLeader };
}

describe('Sender', () => {
  it('lingers lingerMs before sending a batch that is not full', async () => {
    const { clock, send, requests } = setup();
    void send('a');
    await clock.advance(4);
    assert.equal(requests.length, 0);
    await clock.advance(1);
    assert.equal(requests.length, 1);
    assert.deepEqual(requests[0]!.batches, [{ partition: 0, baseSequence: 0, recordCount: 1 }]);
  });

  it('writes a batch compressed on the spot in the pass that finds it ready, one compressed off the event loop in a later pass', async () => {
    for (const onTheSpot of [true, false]) {
      // Sealed without compressing: what matters here is when the sender may write the batch.
      const compressor: BatchCompressor = {
        sealNow: (batch) => onTheSpot && batch.sealCompressedNow((builder) => builder.build()),
        seal: (batch) => batch.sealCompressed(async (builder) => builder.build()),
      };
      const { clock, sender, send, requests, results } = setup({ lingerMs: 0 }, 1, 1, compressor);
      const settled = send('a');
      sender.runOnce();
      assert.equal(requests.length, onTheSpot ? 1 : 0, onTheSpot ? 'written in the same pass' : 'not before the codec is done');
      await clock.advance(0);
      assert.equal(requests.length, 1);
      requests[0]!.answer(0, 7n);
      await settled;
      assert.equal((results[0] as RecordMetadata).offset, 7n);
    }
  });

  it('in a pass run on a send() call\'s stack, writes what is ready and leaves compressing off the event loop to a scheduled pass', async () => {
    let started = 0;
    const compressor: BatchCompressor = {
      sealNow: () => false,
      seal: (batch) => {
        started++;
        return batch.sealCompressed(async (builder) => builder.build());
      },
    };
    const { clock, sender, send, requests } = setup({ lingerMs: 0 }, 1, 1, compressor);
    const settled = send('a');
    sender.runNow();
    assert.equal(started, 0, 'no compression started on the caller\'s stack');
    assert.equal(requests.length, 0);
    sender.runOnce();
    assert.equal(started, 1, 'a scheduled pass starts it');
    await clock.advance(0);
    assert.equal(requests.length, 1);
    requests[0]!.answer(0);
    await settled;

    const plain = setup({ lingerMs: 0 });
    void plain.send('b');
    plain.sender.runNow();
    assert.equal(plain.requests.length, 1, 'without compression the pass writes the batch at once');
  });

  it('pipelines a partition only after a success on its leader, up to 5 requests', async () => {
    const { clock, send, requests } = setup({ batchSize: 64 });
    for (let index = 0; index < 10; index++) void send(`record-${index}`.padEnd(40, '.'));
    await clock.advance(5);
    assert.equal(requests.length, 1, 'one request until the leader has acknowledged one');
    requests[0]!.answer(0);
    await clock.advance(0);
    assert.equal(requests.length, 6, 'then up to 5 in flight');
    const sequences = requests.map((request) => request.batches[0]!.baseSequence);
    assert.deepEqual(sequences, [...sequences].sort((left, right) => left - right));
    for (const request of requests) assert.equal(request.batches.length, 1, 'one batch per partition per request');
  });

  it('after a failure resends only the head, with its sequence, after the backoff, and keeps order', async () => {
    const { clock, send, requests, results } = setup({ batchSize: 64 });
    void send('warm-up'.padEnd(40, '.'));
    await clock.advance(5);
    requests[0]!.answer(0, 0n);
    await clock.advance(0);
    for (let index = 0; index < 4; index++) void send(`r${index}`.padEnd(40, '.'));
    await clock.advance(5);
    const inFlight = requests.slice(1);
    assert.equal(inFlight.length, 4);
    inFlight[0]!.answer(6); // NOT_LEADER_OR_FOLLOWER: not appended
    for (const request of inFlight.slice(1)) request.answer(45); // the gap: OUT_OF_ORDER_SEQUENCE_NUMBER
    await clock.advance(50);
    assert.equal(requests.length, 5, 'nothing resent before the backoff');
    await clock.advance(60);
    assert.equal(requests.length, 6, 'only the head is resent');
    assert.equal(requests[5]!.batches[0]!.baseSequence, inFlight[0]!.batches[0]!.baseSequence, 'with the same sequence');
    let offset = 1n;
    for (let step = 0; step < 4; step++) {
      const request = requests[5 + step]!;
      request.answer(0, offset);
      offset += BigInt(request.batches[0]!.recordCount);
      await clock.advance(200);
    }
    const offsets = results.slice(1).map((result) => (result as RecordMetadata).offset);
    assert.deepEqual(offsets, [1n, 2n, 3n, 4n]);
  });

  it('keeps resending only the head while it waits for a retry, even when a later batch is acknowledged meanwhile', async () => {
    const { clock, send, requests, results } = setup({ batchSize: 64 });
    void send('warm-up'.padEnd(40, '.'));
    await clock.advance(5);
    requests[0]!.answer(0, 0n);
    await clock.advance(0);
    for (const name of ['a', 'b', 'c']) void send(name.padEnd(40, '.'));
    await clock.advance(5);
    assert.equal(requests.length, 4);
    // All three answers are lost (the broker wrote them): each is retried with its stamp.
    for (const request of requests.slice(1)) request.fail(new RequestTimeoutError('no answer'));
    await clock.advance(150);
    assert.equal(requests.length, 5, 'only the head is resent');
    requests[4]!.answer(0, 1n);
    await clock.advance(0);
    assert.equal(requests.length, 7, 'the head acknowledged, the partition pipelines again');
    // b is refused before append (retriable), c is recognised as a resend and acknowledged.
    requests[5]!.answer(19);
    requests[6]!.answer(0, 3n);
    for (let index = 0; index < 6; index++) void send(`later-${index}`.padEnd(40, '.'));
    await clock.advance(150);
    assert.equal(requests.length, 8, 'b goes alone: nothing behind it while it waits for its retry');
    assert.equal(requests[7]!.batches[0]!.baseSequence, requests[5]!.batches[0]!.baseSequence, 'with its sequence');
    requests[7]!.answer(0, 2n);
    await clock.advance(0);
    assert.ok(requests.length > 8, 'then the later batches go');
    for (let step = 0; step < 20 && requests.some((request) => !request.settled); step++) {
      for (const request of requests) if (!request.settled) request.answer(0, 4n + BigInt(step));
      await clock.advance(10);
    }
    assert.deepEqual(results.slice(1, 4).map((result) => (result as RecordMetadata).offset), [1n, 2n, 3n]);
  });

  it('sends nothing to a new leader while the old one has requests in flight', async () => {
    const { clock, send, requests, moveLeader } = setup({ batchSize: 64 });
    void send('first'.padEnd(40, '.'));
    await clock.advance(5);
    assert.equal(requests[0]!.broker, 1);
    await moveLeader(0, 2);
    void send('second'.padEnd(40, '.'));
    await clock.advance(10);
    assert.equal(requests.length, 1, 'held while broker 1 has the partition in flight');
    requests[0]!.answer(6);
    await clock.advance(200);
    assert.ok(requests.length >= 2);
    assert.ok(requests.slice(1).every((request) => request.broker === 2));
    assert.equal(requests[1]!.batches[0]!.baseSequence, 0, 'the failed batch goes first, same sequence');
  });

  it('retries a request that timed out with the same sequence, marking it possibly persisted', async () => {
    const { clock, send, requests, results } = setup({ deliveryTimeoutMs: 1500, requestTimeoutMs: 1000 });
    void send('lost-ack');
    await clock.advance(5);
    requests[0]!.fail(new RequestTimeoutError('no answer'));
    await clock.advance(150);
    assert.equal(requests.length, 2);
    assert.equal(requests[1]!.batches[0]!.baseSequence, 0);
    // Every resend times out too, until the delivery deadline passes.
    for (let round = 0; round < 20 && results[0] instanceof Error && results[0].message === 'unsettled'; round++) {
      for (const request of requests.slice(1)) if (!request.settled) request.fail(new RequestTimeoutError('no answer'));
      await clock.advance(150);
    }
    assert.ok(requests.length > 2);
    assert.ok(requests.every((request) => request.batches[0]!.baseSequence === 0), 'every resend keeps the sequence');
    const error = results[0];
    assert.ok(error instanceof DeliveryTimeoutError, String(error));
    assert.equal(error.possiblyPersisted, true);
  });

  it('rejects every queued record by deliveryTimeoutMs while the partition has no leader', async () => {
    const { clock, send, requests, results } = setup({ deliveryTimeoutMs: 2000 }, 1, -1);
    void send('a');
    void send('b');
    await clock.advance(1999);
    assert.equal(requests.length, 0);
    assert.ok(results.every((result) => result instanceof Error && result.message === 'unsettled'), 'not before the deadline');
    await clock.advance(1);
    assert.equal(requests.length, 0);
    for (const result of results) {
      assert.ok(result instanceof DeliveryTimeoutError, String(result));
      assert.equal(result.possiblyPersisted, false);
    }
  });
});
