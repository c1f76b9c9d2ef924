// Failing fast and reporting health: an unreachable cluster (refused port, unresolvable host) opens
// the circuit breaker, so that send() rejects with ClusterUnavailableError carrying the connection
// error instead of waiting maxBlockMs; records accepted before keep their delivery timeout and are
// written once the cluster is back; the producer's state (health(), 'state' events) follows; a
// missing topic fails fast too; and connection failures are told apart (DNS, refused, TLS).
import * as assert from 'node:assert/strict';
import { lookup as dnsLookup, type LookupOptions } from 'node:dns';
import { createServer, type LookupFunction } from 'node:net';
import { afterEach, describe, it } from 'node:test';
import { ClusterUnavailableError, ConfigError, ConnectionError, KafkaError, Producer, type ProducerOptions, type ProducerStateChange } from '../../src/index.js';
import { FakeCluster } from '../../src/testing/index.js';
import { sleep, within } from '../helpers/producer-check.js';
import { opensslMissing, selfSignedCertificate } from '../testing/tls-certificates.js';

let cluster: FakeCluster | undefined;
const producers: Producer[] = [];

afterEach(async () => {
  for (const producer of producers.splice(0)) await producer.close({ timeoutMs: 0 });
  await cluster?.stop();
  cluster = undefined;
});

function producer(options: ProducerOptions): { producer: Producer; states: ProducerStateChange[] } {
  const created = new Producer({ reconnectBackoffMs: 20, reconnectBackoffMaxMs: 200, ...options });
  producers.push(created);
  const states: ProducerStateChange[] = [];
  created.on('state', (change) => states.push(change));
  return { producer: created, states };
}

// A port on 127.0.0.1 with nothing listening on it.
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * A resolver for one host name (to 127.0.0.1) that answers after `delayMs`, as a slow DNS server
 * would; other names are unknown. Its pending answers are dropped by `stop()`.
 */
function slowResolver(name: string, delayMs: number): { lookup: LookupFunction; delayMs: number; calls: number; stop: () => void } {
  const timers = new Set<NodeJS.Timeout>();
  const resolver = {
    delayMs,
    calls: 0,
    lookup: ((hostname: string, options: LookupOptions, callback: Parameters<LookupFunction>[2]) => {
      resolver.calls++;
      if (hostname !== name) {
        callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }), '', 4);
        return;
      }
      const timer = setTimeout(() => {
        timers.delete(timer);
        dnsLookup('127.0.0.1', options, callback as never);
      }, resolver.delayMs);
      timer.unref();
      timers.add(timer);
    }) as LookupFunction,
    stop: () => {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
    },
  };
  return resolver;
}

async function rejection(promise: Promise<unknown>, ms: number): Promise<KafkaError> {
  const error = await within(
    promise.then(
      () => undefined,
      (failure: unknown) => failure,
    ),
    ms,
    'the send',
  );
  assert.ok(error instanceof KafkaError, `expected a KafkaError, got ${String(error)}`);
  return error;
}

