// The broker side of each SASL mechanism of FakeCluster: PLAIN, SCRAM-SHA-256/512 (checked against
// the RFC 7677 test vector, then end to end with per-user salts) and OAUTHBEARER (RFC 7628 initial
// response, extensions, the error JSON then SASL_AUTHENTICATION_FAILED), with Kafka's messages.
import * as assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { AuthenticationError } from '../../src/errors/kafka-error.js';
import type { SaslConfig } from '../../src/network/sasl/authenticate.js';
import type { FakeClusterOptions, FakeSaslMechanism } from '../../src/testing/index.js';
import { ScramServer, scramCredential } from '../../src/testing/sasl/scram.js';
import { SaslFailure } from '../../src/testing/sasl/server-mechanism.js';
import { Fixture } from './fixture.js';
import type { RawClient } from './raw-client.js';
import { saslLogin } from './sasl-client.js';

const METADATA_BODY = { topics: null, includeTopicAuthorizedOperations: false };
const USERS = { alice: 'alice-secret', 'bob,=x': 'bob-secret' };

let fixture: Fixture | undefined;
async function connect(mechanisms: FakeSaslMechanism[], options: FakeClusterOptions = {}): Promise<RawClient> {
  fixture = await Fixture.start({ brokers: 1, sasl: { mechanisms, users: USERS }, ...options });
  return fixture.connect(1);
}
afterEach(async () => {
  await fixture?.stop();
  fixture = undefined;
});

/** Logs in with `config` and returns the AuthenticationError it must fail with. */
async function loginFails(client: RawClient, config: SaslConfig): Promise<AuthenticationError> {
  try {
    await saslLogin(client, config);
  } catch (error) {
    assert.ok(error instanceof AuthenticationError, String(error));
    return error;
  }
  assert.fail('the login succeeded');
}

async function handshake(client: RawClient, mechanism: string): Promise<void> {
  assert.equal((await client.request('SaslHandshake', 1, { mechanism })).errorCode, 0);
}

describe('PLAIN', () => {
  it('accepts a configured user and records the principal', async () => {
    const client = await connect(['PLAIN']);
    await saslLogin(client, { mechanism: 'plain', username: 'bob,=x', password: 'bob-secret' });
    assert.equal((await client.request('Metadata', 12, METADATA_BODY)).brokers.length, 1);
    assert.deepEqual(fixture!.cluster.saslAuthentications(), [{ brokerId: 1, mechanism: 'PLAIN', succeeded: true, reauthentication: false, principal: 'bob,=x' }]);
  });

  it("refuses a wrong password or an unknown user with Kafka's message", async () => {
    const client = await connect(['PLAIN']);
    const wrong = await loginFails(client, { mechanism: 'plain', username: 'alice', password: 'nope' });
    assert.equal(wrong.brokerErrorCode, 58);
    assert.match(wrong.message, /PLAIN .*Authentication failed: Invalid username or password/);
    const unknown = await loginFails(await fixture!.connect(1), { mechanism: 'plain', username: 'mallory', password: 'alice-secret' });
    assert.match(unknown.message, /Invalid username or password/);
  });

  it('refuses another authorization id, and a malformed message with the generic message', async () => {
    const client = await connect(['PLAIN']);
    await handshake(client, 'PLAIN');
    const other = await client.request('SaslAuthenticate', 2, { authBytes: Buffer.from('bob,=x\0alice\0alice-secret') });
    assert.equal(other.errorMessage, 'Authentication failed: Client requested an authorization id that is different from username');
    const malformed = await fixture!.connect(1);
    await handshake(malformed, 'PLAIN');
    const response = await malformed.request('SaslAuthenticate', 2, { authBytes: Buffer.from('alice-secret') });
    assert.equal(response.errorCode, 58);
    assert.equal(response.errorMessage, 'Authentication failed during authentication due to invalid credentials with SASL mechanism PLAIN');
    assert.match(fixture!.cluster.saslAuthentications()[1]?.reason ?? '', /expected 3 tokens, got 1/);
  });
});

