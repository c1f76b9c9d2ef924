// authenticate(): SaslHandshake then SaslAuthenticate rounds against a scripted connection, for
// every mechanism, and the errors a broker can answer with (KIP-152).
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AuthenticationError, ConfigError, ConnectionError, UnsupportedVersionError } from '../../../src/errors/kafka-error.js';
import { authenticate, type SaslConfig } from '../../../src/network/sasl/authenticate.js';
import {
  type AuthenticateRequest,
  FakeSaslConnection,
  failure,
  type HandshakeRequest,
  handshakeEnabling,
  scramBroker,
  success,
} from './fake-sasl-connection.js';
import { storedScramCredential } from './scram-server.js';

const plain: SaslConfig = { mechanism: 'plain', username: 'alice', password: 'secret' };

function isAuthenticationError(pattern: RegExp, code?: number): (error: unknown) => boolean {
  return (error: unknown) => {
    assert.ok(error instanceof AuthenticationError, `expected an AuthenticationError, got ${String(error)}`);
    assert.match(error.message, pattern);
    assert.equal(error.code, 'AUTHENTICATION_FAILED');
    assert.equal(error.brokerErrorCode, code);
    return true;
  };
}

describe('authenticate() with PLAIN', () => {
  it('sends SaslHandshake with Kafka\'s mechanism name, then the PLAIN message', async () => {
    const connection = new FakeSaslConnection({
      handshake: handshakeEnabling(['PLAIN']),
      authenticate: () => success(Buffer.alloc(0), 600_000n),
    });
    const session = await authenticate(connection, plain);
    assert.deepEqual(session, { mechanism: 'PLAIN', sessionLifetimeMs: 600_000 });
    assert.deepEqual(connection.requests.map((request) => request.api), ['SaslHandshake', 'SaslAuthenticate']);
    assert.deepEqual(connection.requests[0]!.body as HandshakeRequest, { mechanism: 'PLAIN' });
    assert.deepEqual(connection.authBytesSent(), [Buffer.from('\0alice\0secret')]);
  });

  it('lists the broker\'s mechanisms when it does not enable the one asked for', async () => {
    const connection = new FakeSaslConnection({
      handshake: handshakeEnabling(['SCRAM-SHA-512', 'OAUTHBEARER']),
      authenticate: () => assert.fail('no SaslAuthenticate after a refused handshake'),
    });
    await assert.rejects(authenticate(connection, plain), (error: unknown) => {
      isAuthenticationError(/broker broker-1\.example:9093.*does not enable PLAIN.*UNSUPPORTED_SASL_MECHANISM.*33.*it enables: SCRAM-SHA-512, OAUTHBEARER/, 33)(error);
      assert.equal((error as AuthenticationError).brokerErrorName, 'UNSUPPORTED_SASL_MECHANISM');
      return true;
    });
  });

  it('reports the broker\'s error code and message when it fails the authentication', async () => {
    const connection = new FakeSaslConnection({
      handshake: handshakeEnabling(['PLAIN']),
      authenticate: () => failure(58, 'Authentication failed: Invalid username or password'),
    });
    await assert.rejects(
      authenticate(connection, plain),
      isAuthenticationError(/SASL PLAIN authentication with broker broker-1\.example:9093 failed: SASL_AUTHENTICATION_FAILED \(error code 58\): Authentication failed: Invalid username or password/, 58),
    );
  });

  it('reports any other handshake error code', async () => {
    const connection = new FakeSaslConnection({
      handshake: () => ({ errorCode: 34, mechanisms: [] }),
      authenticate: () => assert.fail('unexpected'),
    });
    await assert.rejects(authenticate(connection, plain), isAuthenticationError(/SaslHandshake returned ILLEGAL_SASL_STATE \(error code 34\)/, 34));
  });

  it('passes connection failures through unchanged', async () => {
    const lost = new ConnectionError('Connection to broker-1.example:9093 closed by the broker');
    const connection = new FakeSaslConnection({
      handshake: handshakeEnabling(['PLAIN']),
      authenticate: () => Promise.reject(lost),
    });
    await assert.rejects(authenticate(connection, plain), (error: unknown) => error === lost);
  });
});

