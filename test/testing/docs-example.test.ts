// The runnable example of docs/testing.md, compiled and run here so it cannot rot; a second test
// checks that the documentation shows exactly this code (between the example markers).
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { FakeCluster } from '../../src/testing/index.js';

describe('docs/testing.md example', () => {
  it('runs', async () => {
    // example:start
    // The code under test: a service function that publishes an order event.
    async function placeOrder(producer: Producer, order: { id: string; total: number }): Promise<void> {
      await producer.send({
        topic: 'orders',
        messages: [{ key: order.id, value: JSON.stringify(order), headers: { source: 'checkout' } }],
      });
    }

    const cluster = new FakeCluster({ brokers: 3, topics: [{ name: 'orders', partitions: 3 }] });
    await cluster.start();
    const kafka = new Kafka({
      clientId: 'checkout',
      brokers: cluster.bootstrapServers.split(','),
      logLevel: logLevel.NOTHING,
      retry: { initialRetryTime: 50, retries: 5 },
    });
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    try {
      // The happy path: look at what the cluster stored.
      await placeOrder(producer, { id: 'order-1', total: 42 });
      const partition = [0, 1, 2].find((index) => cluster.records('orders', index).length > 0)!;
      const [stored] = cluster.records('orders', partition);
      assert.equal(stored!.key?.toString(), 'order-1');
      assert.equal(stored!.headers[0]?.[1]?.toString(), 'checkout');

      // The leader refuses twice (NOT_ENOUGH_REPLICAS): the client must retry, without loss or duplicate.
      const refusal = cluster.intercept({ api: 'Produce', topic: 'orders' }, { error: 19 }, { times: 2 });
      await placeOrder(producer, { id: 'order-1', total: 43 });
      assert.equal(refusal.hits, 2);

      // The leader moves to another broker: the client must follow it.
      cluster.moveLeader('orders', partition, (cluster.leader('orders', partition) % 3) + 1);
      await placeOrder(producer, { id: 'order-1', total: 44 });

      const totals = cluster.records('orders', partition).map((record) => JSON.parse(record.value!.toString()).total);
      assert.deepEqual(totals, [42, 43, 44]);
    } finally {
      await producer.disconnect();
      await cluster.stop();
    }
    // example:end
  });

  it('is the code docs/testing.md shows', () => {
    const source = readFileSync(resolve('test/testing/docs-example.test.ts'), 'utf8');
    const region = dedent(between(source, '// example:start\n', '    // example:end'));
    const documentation = readFileSync(resolve('docs/testing.md'), 'utf8');
    const shown = between(documentation, "import { FakeCluster } from 'kafka-producer/testing';\n\n", '```');
    assert.equal(shown, region);
  });
});

function between(text: string, start: string, end: string): string {
  const from = text.indexOf(start);
  assert.ok(from >= 0, `marker ${JSON.stringify(start)} present`);
  const to = text.indexOf(end, from + start.length);
  assert.ok(to >= 0, `marker ${JSON.stringify(end)} present`);
  return text.slice(from + start.length, to);
}

function dedent(text: string): string {
  return text
    .split('\n')
    .map((line) => line.slice(Math.min(4, line.length - line.trimStart().length)))
    .join('\n');
}
