// SASL OAUTHBEARER: the RFC 7628 client initial response with KIP-342 extensions, validation of
// tokens and extensions, and the %x01 reply to a server error (RFC 7628 section 3.2.3).
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AuthenticationError } from '../../../src/errors/kafka-error.js';
import { OAuthBearerExchange, oauthBearerInitialResponse } from '../../../src/network/sasl/oauthbearer.js';

const token = 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJhbGljZSJ9.';

describe('OAUTHBEARER client initial response', () => {
  it('encodes the token without extensions', () => {
    assert.equal(oauthBearerInitialResponse({ value: token }).toString('utf8'), `n,,\x01auth=Bearer ${token}\x01\x01`);
  });

  it('appends extensions as key=value pairs separated by %x01 (KIP-342)', () => {
    const bytes = oauthBearerInitialResponse({ value: token, extensions: { logicalCluster: 'lkc-123', traceId: 'a b\tc' } });
    assert.equal(bytes.toString('utf8'), `n,,\x01auth=Bearer ${token}\x01logicalCluster=lkc-123\x01traceId=a b\tc\x01\x01`);
    assert.equal(bytes[0], 0x6e);
    assert.equal(bytes.subarray(-2).toString('hex'), '0101');
  });

  it('refuses invalid tokens and extensions without echoing secrets', () => {
    assert.throws(() => oauthBearerInitialResponse({ value: 'has space' }), (error: unknown) => {
      return error instanceof AuthenticationError && !error.message.includes('has space');
    });
    assert.throws(() => oauthBearerInitialResponse({ value: '' }), AuthenticationError);
    assert.throws(() => oauthBearerInitialResponse({ value: token, extensions: { auth: 'x' } }), /reserved/);
    assert.throws(() => oauthBearerInitialResponse({ value: token, extensions: { 'bad-key': 'x' } }), /extension name "bad-key"/);
    assert.throws(() => oauthBearerInitialResponse({ value: token, extensions: { key: 'ctl\x01char' } }), (error: unknown) => {
      return error instanceof AuthenticationError && /extension "key"/.test(error.message) && !error.message.includes('ctl');
    });
    assert.throws(() => oauthBearerInitialResponse({ value: token, extensions: { key: '' } }), AuthenticationError);
  });
});

describe('OAUTHBEARER exchange', () => {
  it('asks the provider for a token and completes on an empty server response', async () => {
    let calls = 0;
    const exchange = new OAuthBearerExchange(async () => {
      calls++;
      return { value: token, extensions: { traceId: 'abc' } };
    });
    assert.equal(exchange.mechanism, 'OAUTHBEARER');
    assert.equal((await exchange.initialResponse()).toString('utf8'), `n,,\x01auth=Bearer ${token}\x01traceId=abc\x01\x01`);
    assert.equal(calls, 1);
    assert.equal(await exchange.evaluateChallenge(Buffer.alloc(0)), undefined);
    assert.equal(exchange.failureDetail(), undefined);
  });

  it('answers a server error with a single %x01 and keeps the error for the report', async () => {
    const exchange = new OAuthBearerExchange(async () => ({ value: token }));
    await exchange.initialResponse();
    const errorJson = '{"status":"invalid_token"}';
    const reply = await exchange.evaluateChallenge(Buffer.from(errorJson));
    assert.deepEqual(reply, Buffer.from([0x01]));
    assert.equal(exchange.failureDetail(), errorJson);
    // The broker must now fail the exchange; a success instead is a protocol violation.
    await assert.rejects(exchange.evaluateChallenge(Buffer.alloc(0)), /invalid_token.*did not fail/);
  });

  it('reports a failing provider with its cause', async () => {
    const cause = new Error('identity provider unreachable');
    const exchange = new OAuthBearerExchange(async () => {
      throw cause;
    });
    await assert.rejects(exchange.initialResponse(), (error: unknown) => {
      return error instanceof AuthenticationError && /identity provider unreachable/.test(error.message) && error.cause === cause;
    });
  });
});
