// FakeCluster's SASL state machine over raw sockets, as Kafka's broker: what an unauthenticated
// connection may send (and what closes it), SaslHandshake v0 and v1, failures answered then closed,
// SASL requests after authentication, fault rules on SASL requests, and the authentication record.
import * as assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { AuthenticationError } from '../../src/errors/kafka-error.js';
import { ScramExchange } from '../../src/network/sasl/scram.js';
import { apiSpecs } from '../../src/protocol/index.js';
import { FakeCluster, type FakeClusterOptions, type FakeSaslOptions } from '../../src/testing/index.js';
import { Fixture } from './fixture.js';
import type { RawClient } from './raw-client.js';
import { saslLogin } from './sasl-client.js';

const API_VERSIONS_BODY = { clientSoftwareName: 'raw', clientSoftwareVersion: '1' };
const METADATA_BODY = { topics: null, includeTopicAuthorizedOperations: false };
const SASL: FakeSaslOptions = { mechanisms: ['SCRAM-SHA-512', 'PLAIN'], users: { alice: 'alice-secret' } };
const ALICE = { mechanism: 'plain', username: 'alice', password: 'alice-secret' } as const;

let fixture: Fixture | undefined;
async function start(options: FakeClusterOptions = {}): Promise<{ cluster: FakeCluster; connect: () => Promise<RawClient> }> {
  const started = await Fixture.start({ brokers: 1, sasl: SASL, ...options });
  fixture = started;
  return { cluster: started.cluster, connect: () => started.connect(1) };
}
afterEach(async () => {
  await fixture?.stop();
  fixture = undefined;
});

async function apiVersions(client: RawClient): Promise<void> {
  assert.equal((await client.request('ApiVersions', 3, API_VERSIONS_BODY)).errorCode, 0);
}

describe('SASL before authentication', () => {
  it('advertises SaslHandshake v0-1 and SaslAuthenticate v0-2 in ApiVersions', async () => {
    const client = await (await start()).connect();
    const response = await client.request('ApiVersions', 3, API_VERSIONS_BODY);
    const byKey = new Map(response.apiKeys.map((entry) => [entry.apiKey, [entry.minVersion, entry.maxVersion]]));
    assert.deepEqual(byKey.get(apiSpecs.SaslHandshake.apiKey), [0, 1]);
    assert.deepEqual(byKey.get(apiSpecs.SaslAuthenticate.apiKey), [0, 2]);
  });

  it('answers an unknown mechanism with UNSUPPORTED_SASL_MECHANISM and the enabled ones, then closes', async () => {
    const client = await (await start()).connect();
    await apiVersions(client);
    const response = await client.request('SaslHandshake', 1, { mechanism: 'GSSAPI' });
    assert.equal(response.errorCode, 33);
    assert.deepEqual(response.mechanisms, ['SCRAM-SHA-512', 'PLAIN']);
    await client.closed;
  });

  it('closes the connection unanswered on any other request before the handshake', async () => {
    const { connect } = await start();
    const metadataFirst = await connect();
    await assert.rejects(metadataFirst.request('Metadata', 12, METADATA_BODY), /connection closed/);
    const authenticateFirst = await connect();
    await apiVersions(authenticateFirst);
    await assert.rejects(authenticateFirst.request('SaslAuthenticate', 2, { authBytes: Buffer.from('\0alice\0alice-secret') }), /connection closed/);
    const apiVersionsTwice = await connect();
    await apiVersions(apiVersionsTwice);
    await assert.rejects(apiVersionsTwice.request('ApiVersions', 3, API_VERSIONS_BODY), /connection closed/);
  });

  it('accepts the handshake without an ApiVersions request first', async () => {
    const client = await (await start()).connect();
    assert.equal((await client.request('SaslHandshake', 1, { mechanism: 'PLAIN' })).errorCode, 0);
    const response = await client.request('SaslAuthenticate', 2, { authBytes: Buffer.from('\0alice\0alice-secret') });
    assert.equal(response.errorCode, 0);
    assert.equal((await client.request('Metadata', 12, METADATA_BODY)).brokers.length, 1);
  });

  it('speaks SaslAuthenticate v0, v1 and v2', async () => {
    const { connect } = await start();
    for (const version of [0, 1, 2]) {
      const client = await connect();
      await client.request('SaslHandshake', 1, { mechanism: 'PLAIN' });
      const response = await client.request('SaslAuthenticate', version, { authBytes: Buffer.from('\0alice\0alice-secret') });
      assert.equal(response.errorCode, 0);
      assert.equal(response.sessionLifetimeMs, version >= 1 ? 0n : undefined);
      assert.equal((await client.request('Metadata', 12, METADATA_BODY)).brokers.length, 1);
    }
  });

  it('answers any other request during the exchange with ILLEGAL_SASL_STATE, then closes', async () => {
    const { connect, cluster } = await start();
    const client = await connect();
    await apiVersions(client);
    assert.equal((await client.request('SaslHandshake', 1, { mechanism: 'PLAIN' })).errorCode, 0);
    const response = await client.request('Metadata', 12, { topics: [{ name: 't', topicId: undefined }], includeTopicAuthorizedOperations: false });
    assert.equal(response.topics[0]!.errorCode, 34);
    await client.closed;
    assert.deepEqual(cluster.saslAuthentications(), [
      { brokerId: 1, mechanism: 'PLAIN', succeeded: false, reauthentication: false, reason: 'Unexpected Kafka request of type Metadata during SASL authentication.' },
    ]);
  });

  it('answers a failed authentication with SASL_AUTHENTICATION_FAILED and a message, then closes', async () => {
    const { connect, cluster } = await start();
    const client = await connect();
    await apiVersions(client);
    await client.request('SaslHandshake', 1, { mechanism: 'PLAIN' });
    const response = await client.request('SaslAuthenticate', 2, { authBytes: Buffer.from('\0alice\0wrong') });
    assert.equal(response.errorCode, 58);
    assert.equal(response.errorMessage, 'Authentication failed: Invalid username or password');
    await client.closed;
    assert.equal(cluster.saslAuthentications()[0]?.succeeded, false);
  });
});

