// SASL PLAIN (RFC 4616): one client message carrying the username and password in the clear, so
// it belongs on TLS connections only. The broker answers with an empty success or an error code.
import { ConfigError } from '../../errors/kafka-error.js';
import type { SaslClientExchange } from './exchange.js';

/**
 * Encodes the PLAIN message `[authzid] NUL authcid NUL passwd` (RFC 4616 section 2) with an empty
 * authorization identity, which Kafka reads as "act as the authenticated user". Strings are sent
 * as UTF-8; SASLprep (RFC 4013) is not applied, so non-ASCII names and passwords must match the
 * broker's stored bytes exactly.
 */
export function plainMessage(username: string, password: string): Buffer {
  // RFC 4616 section 2: authcid and passwd are 1*SAFE, where SAFE excludes NUL (the separator).
  if (username.length === 0) throw new ConfigError('sasl.username', 'must not be empty for PLAIN');
  if (password.length === 0) throw new ConfigError('sasl.password', 'must not be empty for PLAIN');
  if (username.includes('\0')) throw new ConfigError('sasl.username', 'must not contain NUL characters');
  if (password.includes('\0')) throw new ConfigError('sasl.password', 'must not contain NUL characters');
  return Buffer.from(`\0${username}\0${password}`, 'utf8');
}

/** The PLAIN exchange: one message, after which success is the broker's error code 0. */
export class PlainExchange implements SaslClientExchange {
  readonly mechanism = 'PLAIN';
  private readonly username: string;
  private readonly password: string;

  constructor(username: string, password: string) {
    this.username = username;
    this.password = password;
  }

  async initialResponse(): Promise<Buffer> {
    return plainMessage(this.username, this.password);
  }

  // RFC 4616 defines no server data: a successful SaslAuthenticate response ends the exchange.
  async evaluateChallenge(_challenge: Buffer): Promise<Buffer | undefined> {
    return undefined;
  }
}
