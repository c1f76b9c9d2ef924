// Transactions under seeded chaos: a run of transactions, some committed, some aborted while their
// batches are still in flight (sent and not awaited), through lost answers, retriable errors,
// disconnects, leader moves and batches refused as too large. Every call settles; what a
// read_committed consumer sees is exactly the records of the transactions whose commit returned,
// each once, in call order per partition; nothing of an aborted transaction is committed.
// A failing seed is printed; rerun one with SOAK_SEEDS=<seed>.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Producer } from '../../src/index.js';
import { seededRandom } from '../../src/testing/faults/seeded-random.js';
import { FakeCluster } from '../../src/testing/index.js';
import { within } from '../helpers/producer-check.js';

const seeds = (process.env.SOAK_SEEDS ?? '1,2').split(',').map(Number);
const TRANSACTIONS = 60;
const RECORDS_PER_TRANSACTION = 150;
const PARTITIONS = 4;

describe('transactions under chaos', () => {
  for (const seed of seeds) {
    it(`seed ${seed}: committed transactions exactly once and in order, aborted ones never visible`, { timeout: 120_000 }, async () => {
      // Seeded, so that the choice of aborted transactions is repeatable.
      const random = seededRandom(seed);
      const cluster = new FakeCluster({ brokers: 3, topics: [{ name: 't', partitions: PARTITIONS, replicationFactor: 3 }] });
      await cluster.start();
      const producer = new Producer({
        bootstrapServers: cluster.bootstrapServers,
        transactionalId: `soak-${seed}`,
        requestTimeoutMs: 400,
        deliveryTimeoutMs: 20_000,
        maxBlockMs: 20_000,
        retryBackoffMs: 5,
        retryBackoffMaxMs: 100,
        batchSize: 2048,
        lingerMs: 1,
      });
      const chaos = cluster.chaos({ seed, dropResponseRate: 0.01, errorRate: 0.02, errorCodes: [6, 19, 7], disconnectRate: 0.01, closeAfterAppendRate: 0.01, leaderMoveEveryMs: 200 });
      const tooLarge = cluster.intercept({ api: 'Produce' }, { error: 10 }, { after: 30, times: 4 });
      const committed = new Set<string>();
      const aborted = new Set<string>();
      const outcomes: Promise<unknown>[] = [];
      let commits = 0;
      let aborts = 0;
      try {
        await producer.initTransactions();
        for (let transaction = 0; transaction < TRANSACTIONS; transaction++) {
          producer.beginTransaction();
          const values: string[] = [];
          for (let index = 0; index < RECORDS_PER_TRANSACTION; index++) {
            const value = `${transaction}.${index}`;
            values.push(value);
            // Each promise settles whatever happens; its outcome is audited through the log.
            outcomes.push(producer.send({ topic: 't', partition: index % PARTITIONS, value }).catch((error: unknown) => error));
          }
          const abortNow = random() < 0.3;
          if (abortNow) {
            // Aborted with batches in flight or waiting for a retry.
            await new Promise((resolve) => setTimeout(resolve, Math.floor(random() * 5)));
            await within(producer.abortTransaction(), 30_000, `abortTransaction() of transaction ${transaction}`);
            for (const value of values) aborted.add(value);
            aborts++;
            continue;
          }
          try {
            await within(producer.commitTransaction(), 30_000, `commitTransaction() of transaction ${transaction}`);
            for (const value of values) committed.add(value);
            commits++;
          } catch (error) {
            assert.ok(!String(error).includes('still pending'), String(error));
            // A record of it failed for good: the transaction can only be aborted.
            await within(producer.abortTransaction(), 30_000, `abortTransaction() after a failed commit of transaction ${transaction}`);
            for (const value of values) aborted.add(value);
            aborts++;
          }
        }
        await within(Promise.all(outcomes), 30_000, 'every send()');
      } finally {
        chaos.stop();
        tooLarge.remove();
        await producer.close({ timeoutMs: 0 });
        await cluster.stop();
      }
      const context = `seed ${seed} (replay with SOAK_SEEDS=${seed}): ${commits} committed, ${aborts} aborted, faults ${JSON.stringify({ ...chaos.stats, tooLarge: tooLarge.hits })}`;
      assert.ok(commits > 0 && aborts > 0, `both outcomes happened; ${context}`);
      const visible = new Set<string>();
      for (let partition = 0; partition < PARTITIONS; partition++) {
        const values = cluster
          .records('t', partition)
          .filter((record) => record.state === 'committed')
          .map((record) => record.value!.toString());
        for (const value of values) {
          assert.ok(!visible.has(value), `${value} is committed once; ${context}`);
          assert.ok(!aborted.has(value), `${value}, of an aborted transaction, is not committed; ${context}`);
          visible.add(value);
        }
        const order = values.map((value) => value.split('.').map(Number) as [number, number]);
        const sorted = [...order].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
        assert.deepEqual(order, sorted, `partition ${partition}: committed records in call order; ${context}`);
      }
      for (const value of committed) assert.ok(visible.has(value), `${value}, of a committed transaction, is committed; ${context}`);
    });
  }
});