describe('authenticate() version checks', () => {
  const broker = { handshake: handshakeEnabling(['PLAIN']), authenticate: () => success() };

  it('refuses a broker that speaks only SaslHandshake v0, before sending anything', async () => {
    const connection = new FakeSaslConnection(broker, (api) => (api === 'SaslHandshake' ? 0 : 1));
    await assert.rejects(authenticate(connection, plain), isAuthenticationError(/only SaslHandshake v0 \(Kafka before 1\.0\)/));
    assert.equal(connection.requests.length, 0);
  });

  it('refuses a broker without SaslAuthenticate', async () => {
    const connection = new FakeSaslConnection(broker, (api) => {
      if (api === 'SaslAuthenticate') throw new UnsupportedVersionError('The broker does not support the SaslAuthenticate API');
      return 1;
    });
    await assert.rejects(authenticate(connection, plain), isAuthenticationError(/does not support the SaslAuthenticate API/));
    assert.equal(connection.requests.length, 0);
  });

  it('proceeds with SaslHandshake v1', async () => {
    const connection = new FakeSaslConnection(broker, () => 1);
    assert.equal((await authenticate(connection, plain)).mechanism, 'PLAIN');
  });
});

describe('authenticate() with SCRAM', () => {
  const users = new Map([['alice', storedScramCredential('sha512', 'correct horse')]]);

  it('completes SCRAM-SHA-512 in two SaslAuthenticate rounds, the broker checking the proof', async () => {
    const broker = scramBroker('sha512', users);
    const connection = new FakeSaslConnection(broker);
    const session = await authenticate(connection, { mechanism: 'scram-sha-512', username: 'alice', password: 'correct horse' });
    assert.deepEqual(session, { mechanism: 'SCRAM-SHA-512', sessionLifetimeMs: 3_600_000 });
    assert.deepEqual(connection.requests[0]!.body as HandshakeRequest, { mechanism: 'SCRAM-SHA-512' });
    const sent = connection.authBytesSent().map((bytes) => bytes.toString('utf8'));
    assert.equal(sent.length, 2);
    assert.match(sent[0]!, /^n,,n=alice,r=[^,]+$/);
    assert.match(sent[1]!, /^c=biws,r=[^,]+,p=[A-Za-z0-9+/=]+$/);
  });

  it('fails with the broker\'s message on a wrong password', async () => {
    const connection = new FakeSaslConnection(scramBroker('sha512', users));
    await assert.rejects(
      authenticate(connection, { mechanism: 'scram-sha-512', username: 'alice', password: 'wrong' }),
      isAuthenticationError(/SCRAM-SHA-512 .*broker-1\.example:9093 failed: SASL_AUTHENTICATION_FAILED \(error code 58\): Authentication failed during authentication due to invalid credentials/, 58),
    );
  });

  it('fails when the broker\'s signature does not verify, although the broker reported success', async () => {
    const broker = scramBroker('sha512', users);
    const connection = new FakeSaslConnection({
      handshake: broker.handshake,
      authenticate: async (request: AuthenticateRequest) => {
        const response = await broker.authenticate(request);
        if (!response.authBytes.toString('utf8').startsWith('v=')) return response;
        const signature = Buffer.from(response.authBytes.toString('utf8').slice(2), 'base64');
        signature[0] ^= 0xff;
        return success(Buffer.from(`v=${signature.toString('base64')}`));
      },
    });
    await assert.rejects(
      authenticate(connection, { mechanism: 'scram-sha-512', username: 'alice', password: 'correct horse' }),
      isAuthenticationError(/SASL SCRAM-SHA-512 authentication with broker broker-1\.example:9093 failed: the server signature is invalid/),
    );
  });

  it('sends tokenauth=true for delegation tokens (KIP-48)', async () => {
    const broker = scramBroker('sha256', new Map([['token-id', storedScramCredential('sha256', 'token-hmac')]]));
    await authenticate(new FakeSaslConnection(broker), {
      mechanism: 'scram-sha-256',
      username: 'token-id',
      password: 'token-hmac',
      tokenAuth: true,
    });
    assert.deepEqual(broker.server.extensions, { tokenauth: 'true' });
  });
});

