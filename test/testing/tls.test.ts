// FakeCluster's `ssl` option over raw sockets: brokers serve TLS with the given certificate (made at
// test time with openssl), refuse plain TCP and untrusted handshakes, can require client
// certificates, and never let a half-open handshake hold up stop().
import * as assert from 'node:assert/strict';
import { connect } from 'node:net';
import { afterEach, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { FakeCluster, type FakeSslOptions } from '../../src/testing/index.js';
import { Fixture } from './fixture.js';
import { buildBatch, onlyPartition, produceBody, RawClient, values } from './raw-client.js';
import { opensslMissing, selfSignedCertificate, type TestCertificate } from './tls-certificates.js';

const API_VERSIONS_BODY = { clientSoftwareName: 'raw', clientSoftwareVersion: '1' };

describe('FakeCluster over TLS', { skip: opensslMissing }, () => {
  let server: TestCertificate;
  let client: TestCertificate;
  let fixture: Fixture | undefined;

  before(() => {
    server = selfSignedCertificate('fake-broker');
    client = selfSignedCertificate('raw-client');
  });
  afterEach(async () => {
    await fixture?.stop();
    fixture = undefined;
  });

  it('serves the protocol over TLS to a client that verifies the broker certificate', async () => {
    fixture = await Fixture.start({ brokers: 2, topics: [{ name: 't', partitions: 1, replicationFactor: 2 }], ssl: { key: server.key, cert: server.cert } });
    const raw = await fixture.connectTls(fixture.cluster.leader('t', 0), { ca: server.cert });
    const versions = await raw.request('ApiVersions', 3, API_VERSIONS_BODY);
    assert.equal(versions.errorCode, 0);
    const response = await raw.request('Produce', 9, produceBody('t', 0, await buildBatch(values('over', 'tls'))));
    assert.equal(onlyPartition(response).errorCode, 0);
    assert.deepEqual(fixture.cluster.records('t', 0).map((record) => record.value?.toString()), ['over', 'tls']);
    const metadata = await raw.request('Metadata', 12, { topics: null, includeTopicAuthorizedOperations: false });
    assert.deepEqual(
      metadata.brokers.map((broker) => `${broker.host}:${broker.port}`),
      fixture.cluster.brokerAddresses(),
      'Metadata advertises the TLS listeners',
    );
  });

  it('does not answer a client speaking plain TCP to a TLS broker', async () => {
    fixture = await Fixture.start({ brokers: 1, ssl: { key: server.key, cert: server.cert } });
    const raw = await fixture.connect(1);
    await assert.rejects(raw.request('ApiVersions', 3, API_VERSIONS_BODY, { timeoutMs: 2000 }), /connection closed|timed out/);
  });

  it('fails the handshake of a client that does not trust the certificate', async () => {
    fixture = await Fixture.start({ brokers: 1, ssl: { key: server.key, cert: server.cert } });
    await assert.rejects(RawClient.connectTls(fixture.cluster.brokerAddresses()[0]!, {}), /self[- ]signed/i);
    const other = selfSignedCertificate('someone-else');
    await assert.rejects(RawClient.connectTls(fixture.cluster.brokerAddresses()[0]!, { ca: other.cert }));
    const raw = await fixture.connectTls(1, { ca: server.cert });
    assert.equal((await raw.request('ApiVersions', 3, API_VERSIONS_BODY)).errorCode, 0, 'the broker still serves trusting clients');
  });

  it('with requestCert, serves clients presenting a trusted certificate and refuses the others', async () => {
    fixture = await Fixture.start({ brokers: 1, ssl: { key: server.key, cert: server.cert, ca: [client.cert], requestCert: true } });
    const trusted = await fixture.connectTls(1, { ca: server.cert, key: client.key, cert: client.cert });
    assert.equal((await trusted.request('ApiVersions', 3, API_VERSIONS_BODY)).errorCode, 0);
    // With TLS 1.3 the client's handshake completes before the broker checks its certificate, so the
    // refusal shows as a connection that fails or closes before any answer.
    await assert.rejects(async () => {
      const anonymous = await fixture!.connectTls(1, { ca: server.cert });
      await anonymous.request('ApiVersions', 3, API_VERSIONS_BODY, { timeoutMs: 2000 });
    });
    const stranger = selfSignedCertificate('stranger');
    await assert.rejects(async () => {
      const untrusted = await fixture!.connectTls(1, { ca: server.cert, key: stranger.key, cert: stranger.cert });
      await untrusted.request('ApiVersions', 3, API_VERSIONS_BODY, { timeoutMs: 2000 });
    });
  });

  it('keeps serving TLS on the same port after a broker restart', async () => {
    fixture = await Fixture.start({ brokers: 1, ssl: { key: server.key, cert: server.cert } });
    const address = fixture.cluster.brokerAddresses()[0]!;
    const before = await fixture.connectTls(1, { ca: server.cert });
    await fixture.cluster.stopBroker(1);
    await before.closed;
    await fixture.cluster.startBroker(1);
    assert.equal(fixture.cluster.brokerAddresses()[0], address);
    const afterRestart = await fixture.connectTls(1, { ca: server.cert });
    assert.equal((await afterRestart.request('ApiVersions', 3, API_VERSIONS_BODY)).errorCode, 0);
  });

  it('stops promptly while a connection has not finished (or started) its TLS handshake', async () => {
    fixture = await Fixture.start({ brokers: 1, ssl: { key: server.key, cert: server.cert } });
    const [host, port] = fixture.cluster.brokerAddresses()[0]!.split(':') as [string, string];
    const idle = connect({ host, port: Number(port) });
    idle.on('error', () => undefined);
    await new Promise<void>((resolve) => idle.once('connect', () => resolve()));
    await sleep(20);
    const started = Date.now();
    await fixture.stop();
    fixture = undefined;
    assert.ok(Date.now() - started < 1000, `stop() took ${Date.now() - started} ms`);
    idle.destroy();
  });

  it('rejects invalid ssl options at construction', () => {
    assert.throws(() => new FakeCluster({ ssl: { key: server.key } as unknown as FakeSslOptions }), /ssl\.cert/);
    assert.throws(() => new FakeCluster({ ssl: { key: server.key, cert: server.cert, ca: [42] } as unknown as FakeSslOptions }), /ssl\.ca/);
  });
});
