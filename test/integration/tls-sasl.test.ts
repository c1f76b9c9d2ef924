// The Producer against FakeCluster with TLS and SASL over real sockets: it verifies the broker
// certificate, logs in with PLAIN, SCRAM-SHA-256/512 and OAUTHBEARER, stores its records, and
// reports refused logins as AuthenticationErrors naming the mechanism, without waiting for maxBlockMs;
// a producer without SASL is told, through the circuit breaker, that the listener wants a login.
import * as assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { AuthenticationError, ClusterUnavailableError, ConnectionError, type Producer, type ProducerOptions } from '../../src/index.js';
import type { FakeCluster, FakeClusterOptions } from '../../src/testing/index.js';
import { useClusterFixture } from '../helpers/cluster-fixture.js';
import { within } from '../helpers/producer-check.js';
import { opensslMissing, selfSignedCertificate, type TestCertificate } from '../testing/tls-certificates.js';

const USERS = { alice: 'alice-secret' };
const MAX_BLOCK_MS = 3000;

const fixture = useClusterFixture({ expectNoServerErrors: true });

function setup(clusterOptions: FakeClusterOptions, producerOptions: Partial<ProducerOptions>): Promise<{ cluster: FakeCluster; producer: Producer }> {
  return fixture.start({ brokers: 3, topics: [{ name: 't', partitions: 3, replicationFactor: 3 }], ...clusterOptions }, {
    maxBlockMs: MAX_BLOCK_MS,
    requestTimeoutMs: 2000,
    retryBackoffMs: 10,
    reconnectBackoffMs: 10,
    reconnectBackoffMaxMs: 100,
    ...producerOptions,
  });
}

/** Sends 30 records over the 3 partitions and checks that each partition stored its 10, in order. */
async function sendAndCheck(cluster: FakeCluster, producer: Producer, label: string): Promise<void> {
  const sent = Array.from({ length: 30 }, (_, index) => producer.send({ topic: 't', partition: index % 3, value: `${label}-${index}` }));
  await Promise.all(sent);
  for (let partition = 0; partition < 3; partition++) {
    const expected = Array.from({ length: 10 }, (_, index) => `${label}-${index * 3 + partition}`);
    assert.deepEqual(cluster.records('t', partition).map((record) => record.value?.toString()), expected);
  }
}

/** The error a send rejects with, and how long it took. */
async function sendFailure(producer: Producer): Promise<{ error: unknown; elapsedMs: number }> {
  const started = Date.now();
  try {
    await producer.send({ topic: 't', value: 'refused' });
  } catch (error) {
    return { error, elapsedMs: Date.now() - started };
  }
  assert.fail('the send succeeded');
}