describe('SASL after authentication', () => {
  it('serves every API, and answers SaslHandshake and SaslAuthenticate with ILLEGAL_SASL_STATE without closing', async () => {
    const { connect, cluster } = await start();
    const client = await connect();
    const session = await saslLogin(client, ALICE);
    assert.deepEqual(session, { mechanism: 'PLAIN', sessionLifetimeMs: 0 });
    assert.equal((await client.request('Metadata', 12, METADATA_BODY)).brokers.length, 1);
    assert.deepEqual(await client.request('SaslHandshake', 1, { mechanism: 'PLAIN' }), { errorCode: 34, mechanisms: [] });
    const again = await client.request('SaslAuthenticate', 2, { authBytes: Buffer.from('\0alice\0alice-secret') });
    assert.equal(again.errorCode, 34);
    assert.equal(again.errorMessage, 'SaslAuthenticate request received after successful authentication');
    assert.equal((await client.request('Metadata', 12, METADATA_BODY)).brokers.length, 1, 'the connection is still open');
    assert.deepEqual(cluster.saslAuthentications(), [{ brokerId: 1, mechanism: 'PLAIN', succeeded: true, reauthentication: false, principal: 'alice' }]);
  });

  it('keeps SASL per connection: a new connection authenticates again', async () => {
    const { connect } = await start();
    await saslLogin(await connect(), ALICE);
    const second = await connect();
    await assert.rejects(second.request('Metadata', 12, METADATA_BODY), /connection closed/);
  });
});

describe('SASL session lifetime (KIP-368)', () => {
  const LIFETIME_MS = 150;

  it('grants the lifetime in SaslAuthenticate and renews the session on the same connection', async () => {
    const { connect, cluster } = await start({ sasl: { ...SASL, sessionLifetimeMs: { PLAIN: 60_000 } } });
    const client = await connect();
    assert.deepEqual(await saslLogin(client, ALICE), { mechanism: 'PLAIN', sessionLifetimeMs: 60_000 });
    assert.equal((await client.request('Metadata', 12, METADATA_BODY)).brokers.length, 1);
    assert.deepEqual(await saslLogin(client, ALICE), { mechanism: 'PLAIN', sessionLifetimeMs: 60_000 });
    assert.equal((await client.request('Metadata', 12, METADATA_BODY)).brokers.length, 1, 'the renewed connection serves requests');
    assert.deepEqual(
      cluster.saslAuthentications().map((attempt) => [attempt.succeeded, attempt.reauthentication]),
      [
        [true, false],
        [true, true],
      ],
    );
    assert.equal(cluster.saslExpiredSessions(), 0);
  });

  it('closes a connection whose session expired at its next request, even a SaslHandshake', async () => {
    const { connect, cluster } = await start({ sasl: { ...SASL, sessionLifetimeMs: LIFETIME_MS } });
    for (const late of ['Metadata', 'SaslHandshake'] as const) {
      const client = await connect();
      await saslLogin(client, ALICE);
      await new Promise((resolve) => setTimeout(resolve, LIFETIME_MS + 50));
      const request = late === 'Metadata' ? client.request('Metadata', 12, METADATA_BODY) : client.request('SaslHandshake', 1, { mechanism: 'PLAIN' });
      await assert.rejects(request, /connection closed/);
    }
    assert.equal(cluster.saslExpiredSessions(), 2);
  });

  it('refuses a renewal with another mechanism or another user, then closes', async () => {
    const { connect, cluster } = await start({ sasl: { ...SASL, users: { alice: 'alice-secret', bob: 'bob-secret' }, sessionLifetimeMs: 60_000 } });
    const first = await connect();
    await saslLogin(first, ALICE);
    assert.deepEqual(await first.request('SaslHandshake', 1, { mechanism: 'SCRAM-SHA-512' }), { errorCode: 33, mechanisms: ['PLAIN'] });
    await first.closed;

    const second = await connect();
    await saslLogin(second, ALICE);
    await assert.rejects(saslLogin(second, { mechanism: 'plain', username: 'bob', password: 'bob-secret' }), (error: unknown) => {
      assert.ok(error instanceof AuthenticationError);
      assert.match(error.message, /Cannot change principals during re-authentication from alice to bob/);
      return true;
    });
    await second.closed;
    const renewals = cluster.saslAuthentications().filter((attempt) => attempt.reauthentication);
    assert.deepEqual(renewals.map((attempt) => attempt.succeeded), [false]);
  });

  it('rejects an invalid sessionLifetimeMs at construction', () => {
    assert.throws(() => new FakeCluster({ sasl: { ...SASL, sessionLifetimeMs: -1 } }), /sasl\.sessionLifetimeMs must be an integer >= 0/);
    assert.throws(() => new FakeCluster({ sasl: { ...SASL, sessionLifetimeMs: { GSSAPI: 10 } as never } }), /unknown mechanism 'GSSAPI'/);
  });
});

