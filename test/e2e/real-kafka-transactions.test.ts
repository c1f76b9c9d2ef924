// Transactions on a real Apache Kafka 4.x cluster (3 KRaft nodes), read back by kcat with
// read_committed: offsets committed to a real consumer group with the transaction (checked on the
// group coordinator with OffsetFetch), the transaction coordinator killed mid-transaction, a
// producer fenced by a second one with the same transactional id, and a transaction left open past
// transactionTimeoutMs, which the coordinator aborts.
import * as assert from 'node:assert/strict';
import { it } from 'node:test';
import { KafkaError, Producer, ProducerFencedError, type ProducerOptions } from '../../src/index.js';
import { within } from '../helpers/producer-check.js';
import type { KafkaAdmin } from '../kafka/admin.js';
import { Ledger, readWithKcat } from './read-back.js';
import { describeWithCluster, KAFKA_4, realKafkaSkip, uniqueTopic } from './real-cluster-suite.js';

const skip = await realKafkaSkip();
const PARTITIONS = [0, 1, 2];

// Why the killed-coordinator test is expected to fail for now (see test/integration/coordinator-failover.test.ts).
// The coordinator looks for transactions past their timeout every second (the default is a minute).
const properties = { 'transaction.abort.timed.out.transaction.cleanup.interval.ms': 1000 };

