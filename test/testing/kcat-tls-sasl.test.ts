// kcat (librdkafka), an independent client, against FakeCluster over SASL_SSL: it verifies the
// broker certificate, logs in with PLAIN or SCRAM, produces and reads back; a wrong password is
// refused. librdkafka before 2.6.1 repeats its nonce in the SCRAM client-final message, which the
// fake brokers refuse as Kafka 4 does. Skipped with a message where kcat or openssl is missing.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { FakeCluster, type FakeSaslMechanism } from '../../src/testing/index.js';
import { kcat } from '../helpers/kcat-process.js';
import { opensslMissing, selfSignedCertificate, type TestCertificate } from './tls-certificates.js';

const version = spawnSync('kcat', ['-V'], { encoding: 'utf8' });
const kcatMissing = version.error !== undefined ? 'kcat is not installed (apt-get install kcat); skipping the librdkafka SASL_SSL round trip' : undefined;
// librdkafka 2.6.1 stopped prefixing the server's nonce with its own once more (librdkafka#4895).
const librdkafka = /librdkafka (\d+)\.(\d+)\.(\d+)/.exec(version.stdout ?? '');
const scramNonceFixed = librdkafka !== null && Number(librdkafka[1]) * 1e6 + Number(librdkafka[2]) * 1e3 + Number(librdkafka[3]) >= 2_006_001;

describe('kcat against FakeCluster over SASL_SSL', { skip: kcatMissing ?? opensslMissing }, () => {
  let certificate: TestCertificate;
  let directory: string;
  let caPath: string;
  let cluster: FakeCluster | undefined;

  before(() => {
    certificate = selfSignedCertificate();
    directory = mkdtempSync(join(tmpdir(), 'fake-cluster-kcat-'));
    caPath = join(directory, 'ca.pem');
    writeFileSync(caPath, certificate.cert);
  });
  after(() => rmSync(directory, { recursive: true, force: true }));
  afterEach(async () => {
    await cluster?.stop();
    if (cluster) assert.deepEqual(cluster.serverErrors, []);
    cluster = undefined;
  });

  async function start(mechanism: FakeSaslMechanism): Promise<FakeCluster> {
    cluster = new FakeCluster({
      brokers: 3,
      topics: [{ name: 'events', partitions: 3 }],
      ssl: { key: certificate.key, cert: certificate.cert },
      sasl: { mechanisms: [mechanism], users: { alice: 'alice-secret' } },
    });
    await cluster.start();
    return cluster;
  }

  function security(mechanism: FakeSaslMechanism, password: string): string[] {
    const settings = ['security.protocol=SASL_SSL', `sasl.mechanisms=${mechanism}`, 'sasl.username=alice', `sasl.password=${password}`, `ssl.ca.location=${caPath}`];
    return settings.flatMap((setting) => ['-X', setting]);
  }

  async function produceAndConsume(cluster: FakeCluster, mechanism: FakeSaslMechanism): Promise<void> {
    const lines = Array.from({ length: 50 }, (_, index) => `k${index % 7}:v${index}`);
    const produced = await kcat(['-P', '-b', cluster.bootstrapServers, '-t', 'events', '-K:', ...security(mechanism, 'alice-secret')], `${lines.join('\n')}\n`);
    assert.equal(produced.code, 0, produced.err);
    assert.equal([0, 1, 2].reduce((sum, partition) => sum + cluster.records('events', partition).length, 0), lines.length);
    const consumed = await kcat(['-C', '-b', cluster.bootstrapServers, '-t', 'events', '-e', '-o', 'beginning', '-q', '-f', '%k:%s\\n', ...security(mechanism, 'alice-secret')]);
    assert.equal(consumed.code, 0, consumed.err);
    assert.deepEqual(consumed.out.trim().split('\n').sort(), [...lines].sort());
    assert.ok(cluster.saslAuthentications().every((attempt) => attempt.succeeded && attempt.principal === 'alice'));
  }

  it('produces and reads back after a PLAIN login', async () => {
    await produceAndConsume(await start('PLAIN'), 'PLAIN');
  });

  for (const mechanism of ['SCRAM-SHA-256', 'SCRAM-SHA-512'] as const) {
    if (scramNonceFixed) {
      it(`produces and reads back after a ${mechanism} login`, async () => {
        await produceAndConsume(await start(mechanism), mechanism);
      });
    } else {
      it(`refuses the ${mechanism} login of librdkafka ${librdkafka?.slice(1).join('.') ?? '?'}, whose client-final nonce repeats the client nonce`, async () => {
        const cluster = await start(mechanism);
        const listed = await kcat(['-L', '-b', cluster.bootstrapServers, '-m', '1', ...security(mechanism, 'alice-secret')], undefined, 10_000);
        assert.notEqual(listed.code, 0);
        assert.match(listed.err, new RegExp(`invalid credentials with SASL mechanism ${mechanism}`));
        const reasons = new Set(cluster.saslAuthentications().map((attempt) => attempt.reason));
        assert.deepEqual([...reasons], ['Invalid client nonce in the final client message.']);
      });
    }
  }

  it('is refused with a wrong password', async () => {
    const cluster = await start('PLAIN');
    const listed = await kcat(['-L', '-b', cluster.bootstrapServers, '-m', '1', ...security('PLAIN', 'wrong')], undefined, 10_000);
    assert.notEqual(listed.code, 0);
    assert.match(listed.err, /Authentication failed: Invalid username or password/);
    assert.ok(cluster.saslAuthentications().length > 0 && cluster.saslAuthentications().every((attempt) => !attempt.succeeded));
  });
});