describe('SaslHandshake v0: raw SASL tokens', () => {
  it('runs SCRAM-SHA-512 in size-prefixed tokens outside Kafka framing, then serves requests', async () => {
    const { connect, cluster } = await start();
    const client = await connect();
    await apiVersions(client);
    assert.equal((await client.request('SaslHandshake', 0, { mechanism: 'SCRAM-SHA-512' })).errorCode, 0);
    const scram = new ScramExchange({ hash: 'sha512', username: 'alice', password: 'alice-secret' });
    const serverFirst = await client.exchangeRaw(await scram.initialResponse());
    const serverFinal = await client.exchangeRaw((await scram.evaluateChallenge(serverFirst))!);
    assert.equal(await scram.evaluateChallenge(serverFinal), undefined, 'the server signature verifies');
    assert.equal((await client.request('Metadata', 12, METADATA_BODY)).brokers.length, 1);
    assert.equal(cluster.saslAuthentications()[0]?.succeeded, true);
  });

  it('closes the connection without an answer when a raw exchange fails', async () => {
    const client = await (await start()).connect();
    await apiVersions(client);
    await client.request('SaslHandshake', 0, { mechanism: 'SCRAM-SHA-512' });
    const scram = new ScramExchange({ hash: 'sha512', username: 'alice', password: 'not-hers' });
    const serverFirst = await client.exchangeRaw(await scram.initialResponse());
    await assert.rejects(client.exchangeRaw((await scram.evaluateChallenge(serverFirst))!), /connection closed/);
  });
});

describe('SASL with fault rules and version caps', () => {
  it('applies intercept rules to SaslHandshake and SaslAuthenticate', async () => {
    const { connect, cluster } = await start();
    const rule = cluster.intercept({ api: 'SaslAuthenticate' }, { closeConnection: 'before-append' });
    await assert.rejects(saslLogin(await connect(), ALICE), /connection closed/);
    assert.equal(rule.hits, 1);
    cluster.intercept({ api: 'SaslHandshake' }, { error: 33 });
    await assert.rejects(saslLogin(await connect(), ALICE), (error: unknown) => error instanceof AuthenticationError && /UNSUPPORTED_SASL_MECHANISM/.test(error.message));
    await saslLogin(await connect(), ALICE);
  });

  it('acts as a broker with SaslHandshake v0 only when maxVersions caps it', async () => {
    const client = await (await start({ maxVersions: { SaslHandshake: 0 } })).connect();
    const response = await client.request('ApiVersions', 3, API_VERSIONS_BODY);
    const handshake = response.apiKeys.find((entry) => entry.apiKey === apiSpecs.SaslHandshake.apiKey);
    assert.deepEqual([handshake?.minVersion, handshake?.maxVersion], [0, 0]);
    await assert.rejects(client.request('SaslHandshake', 1, { mechanism: 'PLAIN' }), /connection closed/);
  });
});

describe('sasl options', () => {
  it('rejects invalid settings at construction', () => {
    assert.throws(() => new FakeCluster({ sasl: { mechanisms: [] } }), /at least one/);
    assert.throws(() => new FakeCluster({ sasl: { mechanisms: ['GSSAPI'] } as unknown as FakeSaslOptions }), /unknown mechanism 'GSSAPI'/);
    assert.throws(() => new FakeCluster({ sasl: { mechanisms: ['PLAIN', 'PLAIN'] } }), /twice/);
    assert.throws(() => new FakeCluster({ sasl: { mechanisms: ['PLAIN'], users: { bob: 1 } } as unknown as FakeSaslOptions }), /password of 'bob'/);
  });
});
