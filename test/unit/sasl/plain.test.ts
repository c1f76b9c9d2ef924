// SASL PLAIN: the RFC 4616 message bytes and the settings it refuses.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '../../../src/errors/kafka-error.js';
import { PlainExchange, plainMessage } from '../../../src/network/sasl/plain.js';

describe('SASL PLAIN (RFC 4616)', () => {
  it('encodes NUL username NUL password with an empty authorization identity', () => {
    assert.deepEqual(plainMessage('alice', 'secret'), Buffer.from([0, ...Buffer.from('alice'), 0, ...Buffer.from('secret')]));
    assert.equal(plainMessage('alice', 'secret').toString('hex'), '00616c69636500736563726574');
  });

  it('sends UTF-8 as-is', () => {
    assert.deepEqual(plainMessage('zoë', 'пароль'), Buffer.concat([Buffer.from([0]), Buffer.from('zoë'), Buffer.from([0]), Buffer.from('пароль')]));
  });

  it('refuses NUL characters and empty values, naming the option', () => {
    assert.throws(() => plainMessage('al\0ice', 'secret'), (error: unknown) => error instanceof ConfigError && error.option === 'sasl.username');
    assert.throws(() => plainMessage('alice', 'se\0cret'), (error: unknown) => error instanceof ConfigError && error.option === 'sasl.password');
    assert.throws(() => plainMessage('', 'secret'), ConfigError);
    assert.throws(() => plainMessage('alice', ''), ConfigError);
  });

  it('completes after one message', async () => {
    const exchange = new PlainExchange('alice', 'secret');
    assert.equal(exchange.mechanism, 'PLAIN');
    assert.equal((await exchange.initialResponse()).toString('hex'), '00616c69636500736563726574');
    assert.equal(await exchange.evaluateChallenge(Buffer.alloc(0)), undefined);
  });
});
