// The Connection reads time and sets its timers only through its clock: on a manual clock, over real
// sockets to FakeCluster, the request timeout, the connect timeout and the SASL session renewal
// (KIP-368) happen when the clock is moved, and not before. Each deadline is minutes long, so a
// timer left on the system clock would make its test time out.
import * as assert from 'node:assert/strict';
import { type AddressInfo, createServer, type Server } from 'node:net';
import { after, describe, it } from 'node:test';
import { ConnectionError, RequestNotSentError, RequestTimeoutError } from '../../../src/errors/kafka-error.js';
import { Connection, type ConnectionConfig } from '../../../src/network/connection.js';
import { FakeCluster, type FakeClusterOptions } from '../../../src/testing/index.js';
import { ManualClock } from '../../helpers/manual-clock.js';

const MINUTE = 60_000;
const initProducerIdBody = { transactionalId: null, transactionTimeoutMs: 1000, producerId: -1n, producerEpoch: -1 };

const clusters: FakeCluster[] = [];
const servers: Server[] = [];
after(async () => {
  for (const cluster of clusters) await cluster.stop();
  for (const server of servers) server.close();
});

async function startCluster(options: FakeClusterOptions = {}): Promise<{ cluster: FakeCluster; host: string; port: number }> {
  const cluster = new FakeCluster({ brokers: 1, ...options });
  clusters.push(cluster);
  await cluster.start();
  const [host, port] = cluster.brokerAddresses()[0]!.split(':') as [string, string];
  return { cluster, host, port: Number(port) };
}

function connectionOn(clock: ManualClock, host: string, port: number, extra: Partial<ConnectionConfig> = {}): Connection {
  return new Connection({ host, port, clientId: 'test', connectTimeoutMs: MINUTE, requestTimeoutMs: MINUTE, clock, ...extra });
}

/** Tracks how `promise` settles: `outcome` is undefined until it does, then the value or the error. */
function settled(promise: Promise<unknown>): { outcome: unknown; done: Promise<unknown> } {
  const tracker: { outcome: unknown; done: Promise<unknown> } = { outcome: undefined, done: Promise.resolve() };
  tracker.done = promise.then(
    (value) => (tracker.outcome = value ?? 'settled'),
    (error: unknown) => (tracker.outcome = error),
  );
  return tracker;
}

/** Waits (a bounded number of real turns) for `condition`, while a request or renewal crosses the sockets. */
async function until(condition: () => boolean, what: string): Promise<void> {
  for (let round = 0; round < 500 && !condition(); round++) await new Promise((resolve) => setTimeout(resolve, 10));
  assert.ok(condition(), what);
}

describe('Connection on an injected clock', () => {
  it('times a request out when the clock passes its deadline, and not a millisecond before', { timeout: 30_000 }, async () => {
    const { cluster, host, port } = await startCluster();
    const clock = new ManualClock();
    const connection = connectionOn(clock, host, port);
    await connection.connect();
    cluster.pauseReading(cluster.brokerIds[0]!);
    const request = settled(connection.request('InitProducerId', initProducerIdBody));
    await clock.advance(MINUTE - 1);
    assert.equal(request.outcome, undefined);
    assert.equal(connection.isClosed, false);
    await clock.advance(1);
    const outcome = await request.done;
    assert.ok(outcome instanceof RequestTimeoutError, String(outcome));
    assert.match(outcome.message, /got no response within 60000 ms$/);
    assert.equal(connection.isClosed, true);
    await assert.rejects(connection.request('InitProducerId', initProducerIdBody), RequestNotSentError);
    cluster.resumeReading(cluster.brokerIds[0]!);
  });

  it('gives up opening a connection when the clock passes the connect timeout', { timeout: 30_000 }, async () => {
    // A TCP listener that never speaks TLS: the TLS handshake never completes.
    const silent = createServer((socket) => socket.on('error', () => {}));
    servers.push(silent);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const clock = new ManualClock();
    const connection = connectionOn(clock, '127.0.0.1', (silent.address() as AddressInfo).port, { ssl: { rejectUnauthorized: false } });
    const connecting = settled(connection.connect());
    await clock.advance(MINUTE - 1);
    assert.equal(connecting.outcome, undefined);
    await clock.advance(1);
    const outcome = await connecting.done;
    assert.ok(outcome instanceof ConnectionError, String(outcome));
    assert.match(outcome.message, /timed out after 60000 ms \(connectTimeoutMs\)/);
    assert.equal(connection.isClosed, true);
  });

  it('renews its SASL session when the clock reaches the renewal point, holding a request sent meanwhile', { timeout: 30_000 }, async () => {
    const lifetime = 10 * MINUTE;
    const { cluster, host, port } = await startCluster({ sasl: { mechanisms: ['SCRAM-SHA-256'], users: { alice: 'secret' }, sessionLifetimeMs: lifetime } });
    const clock = new ManualClock();
    const connection = connectionOn(clock, host, port, { sasl: { mechanism: 'scram-sha-256', username: 'alice', password: 'secret' } });
    await connection.connect();
    // The renewal comes between 85% and 95% of the lifetime.
    await clock.advance(Math.floor(lifetime * 0.85) - 1);
    assert.equal(connection.isReauthenticating, false);
    assert.equal(connection.reauthentications, 0);
    await clock.advance(Math.ceil(lifetime * 0.1) + 1);
    assert.equal(connection.isReauthenticating, true);
    // Held until the renewal has succeeded: it is answered after it.
    const answer = connection.request('InitProducerId', initProducerIdBody).then((body) => ({ body, renewals: connection.reauthentications }));
    await until(() => connection.reauthentications === 1, 'renewed once');
    const { body, renewals: renewalsAtAnswer } = await answer;
    assert.equal(body.errorCode, 0);
    assert.equal(renewalsAtAnswer, 1);
    assert.equal(connection.isReauthenticating, false);
    assert.equal(connection.isClosed, false);
    const renewals = cluster.saslAuthentications().filter((attempt) => attempt.reauthentication);
    assert.deepEqual(
      renewals.map((attempt) => attempt.succeeded),
      [true],
    );
    connection.close();
  });
});
