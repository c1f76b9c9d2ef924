// The Connection's SASL re-authentication (KIP-368) against FakeCluster over real sockets: the delay
// before a renewal lies between 85% and 95% of the session lifetime; requests sent while a renewal
// is due are held, then written in their order on the same socket, and answered in that order.
import * as assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Connection } from '../../../src/network/connection.js';
import { reauthenticationDelay } from '../../../src/network/sasl/reauthentication.js';
import { FakeCluster } from '../../../src/testing/index.js';

describe('reauthenticationDelay', () => {
  it('picks a point between 85% and 95% of the lifetime', () => {
    assert.equal(reauthenticationDelay(1000, () => 0), 850);
    assert.equal(reauthenticationDelay(1000, () => 0.5), 900);
    assert.equal(reauthenticationDelay(1000, () => 0.999_999), 949);
    for (let index = 0; index < 100; index++) {
      const delay = reauthenticationDelay(10_000);
      assert.ok(delay >= 8500 && delay < 9500, String(delay));
    }
  });
});

describe('Connection re-authentication', () => {
  const clusters: FakeCluster[] = [];
  after(async () => {
    for (const cluster of clusters) await cluster.stop();
  });

  it('renews its session on the same socket while requests flow, answering them in order', async () => {
    const cluster = new FakeCluster({ brokers: 1, sasl: { mechanisms: ['SCRAM-SHA-256'], users: { alice: 'secret' }, sessionLifetimeMs: 500 } });
    clusters.push(cluster);
    await cluster.start();
    const [host, port] = cluster.brokerAddresses()[0]!.split(':') as [string, string];
    const connection = new Connection({
      host,
      port: Number(port),
      clientId: 'test',
      connectTimeoutMs: 2000,
      requestTimeoutMs: 2000,
      sasl: { mechanism: 'scram-sha-256', username: 'alice', password: 'secret' },
    });
    await connection.connect();
    const body = { transactionalId: null, transactionTimeoutMs: 1000, producerId: -1n, producerEpoch: -1 };
    const answers: Promise<bigint>[] = [];
    // About a second of requests, a few at a time: renewals fall between and among them.
    for (let round = 0; round < 50; round++) {
      for (let index = 0; index < 3; index++) answers.push(connection.request('InitProducerId', body).then((answer) => answer.producerId));
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const ids = await Promise.all(answers);
    // The broker hands out producer ids in the order it handles the requests.
    for (let index = 1; index < ids.length; index++) assert.ok(ids[index]! > ids[index - 1]!, `answer ${index} out of order: ${ids.join(', ')}`);
    assert.ok(connection.reauthentications >= 1, `renewals: ${connection.reauthentications}`);
    assert.ok(!connection.isClosed);
    assert.equal(cluster.saslExpiredSessions(), 0);
    assert.equal(cluster.saslAuthentications().filter((attempt) => attempt.reauthentication && attempt.succeeded).length, connection.reauthentications);
    connection.close();
  });
});
