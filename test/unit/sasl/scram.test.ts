// SCRAM client: the RFC 7677 and RFC 5802 test vectors byte for byte, a SCRAM-SHA-512 round trip
// against an RFC-built server (both proofs checked), and rejection of bad server messages.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AuthenticationError } from '../../../src/errors/kafka-error.js';
import { randomScramNonce, ScramExchange, type ScramExchangeOptions, scramSaslName } from '../../../src/network/sasl/scram.js';
import { storedScramCredential, type TestScramHash, TestScramServer } from './scram-server.js';

const text = (buffer: Buffer | undefined): string => buffer?.toString('utf8') ?? '<none>';

describe('SCRAM-SHA-256 (RFC 7677 section 3 test vector)', () => {
  it('produces the client messages of the RFC and verifies its server signature', async () => {
    const client = new ScramExchange({ hash: 'sha256', username: 'user', password: 'pencil', nonce: () => 'rOprNGfwEbeRWgbNEkqO' });
    assert.equal(client.mechanism, 'SCRAM-SHA-256');
    assert.equal(text(await client.initialResponse()), 'n,,n=user,r=rOprNGfwEbeRWgbNEkqO');
    const clientFinal = await client.evaluateChallenge(
      Buffer.from('r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096'),
    );
    assert.equal(
      text(clientFinal),
      'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=',
    );
    assert.equal(await client.evaluateChallenge(Buffer.from('v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=')), undefined);
  });

  it('rejects the RFC server-final message with one signature bit flipped', async () => {
    const client = new ScramExchange({ hash: 'sha256', username: 'user', password: 'pencil', nonce: () => 'rOprNGfwEbeRWgbNEkqO' });
    await client.initialResponse();
    await client.evaluateChallenge(
      Buffer.from('r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096'),
    );
    const signature = Buffer.from('6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=', 'base64');
    signature[0] ^= 1;
    await assert.rejects(client.evaluateChallenge(Buffer.from(`v=${signature.toString('base64')}`)), /server signature is invalid/);
  });
});

describe('SCRAM-SHA-1 (RFC 5802 section 5 test vector)', () => {
  it('produces the client messages of the RFC and verifies its server signature', async () => {
    const client = new ScramExchange({ hash: 'sha1', username: 'user', password: 'pencil', nonce: () => 'fyko+d2lbbFgONRv9qkxdawL' });
    assert.equal(client.mechanism, 'SCRAM-SHA-1');
    assert.equal(text(await client.initialResponse()), 'n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL');
    const clientFinal = await client.evaluateChallenge(
      Buffer.from('r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096'),
    );
    assert.equal(text(clientFinal), 'c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=');
    assert.equal(await client.evaluateChallenge(Buffer.from('v=rmF9pqV8S7suAoZWja4dJRkFsKQ=')), undefined);
  });
});

describe('saslname and nonce', () => {
  it('escapes "=" as =3D and "," as =2C (RFC 5802 section 5.1)', async () => {
    assert.equal(scramSaslName('a=b,c'), 'a=3Db=2Cc');
    assert.equal(scramSaslName('=2C'), '=3D2C');
    const client = new ScramExchange({ hash: 'sha512', username: 'o,dd=user', password: 'x', nonce: () => 'abc' });
    assert.equal(text(await client.initialResponse()), 'n,,n=o=2Cdd=3Duser,r=abc');
  });

  it('generates distinct printable comma-free nonces', () => {
    const first = randomScramNonce();
    assert.match(first, /^[\x21-\x2B\x2D-\x7E]{24,}$/);
    assert.notEqual(first, randomScramNonce());
  });

  it('refuses a nonce with a comma', async () => {
    const client = new ScramExchange({ hash: 'sha256', username: 'user', password: 'x', nonce: () => 'a,b' });
    await assert.rejects(client.initialResponse(), AuthenticationError);
  });

  it('appends extensions after the nonce, as Kafka does for delegation tokens (KIP-48)', async () => {
    const client = new ScramExchange({
      hash: 'sha256',
      username: 'token-id',
      password: 'hmac',
      nonce: () => 'abc',
      extensions: { tokenauth: 'true' },
    });
    assert.equal(text(await client.initialResponse()), 'n,,n=token-id,r=abc,tokenauth=true');
  });
});

// Runs a client against the test server until the client completes; returns the server's verdict.
async function exchange(hash: TestScramHash, username: string, password: string, serverPassword = password) {
  const users = new Map([[username, storedScramCredential(hash, serverPassword)]]);
  const server = new TestScramServer(hash, users);
  const client = new ScramExchange({ hash, username, password });
  const serverFirst = server.handleClientFirst(await client.initialResponse());
  const clientFinal = await client.evaluateChallenge(serverFirst);
  assert.ok(clientFinal);
  const verdict = server.handleClientFinal(clientFinal);
  return { client, server, verdict };
}