describe('authenticate() with OAUTHBEARER', () => {
  const token = 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJhbGljZSJ9.';

  it('sends the token and extensions and completes on an empty response', async () => {
    const connection = new FakeSaslConnection({ handshake: handshakeEnabling(['OAUTHBEARER']), authenticate: () => success() });
    await authenticate(connection, {
      mechanism: 'oauthbearer',
      oauthBearerProvider: async () => ({ value: token, extensions: { logicalCluster: 'lkc-1' } }),
    });
    assert.deepEqual(connection.authBytesSent(), [Buffer.from(`n,,\x01auth=Bearer ${token}\x01logicalCluster=lkc-1\x01\x01`)]);
  });

  it('answers the error JSON with %x01 and reports the broker\'s failure with that JSON', async () => {
    const errorJson = '{"status":"invalid_token"}';
    let round = 0;
    const connection = new FakeSaslConnection({
      handshake: handshakeEnabling(['OAUTHBEARER']),
      // As Kafka's OAuthBearerSaslServer: error JSON first, SASL_AUTHENTICATION_FAILED after %x01.
      authenticate: ({ authBytes }) => {
        round++;
        if (round === 1) return success(Buffer.from(errorJson));
        assert.deepEqual(authBytes, Buffer.from([0x01]));
        return failure(58, null);
      },
    });
    await assert.rejects(
      authenticate(connection, { mechanism: 'oauthbearer', oauthBearerProvider: async () => ({ value: token }) }),
      isAuthenticationError(/OAUTHBEARER .* failed: SASL_AUTHENTICATION_FAILED \(error code 58\); the server reported: \{"status":"invalid_token"\}/, 58),
    );
    assert.equal(connection.authBytesSent().length, 2);
  });

  it('does not repeat the JSON when the broker\'s message already carries it', async () => {
    const errorJson = '{"status":"invalid_token"}';
    let round = 0;
    const connection = new FakeSaslConnection({
      handshake: handshakeEnabling(['OAUTHBEARER']),
      authenticate: () => (++round === 1 ? success(Buffer.from(errorJson)) : failure(58, errorJson)),
    });
    await assert.rejects(
      authenticate(connection, { mechanism: 'oauthbearer', oauthBearerProvider: async () => ({ value: token }) }),
      (error: unknown) => error instanceof AuthenticationError && error.message.split('invalid_token').length === 2,
    );
  });

  it('reports a failing token provider without contacting the broker', async () => {
    const connection = new FakeSaslConnection({ handshake: handshakeEnabling(['OAUTHBEARER']), authenticate: () => success() });
    await assert.rejects(
      authenticate(connection, {
        mechanism: 'oauthbearer',
        oauthBearerProvider: () => Promise.reject(new Error('token endpoint returned 503')),
      }),
      isAuthenticationError(/SASL OAUTHBEARER authentication with broker broker-1\.example:9093 failed: oauthBearerProvider failed: token endpoint returned 503/),
    );
    assert.equal(connection.requests.length, 0);
  });
});

describe('authenticate() settings', () => {
  it('rejects an unknown mechanism with a ConfigError listing the valid ones', async () => {
    const connection = new FakeSaslConnection({ handshake: handshakeEnabling(['PLAIN']), authenticate: () => success() });
    const config = { mechanism: 'gssapi' } as unknown as SaslConfig;
    await assert.rejects(authenticate(connection, config), (error: unknown) => {
      return error instanceof ConfigError && error.option === 'sasl.mechanism' && /'plain', 'scram-sha-256', 'scram-sha-512', 'oauthbearer'/.test(error.message);
    });
  });

  it('rejects a PLAIN username with NUL as a ConfigError', async () => {
    const connection = new FakeSaslConnection({ handshake: handshakeEnabling(['PLAIN']), authenticate: () => success() });
    await assert.rejects(authenticate(connection, { mechanism: 'plain', username: 'a\0b', password: 'x' }), ConfigError);
    assert.equal(connection.requests.length, 0);
  });
});
