// SASL OAUTHBEARER (RFC 7628, KIP-255) with SASL extensions (KIP-342): sends the user's bearer
// token, and on a server error completes the exchange with the %x01 dummy response the broker
// waits for before it fails the authentication.
import { AuthenticationError } from '../../errors/kafka-error.js';
import type { SaslClientExchange } from './exchange.js';

/** What an `oauthBearerProvider` returns: the token and optional SASL extensions (KIP-342). */
export interface OAuthBearerToken {
  /** The bearer token (for example a JWT), sent as `auth=Bearer <value>`. */
  readonly value: string;
  /** Extension key/value pairs sent next to the token, e.g. `{ logicalCluster: 'lkc-123' }`. */
  readonly extensions?: Readonly<Record<string, string>>;
}

// RFC 7628 section 3.1: kvsep = %x01.
const SEPARATOR = '\x01';
// RFC 6750 section 2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=".
const BEARER_TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;
// RFC 7628 section 3.1: key = 1*(ALPHA); value = *(VCHAR / SP / HTAB / CR / LF). Kafka also
// requires a value to be non-empty (OAuthBearerClientInitialResponse).
const EXTENSION_KEY = /^[A-Za-z]+$/;
const EXTENSION_VALUE = /^[\x21-\x7E \t\r\n]+$/;
// "auth" carries the token itself and must not be overridden by an extension.
const RESERVED_KEY = 'auth';

/**
 * Encodes the client initial response of RFC 7628 section 3.1 as Kafka's client does:
 * `n,,\x01auth=Bearer <token>\x01key=value\x01...\x01`, with no authorization identity (the
 * broker takes the principal from the token). Neither the token nor extension values appear in
 * error messages, since either may be secret.
 */
export function oauthBearerInitialResponse(token: OAuthBearerToken): Buffer {
  if (typeof token.value !== 'string' || !BEARER_TOKEN.test(token.value)) {
    throw new AuthenticationError('the token from oauthBearerProvider is not a valid bearer token (RFC 6750 b64token)');
  }
  let message = `n,,${SEPARATOR}auth=Bearer ${token.value}`;
  for (const [key, value] of Object.entries(token.extensions ?? {})) {
    if (key === RESERVED_KEY) throw new AuthenticationError('the SASL extension name "auth" is reserved (RFC 7628 section 3.1)');
    if (!EXTENSION_KEY.test(key)) throw new AuthenticationError(`invalid SASL extension name "${key}": letters only (RFC 7628 section 3.1)`);
    if (typeof value !== 'string' || !EXTENSION_VALUE.test(value)) {
      throw new AuthenticationError(`invalid value for SASL extension "${key}" (RFC 7628 section 3.1)`);
    }
    message += `${SEPARATOR}${key}=${value}`;
  }
  return Buffer.from(`${message}${SEPARATOR}${SEPARATOR}`, 'utf8');
}

type OAuthBearerState = 'initial' | 'awaiting-outcome' | 'awaiting-failure' | 'complete' | 'failed';

/** The client side of one OAUTHBEARER exchange; create one per connection attempt. */
export class OAuthBearerExchange implements SaslClientExchange {
  readonly mechanism = 'OAUTHBEARER';
  private readonly provider: () => Promise<OAuthBearerToken>;
  private state: OAuthBearerState = 'initial';
  private serverError: string | undefined;

  /** `provider` is called once per exchange, so each connection gets a current token. */
  constructor(provider: () => Promise<OAuthBearerToken>) {
    this.provider = provider;
  }

  async initialResponse(): Promise<Buffer> {
    if (this.state !== 'initial') throw this.fail(`the initial response was already sent (state ${this.state})`);
    let token: OAuthBearerToken;
    try {
      token = await this.provider();
    } catch (error) {
      this.state = 'failed';
      const reason = error instanceof Error ? error.message : String(error);
      throw new AuthenticationError(`oauthBearerProvider failed: ${reason}`, { cause: error });
    }
    if (typeof token !== 'object' || token === null) throw this.fail('oauthBearerProvider returned no token');
    try {
      const message = oauthBearerInitialResponse(token);
      this.state = 'awaiting-outcome';
      return message;
    } catch (error) {
      this.state = 'failed';
      throw error;
    }
  }

  // RFC 7628 section 3.2.2: success is an empty server response. A non-empty one is the error
  // JSON of section 3.2.2; section 3.2.3 has the client answer it with a single %x01, after which
  // the broker fails the exchange with SASL_AUTHENTICATION_FAILED (Kafka's OAuthBearerSaslServer
  // only raises the error once it has received that byte).
  async evaluateChallenge(challenge: Buffer): Promise<Buffer | undefined> {
    switch (this.state) {
      case 'awaiting-outcome':
        if (challenge.length === 0) {
          this.state = 'complete';
          return undefined;
        }
        this.serverError = challenge.toString('utf8');
        this.state = 'awaiting-failure';
        return Buffer.from(SEPARATOR, 'utf8');
      case 'awaiting-failure':
        // The server reported an error and must not then report success.
        throw this.fail(`the server reported ${this.serverError} but did not fail the exchange`);
      default:
        throw this.fail(`unexpected server message in state ${this.state}`);
    }
  }

  failureDetail(): string | undefined {
    return this.serverError;
  }

  private fail(reason: string): AuthenticationError {
    this.state = 'failed';
    return new AuthenticationError(reason);
  }
}