describe('circuit breaker: an unreachable cluster', () => {
  it('rejects send() with ClusterUnavailableError naming the refused connection, long before maxBlockMs', async () => {
    const port = await closedPort();
    const { producer: created, states } = producer({ bootstrapServers: `127.0.0.1:${port}`, maxBlockMs: 60_000 });
    const error = await rejection(created.send({ topic: 't', value: 'x' }), 20_000);
    assert.ok(error instanceof ClusterUnavailableError, String(error));
    assert.equal(error.code, 'CLUSTER_UNAVAILABLE');
    assert.equal(error.possiblyPersisted, false);
    assert.ok(error.cause instanceof ConnectionError, String(error.cause));
    assert.equal(error.cause.reason, 'refused');
    assert.match(error.message, /refused/);
    // While it stays unavailable, a new send fails at once.
    const again = await rejection(created.send({ topic: 't', value: 'y' }), 1000);
    assert.ok(again instanceof ClusterUnavailableError);
    assert.deepEqual(
      states.map((change) => change.state),
      ['unavailable'],
    );
    assert.ok(states[0]!.error instanceof ConnectionError);
    const health = created.health();
    assert.equal(health.state, 'unavailable');
    assert.match(health.lastError ?? '', /CONNECTION_ERROR: .*refused/);
    assert.equal(health.recordsPending, 0);
    assert.equal(health.recordsWaiting, 0);
  });

  it('tells an unresolvable host name apart (reason dns)', async () => {
    const { producer: created } = producer({ bootstrapServers: 'no-such-host.invalid:9092' });
    const error = await rejection(created.send({ topic: 't', value: 'x' }), 30_000);
    assert.ok(error instanceof ClusterUnavailableError, String(error));
    assert.ok(error.cause instanceof ConnectionError);
    assert.equal(error.cause.reason, 'dns');
    assert.match(error.cause.message, /resolve the host name 'no-such-host.invalid'/);
  });

  it('slow DNS: each attempt is bounded by connectTimeoutMs and fails with reason dns; the breaker opens, and closes once DNS answers in time', async () => {
    cluster = new FakeCluster({ brokers: 1, topics: [{ name: 't', partitions: 1, replicationFactor: 1 }] });
    await cluster.start();
    const port = Number(cluster.brokerAddresses()[0]!.split(':')[1]);
    const resolver = slowResolver('kafka.slow.test', 30_000);
    try {
      const { producer: created, states } = producer({
        bootstrapServers: `kafka.slow.test:${port}`,
        lookup: resolver.lookup,
        connectTimeoutMs: 200,
        maxBlockMs: 60_000,
        circuitBreaker: { openAfterFailures: 3 },
      });
      const error = await rejection(created.send({ topic: 't', value: 'refused' }), 20_000);
      assert.ok(error instanceof ClusterUnavailableError, String(error));
      assert.ok(error.cause instanceof ConnectionError, String(error.cause));
      assert.equal(error.cause.reason, 'dns');
      assert.match(error.cause.message, new RegExp(`Resolving the host name 'kafka\\.slow\\.test' of kafka\\.slow\\.test:${port} took longer than 200 ms \\(connectTimeoutMs\\)`));
      assert.ok(resolver.calls >= 3, `resolutions asked: ${resolver.calls}`);
      assert.equal(created.health().state, 'unavailable');
      // DNS answers again, slowly but within connectTimeoutMs: the breaker's probe connects.
      resolver.delayMs = 50;
      for (let attempt = 0; attempt < 200 && created.health().state !== 'ready'; attempt++) await sleep(50);
      assert.equal(created.health().state, 'ready');
      await within(created.send({ topic: 't', value: 'after' }), 10_000, 'the send after DNS recovered');
      assert.deepEqual(
        cluster.records('t', 0).map((record) => record.value?.toString()),
        ['after'],
      );
      const sequence = states.map((change) => change.state);
      assert.ok(sequence[0] === 'unavailable' && sequence.at(-1) === 'ready', sequence.join(' -> '));
    } finally {
      resolver.stop();
    }
  });

  it("with whenOpen: 'wait', the state is unavailable but send() waits up to maxBlockMs as without a breaker", async () => {
    const port = await closedPort();
    const { producer: created, states } = producer({ bootstrapServers: `127.0.0.1:${port}`, maxBlockMs: 1500, circuitBreaker: { whenOpen: 'wait', openAfterFailures: 2 } });
    const error = await rejection(created.send({ topic: 't', value: 'x' }), 20_000);
    assert.equal(error.code, 'METADATA_TIMEOUT');
    assert.ok(states.some((change) => change.state === 'unavailable'));
  });

  it('accepted records keep their delivery timeout through an outage, are written once it ends, and the producer is ready again', async () => {
    cluster = new FakeCluster({ brokers: 2, topics: [{ name: 't', partitions: 2, replicationFactor: 2 }] });
    await cluster.start();
    const { producer: created, states } = producer({ bootstrapServers: cluster.bootstrapServers, lingerMs: 0, requestTimeoutMs: 1000, deliveryTimeoutMs: 30_000 });
    await created.send({ topic: 't', partition: 0, value: 'before' });
    assert.equal(created.health().state, 'ready');
    await cluster.stopBroker(1);
    await cluster.stopBroker(2);
    // Accepted (its partition's metadata is known) while every broker is down.
    const accepted = created.send({ topic: 't', partition: 0, value: 'during' });
    const refused = await rejection(
      (async () => {
        // The breaker opens after the connection attempts of the sender fail; then sends reject.
        for (let attempt = 0; attempt < 200; attempt++) {
          await sleep(50);
          if (created.health().state === 'unavailable') break;
        }
        return created.send({ topic: 't', partition: 1, value: 'refused' });
      })(),
      20_000,
    );
    assert.ok(refused instanceof ClusterUnavailableError, String(refused));
    await cluster.startBroker(1);
    await cluster.startBroker(2);
    const metadata = await within(accepted, 20_000, 'the accepted record');
    assert.equal(metadata.partition, 0);
    for (let attempt = 0; attempt < 200 && created.health().state !== 'ready'; attempt++) await sleep(50);
    assert.equal(created.health().state, 'ready');
    await created.send({ topic: 't', partition: 1, value: 'after' });
    assert.deepEqual(
      cluster.records('t', 0).map((record) => record.value?.toString()),
      ['before', 'during'],
    );
    assert.deepEqual(
      cluster.records('t', 1).map((record) => record.value?.toString()),
      ['after'],
    );
    const sequence = states.map((change) => change.state);
    assert.ok(sequence.includes('unavailable') && sequence.at(-1) === 'ready', sequence.join(' -> '));
  });

  it('one broker of three down is degraded, not unavailable: its partitions without leader are reported, the others are written', async () => {
    cluster = new FakeCluster({ brokers: 3, topics: [{ name: 'solo', partitions: 3, replicationFactor: 1 }] });
    await cluster.start();
    const { producer: created } = producer({ bootstrapServers: cluster.bootstrapServers, metadataMaxAgeMs: 100 });
    await created.send({ topic: 'solo', partition: 0, value: 'a' });
    const down = cluster.leader('solo', 1);
    await cluster.stopBroker(down);
    // Accepted for a partition whose leader is gone: the producer learns it has none.
    const waiting = created.send({ topic: 'solo', partition: 1, value: 'waits' });
    for (let attempt = 0; attempt < 100 && created.health().state !== 'degraded'; attempt++) await sleep(50);
    const health = created.health();
    assert.equal(health.state, 'degraded');
    assert.ok(health.partitionsWithoutLeader >= 1);
    const other = [0, 2].find((partition) => cluster!.leader('solo', partition) !== -1)!;
    await created.send({ topic: 'solo', partition: other, value: 'b' });
    await cluster.startBroker(down);
    await within(waiting, 20_000, 'the record of the partition that had no leader');
    assert.deepEqual(
      cluster.records('solo', 1).map((record) => record.value?.toString()),
      ['waits'],
    );
  });
});

