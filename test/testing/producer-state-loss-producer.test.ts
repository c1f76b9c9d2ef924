// This package's Producer against FakeCluster's realistic producer-state losses: after the log is
// truncated and the state rebuilt from it, or after the producer id expired, the producer's next
// batch carries the next sequence, the broker (having no state) accepts it, and nothing is lost,
// duplicated or reordered.
import * as assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { Producer } from '../../src/index.js';
import { FakeCluster } from '../../src/testing/index.js';

let cluster: FakeCluster;
let producer: Producer;

beforeEach(async () => {
  cluster = new FakeCluster({ brokers: 1, topics: [{ name: 't', partitions: 1, replicationFactor: 1 }] });
  await cluster.start();
  producer = new Producer({ bootstrapServers: cluster.bootstrapServers, retryBackoffMs: 10, requestTimeoutMs: 2000, deliveryTimeoutMs: 10_000 });
});
afterEach(async () => {
  await producer.close({ timeoutMs: 0 });
  await cluster.stop();
  assert.deepEqual(cluster.serverErrors, []);
});

/** Sends `count` records one after the other (each acknowledged before the next). */
async function sendSequentially(prefix: string, count: number): Promise<void> {
  for (let index = 0; index < count; index++) await producer.send({ topic: 't', partition: 0, value: `${prefix}-${index}` });
}

function stored(): { value: string; sequence: number }[] {
  return cluster.records('t', 0).map((record) => ({ value: record.value!.toString(), sequence: record.sequence }));
}

const names = (prefix: string, count: number) => Array.from({ length: count }, (_, index) => `${prefix}-${index}`);

describe('Producer after a realistic producer-state loss', () => {
  it('continues its sequence after the log is truncated and the state rebuilt', async () => {
    await sendSequentially('before', 10);
    cluster.deleteRecords('t', 0);
    cluster.rebuildProducerState('t', 0);
    await sendSequentially('after', 10);
    assert.deepEqual(
      stored(),
      names('after', 10).map((value, index) => ({ value, sequence: 10 + index })),
      'accepted at sequence 10 although the broker had no state',
    );
  });

  it('continues its sequence after its producer id expired', async () => {
    await sendSequentially('before', 10);
    assert.equal(cluster.expireProducerIds().length, 1);
    await sendSequentially('after', 10);
    assert.deepEqual(
      stored(),
      [...names('before', 10), ...names('after', 10)].map((value, index) => ({ value, sequence: index })),
    );
  });
});
