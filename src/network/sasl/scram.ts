// SCRAM client (RFC 5802, with SHA-256 and SHA-512 per RFC 7677 and KIP-84): builds the client
// messages, proves knowledge of the password without sending it, and authenticates the server by
// checking its signature. The exchange completes only after the server signature verifies.
import { createHash, createHmac, pbkdf2, randomBytes, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { AuthenticationError } from '../../errors/kafka-error.js';
import type { SaslClientExchange } from './exchange.js';

const pbkdf2Async = promisify(pbkdf2);

/** Hash functions a SCRAM exchange can use; Kafka offers `sha256` and `sha512`. */
export type ScramHash = 'sha1' | 'sha256' | 'sha512';

const MECHANISM_NAMES: Readonly<Record<ScramHash, string>> = {
  sha1: 'SCRAM-SHA-1',
  sha256: 'SCRAM-SHA-256',
  sha512: 'SCRAM-SHA-512',
};

const DIGEST_LENGTHS: Readonly<Record<ScramHash, number>> = { sha1: 20, sha256: 32, sha512: 64 };

/**
 * The largest iteration count accepted from a server. Kafka stores SCRAM credentials with 4096 to
 * 16384 iterations; the bound is well above that, so stronger settings elsewhere still work, but
 * keeps a rogue server from making the client spend unbounded CPU on Hi().
 */
export const DEFAULT_MAX_SCRAM_ITERATIONS = 100_000;

// RFC 5802 section 7: the client sends gs2-header "n,," (no channel binding, no authzid), and the
// client-final message repeats it base64-encoded as c=biws.
const GS2_HEADER = 'n,,';
const CHANNEL_BINDING = Buffer.from(GS2_HEADER, 'utf8').toString('base64');

// RFC 5802 section 7: printable = %x21-2B / %x2D-7E (visible ASCII except ",").
const PRINTABLE = /^[\x21-\x2B\x2D-\x7E]+$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const EXTENSION_KEY = /^[A-Za-z]+$/;
const EXTENSION_VALUE = /^[\x01-\x2B\x2D-\x7F]+$/;

/** Settings of one SCRAM exchange. */
export interface ScramExchangeOptions {
  readonly hash: ScramHash;
  readonly username: string;
  /**
   * Used as its UTF-8 bytes. SASLprep (RFC 4013) is not applied: ASCII passwords are unaffected,
   * and non-ASCII ones must have been stored by the broker in the same normalization form.
   */
  readonly password: string;
  /**
   * SCRAM extensions appended to the client-first message, e.g. `{ tokenauth: 'true' }` to log in
   * with a delegation token (KIP-48), where the username is the token id and the password its HMAC.
   */
  readonly extensions?: Readonly<Record<string, string>>;
  /** Returns the client nonce; random by default, fixed in tests to replay the RFC vectors. */
  readonly nonce?: () => string;
  /** Largest iteration count accepted from the server; see {@link DEFAULT_MAX_SCRAM_ITERATIONS}. */
  readonly maxIterations?: number;
}

type ScramState = 'initial' | 'awaiting-server-first' | 'awaiting-server-final' | 'complete' | 'failed';

/** Escapes a username into an RFC 5802 saslname: "=" becomes "=3D" and "," becomes "=2C". */
export function scramSaslName(username: string): string {
  return username.replace(/=/g, '=3D').replace(/,/g, '=2C');
}

/** 24 random bytes in base64: printable, comma-free, and 192 bits of unpredictability. */
export function randomScramNonce(): string {
  return randomBytes(24).toString('base64');
}

/** The client side of one SCRAM exchange; create one per connection attempt. */
export class ScramExchange implements SaslClientExchange {
  readonly mechanism: string;
  private readonly options: ScramExchangeOptions;
  private state: ScramState = 'initial';
  private clientNonce = '';
  private clientFirstMessageBare = '';
  private expectedServerSignature: Buffer | undefined;

  constructor(options: ScramExchangeOptions) {
    this.options = options;
    this.mechanism = MECHANISM_NAMES[options.hash];
  }

  async initialResponse(): Promise<Buffer> {
    if (this.state !== 'initial') throw this.fail(`the client-first message was already sent (state ${this.state})`);
    const nonce = (this.options.nonce ?? randomScramNonce)();
    if (!PRINTABLE.test(nonce)) throw this.fail('the client nonce must be printable ASCII without ","');
    this.clientNonce = nonce;
    this.clientFirstMessageBare = `n=${scramSaslName(this.options.username)},r=${nonce}${this.extensionAttributes()}`;
    this.state = 'awaiting-server-first';
    return Buffer.from(GS2_HEADER + this.clientFirstMessageBare, 'utf8');
  }

  async evaluateChallenge(challenge: Buffer): Promise<Buffer | undefined> {
    switch (this.state) {
      case 'awaiting-server-first':
        return this.onServerFirstMessage(challenge);
      case 'awaiting-server-final':
        this.onServerFinalMessage(challenge);
        return undefined;
      default:
        throw this.fail(`unexpected server message in state ${this.state}`);
    }
  }

  // Kafka's own client appends extensions after the nonce, as "key=value" pairs (KIP-48).
  private extensionAttributes(): string {
    let attributes = '';
    for (const [key, value] of Object.entries(this.options.extensions ?? {})) {
      if (!EXTENSION_KEY.test(key)) throw this.fail(`invalid SCRAM extension name "${key}"`);
      if (!EXTENSION_VALUE.test(value)) throw this.fail(`invalid value for SCRAM extension "${key}"`);
      attributes += `,${key}=${value}`;
    }
    return attributes;
  }

  // RFC 5802 section 5.1: server-first-message = [reserved-mext ","] nonce "," salt ","
  // iteration-count ["," extensions].
  private async onServerFirstMessage(challenge: Buffer): Promise<Buffer> {
    const message = challenge.toString('utf8');
    const attributes = message.split(',');
    const first = attributes[0]!;
    if (first.startsWith('e=')) throw this.fail(`the server reported an error: ${first.slice(2)}`);
    // A mandatory extension the client does not know must fail the exchange (section 5.1, "m").
    if (first.startsWith('m=')) throw this.fail('the server requires an unsupported mandatory extension (m=)');
    const [nonceAttribute, saltAttribute, iterationAttribute] = attributes;
    if (!nonceAttribute?.startsWith('r=') || !saltAttribute?.startsWith('s=') || !iterationAttribute?.startsWith('i=')) {
      throw this.fail(`malformed server-first message "${message}"`);
    }
    const nonce = nonceAttribute.slice(2);
    // The combined nonce must extend ours, or the server is not answering this exchange.
    if (!nonce.startsWith(this.clientNonce)) throw this.fail('the server nonce does not start with the client nonce');
    if (!PRINTABLE.test(nonce)) throw this.fail('the server nonce is not printable ASCII');
    const saltText = saltAttribute.slice(2);
    if (saltText.length === 0 || !BASE64.test(saltText)) throw this.fail('the server sent an invalid salt');
    const salt = Buffer.from(saltText, 'base64');
    const iterations = this.parseIterations(iterationAttribute.slice(2));

    const { hash, password } = this.options;
    // Hi() is PBKDF2 with HMAC-H and dkLen = the hash's output length (RFC 5802 section 2.2).
    // The asynchronous form runs on the thread pool, so the event loop is never blocked.
    const saltedPassword = await pbkdf2Async(Buffer.from(password, 'utf8'), salt, iterations, DIGEST_LENGTHS[hash], hash);
    const clientKey = hmac(hash, saltedPassword, 'Client Key');
    const storedKey = createHash(hash).update(clientKey).digest();
    const clientFinalWithoutProof = `c=${CHANNEL_BINDING},r=${nonce}`;
    // AuthMessage is built from the bytes as exchanged, not from re-encoded strings.
    const authMessage = Buffer.concat([
      Buffer.from(`${this.clientFirstMessageBare},`, 'utf8'),
      challenge,
      Buffer.from(`,${clientFinalWithoutProof}`, 'utf8'),
    ]);
    const clientSignature = hmac(hash, storedKey, authMessage);
    const clientProof = Buffer.alloc(clientKey.length);
    for (let index = 0; index < clientKey.length; index++) clientProof[index] = clientKey[index]! ^ clientSignature[index]!;
    const serverKey = hmac(hash, saltedPassword, 'Server Key');
    this.expectedServerSignature = hmac(hash, serverKey, authMessage);
    this.state = 'awaiting-server-final';
    return Buffer.from(`${clientFinalWithoutProof},p=${clientProof.toString('base64')}`, 'utf8');
  }

  private parseIterations(text: string): number {
    const maximum = this.options.maxIterations ?? DEFAULT_MAX_SCRAM_ITERATIONS;
    const iterations = /^[0-9]{1,10}$/.test(text) ? Number(text) : Number.NaN;
    if (!(iterations > 0 && iterations <= maximum)) {
      throw this.fail(`the server asked for ${text} iterations; expected 1 to ${maximum}`);
    }
    return iterations;
  }

  // RFC 5802 section 5.1: server-final-message = (server-error / verifier) ["," extensions].
  // A server that cannot show the signature does not know the credential, so the client fails
  // even though the broker considers the exchange a success.
  private onServerFinalMessage(challenge: Buffer): void {
    const message = challenge.toString('utf8');
    const first = message.split(',')[0]!;
    if (first.startsWith('e=')) throw this.fail(`the server rejected the authentication: ${first.slice(2)}`);
    if (!first.startsWith('v=')) throw this.fail(`malformed server-final message "${message}"`);
    const signatureText = first.slice(2);
    const expected = this.expectedServerSignature!;
    const signature = BASE64.test(signatureText) ? Buffer.from(signatureText, 'base64') : Buffer.alloc(0);
    if (signature.length !== expected.length || !timingSafeEqual(signature, expected)) {
      throw this.fail('the server signature is invalid: the server does not know the credential');
    }
    this.state = 'complete';
    this.expectedServerSignature = undefined;
  }

  private fail(reason: string): AuthenticationError {
    this.state = 'failed';
    this.expectedServerSignature = undefined;
    return new AuthenticationError(reason);
  }
}

function hmac(hash: ScramHash, key: Buffer, data: string | Buffer): Buffer {
  return createHmac(hash, key).update(data).digest();
}
