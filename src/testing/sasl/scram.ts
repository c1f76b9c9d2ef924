// SCRAM-SHA-256 and SCRAM-SHA-512, broker side (RFC 5802 with RFC 7677, as Kafka's ScramSaslServer):
// the broker stores only salt, iterations, StoredKey and ServerKey per user, verifies the client's
// proof against StoredKey and proves its own knowledge of the credential with the server signature.
import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';
import { SaslFailure, type SaslServerMechanism } from './server-mechanism.js';

/** The SCRAM mechanisms Kafka offers. */
export type ScramMechanismName = 'SCRAM-SHA-256' | 'SCRAM-SHA-512';

/** What the broker stores for one user and one SCRAM mechanism (RFC 5802 section 3). */
export interface ScramCredential {
  readonly salt: Buffer;
  readonly iterations: number;
  readonly storedKey: Buffer;
  readonly serverKey: Buffer;
}

/** Kafka's default (and minimum) iteration count for SCRAM credentials. */
export const SCRAM_ITERATIONS = 4096;

const HASHES: Readonly<Record<ScramMechanismName, { readonly name: 'sha256' | 'sha512'; readonly length: number }>> = {
  'SCRAM-SHA-256': { name: 'sha256', length: 32 },
  'SCRAM-SHA-512': { name: 'sha512', length: 64 },
};

// RFC 5802 section 7. Kafka accepts only the "n" gs2 flag: no channel binding.
const CLIENT_FIRST = /^(n,(?:a=([^,]*))?,)(n=([^,]*),r=([\x21-\x2B\x2D-\x7E]+)((?:,[A-Za-z]+=[^,]*)*))$/;
const CLIENT_FINAL = /^(c=([A-Za-z0-9+/=]+),r=([\x21-\x2B\x2D-\x7E]+)(?:,[A-Za-z]+=[^,]*)*),p=([A-Za-z0-9+/=]+)$/;

/** Derives the stored credential of `password` (with a fresh random salt unless given), as a broker does when a user is created. */
export function scramCredential(mechanism: ScramMechanismName, password: string, salt: Buffer = randomBytes(16), iterations = SCRAM_ITERATIONS): ScramCredential {
  const hash = HASHES[mechanism];
  const saltedPassword = pbkdf2Sync(Buffer.from(password, 'utf8'), salt, iterations, hash.length, hash.name);
  const clientKey = hmac(hash.name, saltedPassword, 'Client Key');
  return {
    salt,
    iterations,
    storedKey: createHash(hash.name).update(clientKey).digest(),
    serverKey: hmac(hash.name, saltedPassword, 'Server Key'),
  };
}

/** The server side of one SCRAM exchange: client-first, then client-final. */
export class ScramServer implements SaslServerMechanism {
  complete = false;
  principal: string | undefined;
  private state: 'client-first' | 'client-final' | 'done' = 'client-first';
  private gs2Header = '';
  private clientFirstBare = '';
  private serverFirst = '';
  private nonce = '';
  private credential: ScramCredential | undefined;
  private username = '';

  /** `serverNonce` returns the server's part of the nonce (random; fixed only to replay the RFC vectors). */
  constructor(
    readonly mechanism: ScramMechanismName,
    private readonly credentials: ReadonlyMap<string, ScramCredential>,
    private readonly serverNonce: () => string = () => randomBytes(18).toString('base64'),
  ) {}

  async evaluate(message: Buffer): Promise<Buffer> {
    const text = message.toString('utf8');
    if (this.state === 'client-first') return this.onClientFirst(text);
    if (this.state === 'client-final') return this.onClientFinal(text);
    throw new SaslFailure(`Unexpected client message after the ${this.mechanism} exchange completed`);
  }

  private onClientFirst(text: string): Buffer {
    this.state = 'done';
    const match = CLIENT_FIRST.exec(text);
    if (!match) throw new SaslFailure(`Invalid ${this.mechanism} client-first message`);
    const [, gs2Header, authorizationId, bare, saslName, clientNonce, extensionText] = match as unknown as [string, string, string | undefined, string, string, string, string];
    const username = unescapeSaslName(saslName);
    const extensions = new Map(
      extensionText
        .split(',')
        .slice(1)
        .map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)] as const),
    );
    // Delegation tokens (KIP-48) are not kept by the fake cluster, so no token id is valid.
    if (extensions.get('tokenauth') === 'true') throw new SaslFailure(`Token Authentication failed: Invalid tokenId : ${username}`);
    const credential = this.credentials.get(username);
    if (!credential) throw new SaslFailure('Authentication failed: Invalid user credentials');
    if (authorizationId && unescapeSaslName(authorizationId) !== username) {
      throw new SaslFailure('Authentication failed: Client requested an authorization id that is different from username', true);
    }
    this.gs2Header = gs2Header;
    this.clientFirstBare = bare;
    this.credential = credential;
    this.username = username;
    this.nonce = clientNonce + this.serverNonce();
    this.serverFirst = `r=${this.nonce},s=${credential.salt.toString('base64')},i=${credential.iterations}`;
    this.state = 'client-final';
    return Buffer.from(this.serverFirst, 'utf8');
  }

  private onClientFinal(text: string): Buffer {
    this.state = 'done';
    const credential = this.credential!;
    this.credential = undefined;
    const match = CLIENT_FINAL.exec(text);
    if (!match) throw new SaslFailure(`Invalid ${this.mechanism} client-final message`);
    const [, withoutProof, channelBinding, nonce, proofText] = match as unknown as [string, string, string, string, string];
    if (nonce !== this.nonce) throw new SaslFailure('Invalid client nonce in the final client message.');
    if (Buffer.from(channelBinding, 'base64').toString('utf8') !== this.gs2Header) throw new SaslFailure('Invalid channel binding in the final client message.');
    const hash = HASHES[this.mechanism].name;
    const authMessage = `${this.clientFirstBare},${this.serverFirst},${withoutProof}`;
    const clientSignature = hmac(hash, credential.storedKey, authMessage);
    const proof = Buffer.from(proofText, 'base64');
    if (proof.length !== clientSignature.length) throw new SaslFailure('Invalid client credentials');
    // ClientKey = ClientProof XOR ClientSignature; the proof holds when H(ClientKey) is StoredKey.
    const clientKey = Buffer.alloc(proof.length);
    for (let index = 0; index < proof.length; index++) clientKey[index] = proof[index]! ^ clientSignature[index]!;
    if (!timingSafeEqual(createHash(hash).update(clientKey).digest(), credential.storedKey)) throw new SaslFailure('Invalid client credentials');
    this.principal = this.username;
    this.complete = true;
    return Buffer.from(`v=${hmac(hash, credential.serverKey, authMessage).toString('base64')}`, 'utf8');
  }
}

// RFC 5802 section 5.1: "=2C" and "=3D" are the only escapes in a saslname.
function unescapeSaslName(saslName: string): string {
  if (/=(?!2C|3D)/.test(saslName)) throw new SaslFailure(`Invalid saslname ${saslName}`);
  return saslName.replace(/=2C/g, ',').replace(/=3D/g, '=');
}

function hmac(hash: string, key: Buffer, data: string): Buffer {
  return createHmac(hash, key).update(data, 'utf8').digest();
}