describe('Producer over SASL', () => {
  const logins = [
    { mechanism: 'PLAIN', sasl: { mechanism: 'plain', username: 'alice', password: 'alice-secret' } },
    { mechanism: 'SCRAM-SHA-256', sasl: { mechanism: 'scram-sha-256', username: 'alice', password: 'alice-secret' } },
    { mechanism: 'SCRAM-SHA-512', sasl: { mechanism: 'scram-sha-512', username: 'alice', password: 'alice-secret' } },
  ] as const;
  for (const { mechanism, sasl } of logins) {
    it(`produces after a ${mechanism} login; every connection authenticated`, async () => {
      const { cluster, producer } = await setup({ sasl: { mechanisms: [mechanism], users: USERS } }, { sasl });
      await sendAndCheck(cluster, producer, mechanism);
      const attempts = cluster.saslAuthentications();
      assert.ok(attempts.length >= 2, 'a bootstrap connection and the leaders');
      assert.ok(attempts.every((attempt) => attempt.mechanism === mechanism && attempt.succeeded && attempt.principal === 'alice'));
    });

    it(`${mechanism} with a wrong password: the send rejects with an AuthenticationError naming the mechanism`, async () => {
      const { producer } = await setup({ sasl: { mechanisms: [mechanism], users: USERS } }, { sasl: { ...sasl, password: 'wrong' } });
      const { error, elapsedMs } = await sendFailure(producer);
      assert.ok(error instanceof AuthenticationError, `expected an AuthenticationError, got ${String(error)}`);
      assert.match(error.message, new RegExp(`SASL ${mechanism} authentication with broker 127\\.0\\.0\\.1:\\d+ failed: SASL_AUTHENTICATION_FAILED \\(error code 58\\)`));
      assert.equal(error.brokerErrorCode, 58);
      assert.ok(elapsedMs < MAX_BLOCK_MS, `rejected after ${elapsedMs} ms, before maxBlockMs`);
    });
  }

  it('produces after an OAUTHBEARER login, the validator seeing the token and its extensions', async () => {
    const seen = new Set<string>();
    const { cluster, producer } = await setup(
      {
        sasl: {
          mechanisms: ['OAUTHBEARER'],
          oauthBearerValidator: (token, extensions) => {
            seen.add(`${token} ${extensions.tenant}`);
            return token === 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJhbGljZSJ9.';
          },
        },
      },
      { sasl: { mechanism: 'oauthbearer', oauthBearerProvider: async () => ({ value: 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJhbGljZSJ9.', extensions: { tenant: 'blue' } }) } },
    );
    await sendAndCheck(cluster, producer, 'oauth');
    assert.deepEqual([...seen], ['eyJhbGciOiJub25lIn0.eyJzdWIiOiJhbGljZSJ9. blue']);
    assert.ok(cluster.saslAuthentications().every((attempt) => attempt.mechanism === 'OAUTHBEARER' && attempt.succeeded));
  });

  it('OAUTHBEARER with a refused token: the send rejects with an AuthenticationError carrying the error JSON', async () => {
    const { producer } = await setup(
      { sasl: { mechanisms: ['OAUTHBEARER'], oauthBearerValidator: () => false } },
      { sasl: { mechanism: 'oauthbearer', oauthBearerProvider: async () => ({ value: 'expired' }) } },
    );
    const { error } = await sendFailure(producer);
    assert.ok(error instanceof AuthenticationError, String(error));
    assert.match(error.message, /SASL OAUTHBEARER authentication .* failed: SASL_AUTHENTICATION_FAILED .*invalid_token/);
  });

  it('a mechanism the brokers do not enable: the send rejects with an AuthenticationError listing the enabled ones', async () => {
    const { producer } = await setup(
      { sasl: { mechanisms: ['SCRAM-SHA-512', 'OAUTHBEARER'], users: USERS } },
      { sasl: { mechanism: 'plain', username: 'alice', password: 'alice-secret' } },
    );
    const { error } = await sendFailure(producer);
    assert.ok(error instanceof AuthenticationError, String(error));
    assert.match(error.message, /does not enable PLAIN .*it enables: SCRAM-SHA-512, OAUTHBEARER/);
  });

  it('a producer without SASL against SASL brokers: the brokers close each connection at its first request, and the breaker fails the send with a hint to set sasl', async () => {
    const { cluster, producer } = await setup({ sasl: { mechanisms: ['PLAIN'], users: USERS } }, { maxBlockMs: 60_000, circuitBreaker: { openAfterFailures: 3 } });
    const { error } = await within(sendFailure(producer), 20_000, 'the refused send');
    assert.ok(error instanceof ClusterUnavailableError, String(error));
    assert.ok(error.cause instanceof ConnectionError, String(error.cause));
    assert.equal(error.cause.reason, 'closed');
    assert.match(
      error.cause.message,
      /closed by the broker at the first request after the handshake \(Metadata\), unanswered, as the last \d+ connections were: the listener probably requires SASL authentication: set sasl/,
    );
    assert.match(producer.health().lastError ?? '', /probably requires SASL authentication/);
    assert.deepEqual(cluster.saslAuthentications(), [], 'no exchange was started');
  });
});

describe('Producer over TLS', { skip: opensslMissing }, () => {
  let certificate: TestCertificate;
  before(() => {
    certificate = selfSignedCertificate();
  });

  it('produces to brokers whose certificate it verifies with ssl.ca', async () => {
    const { cluster, producer } = await setup({ ssl: { key: certificate.key, cert: certificate.cert } }, { ssl: { ca: certificate.cert } });
    await sendAndCheck(cluster, producer, 'tls');
  });

  it('does not produce to brokers whose certificate it cannot verify: the send fails at once, naming the certificate problem', async () => {
    const { cluster, producer } = await setup({ ssl: { key: certificate.key, cert: certificate.cert } }, { ssl: true, maxBlockMs: 5000 });
    const { error, elapsedMs } = await sendFailure(producer);
    assert.ok(error instanceof AuthenticationError, String(error));
    assert.match(error.message, /TLS handshake with 127\.0\.0\.1:\d+ failed: .*certificate/i);
    assert.ok(elapsedMs < 4000, `failed after ${elapsedMs} ms, before maxBlockMs`);
    assert.equal(cluster.records('t', 0).length, 0);
  });

  it('produces over TLS and SCRAM-SHA-512 together; a wrong password still fails as an AuthenticationError', async () => {
    const options: FakeClusterOptions = { ssl: { key: certificate.key, cert: certificate.cert }, sasl: { mechanisms: ['SCRAM-SHA-512'], users: USERS } };
    const { cluster, producer } = await setup(options, {
      ssl: { ca: certificate.cert },
      sasl: { mechanism: 'scram-sha-512', username: 'alice', password: 'alice-secret' },
    });
    await sendAndCheck(cluster, producer, 'tls-scram');
    assert.ok(cluster.saslAuthentications().every((attempt) => attempt.mechanism === 'SCRAM-SHA-512' && attempt.succeeded));
    await producer.close();
    await cluster.stop();

    const second = await setup(options, { ssl: { ca: certificate.cert }, sasl: { mechanism: 'scram-sha-512', username: 'alice', password: 'wrong' } });
    const { error } = await sendFailure(second.producer);
    assert.ok(error instanceof AuthenticationError, String(error));
    assert.match(error.message, /SASL SCRAM-SHA-512 authentication .* failed: SASL_AUTHENTICATION_FAILED/);
  });
});
