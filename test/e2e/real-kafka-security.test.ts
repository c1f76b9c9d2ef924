// The producer over TLS and SASL against real Apache Kafka (test/kafka/real-cluster.ts with its
// SASL_SSL listener: a broker certificate signed by a CA made at start, a SCRAM-SHA-512 user added
// when the storage was formatted): it verifies the brokers with the CA, logs in with
// SCRAM-SHA-512 as Kafka 4 checks it (RFC 5802, the server's nonce repeated), and what it produces
// idempotently is read back by kcat over SASL_SSL, every record once and in order. A wrong
// password and a CA that did not sign the brokers fail the send with an AuthenticationError soon,
// without a reconnect loop: the test bootstraps through a proxy that counts connections.
//
// Needs java, mvn, kcat and openssl; in CI (CI=true) their absence fails the suite instead of skipping it.
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AuthenticationError, Producer, type ProducerOptions } from '../../src/index.js';
import type { ApiName } from '../../src/protocol/index.js';
import { startCountingProxy } from '../helpers/counting-proxy.js';
import { kcat } from '../helpers/kcat-process.js';
import { librdkafkaVersion } from '../helpers/kcat-read.js';
import { formatNegotiatedApis } from '../kafka/cluster-probe.js';
import { type RealKafkaCluster, realKafkaAvailable } from '../kafka/real-cluster.js';
import { createCertificateAuthority, opensslUnavailable } from '../kafka/tls-material.js';
import { readWithKcat } from './read-back.js';
import { startCluster } from './real-cluster-suite.js';

const KAFKA_4 = process.env.KAFKA_4_VERSION ?? '4.4.0';
const REPORTED_APIS: readonly ApiName[] = ['ApiVersions', 'Metadata', 'Produce', 'InitProducerId', 'AddPartitionsToTxn', 'EndTxn', 'SaslHandshake', 'SaslAuthenticate'];
const CONNECT_TIMEOUT_MS = 5000;

async function missingTools(): Promise<string | undefined> {
  if ((await kcat(['-V'])).code !== 0) return 'kcat is not installed';
  return (await opensslUnavailable()) ?? (await realKafkaAvailable());
}

const missing = await missingTools();
if (missing && process.env.CI) throw new Error(`the real-Kafka security suite cannot run in CI: ${missing}`);
const skip = process.env.KAFKA_BROKERS
  ? 'needs the SASL_SSL listener of the cluster the test starts (KAFKA_BROKERS is set)'
  : missing
    ? `${missing}: the real-Kafka security suite needs java, mvn, kcat and openssl`
    : false;

// librdkafka before 2.6.1 repeats its own nonce in SCRAM's final message, which Kafka 4 refuses
// (RFC 5802 wants the server's): such a kcat reads with PLAIN, over the same TLS listener and user.
async function kcatMechanism(): Promise<string> {
  const version = await librdkafkaVersion();
  const fixed = version !== undefined && (version[0] > 2 || (version[0] === 2 && (version[1] > 6 || (version[1] === 6 && version[2] >= 1))));
  return fixed ? 'SCRAM-SHA-512' : 'PLAIN';
}