describe('SCRAM-SHA-512 against an RFC 5802 server', () => {
  it('uses a test server that itself reproduces the RFC 7677 vector', () => {
    const credential = storedScramCredential('sha256', 'pencil', Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64'), 4096);
    const server = new TestScramServer('sha256', new Map([['user', credential]]), '%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0');
    assert.equal(
      text(server.handleClientFirst(Buffer.from('n,,n=user,r=rOprNGfwEbeRWgbNEkqO'))),
      'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096',
    );
    const verdict = server.handleClientFinal(
      Buffer.from('c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ='),
    );
    assert.deepEqual(verdict, { accepted: true, serverFinalMessage: Buffer.from('v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=') });
  });

  it('authenticates both ways with the right password', async () => {
    const { client, server, verdict } = await exchange('sha512', 'alice,admin', 'correct horse');
    assert.equal(server.username, 'alice,admin');
    assert.equal(verdict.accepted, true);
    assert.equal(await client.evaluateChallenge(verdict.serverFinalMessage), undefined);
  });

  it('uses a non-ASCII password as its UTF-8 bytes', async () => {
    const { client, verdict } = await exchange('sha512', 'bob', 'pässwörd-日本');
    assert.equal(verdict.accepted, true);
    assert.equal(await client.evaluateChallenge(verdict.serverFinalMessage), undefined);
  });

  it('is rejected by the server with a wrong password, and reports the server error', async () => {
    const { client, verdict } = await exchange('sha512', 'alice', 'wrong', 'correct horse');
    assert.equal(verdict.accepted, false);
    assert.equal(text(verdict.serverFinalMessage), 'e=invalid-proof');
    await assert.rejects(client.evaluateChallenge(verdict.serverFinalMessage), /rejected the authentication: invalid-proof/);
  });

  it('rejects a server whose signature was tampered with', async () => {
    const { client, verdict } = await exchange('sha512', 'alice', 'correct horse');
    const signature = Buffer.from(text(verdict.serverFinalMessage).slice(2), 'base64');
    signature[signature.length - 1] ^= 0x80;
    await assert.rejects(
      client.evaluateChallenge(Buffer.from(`v=${signature.toString('base64')}`)),
      (error: unknown) => error instanceof AuthenticationError && /server signature is invalid/.test(error.message),
    );
  });

  it('rejects a server that does not know the password (its signature cannot match)', async () => {
    const users = new Map([['alice', storedScramCredential('sha512', 'something else')]]);
    const server = new TestScramServer('sha512', users);
    const client = new ScramExchange({ hash: 'sha512', username: 'alice', password: 'correct horse' });
    const clientFinal = await client.evaluateChallenge(server.handleClientFirst(await client.initialResponse()));
    assert.ok(clientFinal);
    // A server impersonator would answer "v=" with a signature computed from its own credential.
    const impostor = storedScramCredential('sha512', 'something else');
    const forged = Buffer.from(`v=${impostor.serverKey.toString('base64')}`);
    await assert.rejects(client.evaluateChallenge(forged), /server signature is invalid/);
  });
});

describe('invalid server-first messages', () => {
  const base: ScramExchangeOptions = { hash: 'sha256', username: 'user', password: 'pencil', nonce: () => 'clientnonce' };
  const cases: [string, string, RegExp][] = [
    ['a nonce not extending the client nonce', 'r=othernonce123,s=QSXCR+Q6sek8bf92,i=4096', /does not start with the client nonce/],
    ['zero iterations', 'r=clientnonceXYZ,s=QSXCR+Q6sek8bf92,i=0', /iterations/],
    ['negative iterations', 'r=clientnonceXYZ,s=QSXCR+Q6sek8bf92,i=-5', /iterations/],
    ['too many iterations', 'r=clientnonceXYZ,s=QSXCR+Q6sek8bf92,i=100000000', /iterations/],
    ['non-numeric iterations', 'r=clientnonceXYZ,s=QSXCR+Q6sek8bf92,i=4k', /iterations/],
    ['an invalid salt', 'r=clientnonceXYZ,s=not*base64,i=4096', /invalid salt/],
    ['an empty salt', 'r=clientnonceXYZ,s=,i=4096', /invalid salt/],
    ['a mandatory extension', 'm=ext,r=clientnonceXYZ,s=QSXCR+Q6sek8bf92,i=4096', /mandatory extension/],
    ['attributes out of order', 's=QSXCR+Q6sek8bf92,r=clientnonceXYZ,i=4096', /malformed server-first/],
    ['a server error', 'e=unknown-user', /server reported an error: unknown-user/],
  ];
  for (const [name, message, expected] of cases) {
    it(`rejects ${name}`, async () => {
      const client = new ScramExchange(base);
      await client.initialResponse();
      await assert.rejects(client.evaluateChallenge(Buffer.from(message)), expected);
      // A failed exchange stays failed.
      await assert.rejects(client.evaluateChallenge(Buffer.from('v=AAAA')), /unexpected server message/);
    });
  }

  it('accepts an iteration count up to the configured maximum', async () => {
    const client = new ScramExchange({ ...base, maxIterations: 5000 });
    await client.initialResponse();
    assert.ok(await client.evaluateChallenge(Buffer.from('r=clientnonceXYZ,s=QSXCR+Q6sek8bf92,i=5000')));
    const strict = new ScramExchange({ ...base, maxIterations: 4999 });
    await strict.initialResponse();
    await assert.rejects(strict.evaluateChallenge(Buffer.from('r=clientnonceXYZ,s=QSXCR+Q6sek8bf92,i=5000')), /expected 1 to 4999/);
  });

  it('rejects a malformed server-final message', async () => {
    const client = new ScramExchange(base);
    await client.initialResponse();
    await client.evaluateChallenge(Buffer.from('r=clientnonceXYZ,s=QSXCR+Q6sek8bf92,i=4096'));
    await assert.rejects(client.evaluateChallenge(Buffer.from('x=whatever')), /malformed server-final/);
  });
});
