// `kafka-producer check` run as a child process: against a FakeCluster (every step passes; a
// missing topic fails and is not created), a closed port (TCP fails, with a hint), a name that
// cannot resolve (DNS fails), a TLS listener (certificate trust, TLS required) and a SASL listener
// (authentication required, wrong password, right password).
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { StepResult } from '../../../src/cli/check-steps.js';
import { FakeCluster } from '../../../src/testing/index.js';
import { opensslMissing, selfSignedCertificate } from '../../testing/tls-certificates.js';
import { runCli } from './run-cli.js';

async function check(args: readonly string[]): Promise<{ code: number | null; steps: StepResult[]; stderr: string }> {
  const run = await runCli(['check', '--json', '--timeout-ms', '5000', ...args]);
  return { code: run.code, steps: JSON.parse(run.stdout) as StepResult[], stderr: run.stderr };
}

function step(steps: readonly StepResult[], name: string, target?: string): StepResult {
  const found = steps.find((entry) => entry.step === name && (target === undefined || entry.target === target));
  assert.ok(found, `step ${name} ${target ?? ''} in ${JSON.stringify(steps)}`);
  return found;
}

// A port nothing listens on: taken from the system, then released.
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('kafka-producer check', () => {
  let cluster: FakeCluster;
  before(async () => {
    cluster = new FakeCluster({ brokers: 2, topics: [{ name: 'orders', partitions: 4, replicationFactor: 2 }] });
    await cluster.start();
  });
  after(() => cluster.stop());

  it('passes every step against a FakeCluster and prints the table', async () => {
    const run = await runCli(['check', '--bootstrap-servers', cluster.bootstrapServers, '--topic', 'orders']);
    assert.equal(run.code, 0, run.stdout);
    assert.match(run.stdout, /^STEP +TARGET +STATUS +DETAIL$/m);
    assert.match(run.stdout, /^ApiVersions +127\.0\.0\.1:\d+ +ok +.*Produce \d+-\d+/m);
    assert.match(run.stdout, /^Metadata +127\.0\.0\.1:\d+ +ok +cluster 'fake-cluster', 2 brokers/m);
    assert.match(run.stdout, /^Broker 2 +127\.0\.0\.1:\d+ +ok/m);
    assert.match(run.stdout, /^Topic +orders +ok +4 partitions, replication factor 2/m);
    assert.match(run.stdout, /Every step passed/);
  });

  it('fails the topic step for a missing topic, without creating it', async () => {
    const result = await check(['--bootstrap-servers', cluster.bootstrapServers, '--topic', 'missing']);
    assert.equal(result.code, 1);
    const topic = step(result.steps, 'Topic');
    assert.equal(topic.status, 'failed');
    assert.match(topic.detail, /does not exist/);
    assert.match(topic.hint ?? '', /create it/);
    assert.throws(() => cluster.leader('missing', 0), 'the check did not create the topic');
  });

  it('fails at TCP on a closed port, hinting at the port', async () => {
    const port = await closedPort();
    const run = await runCli(['check', '--bootstrap-servers', `127.0.0.1:${port}`]);
    assert.equal(run.code, 1);
    assert.match(run.stdout, new RegExp(`^TCP +127\\.0\\.0\\.1:${port} +failed +.*ECONNREFUSED`, 'm'));
    assert.match(run.stdout, /^ApiVersions +\S+ +skipped +TCP failed/m);
    assert.match(run.stdout, /What to try:\n {2}TCP 127\.0\.0\.1:\d+: nothing accepts connections on port \d+ there: check the port/);
  });

  it('fails at DNS for a name that does not resolve', async () => {
    const result = await check(['--bootstrap-servers', 'no-such-host.invalid:9092']);
    assert.equal(result.code, 1);
    const dns = step(result.steps, 'DNS');
    assert.equal(dns.status, 'failed');
    assert.match(dns.hint ?? '', /does not resolve|DNS/);
    assert.equal(step(result.steps, 'TCP').status, 'skipped');
    assert.equal(step(result.steps, 'Metadata').status, 'skipped');
  });

  it('goes on with the next bootstrap server when one fails', async () => {
    const port = await closedPort();
    const first = cluster.bootstrapServers.split(',')[0]!;
    const result = await check(['--bootstrap-servers', `127.0.0.1:${port},${first}`]);
    assert.equal(result.code, 1, 'a failed step fails the check');
    assert.equal(step(result.steps, 'TCP', `127.0.0.1:${port}`).status, 'failed');
    assert.equal(step(result.steps, 'ApiVersions', first).status, 'ok');
    assert.equal(step(result.steps, 'Metadata').status, 'ok');
  });

  describe('TLS', { skip: opensslMissing }, () => {
    let tlsCluster: FakeCluster;
    let directory: string;
    let caFile: string;
    before(async () => {
      const certificate = selfSignedCertificate();
      tlsCluster = new FakeCluster({ brokers: 1, ssl: certificate, topics: [{ name: 'secure', partitions: 1 }] });
      await tlsCluster.start();
      directory = mkdtempSync(join(tmpdir(), 'kafka-producer-check-'));
      caFile = join(directory, 'ca.pem');
      writeFileSync(caFile, certificate.cert);
    });
    after(async () => {
      await tlsCluster.stop();
      rmSync(directory, { recursive: true, force: true });
    });

    it('tells that the broker requires TLS when connecting without it', async () => {
      const result = await check(['--bootstrap-servers', tlsCluster.bootstrapServers]);
      assert.equal(result.code, 1);
      const apiVersions = step(result.steps, 'ApiVersions');
      assert.equal(apiVersions.status, 'failed');
      assert.match(apiVersions.hint ?? '', /requires TLS: add --tls/);
    });

    it('tells that the certificate is not trusted without its CA, and passes with it', async () => {
      const untrusted = await check(['--bootstrap-servers', tlsCluster.bootstrapServers, '--tls']);
      assert.equal(untrusted.code, 1);
      const tls = step(untrusted.steps, 'TLS');
      assert.equal(tls.status, 'failed');
      assert.match(tls.hint ?? '', /--tls-ca/);
      const trusted = await check(['--bootstrap-servers', tlsCluster.bootstrapServers, '--tls-ca', caFile, '--topic', 'secure']);
      assert.equal(trusted.code, 0, JSON.stringify(trusted.steps));
      assert.match(step(trusted.steps, 'TLS').detail, /^TLSv1\.[23], certificate CN=localhost/);
    });

    it('tells that a plaintext port does not speak TLS', async () => {
      const result = await check(['--bootstrap-servers', cluster.bootstrapServers.split(',')[0]!, '--tls']);
      assert.equal(result.code, 1);
      const tls = step(result.steps, 'TLS');
      assert.equal(tls.status, 'failed');
      assert.match(tls.hint ?? '', /does not speak TLS/);
    });
  });

  describe('SASL', () => {
    let saslCluster: FakeCluster;
    before(async () => {
      saslCluster = new FakeCluster({ brokers: 1, sasl: { mechanisms: ['SCRAM-SHA-256', 'PLAIN'], users: { alice: 'secret' } }, topics: [{ name: 'private', partitions: 1 }] });
      await saslCluster.start();
    });
    after(() => saslCluster.stop());

    it('tells that the listener requires SASL, and which mechanisms it enables', async () => {
      const result = await check(['--bootstrap-servers', saslCluster.bootstrapServers]);
      assert.equal(result.code, 1);
      const sasl = step(result.steps, 'SASL');
      assert.equal(sasl.status, 'failed');
      assert.match(sasl.detail, /requires SASL authentication \(it enables: SCRAM-SHA-256, PLAIN\)/);
      assert.match(sasl.hint ?? '', /--sasl-mechanism/);
    });

    it('tells a wrong password apart', async () => {
      const result = await check(['--bootstrap-servers', saslCluster.bootstrapServers, '--sasl-mechanism', 'scram-sha-256', '--sasl-username', 'alice', '--sasl-password', 'wrong']);
      assert.equal(result.code, 1);
      const sasl = step(result.steps, 'SASL');
      assert.equal(sasl.status, 'failed');
      assert.match(sasl.hint ?? '', /wrong username or password/);
    });

    it('tells a mechanism the broker does not enable', async () => {
      const result = await check(['--bootstrap-servers', saslCluster.bootstrapServers, '--sasl-mechanism', 'scram-sha-512', '--sasl-username', 'alice', '--sasl-password', 'secret']);
      assert.equal(step(result.steps, 'SASL').status, 'failed');
      assert.match(step(result.steps, 'SASL').detail, /it enables: SCRAM-SHA-256, PLAIN/);
    });

    it('passes with the right credentials, the password from the environment', async () => {
      const run = await runCli(['check', '--json', '--bootstrap-servers', saslCluster.bootstrapServers, '--sasl-mechanism', 'scram-sha-256', '--sasl-username', 'alice', '--topic', 'private'], {
        env: { ...process.env, KAFKA_SASL_PASSWORD: 'secret' },
      });
      const steps = JSON.parse(run.stdout) as StepResult[];
      assert.equal(run.code, 0, JSON.stringify(steps));
      assert.match(step(steps, 'SASL').detail, /authenticated as 'alice' with SCRAM-SHA-256/);
      assert.equal(step(steps, 'Topic').status, 'ok');
    });
  });
});
