// SASL PLAIN, broker side (RFC 4616 as Kafka's PlainSaslServer reads it): one client message
// `authzid NUL authcid NUL passwd` checked against the configured users; success is an empty answer.
import { timingSafeEqual } from 'node:crypto';
import { SaslFailure, type SaslServerMechanism } from './server-mechanism.js';

/** The server side of one PLAIN exchange. */
export class PlainServer implements SaslServerMechanism {
  readonly mechanism = 'PLAIN';
  complete = false;
  principal: string | undefined;

  constructor(private readonly passwords: ReadonlyMap<string, string>) {}

  async evaluate(message: Buffer): Promise<Buffer> {
    if (this.complete) throw new SaslFailure('PLAIN has a single client message');
    const tokens = message.toString('utf8').split('\0');
    if (tokens.length !== 3) throw new SaslFailure(`Invalid SASL/PLAIN response: expected 3 tokens, got ${tokens.length}`);
    const [authorizationId, username, password] = tokens as [string, string, string];
    if (username.length === 0) throw new SaslFailure('Authentication failed: username not specified');
    if (password.length === 0) throw new SaslFailure('Authentication failed: password not specified');
    const expected = this.passwords.get(username);
    if (expected === undefined || !sameText(expected, password)) throw new SaslFailure('Authentication failed: Invalid username or password', true);
    if (authorizationId.length > 0 && authorizationId !== username) {
      throw new SaslFailure('Authentication failed: Client requested an authorization id that is different from username', true);
    }
    this.principal = username;
    this.complete = true;
    return Buffer.alloc(0);
  }
}

function sameText(left: string, right: string): boolean {
  const a = Buffer.from(left, 'utf8');
  const b = Buffer.from(right, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}
