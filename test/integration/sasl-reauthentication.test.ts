// SASL re-authentication (KIP-368) against FakeCluster over real sockets: brokers that grant short
// sessions and close a connection whose session expired at its next request. The producer renews
// its sessions on the same connections while it produces (OAUTHBEARER with a new token each time,
// SCRAM, PLAIN), no connection is closed for expiry, and every record is written once, in order;
// a token provider that fails at a renewal ends in an AuthenticationError, without a hang.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AuthenticationError, KafkaError, type Producer, type ProducerOptions, type SaslConfig } from '../../src/index.js';
import type { FakeCluster, FakeClusterOptions } from '../../src/testing/index.js';
import { useClusterFixture } from '../helpers/cluster-fixture.js';
import { sleep, within } from '../helpers/producer-check.js';

const USERS = { alice: 'alice-secret' };
/**
 * Short sessions: a run of about 2.4 s spans three of them. Not shorter, so that the renewal's
 * margin (5% to 15% of the lifetime) stays above the event loop's delays on a busy machine.
 */
const SESSION_LIFETIME_MS = 800;
const RECORDS = 60;
const PACE_MS = 40;

const fixture = useClusterFixture({ expectNoServerErrors: true });

function setup(sasl: NonNullable<FakeClusterOptions['sasl']>, producerOptions: Partial<ProducerOptions>): Promise<{ cluster: FakeCluster; producer: Producer }> {
  return fixture.start(
    { brokers: 3, topics: [{ name: 't', partitions: 3, replicationFactor: 3 }], sasl },
    { requestTimeoutMs: 2000, retryBackoffMs: 10, reconnectBackoffMs: 10, reconnectBackoffMaxMs: 100, lingerMs: 5, ...producerOptions },
  );
}

/** A provider handing out `token-1`, `token-2`, ...; `calls` counts them. */
function numberedTokens(): { provider: () => Promise<{ value: string }>; calls: () => number } {
  let issued = 0;
  return {
    provider: async () => {
      issued++;
      return { value: `token-${issued}` };
    },
    calls: () => issued,
  };
}

/**
 * Sends RECORDS records over the three partitions, one every PACE_MS (about 2.4 s in all,
 * bounded by the count), then checks that each partition stored its records once and in order.
 */
async function produceAcrossSessions(cluster: FakeCluster, producer: Producer, label: string): Promise<void> {
  const sends: Promise<unknown>[] = [];
  for (let index = 0; index < RECORDS; index++) {
    sends.push(producer.send({ topic: 't', partition: index % 3, value: `${label}-${index}` }));
    await sleep(PACE_MS);
  }
  await within(Promise.all(sends), 20_000, 'the acknowledgements');
  for (let partition = 0; partition < 3; partition++) {
    const expected = Array.from({ length: RECORDS / 3 }, (_, index) => `${label}-${index * 3 + partition}`);
    assert.deepEqual(cluster.records('t', partition).map((record) => record.value?.toString()), expected);
  }
}

