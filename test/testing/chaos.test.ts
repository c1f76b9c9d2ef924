// FakeCluster's seeded chaos mode over raw sockets: the same seed and the same request sequence give
// the same faults, answers and stored records; another seed gives others; only the chosen APIs are
// touched; timed leader moves follow the seed; stop() ends it all.
import * as assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ChaosOptions } from '../../src/testing/index.js';
import { Fixture } from './fixture.js';
import { buildBatch, produceBody, type RawClient, values } from './raw-client.js';

const REQUESTS = 60;
let fixture: Fixture | undefined;
afterEach(async () => {
  await fixture?.stop();
  fixture = undefined;
});

const rates: Omit<ChaosOptions, 'seed'> = { dropResponseRate: 0.08, errorRate: 0.2, disconnectRate: 0.05, closeAfterAppendRate: 0.05 };

/** Sends REQUESTS two-partition Produce requests one after the other, reconnecting when needed. */
async function scenario(seed: number) {
  fixture = await Fixture.start({ brokers: 1, topics: [{ name: 't', partitions: 2, replicationFactor: 1 }] });
  const chaos = fixture.cluster.chaos({ seed, ...rates });
  let client: RawClient = await fixture.connect(1);
  const outcomes: string[] = [];
  for (let index = 0; index < REQUESTS; index++) {
    const request = produceBody('t', 0, await buildBatch(values(`r${index}-p0`)));
    request.topicData[0]!.partitionData.push({ index: 1, records: await buildBatch(values(`r${index}-p1`)) });
    try {
      const response = await client.request('Produce', 9, request, { timeoutMs: 400 });
      outcomes.push(response.responses[0]!.partitionResponses.map((partition) => `${partition.errorCode}@${partition.baseOffset}`).join(','));
    } catch (error) {
      outcomes.push((error as Error).message.includes('timed out') ? 'no answer' : 'closed');
      client.close();
      client = await fixture.connect(1);
    }
  }
  const stored = [0, 1].map((partition) => fixture!.cluster.records('t', partition).map((record) => record.value!.toString()));
  const result = { outcomes, events: [...chaos.events], stats: { ...chaos.stats }, stored };
  chaos.stop();
  await fixture.stop();
  fixture = undefined;
  return result;
}

describe('chaos', () => {
  it('injects the same faults for the same seed and request sequence', async () => {
    const first = await scenario(1234);
    const second = await scenario(1234);
    assert.deepEqual(second, first);
    assert.equal(first.stats.requests, REQUESTS);
    for (const kind of ['droppedResponses', 'errors', 'disconnects', 'closedAfterAppend'] as const) {
      assert.ok(first.stats[kind] > 0, `some ${kind} at these rates (${JSON.stringify(first.stats)})`);
    }
    assert.equal(first.outcomes.filter((outcome) => outcome === 'no answer').length, first.stats.droppedResponses);
    assert.ok(first.events.filter((event) => event.fault === 'error').every((event) => [6, 19, 7].includes(event.errorCode!)));
    const other = await scenario(99);
    assert.notDeepEqual(other.events, first.events);
  });

  it('applies to the chosen APIs only, and stops', async () => {
    fixture = await Fixture.start({ brokers: 1, topics: [{ name: 't', partitions: 1, replicationFactor: 1 }] });
    const client = await fixture.connect(1);
    const chaos = fixture.cluster.chaos({ seed: 7, errorRate: 1, errorCodes: [5], apis: ['Metadata'] });
    const metadata = await client.request('Metadata', 9, { topics: [{ name: 't' }] });
    assert.equal(metadata.topics[0]!.errorCode, 5);
    const produced = await client.request('Produce', 9, produceBody('t', 0, await buildBatch(values('untouched'))));
    assert.equal(produced.responses[0]!.partitionResponses[0]!.errorCode, 0);
    chaos.stop();
    assert.equal((await client.request('Metadata', 9, { topics: [{ name: 't' }] })).topics[0]!.errorCode, 0);
    assert.deepEqual(chaos.stats, { requests: 1, droppedResponses: 0, errors: 1, disconnects: 0, closedAfterAppend: 0, leaderMoves: 0 });
    assert.throws(() => fixture!.cluster.chaos({ seed: 1, errorRate: 2 }), /errorRate must be in \[0, 1\]/);
  });

  it('moves leaders on a timer, in an order fixed by the seed', async () => {
    const moves = async () => {
      fixture = await Fixture.start({ brokers: 3, topics: [{ name: 't', partitions: 6, replicationFactor: 3 }] });
      const chaos = fixture.cluster.chaos({ seed: 5, leaderMoveEveryMs: 10 });
      for (let waited = 0; chaos.stats.leaderMoves < 4 && waited < 2000; waited += 20) await sleep(20);
      chaos.stop();
      const epochs = [0, 1, 2, 3, 4, 5].map((partition) => fixture!.cluster.describePartition('t', partition).leaderEpoch);
      const events = chaos.events.slice(0, 4);
      await fixture.stop();
      fixture = undefined;
      return { events, epochsTotal: epochs.reduce((sum, epoch) => sum + epoch, 0), moved: chaos.stats.leaderMoves };
    };
    const first = await moves();
    const second = await moves();
    assert.ok(first.moved >= 4);
    assert.equal(first.epochsTotal, first.moved, 'each move bumps one leader epoch');
    assert.deepEqual(second.events, first.events);
  });
});