describe('SCRAM', () => {
  it('replays the RFC 7677 SCRAM-SHA-256 example: same server-first message, proof accepted, same signature', async () => {
    const credential = scramCredential('SCRAM-SHA-256', 'pencil', Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64'), 4096);
    const server = new ScramServer('SCRAM-SHA-256', new Map([['user', credential]]), () => '%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0');
    const serverFirst = await server.evaluate(Buffer.from('n,,n=user,r=rOprNGfwEbeRWgbNEkqO'));
    assert.equal(serverFirst.toString(), 'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096');
    const serverFinal = await server.evaluate(
      Buffer.from('c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ='),
    );
    assert.equal(serverFinal.toString(), 'v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=');
    assert.equal(server.complete, true);
    assert.equal(server.principal, 'user');
  });

  it('refuses the RFC 7677 exchange with one bit of the proof flipped', async () => {
    const credential = scramCredential('SCRAM-SHA-256', 'pencil', Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64'), 4096);
    const server = new ScramServer('SCRAM-SHA-256', new Map([['user', credential]]), () => '%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0');
    await server.evaluate(Buffer.from('n,,n=user,r=rOprNGfwEbeRWgbNEkqO'));
    await assert.rejects(
      server.evaluate(Buffer.from('c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=eHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=')),
      (error: unknown) => error instanceof SaslFailure && error.message === 'Invalid client credentials' && !error.visible,
    );
    assert.equal(server.complete, false);
  });

  for (const [mechanism, config] of [
    ['SCRAM-SHA-256', 'scram-sha-256'],
    ['SCRAM-SHA-512', 'scram-sha-512'],
  ] as const) {
    it(`${mechanism}: authenticates both ways (the client checks the server signature), per-user salt, 4096 iterations`, async () => {
      const client = await connect([mechanism]);
      await saslLogin(client, { mechanism: config, username: 'bob,=x', password: 'bob-secret' });
      assert.equal((await client.request('Metadata', 12, METADATA_BODY)).brokers.length, 1);
      const salts: string[] = [];
      for (const name of ['alice', 'bob=2C=3Dx']) {
        const raw = await fixture!.connect(1);
        await handshake(raw, mechanism);
        const first = await raw.request('SaslAuthenticate', 2, { authBytes: Buffer.from(`n,,n=${name},r=clientnonce`) });
        const match = /^r=clientnonce[^,]+,s=([^,]+),i=4096$/.exec(first.authBytes.toString());
        assert.ok(match, first.authBytes.toString());
        salts.push(match[1]!);
      }
      assert.notEqual(salts[0], salts[1]);
      assert.deepEqual(fixture!.cluster.saslAuthentications()[0], { brokerId: 1, mechanism, succeeded: true, reauthentication: false, principal: 'bob,=x' });
    });

    it(`${mechanism}: a wrong password or an unknown user fails with the generic message naming the mechanism`, async () => {
      const client = await connect([mechanism]);
      const wrong = await loginFails(client, { mechanism: config, username: 'alice', password: 'wrong' });
      assert.equal(wrong.brokerErrorCode, 58);
      assert.match(wrong.message, new RegExp(`invalid credentials with SASL mechanism ${mechanism}`));
      const unknown = await loginFails(await fixture!.connect(1), { mechanism: config, username: 'mallory', password: 'x' });
      assert.match(unknown.message, new RegExp(`invalid credentials with SASL mechanism ${mechanism}`));
      assert.deepEqual(
        fixture!.cluster.saslAuthentications().map((attempt) => attempt.reason),
        ['Invalid client credentials', 'Authentication failed: Invalid user credentials'],
      );
    });
  }

  it('refuses delegation-token logins (tokenauth), as no token exists', async () => {
    const client = await connect(['SCRAM-SHA-256']);
    const error = await loginFails(client, { mechanism: 'scram-sha-256', username: 'alice', password: 'alice-secret', tokenAuth: true });
    assert.equal(error.brokerErrorCode, 58);
  });
});

describe('OAUTHBEARER', () => {
  it('passes the token and the SASL extensions to the validator and accepts what it accepts', async () => {
    const seen: { token: string; extensions: Record<string, string> }[] = [];
    const client = await connect(['OAUTHBEARER'], {
      sasl: {
        mechanisms: ['OAUTHBEARER'],
        oauthBearerValidator: (token, extensions) => {
          seen.push({ token, extensions: { ...extensions } });
          return token === 'header.payload.signature';
        },
      },
    });
    const provider = async () => ({ value: 'header.payload.signature', extensions: { logicalCluster: 'lkc-1', traceId: 'a b' } });
    await saslLogin(client, { mechanism: 'oauthbearer', oauthBearerProvider: provider });
    assert.equal((await client.request('Metadata', 12, METADATA_BODY)).brokers.length, 1);
    assert.deepEqual(seen, [{ token: 'header.payload.signature', extensions: { logicalCluster: 'lkc-1', traceId: 'a b' } }]);
    assert.deepEqual(fixture!.cluster.saslAuthentications(), [{ brokerId: 1, mechanism: 'OAUTHBEARER', succeeded: true, reauthentication: false, token: 'header.payload.signature' }]);
  });

  it('answers a refused token with the error JSON, then SASL_AUTHENTICATION_FAILED once the client sends %x01', async () => {
    const client = await connect(['OAUTHBEARER'], { sasl: { mechanisms: ['OAUTHBEARER'], oauthBearerValidator: async () => false } });
    await handshake(client, 'OAUTHBEARER');
    const challenge = await client.request('SaslAuthenticate', 2, { authBytes: Buffer.from('n,,\x01auth=Bearer expired\x01\x01') });
    assert.equal(challenge.errorCode, 0);
    assert.equal(challenge.authBytes.toString(), '{"status":"invalid_token"}');
    const final = await client.request('SaslAuthenticate', 2, { authBytes: Buffer.from([0x01]) });
    assert.equal(final.errorCode, 58);
    assert.equal(final.errorMessage, '{"status":"invalid_token"}');
    await client.closed;
    const error = await loginFails(await fixture!.connect(1), { mechanism: 'oauthbearer', oauthBearerProvider: async () => ({ value: 'expired' }) });
    assert.match(error.message, /OAUTHBEARER.*SASL_AUTHENTICATION_FAILED.*invalid_token/);
  });

  it('accepts any well-formed token without a validator, and refuses malformed initial responses', async () => {
    const client = await connect(['OAUTHBEARER'], { sasl: { mechanisms: ['OAUTHBEARER'] } });
    await saslLogin(client, { mechanism: 'oauthbearer', oauthBearerProvider: async () => ({ value: 'anything' }) });
    for (const message of ['n,,auth=Bearer x\x01\x01', 'n,,\x01auth=Basic dXNlcg\x01\x01', 'n,,\x01auth=Bearer a+b\x01\x01', 'n,,\x01host=x\x01\x01']) {
      const raw = await fixture!.connect(1);
      await handshake(raw, 'OAUTHBEARER');
      const response = await raw.request('SaslAuthenticate', 2, { authBytes: Buffer.from(message) });
      assert.equal(response.errorCode, 58, JSON.stringify(message));
      assert.equal(response.errorMessage, 'Authentication failed during authentication due to invalid credentials with SASL mechanism OAUTHBEARER');
    }
  });

  it('fails the exchange when the validator throws', async () => {
    const validator = () => {
      throw new Error('key server down');
    };
    const client = await connect(['OAUTHBEARER'], { sasl: { mechanisms: ['OAUTHBEARER'], oauthBearerValidator: validator } });
    await loginFails(client, { mechanism: 'oauthbearer', oauthBearerProvider: async () => ({ value: 'token' }) });
    assert.match(fixture!.cluster.saslAuthentications()[0]?.reason ?? '', /internal error on the server: key server down/);
  });
});
