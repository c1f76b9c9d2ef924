// SASL OAUTHBEARER, broker side (RFC 7628, KIP-255, extensions per KIP-342), as Kafka's
// OAuthBearerSaslServer: parses `n,,\x01auth=Bearer <token>\x01key=value...\x01\x01`, asks the
// validator, and on refusal answers the RFC 7628 error JSON, failing once the client sends %x01.
import type { OAuthBearerValidator } from '../options.js';
import { SaslFailure, type SaslServerMechanism } from './server-mechanism.js';

// Kafka's OAuthBearerClientInitialResponse: gs2 header with an optional authzid, then key=value
// pairs each ended by %x01, then a final %x01. Keys are letters; values visible ASCII, SP, HTAB, CR, LF.
const INITIAL_RESPONSE = /^n,(?:a=((?:[\x01-\x2B\x2D-\x3C\x3E-\x7F]|=2C|=3D)+))?,\x01((?:[A-Za-z]+=[\x21-\x7E \t\r\n]+\x01)*)\x01$/;
// Kafka's token syntax (a JWT's base64url parts and dots).
const AUTH_VALUE = /^(\w+) +([-_.a-zA-Z0-9]+)$/;
const CONTROL_A = 0x01;

/** The JSON error of RFC 7628 section 3.2.2 that Kafka's unsecured validator answers. */
export const INVALID_TOKEN_ERROR = '{"status":"invalid_token"}';

/** The server side of one OAUTHBEARER exchange. */
export class OAuthBearerServer implements SaslServerMechanism {
  readonly mechanism = 'OAUTHBEARER';
  complete = false;
  readonly principal = undefined;
  /** The last bearer token received. */
  presented: string | undefined;
  private errorSent: string | undefined;

  constructor(private readonly validator: OAuthBearerValidator | undefined) {}

  async evaluate(message: Buffer): Promise<Buffer> {
    // RFC 7628 section 3.2.3: after the error JSON the client answers %x01 and the server fails.
    if (message.length === 1 && message[0] === CONTROL_A && this.errorSent !== undefined) throw new SaslFailure(this.errorSent, true);
    this.errorSent = undefined;
    const match = INITIAL_RESPONSE.exec(message.toString('utf8'));
    if (!match) throw new SaslFailure('Invalid OAUTHBEARER client first message');
    const pairs = new Map<string, string>();
    for (const pair of match[2]!.split('\x01').slice(0, -1)) {
      const separator = pair.indexOf('=');
      pairs.set(pair.slice(0, separator), pair.slice(separator + 1));
    }
    const auth = pairs.get('auth');
    if (auth === undefined) throw new SaslFailure("Invalid OAUTHBEARER client first message: 'auth' not specified");
    pairs.delete('auth');
    const parts = AUTH_VALUE.exec(auth);
    if (!parts) throw new SaslFailure("Invalid OAUTHBEARER client first message: invalid 'auth' format");
    if (parts[1]!.toLowerCase() !== 'bearer') throw new SaslFailure(`Invalid scheme in OAUTHBEARER client first message: ${parts[1]}`);
    this.presented = parts[2]!;
    let accepted: boolean;
    try {
      accepted = this.validator === undefined ? true : (await this.validator(parts[2]!, Object.fromEntries(pairs))) === true;
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new SaslFailure(`Authentication could not be performed due to an internal error on the server: ${reason}`);
    }
    if (!accepted) {
      this.errorSent = INVALID_TOKEN_ERROR;
      return Buffer.from(INVALID_TOKEN_ERROR, 'utf8');
    }
    this.complete = true;
    return Buffer.alloc(0);
  }
}