/** The error `send` rejects with, and how long it took. */
async function failure(send: Promise<unknown>): Promise<{ error: unknown; elapsedMs: number }> {
  const started = Date.now();
  try {
    await send;
  } catch (error) {
    return { error, elapsedMs: Date.now() - started };
  }
  assert.fail('the send succeeded');
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe(`Apache Kafka ${KAFKA_4}, 3 nodes, SASL_SSL listener (TLS + SCRAM-SHA-512)`, { skip }, () => {
  let cluster: RealKafkaCluster;
  let startedInMs = 0;

  before(async () => {
    const started = Date.now();
    cluster = await startCluster({ version: KAFKA_4, nodes: 3, saslSsl: true });
    startedInMs = Date.now() - started;
  });

  after(async () => {
    await cluster?.stop();
  });

  const secure = (overrides: Partial<ProducerOptions> = {}): ProducerOptions => {
    const { username, password, caPem } = cluster.saslSsl;
    return {
      bootstrapServers: cluster.saslSslBootstrapServers,
      ssl: { ca: caPem },
      sasl: { mechanism: 'scram-sha-512', username, password },
      connectTimeoutMs: CONNECT_TIMEOUT_MS,
      ...overrides,
    };
  };

  it('reports the Kafka version and the API versions negotiated on the SASL_SSL listener', async (t) => {
    t.diagnostic(`Kafka ${cluster.runningVersion()} (3 nodes) started in ${startedInMs} ms; SASL_SSL at ${cluster.saslSslBootstrapServers}`);
    const apis = await cluster.negotiatedApis(REPORTED_APIS, 'SASL_SSL');
    for (const line of formatNegotiatedApis(apis)) t.diagnostic(line);
    assert.equal(cluster.runningVersion(), KAFKA_4, 'the nodes run the version asked for');
    for (const { api, negotiated } of apis) assert.notEqual(negotiated, undefined, `${api} has a version both sides speak`);
    // SaslHandshake v1 leads to SaslAuthenticate requests (KIP-152), which the login above used.
    assert.equal(apis.find((entry) => entry.api === 'SaslHandshake')?.negotiated, 1);
  });

  it('produces idempotently over TLS (CA verified) and SCRAM-SHA-512; kcat over SASL_SSL reads every record once, in order, where it was acknowledged', { timeout: 300_000 }, async (t) => {
    const topic = `secure-${process.pid}`;
    await cluster.createTopic(topic, 6);
    const records = 20_000;
    const producer = new Producer(secure({ idempotence: true, clientId: 'e2e-sasl-ssl' }));
    let acknowledged: { partition: number; offset: bigint }[];
    try {
      acknowledged = await Promise.all(
        Array.from({ length: records }, (_, index) => producer.send({ topic, key: `key-${index % 97}`, value: String(index) }).then(({ partition, offset }) => ({ partition, offset }))),
      );
    } finally {
      await producer.close();
    }
    const { username, password, caPath } = cluster.saslSsl;
    const mechanism = await kcatMechanism();
    t.diagnostic(`kcat reads with ${mechanism} over SASL_SSL (librdkafka ${(await librdkafkaVersion())?.join('.')})`);
    const read = await readWithKcat(cluster.saslSslBootstrapServers, topic, false, {
      'security.protocol': 'SASL_SSL',
      'sasl.mechanisms': mechanism,
      'sasl.username': username,
      'sasl.password': password,
      'ssl.ca.location': caPath,
    });
    assert.equal(read.length, records, 'kcat read as many records as were acknowledged');
    const seen = new Set<number>();
    const lastByPartition = new Map<number, number>();
    for (const record of read) {
      const index = Number(record.value);
      assert.ok(!seen.has(index), `record ${index} stored once`);
      seen.add(index);
      assert.equal(record.key, `key-${index % 97}`);
      assert.deepEqual({ partition: record.partition, offset: record.offset }, acknowledged[index], `record ${index} is where its acknowledgement said`);
      const last = lastByPartition.get(record.partition) ?? -1;
      assert.ok(index > last, `partition ${record.partition}: record ${index} after ${last}`);
      lastByPartition.set(record.partition, index);
    }
    assert.equal(lastByPartition.size, 6, 'the keys spread over every partition');
  });

  it('a wrong password: the send rejects with an AuthenticationError within connectTimeoutMs, and the producer does not keep reconnecting', { timeout: 120_000 }, async (t) => {
    const [host, port] = cluster.saslSslBootstrapServers.split(',')[0]!.split(':');
    const proxy = await startCountingProxy(host!, Number(port));
    const producer = new Producer(secure({ bootstrapServers: proxy.address, sasl: { mechanism: 'scram-sha-512', username: cluster.saslSsl.username, password: 'wrong' } }));
    try {
      const { error, elapsedMs } = await failure(producer.send({ topic: 'refused', value: 'x' }));
      assert.ok(error instanceof AuthenticationError, `expected an AuthenticationError, got ${String(error)}`);
      assert.equal(error.brokerErrorCode, 58, error.message);
      assert.match(error.message, /SASL SCRAM-SHA-512 authentication with broker 127\.0\.0\.1:\d+ failed: SASL_AUTHENTICATION_FAILED/);
      // Well before maxBlockMs (60 s): the refusal ends the wait instead of a metadata timeout.
      assert.ok(elapsedMs < CONNECT_TIMEOUT_MS + 5000, `rejected after ${elapsedMs} ms`);
      const afterFirst = proxy.connections;
      t.diagnostic(`rejected after ${elapsedMs} ms and ${afterFirst} connection(s): ${error.message}`);
      assert.ok(afterFirst >= 1 && afterFirst <= 3, `${afterFirst} connections for one refused send`);
      await pause(3000);
      assert.equal(proxy.connections, afterFirst, 'no connection while nothing is waiting to be sent');
      // The producer stays usable: a later send tries again, and is refused again.
      const second = await failure(producer.send({ topic: 'refused', value: 'y' }));
      assert.ok(second.error instanceof AuthenticationError, String(second.error));
      assert.ok(proxy.connections > afterFirst, 'the second send connected again');
    } finally {
      await producer.close();
      await proxy.close();
    }
  });

  it('a CA that did not sign the brokers: the send rejects with an AuthenticationError naming the certificate problem, without a reconnect loop', { timeout: 120_000 }, async (t) => {
    const directory = mkdtempSync(join(tmpdir(), 'other-ca-'));
    const [host, port] = cluster.saslSslBootstrapServers.split(',')[0]!.split(':');
    const proxy = await startCountingProxy(host!, Number(port));
    try {
      const other = await createCertificateAuthority(directory, 'not-the-brokers-ca');
      const producer = new Producer(secure({ bootstrapServers: proxy.address, ssl: { ca: other.certPem } }));
      try {
        const { error, elapsedMs } = await failure(producer.send({ topic: 'refused', value: 'x' }));
        assert.ok(error instanceof AuthenticationError, `expected an AuthenticationError, got ${String(error)}`);
        assert.match(error.message, /TLS handshake with 127\.0\.0\.1:\d+ failed: .*certificate/i);
        assert.ok(elapsedMs < CONNECT_TIMEOUT_MS + 5000, `rejected after ${elapsedMs} ms`);
        const afterFirst = proxy.connections;
        t.diagnostic(`rejected after ${elapsedMs} ms and ${afterFirst} connection(s): ${error.message}`);
        assert.ok(afterFirst >= 1 && afterFirst <= 3, `${afterFirst} connections for one refused send`);
        await pause(3000);
        assert.equal(proxy.connections, afterFirst, 'no connection while nothing is waiting to be sent');
      } finally {
        await producer.close();
      }
    } finally {
      await proxy.close();
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