describe('SASL re-authentication (KIP-368)', () => {
  it('OAUTHBEARER: produces across several session lifetimes, each renewal presenting a new token', async () => {
    const tokens = numberedTokens();
    const { cluster, producer } = await setup(
      { mechanisms: ['OAUTHBEARER'], sessionLifetimeMs: SESSION_LIFETIME_MS, oauthBearerValidator: (token) => /^token-\d+$/.test(token) },
      { sasl: { mechanism: 'oauthbearer', oauthBearerProvider: tokens.provider } },
    );
    await produceAcrossSessions(cluster, producer, 'oauth');
    const attempts = cluster.saslAuthentications();
    assert.ok(attempts.every((attempt) => attempt.succeeded && attempt.mechanism === 'OAUTHBEARER'), JSON.stringify(attempts));
    const renewals = attempts.filter((attempt) => attempt.reauthentication);
    assert.ok(renewals.length >= 2, `expected several re-authentications, got ${renewals.length}`);
    // Every authentication, first or renewal, called the provider: no token was presented twice (a
    // renewal may still be under way, its token issued but not yet presented).
    const presented = attempts.map((attempt) => attempt.token);
    assert.equal(new Set(presented).size, presented.length, `a token was reused: ${presented.join(', ')}`);
    assert.ok(presented.length <= tokens.calls());
    const firsts = new Set(attempts.filter((attempt) => !attempt.reauthentication).map((attempt) => attempt.token));
    assert.ok(renewals.every((attempt) => attempt.token !== undefined && !firsts.has(attempt.token)));
    assert.equal(cluster.saslExpiredSessions(), 0, 'no connection was closed for an expired session');
  });

  const logins: { mechanism: 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512'; sasl: SaslConfig }[] = [
    { mechanism: 'PLAIN', sasl: { mechanism: 'plain', username: 'alice', password: 'alice-secret' } },
    { mechanism: 'SCRAM-SHA-256', sasl: { mechanism: 'scram-sha-256', username: 'alice', password: 'alice-secret' } },
    { mechanism: 'SCRAM-SHA-512', sasl: { mechanism: 'scram-sha-512', username: 'alice', password: 'alice-secret' } },
  ];
  for (const { mechanism, sasl } of logins) {
    it(`${mechanism}: produces across several session lifetimes, renewing the session on the same connections`, async () => {
      const { cluster, producer } = await setup({ mechanisms: [mechanism], users: USERS, sessionLifetimeMs: { [mechanism]: SESSION_LIFETIME_MS } }, { sasl });
      await produceAcrossSessions(cluster, producer, mechanism);
      const attempts = cluster.saslAuthentications();
      assert.ok(attempts.every((attempt) => attempt.succeeded && attempt.mechanism === mechanism && attempt.principal === 'alice'), JSON.stringify(attempts));
      const renewals = attempts.filter((attempt) => attempt.reauthentication).length;
      assert.ok(renewals >= 2, `expected several re-authentications, got ${renewals}`);
      assert.equal(cluster.saslExpiredSessions(), 0, 'no connection was closed for an expired session');
    });
  }

  it('without a session lifetime nothing is renewed', async () => {
    const { cluster, producer } = await setup({ mechanisms: ['PLAIN'], users: USERS }, { sasl: { mechanism: 'plain', username: 'alice', password: 'alice-secret' } });
    await producer.send({ topic: 't', partition: 0, value: 'a' });
    await sleep(SESSION_LIFETIME_MS);
    await producer.send({ topic: 't', partition: 0, value: 'b' });
    assert.ok(cluster.saslAuthentications().every((attempt) => !attempt.reauthentication));
  });

  it('a provider failing at a renewal: the records fail with the AuthenticationError as their cause, no hang', async () => {
    let failing = false;
    let issued = 0;
    const { cluster, producer } = await setup(
      { mechanisms: ['OAUTHBEARER'], sessionLifetimeMs: SESSION_LIFETIME_MS },
      {
        deliveryTimeoutMs: 1500,
        requestTimeoutMs: 1000,
        sasl: {
          mechanism: 'oauthbearer',
          oauthBearerProvider: async () => {
            if (failing) throw new Error('token service down');
            issued++;
            return { value: `token-${issued}` };
          },
        },
      },
    );
    await producer.send({ topic: 't', partition: 0, value: 'before' });
    failing = true;
    // Past the renewal point of every session: each renewal has called the failing provider.
    await sleep(SESSION_LIFETIME_MS);
    const sends = Array.from({ length: 6 }, (_, index) => producer.send({ topic: 't', partition: index % 3, value: `after-${index}` }));
    const outcomes = await within(Promise.allSettled(sends), 15_000, 'the sends');
    for (const outcome of outcomes) {
      assert.equal(outcome.status, 'rejected');
      const error = outcome.reason;
      assert.ok(error instanceof KafkaError, String(error));
      const cause = authenticationCause(error);
      assert.ok(cause, `no AuthenticationError behind ${error.message}`);
      assert.match(cause.message, /SASL OAUTHBEARER authentication with broker 127\.0\.0\.1:\d+ failed: oauthBearerProvider failed: token service down/);
    }
    assert.ok(
      cluster.records('t', 0).every((record) => record.value?.toString() === 'before'),
      'nothing was written after the provider failed',
    );
    assert.equal(cluster.saslExpiredSessions(), 0, 'no request reached a broker after its session expired');
    const health = producer.health();
    assert.match(health.lastError ?? '', /AUTHENTICATION_FAILED: .*oauthBearerProvider failed: token service down/);
  });

  it('a provider that never answers at a renewal: the renewal times out at requestTimeoutMs and the held records fail, no hang', async () => {
    let hanging = false;
    let issued = 0;
    const { producer } = await setup(
      { mechanisms: ['OAUTHBEARER'], sessionLifetimeMs: SESSION_LIFETIME_MS },
      {
        deliveryTimeoutMs: 1500,
        requestTimeoutMs: 500,
        sasl: {
          mechanism: 'oauthbearer',
          oauthBearerProvider: () => {
            if (hanging) return new Promise(() => {});
            issued++;
            return Promise.resolve({ value: `token-${issued}` });
          },
        },
      },
    );
    await producer.send({ topic: 't', partition: 0, value: 'before' });
    hanging = true;
    await sleep(SESSION_LIFETIME_MS);
    const outcome = await within(
      producer.send({ topic: 't', partition: 0, value: 'after' }).then(
        () => undefined,
        (error: unknown) => error,
      ),
      15_000,
      'the send',
    );
    assert.ok(outcome instanceof KafkaError, `expected the send to fail, got ${String(outcome)}`);
    assert.match(causeMessages(outcome), /Re-authentication with 127\.0\.0\.1:\d+ did not complete within 500 ms \(requestTimeoutMs\)/);
  });
});

function causeMessages(error: unknown): string {
  const messages: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && depth < 8; depth++) {
    messages.push(current instanceof Error ? current.message : String(current));
    current = current instanceof Error ? current.cause : undefined;
  }
  return messages.join(' / ');
}

function authenticationCause(error: unknown): AuthenticationError | undefined {
  let current: unknown = error;
  for (let depth = 0; current !== undefined && depth < 8; depth++) {
    if (current instanceof AuthenticationError) return current;
    current = current instanceof Error ? current.cause : undefined;
  }
  return undefined;
}