describeWithCluster(`Apache Kafka ${KAFKA_4}, 3 nodes: transactions`, { version: KAFKA_4, nodes: 3, properties }, skip, (cluster) => {
  function transactional(name: string, options: Partial<ProducerOptions> = {}): Producer {
    return new Producer({ bootstrapServers: cluster().bootstrapServers, clientId: `e2e-${name}`, transactionalId: `e2e-${name}-${process.pid}`, ...options });
  }

  // Sends records `from` to `to` (exclusive) of `ledger` over the partitions, in number order.
  function sendRange(producer: Producer, ledger: Ledger, topic: string, from: number, to: number): Promise<void>[] {
    const sends: Promise<void>[] = [];
    for (let number = from; number < to; number++) sends.push(ledger.track(number, producer.send({ topic, partition: number % PARTITIONS.length, value: ledger.value(number) })));
    return sends;
  }

  // Waits until no transaction is open on any partition of `topic` (last stable offset = log end).
  async function noOpenTransaction(admin: KafkaAdmin, topic: string): Promise<void> {
    await admin.waitUntil(`no open transaction on ${topic}`, async () => [...(await admin.stableAndEndOffsets(topic, PARTITIONS)).values()].every((entry) => entry.stable === entry.end), 120_000);
  }

  // The error `promise` rejects with (failing the test when it resolves or rejects with something else).
  async function failure(promise: Promise<unknown>): Promise<KafkaError> {
    const error = await within(
      promise.then(
        () => assert.fail('the call must fail'),
        (rejection: unknown) => rejection,
      ),
      90_000,
      'the call',
    );
    assert.ok(error instanceof KafkaError, String(error));
    return error;
  }

  async function newTopic(name: string): Promise<string> {
    const topic = uniqueTopic(name);
    const admin = cluster().admin();
    try {
      await admin.createTopic(topic, { partitions: PARTITIONS.length, replicationFactor: 3 });
    } finally {
      admin.close();
    }
    return topic;
  }

  it('commits consumer offsets to a real group with the transaction, and not with an aborted one', { timeout: 120_000 }, async () => {
    const real = cluster();
    const input = await newTopic('offsets-input');
    const output = await newTopic('offsets-output');
    const group = `e2e-group-${process.pid}`;
    const committed = new Ledger('offsets-committed');
    const aborted = new Ledger('offsets-aborted');
    const producer = transactional('offsets');
    const admin = real.admin();
    try {
      await producer.initTransactions();
      await producer.transaction(async (tx) => {
        await Promise.all(sendRange(tx, committed, output, 0, 30));
        await tx.sendOffsetsToTransaction(
          [
            { topic: input, partition: 0, offset: 10n },
            { topic: input, partition: 1, offset: 20n },
          ],
          group,
        );
      });
      assert.deepEqual(await admin.committedOffsets(group, input, [0, 1, 2]), new Map([[0, 10n], [1, 20n], [2, -1n]]), 'the commit stored the offsets');

      producer.beginTransaction();
      await Promise.all(sendRange(producer, aborted, output, 0, 30));
      await producer.sendOffsetsToTransaction([{ topic: input, partition: 0, offset: 99n }], group);
      await producer.abortTransaction();
      assert.deepEqual(await admin.committedOffsets(group, input, [0, 1]), new Map([[0, 10n], [1, 20n]]), 'the abort dropped its offsets');

      await producer.transaction(async (tx) => {
        await Promise.all(sendRange(tx, committed, output, 30, 60));
        await tx.sendOffsetsToTransaction([{ topic: input, partition: 0, offset: 15n, metadata: 'third' }], group);
      });
      assert.deepEqual(await admin.committedOffsets(group, input, [0, 1]), new Map([[0, 15n], [1, 20n]]));
      // The commit is answered before its markers are written: read once they are.
      await noOpenTransaction(admin, output);
    } finally {
      await producer.close();
      admin.close();
    }
    const stored = await readWithKcat(real.bootstrapServers, output, true);
    assert.equal(committed.assertStored(stored).acknowledged, 60);
    aborted.assertNoneStored(stored);
  });

  it('ends a transaction whose coordinator was killed (SIGKILL) committed or aborted as a whole, never half-visible', { timeout: 240_000 }, async () => {
    const real = cluster();
    const topic = await newTopic('coordinator-kill');
    const producer = transactional('coordinator-kill', { transactionTimeoutMs: 30_000, maxBlockMs: 30_000 });
    const ledger = new Ledger('coordinator-kill');
    const admin = real.admin();
    let coordinator = -1;
    let outcome: 'committed' | 'aborted' | undefined;
    const errors: string[] = [];
    try {
      await producer.initTransactions();
      coordinator = await admin.coordinator(`e2e-coordinator-kill-${process.pid}`, 'transaction');
      producer.beginTransaction();
      await Promise.all(sendRange(producer, ledger, topic, 0, 300));
      await real.kill(coordinator);
      const late = sendRange(producer, ledger, topic, 300, 600);
      try {
        await within(producer.commitTransaction(), 150_000, 'the commit');
        outcome = 'committed';
      } catch (error) {
        errors.push(`commit: ${String(error)}`);
        // A commit without an answer may have happened: commit again once the coordinator is back;
        // a refused one leaves only the abort.
        await real.restart(coordinator);
        if (error instanceof KafkaError && error.code === 'TRANSACTION_ABORTABLE') {
          await producer.abortTransaction();
          outcome = 'aborted';
        } else {
          await producer.commitTransaction();
          outcome = 'committed';
        }
      }
      await Promise.all(late);
    } finally {
      await producer.close();
    }
    try {
      if (!real.isRunning(coordinator)) await real.restart(coordinator);
      await noOpenTransaction(admin, topic);
    } finally {
      admin.close();
    }
    const stored = await readWithKcat(real.bootstrapServers, topic, true);
    if (outcome === 'committed') assert.equal(ledger.assertStored(stored).acknowledged, 600, `every record committed (${errors.join('; ')})`);
    else ledger.assertNoneStored(stored);
  });

  it('fences a producer when another starts with the same transactional id: ProducerFencedError, none of its open transaction visible', { timeout: 120_000 }, async () => {
    const real = cluster();
    const topic = await newTopic('fencing');
    const first = transactional('fencing');
    const second = transactional('fencing');
    const fenced = new Ledger('fencing-first');
    const taken = new Ledger('fencing-second');
    const admin = real.admin();
    try {
      await first.initTransactions();
      first.beginTransaction();
      await Promise.all(sendRange(first, fenced, topic, 0, 60));
      await second.initTransactions(); // aborts the first producer's open transaction
      const commit = await failure(first.commitTransaction());
      assert.ok(commit instanceof ProducerFencedError, `the fenced commit fails with ProducerFencedError: ${String(commit)}`);
      assert.ok((await failure(first.send({ topic, value: 'after fencing' }))) instanceof ProducerFencedError, 'a fenced producer refuses later sends');
      await second.transaction(async (tx) => {
        await Promise.all(sendRange(tx, taken, topic, 0, 60));
      });
      await noOpenTransaction(admin, topic);
    } finally {
      await first.close();
      await second.close();
      admin.close();
    }
    const stored = await readWithKcat(real.bootstrapServers, topic, true);
    fenced.assertNoneStored(stored);
    assert.equal(taken.assertStored(stored).acknowledged, 60);
  });

  // Past its timeout the coordinator aborts the transaction and bumps the producer epoch. What the
  // producer hears depends on its next request; either way it is told, and the records stay invisible.
  // Kafka 4.x runs transactions v2: the coordinator that aborts a timed-out transaction bumps the
  // epoch, and recognises the producer's EndTxn(abort) under the old epoch as that abort, answering
  // with the new epoch. The producer is not fenced: it aborts, and goes on under the new epoch (with
  // the first protocol it would be fenced for good, as Java's producer is).
  async function nextTransactionCommits(producer: Producer, topic: string): Promise<void> {
    await producer.transaction(async (tx) => {
      await tx.send({ topic, partition: 0, value: 'next-transaction' });
    });
  }

  // A transaction whose 30 records are written and then left open until the coordinator aborts it
  // (transactionTimeoutMs 3 s); `afterTimeout` checks what the producer says then and must end with
  // the abort. The next transaction commits, and it is all a read_committed reader sees.
  async function afterTransactionTimeout(
    name: string,
    afterTimeout: (producer: Producer, expired: Ledger, topic: string) => Promise<void>,
  ): Promise<void> {
    const real = cluster();
    const topic = await newTopic(name);
    const producer = transactional(name, { transactionTimeoutMs: 3000 });
    const expired = new Ledger(name);
    const admin = real.admin();
    try {
      await producer.initTransactions();
      producer.beginTransaction();
      await Promise.all(sendRange(producer, expired, topic, 0, 30));
      // The records are in the log and the transaction open, until the coordinator aborts it.
      await noOpenTransaction(admin, topic);
      await afterTimeout(producer, expired, topic);
      await nextTransactionCommits(producer, topic);
    } finally {
      await producer.close();
      admin.close();
    }
    const committed = await readWithKcat(real.bootstrapServers, topic, true);
    expired.assertNoneStored(committed);
    assert.deepEqual(
      committed.map((record) => record.value),
      ['next-transaction'],
    );
  }

  it('a transaction the coordinator aborted after transactionTimeoutMs: the commit is refused saying why, the abort ends it, the next transaction commits', { timeout: 120_000 }, async () => {
    await afterTransactionTimeout('txn-timeout-commit', async (producer) => {
      const commit = await failure(producer.commitTransaction());
      assert.equal(commit.brokerErrorName, 'INVALID_TXN_STATE', String(commit));
      assert.match(commit.message, /transactionTimeoutMs/);
      assert.match(commit.message, /abortTransaction\(\)/);
      await producer.abortTransaction();
    });
  });

  it('a transaction the coordinator aborted after transactionTimeoutMs: the next sends fail with INVALID_PRODUCER_EPOCH, the commit is refused, the abort ends it, the next transaction commits', { timeout: 120_000 }, async () => {
    await afterTransactionTimeout('txn-timeout-send', async (producer, expired, topic) => {
      await Promise.all(sendRange(producer, expired, topic, 30, 33));
      assert.equal(expired.rejections.size, 3, 'the sends after the abort fail');
      for (const error of expired.rejections.values()) {
        assert.equal(error.brokerErrorName, 'INVALID_PRODUCER_EPOCH', String(error));
        assert.equal(error.possiblyPersisted, false);
      }
      const commit = await failure(producer.commitTransaction());
      assert.equal(commit.code, 'TRANSACTION_ABORTABLE', String(commit));
      assert.match(commit.message, /INVALID_PRODUCER_EPOCH/);
      await producer.abortTransaction();
    });
  });
});