describe('fail fast on causes already known', () => {
  it('a topic that does not exist (auto-creation off) fails in about a second, not at maxBlockMs', async () => {
    cluster = new FakeCluster({ brokers: 1, autoCreateTopics: false });
    await cluster.start();
    const { producer: created } = producer({ bootstrapServers: cluster.bootstrapServers, maxBlockMs: 60_000 });
    const error = await rejection(created.send({ topic: 'missing', value: 'x' }), 15_000);
    assert.equal(error.code, 'UNKNOWN_TOPIC_OR_PARTITION');
    assert.equal(error.possiblyPersisted, false);
    assert.match(error.message, /Topic 'missing' does not exist/);
    assert.match(error.message, /create it first/);
  });

  it('refuses a port outside 1-65535 at construction', () => {
    assert.throws(
      () => new Producer({ bootstrapServers: 'localhost:99999' }),
      (error: unknown) => error instanceof ConfigError && error.option === 'bootstrapServers' && /99999/.test(error.message),
    );
    assert.throws(() => new Producer({ bootstrapServers: 'localhost:0' }), ConfigError);
  });

  it('refuses circuitBreaker options it does not know, naming them', () => {
    assert.throws(
      () => new Producer({ bootstrapServers: 'localhost:9092', circuitBreaker: { openAfter: 5 } as never }),
      (error: unknown) => error instanceof ConfigError && error.option === 'circuitBreaker.openAfter',
    );
    assert.throws(
      () => new Producer({ bootstrapServers: 'localhost:9092', circuitBreaker: { whenOpen: 'later' } as never }),
      (error: unknown) => error instanceof ConfigError && error.option === 'circuitBreaker.whenOpen',
    );
  });
});

describe('connection failures told apart', { skip: opensslMissing }, () => {
  it('TLS to a plaintext broker fails with reason tls; plaintext to a TLS broker names the handshake', async () => {
    const plain = new FakeCluster({ brokers: 1 });
    await plain.start();
    const certificate = selfSignedCertificate();
    const tls = new FakeCluster({ brokers: 1, ssl: { key: certificate.key, cert: certificate.cert } });
    await tls.start();
    try {
      const { producer: tlsToPlain } = producer({ bootstrapServers: plain.bootstrapServers, ssl: { ca: certificate.cert }, connectTimeoutMs: 3000 });
      const first = await rejection(tlsToPlain.send({ topic: 't', value: 'x' }), 30_000);
      assert.ok(first.cause instanceof ConnectionError, String(first.cause));
      assert.equal(first.cause.reason, 'tls');
      assert.match(first.cause.message, /TLS handshake/);
      const { producer: plainToTls } = producer({ bootstrapServers: tls.bootstrapServers, connectTimeoutMs: 3000, requestTimeoutMs: 3000 });
      const second = await rejection(plainToTls.send({ topic: 't', value: 'x' }), 30_000);
      assert.ok(second.cause instanceof KafkaError, String(second.cause));
      assert.match(second.cause.message, /TLS or SASL|timed out/);
    } finally {
      await plain.stop();
      await tls.stop();
    }
  });
});
