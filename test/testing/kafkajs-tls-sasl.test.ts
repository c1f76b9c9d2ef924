// KafkaJS, an independent client, against FakeCluster with TLS and SASL: it verifies the broker
// certificate, logs in with PLAIN, SCRAM-SHA-256/512 and OAUTHBEARER, and produces, so the brokers'
// TLS and SASL are proven against a client that shares no code with this package.
import * as assert from 'node:assert/strict';
import { afterEach, before, describe, it } from 'node:test';
import { Kafka, logLevel, type SASLOptions } from 'kafkajs';
import { FakeCluster } from '../../src/testing/index.js';
import { opensslMissing, selfSignedCertificate, type TestCertificate } from './tls-certificates.js';

describe('KafkaJS against FakeCluster with TLS and SASL', { skip: opensslMissing }, () => {
  let certificate: TestCertificate;
  let cluster: FakeCluster | undefined;
  const disconnects: (() => Promise<void>)[] = [];

  before(() => {
    certificate = selfSignedCertificate();
  });
  afterEach(async () => {
    for (const disconnect of disconnects.splice(0)) await disconnect().catch(() => undefined);
    await cluster?.stop();
    if (cluster) assert.deepEqual(cluster.serverErrors, []);
    cluster = undefined;
  });

  async function produceWith(sasl: SASLOptions): Promise<void> {
    const kafka = new Kafka({
      clientId: 'kafkajs-tls-sasl',
      brokers: cluster!.bootstrapServers.split(','),
      ssl: { ca: [certificate.cert] },
      sasl,
      logLevel: logLevel.NOTHING,
      retry: { retries: 0 },
    });
    const producer = kafka.producer();
    disconnects.push(() => producer.disconnect());
    await producer.connect();
    await producer.send({ topic: 't', messages: [{ value: `via ${sasl.mechanism}` }] });
  }

  const logins: { mechanism: 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512'; sasl: SASLOptions }[] = [
    { mechanism: 'PLAIN', sasl: { mechanism: 'plain', username: 'alice', password: 'alice-secret' } },
    { mechanism: 'SCRAM-SHA-256', sasl: { mechanism: 'scram-sha-256', username: 'alice', password: 'alice-secret' } },
    { mechanism: 'SCRAM-SHA-512', sasl: { mechanism: 'scram-sha-512', username: 'alice', password: 'alice-secret' } },
  ];
  for (const { mechanism, sasl } of logins) {
    it(`produces over TLS after a ${mechanism} login`, async () => {
      cluster = new FakeCluster({
        brokers: 2,
        topics: [{ name: 't', partitions: 1, replicationFactor: 2 }],
        ssl: { key: certificate.key, cert: certificate.cert },
        sasl: { mechanisms: [mechanism], users: { alice: 'alice-secret' } },
      });
      await cluster.start();
      await produceWith(sasl);
      assert.deepEqual(cluster.records('t', 0).map((record) => record.value?.toString()), [`via ${sasl.mechanism}`]);
      const attempts = cluster.saslAuthentications();
      assert.ok(attempts.length > 0 && attempts.every((attempt) => attempt.succeeded && attempt.principal === 'alice'));
    });
  }

  it('produces over TLS after an OAUTHBEARER login', async () => {
    const tokens: string[] = [];
    cluster = new FakeCluster({
      brokers: 1,
      topics: [{ name: 't', partitions: 1 }],
      ssl: { key: certificate.key, cert: certificate.cert },
      sasl: { mechanisms: ['OAUTHBEARER'], oauthBearerValidator: (token) => tokens.push(token) > 0 && token === 'a.b.c' },
    });
    await cluster.start();
    await produceWith({ mechanism: 'oauthbearer', oauthBearerProvider: async () => ({ value: 'a.b.c' }) });
    assert.equal(cluster.records('t', 0).length, 1);
    assert.ok(tokens.length > 0 && tokens.every((token) => token === 'a.b.c'));
  });

  it('reports the SCRAM failure of a wrong password', async () => {
    cluster = new FakeCluster({
      brokers: 1,
      ssl: { key: certificate.key, cert: certificate.cert },
      sasl: { mechanisms: ['SCRAM-SHA-512'], users: { alice: 'alice-secret' } },
    });
    await cluster.start();
    await assert.rejects(produceWith({ mechanism: 'scram-sha-512', username: 'alice', password: 'wrong' }), /SASL SCRAM SHA512 authentication failed/i);
  });
});
